// Spectrum snapshots waiting for central, kept on disk so an uplink outage
// or a restart loses none: one JSON file per snapshot in
// `<queue.dir>/snapshots/`, written atomically (temporary file + rename),
// deleted only once central acknowledged it. The folder is capped in files
// and bytes; past the cap the oldest `scheduled` snapshots go first (a
// `diagnosis_changed` one is the evidence of a diagnosis, a `baseline` one
// the point's healthy reference), then the oldest of any reason. A snapshot central rejects (4xx) is moved to `rejected/`
// (the newest few kept) so it cannot block the ones behind it; when central
// names the refused snapshots of a request, only those are.
//
// The sender is a loop of its own beside the point uplink, with the same
// back-off rules (uplink.ts `backoffMs`).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ErrorCode } from "../../common/errors.ts";
import { writeFileAtomic } from "../../common/files.ts";
import {
  MAX_SNAPSHOTS_PER_REQUEST,
  type SnapshotReason,
  type SpectrumUpload,
} from "../../common/spectrum.ts";
import { isRefusedInPart, type SnapshotTransport } from "./transport.ts";
import { backoffMs, createSendLoop, DEFAULT_BACKOFF_MAX_MS, type RecoveryProbing } from "./uplink.ts";

export const SNAPSHOTS_DIR = "snapshots";
const REJECTED_DIR = "rejected";
/** Rejected snapshots kept for an operator to look at. */
const REJECTED_KEPT = 20;
/** Bytes of snapshot files per request (before gzip). */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

export interface SnapshotOutboxOptions {
  /** The agent's data folder (`queue.dir`); files go to `<dir>/snapshots/`. */
  readonly dir: string;
  readonly maxFiles: number;
  readonly maxBytes: number;
}

export interface SnapshotOutboxStats {
  pending: number;
  bytes: number;
  /** Dropped to stay under the cap, since this outbox was opened. */
  dropped: number;
  rejected: number;
}

interface Entry {
  readonly name: string;
  readonly bytes: number;
  readonly reason: SnapshotReason;
}

const reasonCode: Record<SnapshotReason, string> = { scheduled: "s", diagnosis_changed: "d", baseline: "b" };
const reasonOfCode: Record<string, SnapshotReason> = {
  s: "scheduled",
  d: "diagnosis_changed",
  b: "baseline",
};
const NAME = /^(\d{15})-([0-9a-z]+)-([sdb])\.json$/;

export class SnapshotOutbox {
  private readonly folder: string;
  private readonly entries: Entry[] = [];
  private seq = 0;
  private dropped = 0;
  private rejected = 0;

  constructor(private readonly options: SnapshotOutboxOptions) {
    this.folder = join(options.dir, SNAPSHOTS_DIR);
    mkdirSync(this.folder, { recursive: true });
    for (const name of readdirSync(this.folder).sort()) {
      const path = join(this.folder, name);
      // A temporary file is a write a crash interrupted: never renamed, never acknowledged.
      if (name.endsWith(".tmp")) rmSync(path, { force: true });
      const m = NAME.exec(name);
      if (!m) continue;
      this.entries.push({
        name,
        bytes: statSync(path).size,
        reason: reasonOfCode[m[3]!] ?? "scheduled",
      });
      this.seq = Math.max(this.seq, Number.parseInt(m[2]!, 36) + 1);
    }
  }

  /** Keeps one snapshot (durable when this returns); returns how many older ones were dropped for room. */
  put(upload: SpectrumUpload): { dropped: number } {
    const name = `${String(upload.ts).padStart(15, "0")}-${(this.seq++).toString(36)}-${reasonCode[upload.reason]}.json`;
    const text = JSON.stringify(upload);
    writeFileAtomic(join(this.folder, name), text);
    const entry: Entry = { name, bytes: Buffer.byteLength(text), reason: upload.reason };
    // Files are named by block time: keep the index in that order.
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1]!.name > name) i--;
    this.entries.splice(i, 0, entry);
    return { dropped: this.enforceCap() };
  }

  private enforceCap(): number {
    let n = 0;
    const over = () =>
      this.entries.length > this.options.maxFiles || this.stats().bytes > this.options.maxBytes;
    while (this.entries.length > 1 && over()) {
      let victim = this.entries.findIndex((e) => e.reason === "scheduled");
      if (victim < 0) victim = 0;
      const [e] = this.entries.splice(victim, 1);
      rmSync(join(this.folder, e!.name), { force: true });
      n++;
    }
    this.dropped += n;
    return n;
  }

  /** The oldest snapshots (up to one request's worth), without removing them; null when none. */
  peek(): { names: string[]; uploads: SpectrumUpload[] } | null {
    const names: string[] = [];
    const uploads: SpectrumUpload[] = [];
    let bytes = 0;
    for (const e of [...this.entries]) {
      if (names.length >= MAX_SNAPSHOTS_PER_REQUEST) break;
      if (names.length > 0 && bytes + e.bytes > MAX_REQUEST_BYTES) break;
      let upload: SpectrumUpload;
      try {
        upload = JSON.parse(readFileSync(join(this.folder, e.name), "utf8")) as SpectrumUpload;
      } catch {
        this.reject([e.name]); // unreadable: set it aside rather than block the queue
        continue;
      }
      names.push(e.name);
      uploads.push(upload);
      bytes += e.bytes;
    }
    return names.length === 0 ? null : { names, uploads };
  }

  /** Deletes acknowledged snapshots. */
  remove(names: readonly string[]): void {
    for (const name of names) if (this.take(name)) rmSync(join(this.folder, name), { force: true });
  }

  /** Moves snapshots central refused into `rejected/`, keeping the newest few there. */
  reject(names: readonly string[]): void {
    const rejectedDir = join(this.folder, REJECTED_DIR);
    mkdirSync(rejectedDir, { recursive: true });
    for (const name of names) {
      if (!this.take(name)) continue;
      renameSync(join(this.folder, name), join(rejectedDir, name));
      this.rejected++;
    }
    const kept = readdirSync(rejectedDir).sort();
    for (const old of kept.slice(0, Math.max(0, kept.length - REJECTED_KEPT)))
      rmSync(join(rejectedDir, old), { force: true });
  }

  private take(name: string): boolean {
    const i = this.entries.findIndex((e) => e.name === name);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    return true;
  }

  stats(): SnapshotOutboxStats {
    let bytes = 0;
    for (const e of this.entries) bytes += e.bytes;
    return { pending: this.entries.length, bytes, dropped: this.dropped, rejected: this.rejected };
  }
}

export interface SnapshotUplinkOptions {
  readonly agentId: string;
  readonly site: string;
  /** Pause between looks at an empty outbox, ms. */
  readonly idleMs: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Probe central's readiness while backing off (as the point uplink). */
  readonly recovery?: RecoveryProbing;
  readonly random?: () => number;
  readonly onSent?: (snapshots: number) => void;
  readonly onRejected?: (snapshots: number, code: ErrorCode, message: string) => void;
  readonly onRetry?: (code: ErrorCode, message: string, waitMs: number, failures: number) => void;
}

export interface SnapshotUplink {
  start(): void;
  /** Send now unless backing off (a new snapshot is waiting). */
  nudge(): void;
  /** Stops the loop after the request in flight. */
  stop(): Promise<void>;
  /** One request (if anything waits); "empty" | "sent" | "retry" | "rejected". */
  flushOnce(): Promise<"empty" | "sent" | { retryInMs: number } | "rejected">;
}

export function createSnapshotUplink(
  outbox: SnapshotOutbox,
  transport: SnapshotTransport,
  options: SnapshotUplinkOptions,
): SnapshotUplink {
  const backoff = {
    baseMs: options.backoffBaseMs ?? 500,
    maxMs: options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS,
    random: options.random ?? Math.random,
  };
  let failures = 0;

  async function flushOnce(): Promise<
    "empty" | "sent" | { retryInMs: number; floorMs: number } | "rejected"
  > {
    const next = outbox.peek();
    if (!next) return "empty";
    const r = await transport.send({ agent: options.agentId, site: options.site, snapshots: next.uploads });
    switch (r.kind) {
      case "success":
        outbox.remove(next.names);
        failures = 0;
        options.onSent?.(next.names.length);
        return "sent";
      case "retryable": {
        const waitMs = backoffMs(failures, r.retryInMillis, backoff);
        failures++;
        options.onRetry?.(r.code, r.message, waitMs, failures);
        return { retryInMs: waitMs, floorMs: r.retryInMillis };
      }
      case "failure": {
        failures = 0;
        // Central named the refused snapshots: set those aside, the others go again at once.
        const named = isRefusedInPart(r)
          ? r.rejected.filter((x) => x.index < next.names.length).map((x) => next.names[x.index]!)
          : [];
        const refused = named.length > 0 ? [...new Set(named)] : next.names;
        outbox.reject(refused);
        options.onRejected?.(refused.length, r.code, r.message);
        return "rejected";
      }
    }
  }

  const loop = createSendLoop(
    async () => {
      let outcome: Awaited<ReturnType<typeof flushOnce>>;
      try {
        outcome = await flushOnce();
      } catch (e) {
        // A bug or a disk error: keep the loop and the files; try again later.
        options.onRetry?.("INTERNAL", String(e), backoff.baseMs, failures);
        outcome = { retryInMs: backoff.baseMs, floorMs: 0 };
      }
      if (typeof outcome === "object")
        return { waitMs: outcome.retryInMs, nudgeable: false, retry: { floorMs: outcome.floorMs } };
      return outcome === "empty" ? { waitMs: options.idleMs, nudgeable: true } : null;
    },
    options.recovery,
    backoff.random,
  );

  return { flushOnce, ...loop };
}
