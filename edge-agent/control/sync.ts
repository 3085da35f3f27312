// The agent's half of `POST /api/v1/control/agent/sync` (common/control.ts):
// a long-poll loop over the agent's own authenticated channel (the same
// bearer token and URL as the uplink), so central never connects to the
// edge and it works behind NAT. Each request carries the declarations, the
// points' states and the oldest reports/events of the outbox; the outbox
// is trimmed only after central answered 200 with a valid desired state
// (so nothing is lost to an outage, however long). The answer is the whole
// desired state, applied as is (level-triggered: a lost answer loses
// nothing). Errors back off like the uplink (doubling to a ceiling, jitter,
// Retry-After honoured); a new report wakes a waiting long poll, so a
// command's `confirmed` reaches central at once, not at the end of the wait.
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { Value } from "@sinclair/typebox/value";
import { type AgentSyncRequest, AgentSyncResponseSchema } from "../../common/control.ts";
import { AUTH_RETRY_MS, DEFAULT_RETRY_MS, parseRetryAfter } from "../uplink/transport.ts";
import { createSendLoop, type LoopWait } from "../uplink/uplink.ts";
import type { Controller } from "./controller.ts";
import type { ControlStore } from "./store.ts";

const gzipAsync = promisify(gzip);

/** Items per request (central's schema allows 10 000 of each). */
export const SYNC_BATCH = 2000;
/** Ceiling of the back-off between failed syncs, ms. */
export const SYNC_BACKOFF_MAX_MS = 60_000;
export const SYNC_PATH = "/api/v1/control/agent/sync";

export interface SyncOptions {
  readonly url: string;
  readonly token: string;
  /** Timeout of a request beyond its long-poll wait, ms. */
  readonly timeoutMs: number;
  readonly gzip: boolean;
  readonly waitMs: number;
  readonly log?: (line: string) => void;
  /** After a desired state is taken: the agent acts on it at once rather than at its next tick. */
  readonly onApplied?: () => void;
}

export type SyncOutcome = "synced" | "woken" | { retryInMs: number; why: string };

export interface SyncClient {
  start(): void;
  /** One request now (tests; the loop uses the same). */
  syncOnce(waitMs?: number): Promise<SyncOutcome>;
  /** Ends a waiting long poll early (new reports to deliver). */
  wake(): void;
  stop(): Promise<void>;
  readonly failures: number;
}

export function createSyncClient(controller: Controller, store: ControlStore, opts: SyncOptions): SyncClient {
  const endpoint = new URL(SYNC_PATH, opts.url).href;
  const log = opts.log ?? (() => {});
  let stopping = false;
  let waiting: AbortController | null = null;
  let failures = 0;
  let woken = false;

  async function syncOnce(waitMs = opts.waitMs): Promise<SyncOutcome> {
    const { items, upTo } = store.peek(SYNC_BATCH);
    const more = items.length >= SYNC_BATCH;
    const body: AgentSyncRequest = {
      revision: controller.revision,
      // With more to deliver, or something already delivered waiting for its answer: no waiting.
      waitMs: more ? 0 : waitMs,
      declarations: controller.declarations(),
      reports: items.flatMap((i) => (i.kind === "report" ? [i.report] : [])),
      states: controller.states(),
      events: items.flatMap((i) => (i.kind === "event" ? [i.event] : [])),
    };
    const json = Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      authorization: `Bearer ${opts.token}`,
    };
    if (opts.gzip) headers["content-encoding"] = "gzip";
    const abort = new AbortController();
    // Only a request with nothing in it may be cut short by wake(): one carrying reports waits for its answer.
    if (items.length === 0) waiting = abort;
    woken = false;
    const timer = setTimeout(() => abort.abort(new Error("timeout")), body.waitMs + opts.timeoutMs);
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: "POST",
        headers,
        body: opts.gzip ? await gzipAsync(json) : json,
        signal: abort.signal,
      });
      const text = await res.text();
      if (res.status !== 200) {
        const retryAfter = parseRetryAfter(res.headers.get("retry-after"));
        const why = `${res.status} ${text.slice(0, 200)}`;
        if (res.status === 401 || res.status === 403) return { retryInMs: retryAfter ?? AUTH_RETRY_MS, why };
        return { retryInMs: retryAfter ?? DEFAULT_RETRY_MS, why };
      }
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        return { retryInMs: DEFAULT_RETRY_MS, why: "unreadable answer" };
      }
      if (!Value.Check(AgentSyncResponseSchema, answer))
        return { retryInMs: DEFAULT_RETRY_MS, why: "the answer is not a desired state (common/control.ts)" };
      store.ack(upTo);
      controller.applyDesired(answer);
      opts.onApplied?.();
      return "synced";
    } catch (e) {
      if (woken) return "woken";
      const err = e as Error & { cause?: { code?: string } };
      return { retryInMs: DEFAULT_RETRY_MS, why: `POST ${endpoint}: ${err.cause?.code ?? err.message}` };
    } finally {
      clearTimeout(timer);
      if (waiting === abort) waiting = null;
    }
  }

  let lastWhy = "";
  /** One sync, then on at once, or after a failure a back-off that only stop() cuts short. */
  async function step(): Promise<LoopWait> {
    const outcome = await syncOnce();
    if (stopping) return null;
    if (outcome === "synced" || outcome === "woken") {
      if (failures > 0) log(`control sync: central answers again after ${failures} failed attempts`);
      failures = 0;
      lastWhy = "";
      return null;
    }
    failures++;
    if (outcome.why !== lastWhy) log(`control sync: ${outcome.why}; the agent keeps its last desired state`);
    lastWhy = outcome.why;
    const backoff = Math.min(SYNC_BACKOFF_MAX_MS, DEFAULT_RETRY_MS * 2 ** Math.min(failures - 1, 10));
    return { waitMs: Math.max(outcome.retryInMs, backoff) * (0.75 + Math.random() * 0.5), nudgeable: false };
  }
  const loop = createSendLoop(step);

  return {
    start() {
      stopping = false;
      lastWhy = "";
      loop.start();
    },
    syncOnce,
    wake() {
      if (waiting) {
        woken = true;
        waiting.abort(new Error("woken"));
      }
    },
    async stop() {
      stopping = true;
      woken = true;
      waiting?.abort(new Error("stopping"));
      await loop.stop();
    },
    get failures() {
      return failures;
    },
  };
}
