// A real central on loopback over either store, with one wind farm (T01 with
// its drive-train points, contracted to one service company) and the tokens
// the hostile-ingest tests need; requests go over its socket with fetch.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseCentralConfig } from "../../central/config.ts";
import { type RunningCentral, startCentral } from "../../central/server.ts";
import type { Rejection } from "../../common/errors.ts";
import { type TurbinePointId, TurbinePoints } from "../../common/names.ts";
import { type RunningInfluxd, startInfluxd } from "./influxd.ts";

export type StoreKind = "embedded" | "influx";

/** Central's error body; `details.rejected` when items of the request were refused. */
export interface ErrorAnswer {
  error?: { code: string; message: string; details?: { rejected: Rejection[] } };
}

export interface IngestCentral {
  central: RunningCentral;
  tokens: { agent: string; admin: string; company: string };
  /** A JSON request over the socket; the answer's status and parsed body (typed by the caller). */
  call<T = ErrorAnswer>(
    method: "GET" | "POST" | "PUT",
    path: string,
    body?: unknown,
    o?: { token?: string; gzip?: boolean },
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export const DRIVE_TRAIN = (Object.keys(TurbinePoints) as TurbinePointId[]).map((id) => ({
  id,
  component: TurbinePoints[id].component,
}));

export async function startIngestCentral(
  kind: StoreKind,
  config: Record<string, unknown> = {},
): Promise<IngestCentral> {
  const dir = mkdtempSync(join(tmpdir(), `vetra-ingest-${kind}-`));
  let influx: RunningInfluxd | undefined;
  if (kind === "influx") influx = await startInfluxd();
  const central = await startCentral(
    parseCentralConfig({
      server: { port: 0 },
      dataDir: dir,
      store: influx ? { kind: "influx", url: influx.url, database: influx.database } : { kind: "embedded" },
      tenants: [{ id: "sc-north", name: "North Wind Service" }],
      sites: [
        { id: "wf1", name: "Wind farm 1", kind: "wind_farm" },
        { id: "wf2", name: "Wind farm 2", kind: "wind_farm" },
      ],
      assets: [
        { id: "T01", name: "WTG 1", kind: "turbine", site: "wf1", tenant: "sc-north", points: DRIVE_TRAIN },
        { id: "T02", name: "WTG 2", kind: "turbine", site: "wf1", tenant: "sc-north", points: DRIVE_TRAIN },
        { id: "T03", name: "WTG 3", kind: "turbine", site: "wf2", tenant: "sc-north", points: DRIVE_TRAIN },
      ],
      // Tests drive evaluation and notification by hand.
      // Tests drive evaluation by hand and judge alarms at once (no on/off delays).
      alarms: { evaluateEveryMs: 0, debounceMs: 0, onDelayMs: 0, offDelayMs: 0 },
      // The tests' webhook receiver listens on loopback: admitted as an on-premises receiver.
      notifications: { pumpEveryMs: 0, retryBaseMs: 0, webhookAllowList: ["127.0.0.1"] },
      ...config,
    }),
  );
  const tokens = {
    agent: central.meta.createToken({ role: "agent", site: "wf1", label: "wf1 gateway" }),
    admin: central.meta.createToken({ role: "admin", label: "admin" }),
    company: central.meta.createToken({ role: "service_company", tenant: "sc-north", label: "north" }),
  };
  return {
    central,
    tokens,
    async call(method, path, body, o = {}) {
      const json = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const res = await fetch(`${central.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${o.token ?? tokens.agent}`,
          ...(json ? { "content-type": "application/json" } : {}),
          ...(o.gzip ? { "content-encoding": "gzip" } : {}),
        },
        ...(json ? { body: o.gzip ? gzipSync(json) : json } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: (text === "" ? null : JSON.parse(text)) as never };
    },
    async close() {
      await central.close();
      await influx?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let batches = 0;
/** A batch of wf1's agent around `points`, with a fresh id. */
export const wf1Batch = (points: unknown[]) => ({
  batchId: `wf1-test-${process.pid}-${++batches}`,
  agent: "wf1-gateway",
  site: "wf1",
  sentAt: Date.now(),
  points,
});
