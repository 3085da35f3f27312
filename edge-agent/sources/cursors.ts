// Where each waveform point of a source got to: the key (block counter or
// acquisition time, ms) of the newest block delivered. Kept in
// `<dataDir>/sources/<source id>.cursors.json` so that after a reconnect or
// an agent restart the blocks a device buffered meanwhile are read, and
// those already delivered are not read again.
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { readJsonFile, writeFileAtomic } from "../../common/files.ts";

const CursorFile = Type.Record(
  Type.String(),
  Type.Object({
    kind: Type.Union([Type.Literal("sequence"), Type.Literal("timestamp"), Type.Literal("value")]),
    key: Type.Number(),
  }),
);

export type CursorKind = "sequence" | "timestamp" | "value";

export interface Cursors {
  get(point: string, kind: CursorKind): number | null;
  set(point: string, kind: CursorKind, key: number): void;
}

/** Cursors of one source; in memory only without a data folder. A file that cannot be read starts afresh (logged). */
export function openCursors(
  dataDir: string | undefined,
  sourceId: string,
  log: (line: string) => void,
): Cursors {
  const file = dataDir ? join(dataDir, "sources", `${encodeURIComponent(sourceId)}.cursors.json`) : null;
  let state: Record<string, { kind: CursorKind; key: number }> = {};
  if (file) {
    const r = readJsonFile(file, CursorFile, "a cursor file");
    if (r.kind === "success") state = r.value ?? {};
    else log(`source ${sourceId}: ${r.message}; block cursors start afresh`);
  }
  let failedWrite = false;
  return {
    get(point, kind) {
      const c = state[point];
      return c && c.kind === kind ? c.key : null;
    },
    set(point, kind, key) {
      state[point] = { kind, key };
      if (!file) return;
      try {
        writeFileAtomic(file, JSON.stringify(state));
        failedWrite = false;
      } catch (e) {
        // A full or read-only disk: the cursor stays in memory; say so once per streak.
        if (!failedWrite)
          log(`source ${sourceId}: cannot save block cursors to ${file}: ${(e as Error).message}`);
        failedWrite = true;
      }
    },
  };
}
