// Where each waveform point of a source got to: the key (block counter or
// acquisition time, ms) of the newest block delivered. Kept in
// `<dataDir>/sources/<source id>.cursors.json` so that after a reconnect or
// an agent restart the blocks a device buffered meanwhile are read, and
// those already delivered are not read again.
//
// The file is replaced after every block (temporary file + rename: atomic
// against a crash of the agent) on libuv's thread pool, one write at a time
// with the newest state, and not fsync'd: a synchronous write with two
// fsyncs per block was, after the queue's commits, the largest item of the
// agent's main thread in a CPU profile of the edge benchmark
// (bench/edge.bench.ts), and a rename waits for the file system's journal.
// The file may lag the newest block by the write in flight, and a power cut
// may leave an older cursor or an unreadable file: each costs blocks read
// and analysed again, never a block skipped.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Type } from "@sinclair/typebox";
import { readJsonFile } from "../../common/files.ts";

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
  /** A write in flight; `again`: the state changed meanwhile, write once more when it is done. */
  let writing = false;
  let again = false;
  let tmpCounter = 0;
  const save = async (path: string): Promise<void> => {
    writing = true;
    try {
      do {
        again = false;
        const tmp = `${path}.${process.pid}.${tmpCounter++}.tmp`;
        try {
          await mkdir(dirname(path), { recursive: true, mode: 0o700 });
          await writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
          await rename(tmp, path);
          failedWrite = false;
        } catch (e) {
          // A full or read-only disk: the cursor stays in memory; say so once per streak.
          if (!failedWrite)
            log(`source ${sourceId}: cannot save block cursors to ${path}: ${(e as Error).message}`);
          failedWrite = true;
        }
      } while (again);
    } finally {
      writing = false;
    }
  };
  return {
    get(point, kind) {
      const c = state[point];
      return c && c.kind === kind ? c.key : null;
    },
    set(point, kind, key) {
      state[point] = { kind, key };
      if (!file) return;
      if (writing) again = true;
      else void save(file);
    },
  };
}
