import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Diagnosis, Severity } from "../../common/names.ts";
import { BaselineLearner, PointAlarmState, type Transition } from "./alarm-state.ts";
import { baselinePath, loadBaseline, saveBaseline } from "./baselines.ts";
import type { Finding } from "./types.ts";

const T0 = Date.UTC(2026, 4, 1, 8, 0, 0);
const BLOCK_MS = 5000;

const finding = (fault: Diagnosis, severity: Severity = "warning", confidence = 0.8, hz = 12.5): Finding => ({
  fault,
  severity,
  confidence,
  evidence: {
    spectrum: "envelope",
    frequency_hz: hz,
    amplitude: 1,
    amplitude_unit: "g2",
    snr_db: 12,
    harmonics: 3,
  },
});

/** Feeds one block per entry (a finding or nothing), returning each block's transitions. */
function run(state: PointAlarmState, blocks: (Finding | null)[], from = 0): (readonly Transition[])[] {
  return blocks.map((f, i) => state.update(T0 + (from + i) * BLOCK_MS, f ? [f] : []).transitions);
}

const OR = finding("bearing_outer_race");

describe("alarm state machine (3 of 5 to raise, 5 clean blocks to clear)", () => {
  it("one noisy block raises nothing", () => {
    const s = new PointAlarmState({ raiseAfter: 3, ofLast: 5, clearAfter: 5 });
    const t = run(s, [null, OR, null, null, null, null, null]);
    expect(t.flat()).toEqual([]);
    expect(s.active()).toEqual([]);
  });

  it("raises once the fault was found in 3 of the last 5 blocks, since that block", () => {
    const s = new PointAlarmState({ raiseAfter: 3, ofLast: 5, clearAfter: 5 });
    // Found in blocks 0, 2, 4: the third finding within five blocks raises it.
    const t = run(s, [OR, null, OR, null, OR]);
    expect(t.slice(0, 4).flat()).toEqual([]);
    expect(t[4]).toEqual([{ kind: "raised", fault: "bearing_outer_race", severity: "warning" }]);
    expect(s.active()).toMatchObject([
      { fault: "bearing_outer_race", severity: "warning", since: T0 + 4 * BLOCK_MS },
    ]);
  });

  it("does not raise when the findings are spread wider than 3 in 5", () => {
    const s = new PointAlarmState({ raiseAfter: 3, ofLast: 5, clearAfter: 5 });
    const t = run(s, [OR, null, null, OR, null, null, OR, null, null, OR]);
    expect(t.flat()).toEqual([]);
  });

  it("one missing block does not clear it; five consecutive do", () => {
    const s = new PointAlarmState({ raiseAfter: 3, ofLast: 5, clearAfter: 5 });
    run(s, [OR, OR, OR]);
    expect(s.active()).toHaveLength(1);
    // A gap of 4 blocks and the fault is back: still active throughout.
    const gap = run(s, [null, null, null, null, OR], 3);
    expect(gap.flat()).toEqual([]);
    expect(s.active()).toHaveLength(1);
    const clearing = run(s, [null, null, null, null, null], 8);
    expect(clearing.slice(0, 4).flat()).toEqual([]);
    expect(clearing[4]).toMatchObject([
      {
        kind: "cleared",
        fault: "bearing_outer_race",
        severity: "warning",
        last: { since: T0 + 2 * BLOCK_MS },
      },
    ]);
    expect(s.active()).toEqual([]);
  });

  it("escalates to alarm by the same 3-of-5 rule and falls back only after 5 blocks without alarm", () => {
    const s = new PointAlarmState({ raiseAfter: 3, ofLast: 5, clearAfter: 5 });
    const W = finding("imbalance", "warning");
    const A = finding("imbalance", "alarm");
    run(s, [W, W, W]);
    expect(s.active()[0]?.severity).toBe("warning");
    // One alarm block is noise; three of five escalate.
    const up = run(s, [A, W, A, W, A], 3);
    expect(up.slice(0, 4).flat()).toEqual([]);
    expect(up[4]).toEqual([
      { kind: "severity_changed", fault: "imbalance", severity: "alarm", previous: "warning" },
    ]);
    const down = run(s, [W, W, W, W, W], 8);
    expect(down.slice(0, 4).flat()).toEqual([]);
    expect(down[4]).toEqual([
      { kind: "severity_changed", fault: "imbalance", severity: "warning", previous: "alarm" },
    ]);
    expect(s.active()[0]?.since).toBe(T0 + 2 * BLOCK_MS);
  });

  it("raises straight to alarm when alarm was found in 3 of 5", () => {
    const s = new PointAlarmState({ raiseAfter: 3, ofLast: 5, clearAfter: 5 });
    const A = finding("looseness", "alarm");
    expect(run(s, [A, A, A])[2]).toEqual([{ kind: "raised", fault: "looseness", severity: "alarm" }]);
  });

  it("averages confidence over the supporting blocks and keeps the latest evidence", () => {
    const s = new PointAlarmState({ raiseAfter: 3, ofLast: 5, clearAfter: 5 });
    run(s, [
      finding("bearing_inner_race", "warning", 0.6, 80),
      null,
      finding("bearing_inner_race", "warning", 0.9, 81),
      finding("bearing_inner_race", "warning", 0.9, 82),
    ]);
    const [a] = s.active();
    expect(a?.confidence).toBeCloseTo((0.6 + 0.9 + 0.9) / 3, 12);
    expect(a?.evidence.frequency_hz).toBe(82);
  });

  it("tracks faults independently", () => {
    const s = new PointAlarmState({ raiseAfter: 2, ofLast: 3, clearAfter: 2 });
    const IMB = finding("imbalance");
    const t = s.update(T0, [OR, IMB]).transitions;
    expect(t).toEqual([]);
    const t2 = s.update(T0 + BLOCK_MS, [OR]).transitions;
    expect(t2).toEqual([{ kind: "raised", fault: "bearing_outer_race", severity: "warning" }]);
    expect(s.active().map((a) => a.fault)).toEqual(["bearing_outer_race"]);
  });

  it("refuses a rule it cannot apply", () => {
    expect(() => new PointAlarmState({ raiseAfter: 6, ofLast: 5, clearAfter: 5 })).toThrow(/raiseAfter/);
  });
});

describe("baseline", () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-baseline-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is the mean of the first healthy blocks, blocks with a finding left out", () => {
    const learner = new BaselineLearner(3);
    expect(learner.add({ v_rms_mm_s: 1, x1_mm_s: 0.25 }, [])).toBeNull();
    // A block with a finding does not count, whatever its levels.
    expect(learner.add({ v_rms_mm_s: 50, x1_mm_s: 9 }, [OR])).toBeNull();
    expect(learner.add({ v_rms_mm_s: 2, x1_mm_s: 0.5 }, [])).toBeNull();
    const b = learner.add({ v_rms_mm_s: 3, x1_mm_s: 0.75, kurtosis: Number.NaN }, []);
    expect(b).toEqual({ blocks: 3, features: { v_rms_mm_s: 2, x1_mm_s: 0.5 } });
    // Complete: later blocks change nothing.
    expect(learner.add({ v_rms_mm_s: 100 }, [])).toBeNull();
  });

  it("is kept in a file per point and reloaded (a restart keeps it)", () => {
    const path = baselinePath(dir, "T01", "main_bearing");
    const baseline = { blocks: 20, features: { v_rms_mm_s: 0.8, x1_mm_s: 0.31 } };
    expect(saveBaseline(path, { asset: "T01", point: "main_bearing", learntAt: T0, baseline }).kind).toBe(
      "success",
    );
    const loaded = loadBaseline(path);
    expect(loaded).toEqual({
      kind: "success",
      value: { version: 1, asset: "T01", point: "main_bearing", learntAt: T0, baseline },
    });
    expect(JSON.parse(readFileSync(path, "utf8")).baseline).toEqual(baseline);
    // Relearning after maintenance: a baseline older than `notBefore` is ignored.
    expect(loadBaseline(path, T0 + 1)).toEqual({ kind: "success", value: null });
    expect(loadBaseline(path, T0)).toMatchObject({ kind: "success", value: { learntAt: T0 } });
  });

  it("has none for a point that never learnt one, and says so when its file is damaged", () => {
    expect(loadBaseline(baselinePath(dir, "T09", "main_bearing"))).toEqual({ kind: "success", value: null });
    const path = baselinePath(dir, "T02", "gearbox_hss");
    saveBaseline(path, {
      asset: "T02",
      point: "gearbox_hss",
      learntAt: T0,
      baseline: { blocks: 1, features: {} },
    });
    writeFileSync(path, "{ not json");
    const r = loadBaseline(path);
    expect(r.kind).toBe("failure");
  });

  it("keeps tag values inside the baselines folder", () => {
    expect(baselinePath(dir, "..", "../x")).toBe(join(dir, "baselines", "%2E%2E", "%2E%2E%2Fx.json"));
  });
});
