// The alarm-quality filter on its own (pure steps with a hand-driven clock)
// and inside the alarm book on a real metadata database (a SQLite file, and
// PostgreSQL where installed): on-delay, off-delay, deadband on an analog
// boundary, credit for what the data proves, the per-kind parameters, and
// two replicas taking turns agreeing with one.
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { freshMetadata, metadataKinds } from "../../test/helpers/metadata.ts";
import { MetaStore } from "../meta/meta.ts";
import { AlarmBook, type Condition, type ReconcilePolicy } from "./alarm-book.ts";
import {
  type AlarmFilterParams,
  type FilterObservation,
  type FilterState,
  filterParamsOf,
  rawRankOf,
  stepFilter,
} from "./alarm-filter.ts";

const S = 1000;
const MIN = 60 * S;
const T0 = Date.parse("2026-11-02T08:00:00Z");
const PARAMS: AlarmFilterParams = { onDelayMs: MIN, offDelayMs: 2 * MIN, deadbandPct: 10 };

const obs = (
  rank: 0 | 1 | 2,
  sinceMs: number,
  ratio?: { warning: number; alarm: number },
): FilterObservation => ({
  rank,
  sinceMs,
  isoZone: rank === 2 ? "D" : rank === 1 ? "C" : "B",
  ...(ratio ? { ratio } : {}),
});

/** Feeds observations at the given times; returns the shown level after each. */
function run(steps: [number, FilterObservation | null][], params = PARAMS): number[] {
  let state: FilterState | null = null;
  return steps.map(([t, o]) => {
    state = stepFilter(state, o, t, params);
    return state?.shownRank ?? 0;
  });
}

describe("alarm filter (pure)", () => {
  it("holds a level within the deadband and leaves it below the boundary minus the deadband", () => {
    const at = (alarm: number) => ({ warning: alarm * 1.6, alarm });
    // Not yet in alarm: 0.95 of C/D is not alarm (the deadband only holds, it never raises).
    expect(rawRankOf(obs(1, T0, at(0.95)), 1, 10)).toBe(1);
    // In alarm: 0.95 holds it, 0.91 still, 0.89 leaves it.
    expect(rawRankOf(obs(1, T0, at(0.95)), 2, 10)).toBe(2);
    expect(rawRankOf(obs(1, T0, at(0.91)), 2, 10)).toBe(2);
    expect(rawRankOf(obs(1, T0, at(0.89)), 2, 10)).toBe(1);
    // The warning level likewise: zone B at 0.92 of B/C stays a warning, at 0.85 not.
    expect(rawRankOf(obs(0, T0, { warning: 0.92, alarm: 0.57 }), 1, 10)).toBe(1);
    expect(rawRankOf(obs(0, T0, { warning: 0.85, alarm: 0.53 }), 1, 10)).toBe(0);
    // Without a ratio (a diagnosis) the source's level is the raw level.
    expect(rawRankOf(obs(1, T0), 2, 10)).toBe(1);
    expect(rawRankOf(null, 2, 10)).toBe(0);
  });

  it("shows a level once it has held for the on-delay, and a rise that did not persist never", () => {
    // Evaluations every 10 s; the level appears at T0 (seen by central only from now).
    const seen = run([
      [T0, obs(2, T0)],
      [T0 + 30 * S, obs(2, T0)],
      [T0 + 59 * S, obs(2, T0)],
      [T0 + 60 * S, obs(2, T0)],
    ]);
    expect(seen).toEqual([0, 0, 0, 2]);
    // A blip of 40 s, a gap, another 40 s: never a minute in a row.
    expect(
      run([
        [T0, obs(2, T0)],
        [T0 + 40 * S, null],
        [T0 + 50 * S, obs(2, T0 + 50 * S)],
        [T0 + 90 * S, obs(2, T0 + 50 * S)],
        [T0 + 100 * S, null],
      ]),
    ).toEqual([0, 0, 0, 0, 0]);
  });

  it("credits the time the data proves, but not from before central last saw the level absent", () => {
    // The store shows zone D for the last 10 minutes: shown at once.
    expect(run([[T0, obs(2, T0 - 10 * MIN)]])).toEqual([2]);
    // A warning proven for 10 minutes shows at once; central sees it gone at T0 + 10 s, then the data
    // claims zone D for 10 minutes: the alarm level counts only from T0, when central saw it absent.
    let s = stepFilter(null, obs(1, T0 - 10 * MIN), T0, PARAMS)!;
    expect(s).toMatchObject({
      rawRank: 1,
      shownRank: 1,
      changedAt: [T0 - 10 * MIN, T0],
      sinceMs: T0 - 10 * MIN,
    });
    s = stepFilter(s, null, T0 + 10 * S, PARAMS)!;
    expect(s).toMatchObject({ rawRank: 0, shownRank: 1, changedAt: [T0 + 10 * S, T0] });
    s = stepFilter(s, obs(2, T0 - 10 * MIN), T0 + 20 * S, PARAMS)!;
    expect(s).toMatchObject({ rawRank: 2, shownRank: 1, changedAt: [T0 + 10 * S, T0] });
    expect(stepFilter(s, obs(2, T0 - 10 * MIN), T0 + 59 * S, PARAMS)!.shownRank).toBe(1);
    expect(stepFilter(s, obs(2, T0 - 10 * MIN), T0 + 60 * S, PARAMS)!.shownRank).toBe(2);
    // The condition's start stays the first one while it is shown.
    expect(s.sinceMs).toBe(T0 - 10 * MIN);
  });

  it("lets a level fall only after the off-delay, one level at a time as each expires", () => {
    expect(
      run([
        [T0, obs(2, T0 - 10 * MIN)],
        [T0 + 10 * S, obs(1, T0 - 10 * MIN)], // below alarm from here
        [T0 + 40 * S, obs(0, T0)], // below warning from here
        [T0 + 129 * S, obs(0, T0)],
        [T0 + 130 * S, obs(0, T0)], // alarm level expired (2 min after 10 s)
        [T0 + 159 * S, obs(0, T0)],
        [T0 + 160 * S, null], // warning level expired
      ]),
    ).toEqual([2, 2, 2, 2, 1, 1, 0]);
    // Forgotten once nothing is raw or shown.
    let s: FilterState | null = stepFilter(null, obs(1, T0 - MIN), T0, PARAMS);
    s = stepFilter(s, null, T0 + 10 * S, PARAMS);
    expect(stepFilter(s, null, T0 + 10 * S + 2 * MIN, PARAMS)).toBeNull();
  });

  it("takes a kind's own keys over the defaults", () => {
    const config = { ...PARAMS, byKind: { diagnosis: { onDelayMs: 0 }, facility: { deadbandPct: 0 } } };
    expect(filterParamsOf(config, "diagnosis")).toEqual({ ...PARAMS, onDelayMs: 0 });
    expect(filterParamsOf(config, "facility")).toEqual({ ...PARAMS, deadbandPct: 0 });
    expect(filterParamsOf(config, "zone")).toEqual(PARAMS);
    expect(filterParamsOf(config, undefined)).toEqual(PARAMS);
  });
});

describe.each(metadataKinds())("alarm filter in the book (%s)", (kind) => {
  const md = freshMetadata(kind);
  let meta: MetaStore;
  let now: number;
  let book: AlarmBook;
  const policy: ReconcilePolicy = {
    clearAfterMs: 5 * MIN,
    routeOf: () => ({ company: "sc-a", site: "wf1", responseTimeMs: 30 * MIN }),
    filter: (kind) => (kind === "diagnosis" ? { ...PARAMS, onDelayMs: 0 } : PARAMS),
  };
  const zone = (vRms: number, sinceMs = now): Condition => {
    const ratio = { warning: vRms / 2.0, alarm: vRms / 3.2 };
    const severity = ratio.alarm >= 1 ? "alarm" : ratio.warning >= 1 ? "warning" : null;
    return {
      asset: "T02",
      point: "main_bearing",
      fault: "overall_vibration",
      severity,
      sinceMs,
      isoZone: severity === "alarm" ? "D" : severity === "warning" ? "C" : "B",
      kind: "zone",
      ratio,
    };
  };

  beforeEach(async () => {
    meta = await md.open();
    now = T0;
    book = new AlarmBook(meta.db, () => now);
  });

  const KEY = "T02:main_bearing:overall_vibration";
  const events = async () => (await book.events({})).map((e) => [e.kind, e.to, (Date.parse(e.at) - T0) / S]);

  it("raises after the on-delay, holds within the deadband, falls after the off-delay, clears after clearAfterMs", async () => {
    const step = async (seconds: number, c: Condition[]) => {
      now = T0 + seconds * S;
      await book.reconcile(c, now, policy);
    };
    await step(0, [zone(3.3)]); // zone D, first seen now
    await step(30, [zone(3.1)]); // zone C by the edge, within the deadband (≥ 2.88): still raw alarm
    expect((await book.list()).total).toBe(0);
    await step(60, [zone(3.0)]);
    expect(await book.resolve(KEY)).toMatchObject({
      severity: "alarm",
      state: "active",
      raisedAt: new Date(T0 + MIN).toISOString(),
    });
    await book.acknowledge(`${KEY}:1`, "ivanov", null);
    // Hovering at the boundary for 10 minutes: nothing changes, the acknowledgement stands.
    for (let s = 70; s <= 660; s += 10) await step(s, [zone(s % 20 === 0 ? 3.3 : 3.0)]);
    expect(await book.resolve(KEY)).toMatchObject({ severity: "alarm", state: "acknowledged" });
    // Below the deadband (2.8 < 2.88) from 670 s: alarm → warning at 670 + 120 s.
    for (let s = 670; s < 790; s += 10) await step(s, [zone(2.8)]);
    expect((await book.resolve(KEY))?.severity).toBe("alarm");
    await step(790, [zone(2.8)]);
    expect((await book.resolve(KEY))?.severity).toBe("warning");
    // Gone from 800 s: the warning level falls at 920 s (last shown at 910 s), the alarm clears 5 min
    // after it was last shown.
    for (let s = 800; s <= 1200; s += 10) await step(s, []);
    expect((await book.resolve(KEY))?.state).toBe("acknowledged");
    await step(1210, []);
    expect(await book.resolve(KEY)).toMatchObject({
      state: "cleared",
      clearedAt: new Date(T0 + 1210 * S).toISOString(),
    });
    expect(await events()).toEqual([
      ["raised", "alarm", 60],
      ["acknowledged", "acknowledged", 60],
      ["severity", "warning", 790],
      ["cleared", "cleared", 1210],
    ]);
    // Nothing left to follow.
    expect((await meta.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM alarm_filter"))?.n).toBe(0);
  });

  it("forgets a condition once nothing is raw or shown: its return waits the on-delay again", async () => {
    const step = async (seconds: number, c: Condition[]) => {
      now = T0 + seconds * S;
      await book.reconcile(c, now, policy);
    };
    const shown = async () =>
      (await meta.db.get<{ r: number }>("SELECT shown_rank AS r FROM alarm_filter WHERE key = ?", [KEY]))
        ?.r ?? 0;
    await step(0, [zone(3.5, T0 - 10 * MIN)]); // ten minutes of zone D in the store: shown at once
    expect((await book.knownConditions()).get(KEY)).toEqual({ rawRank: 2, sinceMs: T0 - 10 * MIN });
    for (let s = 10; s <= 200; s += 10) await step(s, []); // gone from 10 s: shown falls at 130 s
    expect(await shown()).toBe(0);
    // The alarm waits to clear (last shown at 120 s); the evaluator no longer follows the condition.
    expect((await book.resolve(KEY))?.state).toBe("active");
    expect((await book.knownConditions()).has(KEY)).toBe(false);
    // Back at 210 s (a fresh run in the store): shown again only after the on-delay, the same occurrence.
    const back = T0 + 210 * S;
    for (let s = 210; s < 270; s += 10) await step(s, [zone(3.5, back)]);
    expect(await shown()).toBe(0);
    await step(270, [zone(3.5, back)]);
    expect(await shown()).toBe(2);
    for (let s = 280; s <= 900; s += 10) await step(s, [zone(3.5, back)]);
    expect(await events()).toEqual([["raised", "alarm", 0]]);
  });

  it("takes over the open alarms of a data directory older than the filter without an event", async () => {
    const step = async (seconds: number, c: Condition[]) => {
      now = T0 + seconds * S;
      await book.reconcile(c, now, policy);
    };
    await step(0, [zone(3.5, T0 - 10 * MIN)]);
    await step(10, [zone(3.5, T0 - 10 * MIN)]);
    await step(20, [zone(3.5, T0 - 10 * MIN)]);
    await meta.db.run("DELETE FROM alarm_filter"); // as an older version left it
    expect(await events()).toEqual([["raised", "alarm", 0]]);
    // Gone from 30 s, the first evaluation of the new version: shown for the off-delay (last at 140 s),
    // cleared 5 minutes after.
    for (let s = 30; s < 440; s += 10) await step(s, []);
    expect((await book.resolve(KEY))?.state).toBe("active");
    await step(440, []);
    expect(await events()).toEqual([
      ["raised", "alarm", 0],
      ["cleared", "cleared", 440],
    ]);
  });

  it("does not delay what the data proves, and uses each kind's parameters", async () => {
    // Ten minutes of zone D in the store (the zone's run) and an edge diagnosis the edge already confirmed.
    await book.reconcile(
      [
        zone(4, T0 - 10 * MIN),
        {
          asset: "T02",
          point: "main_bearing",
          fault: "bearing_outer_race",
          severity: "warning",
          sinceMs: now,
          isoZone: "D",
          kind: "diagnosis",
        },
      ],
      now,
      policy,
    );
    const shown = (await book.list()).alarms.map((a) => [a.fault, a.severity, a.since]);
    expect(shown.sort()).toEqual([
      ["bearing_outer_race", "warning", new Date(T0).toISOString()],
      ["overall_vibration", "alarm", new Date(T0 - 10 * MIN).toISOString()],
    ]);
  });

  it("keeps its state in SQL: two replicas taking turns decide as one book does", async () => {
    const other = await md.open(); // another replica's connection to the same database
    const replica = new AlarmBook(other.db, () => now);
    const single = await MetaStore.openFile(join(md.dataDir, "single.sqlite"));
    const alone = new AlarmBook(single.db, () => now);
    try {
      // A noisy signal around C/D (deterministic pseudo-random), then a true drop.
      let seed = 42;
      const noise = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        return seed / 2_147_483_648 - 0.5;
      };
      for (let s = 0; s < 1800; s += 5) {
        now = T0 + s * S;
        const v = s < 1200 ? 3.2 * (1 + 0.16 * noise()) : 1.5;
        const c = [zone(v)];
        await (s % 10 === 0 ? book : replica).reconcile(c, now, policy);
        await alone.reconcile(c, now, policy);
      }
      const shape = async (b: AlarmBook) => (await b.events({})).map((e) => [e.alarm, e.kind, e.to, e.at]);
      expect(await shape(book)).toEqual(await shape(alone));
      expect((await shape(book)).length).toBeGreaterThan(0);
    } finally {
      await single.close();
    }
  });
});
