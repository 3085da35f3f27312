// One site's edge uplink, reduced to what a multi-replica test needs: it
// posts the agent's batch format (gzip'd JSON, a batch id per batch) with
// the agent's own HTTP transport, and re-sends the same batch after every
// retryable outcome (central away, a 502 of the load balancer, 503 while the
// metadata database restarts) until it is acknowledged — at least once, as
// the real uplink. Every batch carries `pointsPerBatch` counter points
// (scada.power_kw of one asset, tag `source` = the site; value and
// timestamp both the point's sequence number, so what the store must hold
// is known) and a diagnosis point for every condition raised so far (the
// edge re-confirms active diagnoses), each with a timestamp of its own.
import type { Diagnosis, TurbinePointId } from "../../common/names.ts";
import type { IngestAck, IngestBatch, Point } from "../../common/wire.ts";
import { createHttpTransport } from "../../edge-agent/uplink/transport.ts";

export interface Condition {
  asset: string;
  point: TurbinePointId;
  fault: Diagnosis;
}

export interface BatchSender {
  readonly site: string;
  /** Batches acknowledged. */
  acked(): number;
  /** Counter points acknowledged (their values are 1..n). */
  counterPoints(): number;
  /** Diagnosis points acknowledged, by condition key `asset:point:fault`. */
  readonly diagnosisPoints: Map<string, number>;
  /** Acknowledgements per batch id that said `duplicate: false` (a batch stored for the first time). */
  readonly firstAcks: Map<string, number>;
  /** Every batch id sent, with its number of points. */
  readonly batches: Map<string, number>;
  /** Re-sends after a retryable outcome. */
  retries(): number;
  /** The conditions raised so far. */
  readonly raised: Condition[];
  /** Starts reporting the next condition of the list (false when none is left). */
  raiseNext(): boolean;
  /** Why the sender stopped on its own (a batch refused for good), else null. */
  error(): Error | null;
  /** Stops after the batch in flight is acknowledged. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const conditionKey = (c: Condition) => `${c.asset}:${c.point}:${c.fault}`;

export function startBatchSender(o: {
  url: string;
  token: string;
  site: string;
  counterAsset: string;
  conditions: readonly Condition[];
  /** Where the counter's timestamps start (ms); point n is at t0Ms + n. */
  t0Ms: number;
  pointsPerBatch: number;
  pauseMs: number;
}): BatchSender {
  const transport = createHttpTransport({ url: o.url, token: o.token, timeoutMs: 15_000, gzip: true });
  const raised: Condition[] = [];
  const diagnosisPoints = new Map<string, number>();
  const firstAcks = new Map<string, number>();
  const batches = new Map<string, number>();
  let acked = 0;
  let counter = 0;
  let retries = 0;
  let lastDiagnosisTs = 0;
  let stopping = false;

  const batchOf = (k: number): IngestBatch => {
    const points: Point[] = [];
    for (let i = 1; i <= o.pointsPerBatch; i++) {
      const n = counter + i;
      points.push({
        measurement: "scada",
        tags: { site: o.site, asset: o.counterAsset, source: o.site },
        fields: { power_kw: n },
        ts: o.t0Ms + n,
      });
    }
    for (const c of raised) {
      lastDiagnosisTs = Math.max(Date.now(), lastDiagnosisTs + 1);
      points.push({
        measurement: "diagnosis",
        tags: { site: o.site, asset: c.asset, point: c.point, fault: c.fault },
        fields: { severity: 1, confidence: 0.9, active: 1, raised_at_ms: lastDiagnosisTs },
        ts: lastDiagnosisTs,
      });
    }
    return {
      batchId: `${o.site}-batch-${k}`,
      agent: `${o.site}-gateway`,
      site: o.site,
      sentAt: Date.now(),
      points,
    };
  };

  const loop = (async () => {
    for (let k = 1; !stopping; k++) {
      const batch = batchOf(k);
      batches.set(batch.batchId, batch.points.length);
      for (;;) {
        const r = await transport.send(batch);
        if (r.kind === "success") {
          const ack: IngestAck = r.value;
          if (!ack.duplicate) firstAcks.set(batch.batchId, (firstAcks.get(batch.batchId) ?? 0) + 1);
          break;
        }
        if (r.kind === "failure") throw new Error(`${batch.batchId} refused: ${r.code} ${r.message}`);
        retries++;
        await sleep(Math.min(r.retryInMillis, 300));
      }
      acked++;
      counter += o.pointsPerBatch;
      for (const p of batch.points)
        if (p.measurement === "diagnosis") {
          const key = `${p.tags.asset}:${p.tags.point}:${p.tags.fault}`;
          diagnosisPoints.set(key, (diagnosisPoints.get(key) ?? 0) + 1);
        }
      await sleep(o.pauseMs);
    }
  })();
  let error: Error | null = null;
  // Awaited by stop(); a refusal must not go unhandled meanwhile.
  loop.catch((e: unknown) => {
    error = e instanceof Error ? e : new Error(String(e));
  });

  return {
    site: o.site,
    acked: () => acked,
    counterPoints: () => counter,
    diagnosisPoints,
    firstAcks,
    batches,
    retries: () => retries,
    error: () => error,
    raised,
    raiseNext() {
      const next = o.conditions[raised.length];
      if (!next) return false;
      raised.push(next);
      return true;
    },
    async stop() {
      stopping = true;
      await loop;
    },
  };
}
