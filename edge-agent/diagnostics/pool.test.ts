// The analysis pool on blocks of the turbine simulator's physics: the same
// findings and points as the main-thread chain, the backlog bound under a
// flood, and a worker that dies (injected) costing only its block.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TurbinePointId } from "../../common/names.ts";
import { type FaultSpec, mulberry32 } from "../../simulators/turbine/physics.ts";
import { BLOCK_T0_MS, simulatedBlock, turbineDiagnosticsConfig } from "../../test/helpers/turbine-blocks.ts";
import { until } from "../../test/helpers/until.ts";
import { loadFastestFft } from "../dsp/fft.ts";
import type { WaveformBlock } from "../sources/source.ts";
import { type BlockInfo, type BlockResult, DiagnosticsMonitor } from "./monitor.ts";
import {
  type AnalysisCallbacks,
  analysisWorkerEntry,
  type BlockAnalyser,
  createBlockAnalyser,
  type DropReason,
} from "./pool.ts";
import type { PointDiagnosis } from "./types.ts";

const T0 = BLOCK_T0_MS;
const SAMPLES = 16_384;

const dirs: string[] = [];
const analysers: BlockAnalyser[] = [];
afterAll(async () => {
  await Promise.all(analysers.map((a) => a.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function monitorFor(asset: string): DiagnosticsMonitor {
  const dataDir = mkdtempSync(join(tmpdir(), "vetra-pool-"));
  dirs.push(dataDir);
  return new DiagnosticsMonitor({
    site: "wf1",
    config: turbineDiagnosticsConfig(asset, dataDir),
    dataDir,
    log: () => {},
  });
}

/** Blocks of the simulator with a seed of their own: the same call gives the same samples. */
function block(
  asset: string,
  point: TurbinePointId,
  i: number,
  faults: FaultSpec[] = [],
  samples = 65_536,
): WaveformBlock {
  return simulatedBlock({
    asset,
    point,
    sequence: i,
    rng: mulberry32(1000 * i + point.length),
    faults,
    samples,
  });
}

/** What the callbacks heard, in order. */
interface Heard {
  results: { block: BlockInfo; diagnosis: PointDiagnosis; ms: number }[];
  dropped: { block: BlockInfo; why: DropReason }[];
  failed: { block: BlockInfo; message: string }[];
  crashes: number;
  log: string[];
}

function pool(
  workers: number,
  context: AnalysisCallbacks["context"],
  extra: Partial<Parameters<typeof createBlockAnalyser>[0]> = {},
  onResult?: AnalysisCallbacks["result"],
): { analyser: BlockAnalyser; heard: Heard } {
  const heard: Heard = { results: [], dropped: [], failed: [], crashes: 0, log: [] };
  const analyser = createBlockAnalyser({
    workers,
    callbacks: {
      context,
      result: (b, diagnosis, ms) => {
        heard.results.push({ block: b, diagnosis, ms });
        onResult?.(b, diagnosis, ms);
      },
      failed: (b, message) => heard.failed.push({ block: b, message }),
      dropped: (b, why) => heard.dropped.push({ block: b, why }),
      workerCrashed: () => heard.crashes++,
      log: (l) => heard.log.push(l),
    },
    ...extra,
  });
  analysers.push(analyser);
  return { analyser, heard };
}

const outerRace: FaultSpec[] = [{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }];
const imbalance: FaultSpec[] = [{ point: "generator_de", fault: "imbalance", severity: 0.6 }];

describe("analysis pool", () => {
  it("gives the points, diagnoses and snapshots of the main-thread chain, and names the simulator's faults", async () => {
    const fft = await loadFastestFft();
    // Six blocks per point: T02's main bearing with an outer-race defect, T05's generator with
    // imbalance, a healthy gearbox; each monitor sees the same blocks in the same order.
    const plan: [string, TurbinePointId, FaultSpec[]][] = [
      ["T02", "main_bearing", outerRace],
      ["T05", "generator_de", imbalance],
      ["T02", "gearbox_hss", []],
    ];
    const blocks = (): WaveformBlock[] =>
      [0, 1, 2, 3, 4, 5].flatMap((i) => plan.map(([a, p, f]) => block(a, p, i, f)));

    const inline = new Map([
      ["T02", monitorFor("T02")],
      ["T05", monitorFor("T05")],
    ]);
    const viaPool = new Map([
      ["T02", monitorFor("T02")],
      ["T05", monitorFor("T05")],
    ]);
    const expected: BlockResult[] = blocks().map((b) => inline.get(b.asset)!.onBlock(b));

    // As the agent does: the context when a block's analysis starts, the result into the monitor.
    const got = new Map<string, BlockResult>();
    const { analyser, heard } = pool(
      2,
      (b) => viaPool.get(b.asset)!.contextFor(b),
      { fft, backlogPerPoint: 8 },
      (b, d) => got.set(`${b.asset}/${b.point}/${b.sequence}`, viaPool.get(b.asset)!.accept(b, d)),
    );
    for (const b of blocks()) analyser.submit(b);
    await analyser.drain(120_000);
    expect(heard.dropped).toEqual([]);
    expect(heard.failed).toEqual([]);
    expect(analyser.stats()).toMatchObject({ analysed: 18, backlog: 0, running: 0, workers: 2 });
    // Each point's blocks come back in their order; points interleave as the workers finish.
    for (const [asset, point] of plan) {
      const seq = heard.results.filter((r) => r.block.asset === asset && r.block.point === point);
      expect(seq.map((r) => r.block.sequence)).toEqual([0, 1, 2, 3, 4, 5]);
    }
    const want = new Map(
      blocks().map((b, k) => [`${b.asset}/${b.point}/${b.sequence}`, expected[k]!] as const),
    );
    for (const [key, w] of want) expect(got.get(key), key).toEqual(w);

    // The truth of the simulator: the faults it injected are named, the healthy gearbox is quiet.
    const raised = (asset: string, point: string) =>
      [...got.entries()]
        .filter(([k]) => k.startsWith(`${asset}/${point}/`))
        .flatMap(([, r]) => r.transitions.filter((t) => t.kind === "raised").map((t) => t.fault));
    expect(raised("T02", "main_bearing")).toContain("bearing_outer_race");
    expect(raised("T05", "generator_de")).toContain("imbalance");
    expect(raised("T02", "gearbox_hss")).toEqual([]);
  }, 180_000);

  it("keeps at most backlogPerPoint blocks waiting per point under a flood, dropping the oldest", async () => {
    const mon = monitorFor("T01");
    const { analyser, heard } = pool(1, (b) => mon.contextFor(b), { backlogPerPoint: 3 });
    const points: TurbinePointId[] = ["main_bearing", "gearbox_hss", "generator_de"];
    const proto = new Map(points.map((p) => [p, block("T01", p, 0, [], SAMPLES)] as const));
    const flood = 120;
    let mostWaiting = 0;
    for (let i = 0; i < flood; i++)
      for (const p of points) {
        const b = proto.get(p)!;
        analyser.submit({ ...b, samples: b.samples.slice(), sequence: i, ts: T0 + i });
        mostWaiting = Math.max(mostWaiting, analyser.stats().backlog);
      }
    expect(mostWaiting).toBeLessThanOrEqual(3 * points.length);
    await analyser.drain(120_000);
    const s = analyser.stats();
    expect(s.backlog).toBe(0);
    // Every block is accounted for: analysed or dropped (from the backlog), none twice.
    expect(s.analysed + s.dropped.backlog).toBe(flood * points.length);
    expect(heard.dropped.every((d) => d.why === "backlog")).toBe(true);
    expect(s.dropped.backlog).toBeGreaterThan(0);
    for (const p of points) {
      const seq = heard.results.filter((r) => r.block.point === p).map((r) => r.block.sequence);
      // In order, and the newest block of the point is analysed (drops take the oldest waiting).
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
      expect(seq.at(-1)).toBe(flood - 1);
      const dropped = heard.dropped.filter((d) => d.block.point === p).map((d) => d.block.sequence);
      expect(new Set([...seq, ...dropped]).size).toBe(flood);
    }
  }, 180_000);

  describe("a worker that dies", () => {
    const flagDir = mkdtempSync(join(tmpdir(), "vetra-pool-fault-"));
    dirs.push(flagDir);
    const flag = join(flagDir, "fault");
    process.env.VETRA_TEST_WORKER_FAULT = flag;
    const failing = {
      url: new URL("../../test/fixtures/failing-analysis-worker.ts", import.meta.url),
      execArgv: analysisWorkerEntry().execArgv,
    };

    for (const fault of ["exit", "throw", "hang"] as const)
      it(`(${fault}) costs its block, counted, and is replaced; the other blocks are analysed`, async () => {
        const mon = monitorFor("T01");
        const { analyser, heard } = pool(1, (b) => mon.contextFor(b), {
          workerEntry: failing,
          ...(fault === "hang" ? { timeoutMs: 5000 } : {}),
        });
        const send = (p: TurbinePointId, i: number) => analyser.submit(block("T01", p, i, [], SAMPLES));
        send("main_bearing", 0);
        await analyser.drain(60_000);
        expect(heard.results).toHaveLength(1);
        writeFileSync(flag, fault);
        send("main_bearing", 1);
        send("gearbox_hss", 1);
        await until("the crash", () => (heard.crashes > 0 ? true : undefined), 60_000);
        send("main_bearing", 2);
        await analyser.drain(60_000);
        expect(heard.crashes).toBe(1);
        expect(heard.dropped).toEqual([
          { block: expect.objectContaining({ point: "main_bearing", sequence: 1 }), why: "worker_crashed" },
        ]);
        expect(heard.results.map((r) => `${r.block.point}/${r.block.sequence}`)).toEqual([
          "main_bearing/0",
          "gearbox_hss/1",
          "main_bearing/2",
        ]);
        expect(analyser.stats()).toMatchObject({
          workers: 1,
          workerCrashes: 1,
          dropped: { worker_crashed: 1 },
        });
        expect(heard.log.join("\n")).toMatch(
          /an analysis worker ended .*main_bearing is dropped; starting another/,
        );
      }, 120_000);

    it("that cannot start leaves the analysis to the main thread, said once", async () => {
      const mon = monitorFor("T01");
      const { analyser, heard } = pool(1, (b) => mon.contextFor(b), {
        workerEntry: { url: new URL("./no-such-worker.ts", import.meta.url), execArgv: failing.execArgv },
      });
      analyser.submit(block("T01", "main_bearing", 0, [], SAMPLES));
      analyser.submit(block("T01", "gearbox_hss", 0, [], SAMPLES));
      await until("the fallback", () => (heard.results.length === 2 ? true : undefined), 60_000);
      analyser.submit(block("T01", "main_bearing", 1, [], SAMPLES));
      expect(heard.results).toHaveLength(3);
      expect(heard.log.filter((l) => l.includes("analysing on the main thread"))).toHaveLength(1);
      expect(analyser.stats()).toMatchObject({ analysed: 3, workers: 0, workerCrashes: 3 });
    }, 120_000);
  });

  it("reports a block the chain refuses (too short, no sample rate) as failed; the worker goes on", async () => {
    const mon = monitorFor("T01");
    const { analyser, heard } = pool(1, (b) => mon.contextFor(b));
    const good = block("T01", "gearbox_hss", 0, [], SAMPLES);
    analyser.submit({ ...good, sequence: 1, samples: new Float32Array(100) });
    analyser.submit({ ...block("T01", "main_bearing", 2, [], SAMPLES), sampleRateHz: Number.NaN });
    analyser.submit({ ...good, sequence: 3 });
    await analyser.drain(60_000);
    expect(heard.failed.map((f) => [f.block.sequence, f.message])).toEqual([
      [1, expect.stringMatching(/at least 1024 samples, got 100/)],
      [2, expect.stringMatching(/sample rate must be > 0/)],
    ]);
    expect(heard.results.map((r) => r.block.sequence)).toEqual([3]);
    expect(analyser.stats()).toMatchObject({ analysed: 1, failed: 2, workerCrashes: 0, workers: 1 });
  }, 120_000);

  it("workers: 0 analyses on the calling thread, as the block arrives", () => {
    const mon = monitorFor("T01");
    const { analyser, heard } = pool(0, (b) => mon.contextFor(b));
    analyser.submit(block("T01", "gearbox_hss", 0, [], SAMPLES));
    expect(heard.results).toHaveLength(1);
    analyser.submit({ ...block("T01", "gearbox_hss", 1, [], SAMPLES), samples: new Float32Array(100) });
    expect(heard.failed).toEqual([
      { block: expect.objectContaining({ sequence: 1 }), message: expect.stringMatching(/at least 1024/) },
    ]);
    expect(analyser.stats()).toMatchObject({ analysed: 1, failed: 1, workers: 0 });
  });
});
