// Types of batch-columns.js for the TypeScript side (grid/batch.ts).
export const BATCH_COLUMNS: readonly string[];
