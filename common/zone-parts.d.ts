// Types of zone-parts.js for the TypeScript side.
export function zoneParts(
  ms: number,
  timeZone: string,
): { y: string; m: string; d: string; hh: string; mm: string; weekday: string };
