// What central's ingest costs per point in process, stage by stage, for
// the version 1 body (a list of point objects) and the columnar body
// (common/wire-columns.ts), on this bench's batches: gunzip, JSON parse,
// the schema (TypeBox schemas compiled by Ajv with central's options), the
// checks after the schema (catalog, times, values, series keys) and the
// line protocol for InfluxDB, in CPU time of this process. No HTTP, no store, no metadata: the part of
// central's CPU per point that the body's shape decides.
import { gunzipSync, gzipSync } from "node:zlib";
import { Ajv } from "ajv";
import { parse as secureJsonParse } from "secure-json-parse";
import { columnsShapeProblem, refusedColumns } from "../central/lib/points-columns.ts";
import { catalogOf } from "../central/meta/catalog.ts";
import type { FleetIndex } from "../central/meta/meta.ts";
import { refusedPoints } from "../central/plugins/ingest.ts";
import { linesOfColumns, SeriesCache, toLine } from "../central/stores/line-protocol.ts";
import { IngestBatchSchema } from "../common/wire.ts";
import { IngestBatchV2Schema } from "../common/wire-columns.ts";
import { toColumnsBatch } from "../edge-agent/uplink/columns.ts";
import { BATCH, batchPoints } from "./ingest-load.ts";

/** CPU time of this process, ms: the machine's other work does not count, as wall time would on a shared machine. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export interface StageCosts {
  /** µs per point of each stage, and their sum. */
  gunzip: number;
  parse: number;
  schema: number;
  checks: number;
  lines: number;
  total: number;
}

const STAGES = ["gunzip", "parse", "schema", "checks", "lines"] as const;

/** A fleet of one site with the two turbines the bench's points name. */
const fleet = {
  gen: 1,
  siteById: new Map([["wf1", { id: "wf1" }]]),
  assets: ["T01", "T02"].map((id) => ({ id, site: "wf1", kind: "wind_turbine", points: [] })),
} as unknown as FleetIndex;
const principal = { role: "agent", site: "wf1" } as const;

/** Per-point µs of each stage over `batches` batches (after as many again to warm up). */
export function inProcessCosts(batches: number): { v1: StageCosts; v2: StageCosts } {
  const ajv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false });
  const checkV1 = ajv.compile(IngestBatchSchema);
  const checkV2 = ajv.compile(IngestBatchV2Schema);
  const bodies = Array.from({ length: batches }, (_, b) => {
    const batch = {
      batchId: `inprocess-${b}`,
      agent: "bench",
      site: "wf1",
      sentAt: Date.now(),
      points: batchPoints(b),
    };
    return {
      v1: gzipSync(JSON.stringify(batch)),
      v2: gzipSync(JSON.stringify(toColumnsBatch(batch).body)),
    };
  });
  const index = catalogOf(fleet, "wf1")!.index;
  const run = (version: "v1" | "v2"): StageCosts => {
    const ms = { gunzip: 0, parse: 0, schema: 0, checks: 0, lines: 0 };
    let sink = 0;
    for (const body of bodies) {
      let t = cpuMs();
      const text = gunzipSync(body[version]).toString("utf8");
      ms.gunzip += cpuMs() - t;
      t = cpuMs();
      const parsed =
        version === "v1"
          ? secureJsonParse(text, { protoAction: "error", constructorAction: "error" })
          : JSON.parse(text);
      ms.parse += cpuMs() - t;
      t = cpuMs();
      if (!(version === "v1" ? checkV1(parsed) : checkV2(parsed)))
        throw new Error(
          `bench body fails its schema: ${JSON.stringify((version === "v1" ? checkV1 : checkV2).errors)}`,
        );
      ms.schema += cpuMs() - t;
      t = cpuMs();
      if (version === "v1") {
        const keys: string[] = new Array(parsed.points.length);
        sink += refusedPoints(fleet, principal as never, parsed.points, Date.now(), keys).length;
      } else {
        const keys: string[] = new Array(parsed.series.length);
        if (columnsShapeProblem(parsed.series, keys)) throw new Error("bench body is not a batch");
        sink += refusedColumns(parsed.series, () => index, Date.now()).length;
      }
      ms.checks += cpuMs() - t;
      t = cpuMs();
      if (version === "v1") {
        const cache = new SeriesCache();
        const lines: string[] = new Array(parsed.points.length);
        for (let i = 0; i < lines.length; i++) lines[i] = toLine(parsed.points[i], cache);
        sink += lines.join("\n").length;
      } else sink += linesOfColumns(parsed.series).length;
      ms.lines += cpuMs() - t;
    }
    if (sink === 0) throw new Error("nothing measured");
    const per = (x: number) => (x * 1000) / (bodies.length * BATCH);
    const out = { total: 0 } as StageCosts;
    for (const s of STAGES) {
      out[s] = per(ms[s]);
      out.total += out[s];
    }
    return out;
  };
  // Warm-up (JIT) of both, then the measured runs, alternated twice so load changes fall on both.
  run("v1");
  run("v2");
  const a1 = run("v1");
  const a2 = run("v2");
  const b2 = run("v2");
  const b1 = run("v1");
  const mean = (x: StageCosts, y: StageCosts): StageCosts => {
    const out = { total: 0 } as StageCosts;
    for (const s of STAGES) {
      out[s] = (x[s] + y[s]) / 2;
      out.total += out[s];
    }
    return out;
  };
  return { v1: mean(a1, b1), v2: mean(a2, b2) };
}

if (process.argv[1]?.endsWith("ingest-inprocess.ts")) {
  const { v1, v2 } = inProcessCosts(Number(process.env.VETRA_BENCH_INGEST_BATCHES ?? 40));
  const f = (c: StageCosts) =>
    `${STAGES.map((s) => `${s}=${c[s].toFixed(2)}`).join(" ")} total=${c.total.toFixed(2)}`;
  console.log(`v1 µs/point: ${f(v1)}`);
  console.log(`v2 µs/point: ${f(v2)}`);
}
