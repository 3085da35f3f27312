// One behaviour for every store: this suite runs against each implementation
// (embedded.test.ts, influx.test.ts). Values are known by construction
// (hand-computed means, counts, maxima), never taken from a store's output.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { queryColumns } from "../../central/stores/columns.ts";
import type { ColumnSeries, Series, SeriesQuery, TimeSeriesStore } from "../../central/stores/types.ts";
import type { IoResult } from "../../common/result.ts";
import type { Point } from "../../common/wire.ts";

export interface StoreUnderTest {
  store: TimeSeriesStore;
  /** Removes what the factory made (temp dir, database). Called after close(). */
  dispose(): Promise<void>;
}

/** A minute boundary (epoch multiple of 60 000 ms) in Nov 2023. */
const T0 = 1_700_000_040_000;
const S = 1000;
const MIN = 60 * S;

const vib = (asset: string, point: string, ts: number, fields: Record<string, number>): Point => ({
  measurement: "vibration",
  tags: { site: "wf1", asset, point },
  fields,
  ts,
});

const ok = <T>(r: { kind: string; value?: T; message?: string }): T => {
  if (r.kind !== "success") throw new Error(`expected success, got ${JSON.stringify(r)}`);
  return r.value as T;
};

/** Points as columns, written out here so the check does not rest on the code under test. */
const columnsOf = (series: readonly Series[]): ColumnSeries[] =>
  series.map((s) => ({
    tags: s.tags,
    ts: new Float64Array(s.points.map((p) => p.ts)),
    values: new Float64Array(s.points.map((p) => p.value)),
  }));

export function describeStoreConformance(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`TimeSeriesStore conformance: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: TimeSeriesStore;
    beforeEach(async () => {
      sut = await factory();
      store = sut.store;
    });
    afterEach(async () => {
      await store.close();
      await sut.dispose();
    });
    /**
     * `store.query`, checked to agree with the columnar read (the store's
     * own `queryColumns`, or the generic one built on `query`); every
     * assertion on a query's answer below thereby holds for both.
     */
    const query = async (q: SeriesQuery): Promise<IoResult<Series[]>> => {
      const rows = await store.query(q);
      const columns = await queryColumns(store, q);
      if (rows.kind === "success") expect(columns).toEqual({ kind: "success", value: columnsOf(rows.value) });
      else expect(columns).toMatchObject({ kind: rows.kind, code: rows.code });
      return rows;
    };

    it("answers a ping", async () => {
      expect(await store.ping()).toEqual({ kind: "success", value: undefined });
    });

    it("returns exactly the written points of a range, end exclusive", async () => {
      const points = [1, 2, 3, 4, 5].map((v, i) =>
        vib("T01", "main_bearing", T0 + i * 10 * S, { v_rms_mm_s: v, a_rms_g: v / 10 }),
      );
      expect(ok(await store.write(points))).toEqual({ written: 5 });
      const series = ok(
        await query({
          measurement: "vibration",
          field: "v_rms_mm_s",
          fromMs: T0 + 10 * S,
          toMs: T0 + 40 * S,
        }),
      );
      expect(series).toEqual([
        {
          tags: {},
          points: [
            { ts: T0 + 10 * S, value: 2 },
            { ts: T0 + 20 * S, value: 3 },
            { ts: T0 + 30 * S, value: 4 },
          ],
        },
      ]);
      const accel = ok(
        await query({ measurement: "vibration", field: "a_rms_g", fromMs: T0, toMs: T0 + 15 * S }),
      );
      expect(accel).toEqual([
        {
          tags: {},
          points: [
            { ts: T0, value: 0.1 },
            { ts: T0 + 10 * S, value: 0.2 },
          ],
        },
      ]);
    });

    describe("aggregation over epoch-aligned windows", () => {
      // Minute 0: 1..6; minute 1: 10..60; minute 2: empty; minute 3: 7.
      const values = [1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60];
      const points = [
        ...values.map((v, i) => vib("T01", "main_bearing", T0 + i * 10 * S, { v_rms_mm_s: v })),
        vib("T01", "main_bearing", T0 + 3 * MIN, { v_rms_mm_s: 7 }),
      ];
      const cases = [
        { aggregate: "mean", expected: [3.5, 35, 7] },
        { aggregate: "max", expected: [6, 60, 7] },
        { aggregate: "min", expected: [1, 10, 7] },
        { aggregate: "sum", expected: [21, 210, 7] },
        { aggregate: "count", expected: [6, 6, 1] },
        { aggregate: "last", expected: [6, 60, 7] },
      ] as const;
      for (const { aggregate, expected } of cases) {
        it(`${aggregate} per minute, empty windows omitted`, async () => {
          ok(await store.write(points));
          const series = ok(
            await query({
              measurement: "vibration",
              field: "v_rms_mm_s",
              fromMs: T0,
              toMs: T0 + 4 * MIN,
              everyMs: MIN,
              aggregate,
            }),
          );
          expect(series).toEqual([
            {
              tags: {},
              points: [
                { ts: T0, value: expected[0] },
                { ts: T0 + MIN, value: expected[1] },
                { ts: T0 + 3 * MIN, value: expected[2] },
              ],
            },
          ]);
        });
      }

      it("stamps a window by its epoch-aligned start even when the range starts inside it", async () => {
        ok(await store.write(points));
        const series = ok(
          await query({
            measurement: "vibration",
            field: "v_rms_mm_s",
            fromMs: T0 + 30 * S,
            toMs: T0 + MIN,
            everyMs: MIN,
            aggregate: "mean",
          }),
        );
        // Only 4, 5, 6 fall in [T0+30 s, T0+60 s).
        expect(series).toEqual([{ tags: {}, points: [{ ts: T0, value: 5 }] }]);
      });

      it("aggregates the whole range into one point at fromMs without everyMs", async () => {
        ok(await store.write(points));
        const series = ok(
          await query({
            measurement: "vibration",
            field: "v_rms_mm_s",
            fromMs: T0 + 5 * S,
            toMs: T0 + 2 * MIN,
            aggregate: "max",
          }),
        );
        expect(series).toEqual([{ tags: {}, points: [{ ts: T0 + 5 * S, value: 60 }] }]);
      });
    });

    describe("tags", () => {
      // T01/main_bearing: 1, 2; T01/generator_de: 10, 20; T02/main_bearing: 100, 200.
      const points = [
        vib("T01", "main_bearing", T0, { v_rms_mm_s: 1 }),
        vib("T01", "main_bearing", T0 + 10 * S, { v_rms_mm_s: 2 }),
        vib("T01", "generator_de", T0, { v_rms_mm_s: 10 }),
        vib("T01", "generator_de", T0 + 10 * S, { v_rms_mm_s: 20 }),
        vib("T02", "main_bearing", T0, { v_rms_mm_s: 100 }),
        vib("T02", "main_bearing", T0 + 10 * S, { v_rms_mm_s: 200 }),
      ];
      const range = { measurement: "vibration", field: "v_rms_mm_s", fromMs: T0, toMs: T0 + MIN } as const;

      it("filters by tag equality and splits by groupBy", async () => {
        ok(await store.write(points));
        const byPoint = ok(await query({ ...range, tags: { asset: "T01" }, groupBy: ["point"] }));
        expect(byPoint).toEqual([
          {
            tags: { point: "generator_de" },
            points: [
              { ts: T0, value: 10 },
              { ts: T0 + 10 * S, value: 20 },
            ],
          },
          {
            tags: { point: "main_bearing" },
            points: [
              { ts: T0, value: 1 },
              { ts: T0 + 10 * S, value: 2 },
            ],
          },
        ]);
        const oneSeries = ok(await query({ ...range, tags: { asset: "T02", point: "main_bearing" } }));
        expect(oneSeries).toEqual([
          {
            tags: {},
            points: [
              { ts: T0, value: 100 },
              { ts: T0 + 10 * S, value: 200 },
            ],
          },
        ]);
      });

      it("aggregates across series per group", async () => {
        ok(await store.write(points));
        const byAsset = ok(await query({ ...range, everyMs: MIN, aggregate: "mean", groupBy: ["asset"] }));
        expect(byAsset).toEqual([
          { tags: { asset: "T01" }, points: [{ ts: T0, value: 8.25 }] }, // (1+2+10+20)/4
          { tags: { asset: "T02" }, points: [{ ts: T0, value: 150 }] },
        ]);
        const all = ok(await query({ ...range, everyMs: MIN, aggregate: "count" }));
        expect(all).toEqual([{ tags: {}, points: [{ ts: T0, value: 6 }] }]);
      });

      it("answers an empty list for a filter, field or range that matches nothing", async () => {
        ok(await store.write(points));
        expect(ok(await query({ ...range, tags: { asset: "T99" } }))).toEqual([]);
        expect(ok(await query({ ...range, field: "kurtosis" }))).toEqual([]);
        expect(ok(await query({ ...range, fromMs: T0 + 2 * MIN, toMs: T0 + 3 * MIN }))).toEqual([]);
        expect(ok(await query({ ...range, measurement: "meter", field: "power_kw" }))).toEqual([]);
      });
    });

    describe("columnar reads", () => {
      // main_bearing at 0 s and 20 s, generator_de at 10 s and 30 s, one value each.
      const points = [
        vib("T01", "main_bearing", T0, { v_rms_mm_s: 1.5 }),
        vib("T01", "main_bearing", T0 + 20 * S, { v_rms_mm_s: 2.5 }),
        vib("T01", "generator_de", T0 + 10 * S, { v_rms_mm_s: 10.25 }),
        vib("T01", "generator_de", T0 + 30 * S, { v_rms_mm_s: 20.75 }),
      ];
      const range = { measurement: "vibration", field: "v_rms_mm_s", fromMs: T0, toMs: T0 + MIN } as const;

      it("answers one series per group as typed columns, several series merged by time", async () => {
        ok(await store.write(points));
        expect(ok(await queryColumns(store, { ...range, groupBy: ["point"] }))).toEqual([
          {
            tags: { point: "generator_de" },
            ts: new Float64Array([T0 + 10 * S, T0 + 30 * S]),
            values: new Float64Array([10.25, 20.75]),
          },
          {
            tags: { point: "main_bearing" },
            ts: new Float64Array([T0, T0 + 20 * S]),
            values: new Float64Array([1.5, 2.5]),
          },
        ]);
        expect(ok(await queryColumns(store, range))).toEqual([
          {
            tags: {},
            ts: new Float64Array([T0, T0 + 10 * S, T0 + 20 * S, T0 + 30 * S]),
            values: new Float64Array([1.5, 10.25, 2.5, 20.75]),
          },
        ]);
        // Sums per 20 s window: [0, 20) → 1.5 + 10.25, [20, 40) → 2.5 + 20.75.
        expect(
          ok(
            await queryColumns(store, {
              ...range,
              everyMs: 20 * S,
              aggregate: "sum",
              tags: { asset: "T01" },
            }),
          ),
        ).toEqual([
          { tags: {}, ts: new Float64Array([T0, T0 + 20 * S]), values: new Float64Array([11.75, 23.25]) },
        ]);
      });

      it("reads the true timestamps of one series, regular or not", async () => {
        // Regular (every 10 s); four samples spanning 30 s with one off the 10 s
        // lattice; three samples whose span (25 s) is no whole multiple of 2 steps.
        const at = (asset: string, seconds: number[]) =>
          seconds.map((sec, i) => vib(asset, "main_bearing", T0 + sec * S, { v_rms_mm_s: i + 1 }));
        ok(
          await store.write([
            ...at("A", [0, 10, 20, 30]),
            ...at("B", [0, 10, 25, 30]),
            ...at("C", [0, 5, 25]),
          ]),
        );
        const read = async (asset: string) =>
          ok(await queryColumns(store, { ...range, tags: { asset } }))[0]?.ts.map((t) => (t - T0) / S);
        expect(await read("A")).toEqual(new Float64Array([0, 10, 20, 30]));
        expect(await read("B")).toEqual(new Float64Array([0, 10, 25, 30]));
        expect(await read("C")).toEqual(new Float64Array([0, 5, 25]));
        // Per 10 s window: C's samples at 0 s and 5 s share one (1 + 2), 25 s is alone (3); B has one in each.
        expect(
          ok(
            await queryColumns(store, { ...range, tags: { asset: "C" }, everyMs: 10 * S, aggregate: "sum" }),
          ),
        ).toEqual([{ tags: {}, ts: new Float64Array([T0, T0 + 20 * S]), values: new Float64Array([3, 3]) }]);
        expect(
          ok(
            await queryColumns(store, {
              ...range,
              tags: { asset: "B" },
              everyMs: 10 * S,
              aggregate: "count",
            }),
          ),
        ).toEqual([
          {
            tags: {},
            ts: new Float64Array([T0, T0 + 10 * S, T0 + 20 * S, T0 + 30 * S]),
            values: new Float64Array([1, 1, 1, 1]),
          },
        ]);
      });

      it("keeps every bit of the values and answers [] or the query's error like query()", async () => {
        const exact = [0.1 + 0.2, 1 / 3, Math.PI, 5e-324, -1.7976931348623157e308];
        ok(await store.write(exact.map((v, i) => vib("T02", "main_bearing", T0 + i * S, { v_rms_mm_s: v }))));
        const [one] = ok(await queryColumns(store, { ...range, tags: { asset: "T02" } }));
        expect([...(one?.values ?? [])]).toEqual(exact);
        expect(ok(await queryColumns(store, { ...range, tags: { asset: "T99" } }))).toEqual([]);
        expect(await queryColumns(store, { ...range, everyMs: 0 })).toMatchObject({
          kind: "failure",
          code: "QUERY_FAILED",
        });
      });
    });

    describe("bucketed reads (min, mean, max, count per window)", () => {
      // Three days of one block per 10 min on two points of T01, starting off any day boundary;
      // integer and quarter values, so every sum is exact and means agree to the bit.
      const TEN_MIN = 10 * MIN;
      const HOUR = 60 * MIN;
      const DAY = 24 * HOUR;
      const N = 432;
      const velocity = (i: number) => (i * 37) % 101;
      const kurtosis = (i: number) => 3 + (i % 7) * 0.25;
      const gearbox = (i: number) => 200 + (i % 13);
      const points: Point[] = [];
      for (let i = 0; i < N; i++) {
        const ts = T0 + i * TEN_MIN;
        points.push(vib("T01", "main_bearing", ts, { v_rms_mm_s: velocity(i), kurtosis: kurtosis(i) }));
        points.push(vib("T01", "gearbox_hss", ts, { v_rms_mm_s: gearbox(i) }));
      }
      /** The answer written out from the generated values, by the definition of the windows. */
      const reference = (
        values: ((i: number) => number)[],
        fromMs: number,
        toMs: number,
        everyMs: number,
      ) => {
        const windows = new Map<number, number[]>();
        for (let i = 0; i < N; i++) {
          const ts = T0 + i * TEN_MIN;
          if (ts < fromMs || ts >= toMs || values.length === 0) continue;
          const w = ts - (((ts % everyMs) + everyMs) % everyMs);
          const list = windows.get(w) ?? [];
          for (const v of values) list.push(v(i));
          windows.set(w, list);
        }
        const ws = [...windows.keys()].sort((a, b) => a - b);
        const of = (f: (xs: number[]) => number) => new Float64Array(ws.map((w) => f(windows.get(w)!)));
        return {
          ts: new Float64Array(ws),
          min: of((xs) => Math.min(...xs)),
          mean: of((xs) => xs.reduce((a, b) => a + b, 0) / xs.length),
          max: of((xs) => Math.max(...xs)),
          count: of((xs) => xs.length),
        };
      };
      const from = T0 + 7 * MIN;
      const to = T0 + 3 * DAY - 13 * MIN;

      for (const [name, everyMs] of [
        ["2 d", 2 * DAY],
        ["1 d", DAY],
        ["6 h", 6 * HOUR],
        ["30 min", 30 * MIN],
        ["7 min", 7 * MIN],
      ] as const) {
        it(`per ${name}, over a range with ragged ends, for each asked field in the asked order`, async () => {
          ok(await store.write(points));
          const buckets = ok(
            await store.bucketed({
              measurement: "vibration",
              fields: ["kurtosis", "v_rms_mm_s", "a_peak_g"],
              tags: { asset: "T01", point: "main_bearing" },
              fromMs: from,
              toMs: to,
              everyMs,
            }),
          );
          expect(buckets).toEqual([
            { field: "kurtosis", ...reference([kurtosis], from, to, everyMs) },
            { field: "v_rms_mm_s", ...reference([velocity], from, to, everyMs) },
            { field: "a_peak_g", ...reference([], from, to, everyMs) },
          ]);
        });
      }

      it("merges every series the tags select", async () => {
        ok(await store.write(points));
        const [both] = ok(
          await store.bucketed({
            measurement: "vibration",
            fields: ["v_rms_mm_s"],
            tags: { asset: "T01" },
            fromMs: T0,
            toMs: T0 + 3 * DAY,
            everyMs: HOUR,
          }),
        );
        expect(both).toEqual({
          field: "v_rms_mm_s",
          ...reference([velocity, gearbox], T0, T0 + 3 * DAY, HOUR),
        });
      });

      it("follows an overwritten value, and counts a re-sent one once", async () => {
        ok(await store.write(points));
        ok(await store.write(points.slice(0, 50)));
        // Block 3's velocity (111 % 101 = 10) becomes 1000: its windows' max, mean and min change.
        ok(await store.write([vib("T01", "main_bearing", T0 + 3 * TEN_MIN, { v_rms_mm_s: 1000 })]));
        const changed = (i: number) => (i === 3 ? 1000 : velocity(i));
        for (const everyMs of [DAY, 30 * MIN, 7 * MIN]) {
          const [b] = ok(
            await store.bucketed({
              measurement: "vibration",
              fields: ["v_rms_mm_s"],
              tags: { asset: "T01", point: "main_bearing" },
              fromMs: T0 - DAY,
              toMs: T0 + 4 * DAY,
              everyMs,
            }),
          );
          expect(b).toEqual({
            field: "v_rms_mm_s",
            ...reference([changed], T0 - DAY, T0 + 4 * DAY, everyMs),
          });
        }
      });

      it("answers empty columns for nothing selected, and refuses a query it cannot answer", async () => {
        ok(await store.write(points));
        const none = {
          field: "v_rms_mm_s",
          ts: new Float64Array(0),
          min: new Float64Array(0),
          mean: new Float64Array(0),
          max: new Float64Array(0),
          count: new Float64Array(0),
        };
        const q = {
          measurement: "vibration" as const,
          fields: ["v_rms_mm_s"],
          fromMs: T0,
          toMs: T0 + DAY,
          everyMs: HOUR,
        };
        expect(ok(await store.bucketed({ ...q, tags: { asset: "T99" } }))).toEqual([none]);
        expect(ok(await store.bucketed({ ...q, fromMs: T0 + DAY, toMs: T0 }))).toEqual([none]);
        expect(ok(await store.bucketed({ ...q, measurement: "meter" }))).toEqual([none]);
        for (const bad of [{ everyMs: 0 }, { everyMs: 1.5 }, { fields: [] }, { fields: ["a", "a"] }])
          expect(await store.bucketed({ ...q, ...bad })).toMatchObject({
            kind: "failure",
            code: "QUERY_FAILED",
          });
      });
    });

    it("returns the newest row per group with all its fields", async () => {
      ok(
        await store.write([
          {
            measurement: "scada",
            tags: { site: "wf1", asset: "T01" },
            fields: { power_kw: 100, wind_speed_m_s: 5 },
            ts: T0,
          },
          {
            measurement: "scada",
            tags: { site: "wf1", asset: "T01" },
            fields: { power_kw: 200, wind_speed_m_s: 7 },
            ts: T0 + S,
          },
          { measurement: "scada", tags: { site: "wf1", asset: "T02" }, fields: { power_kw: 50 }, ts: T0 },
          vib("T01", "main_bearing", T0, { v_rms_mm_s: 1.5, iso_zone: 1 }),
          vib("T01", "main_bearing", T0 + 10 * S, { v_rms_mm_s: 4.5, iso_zone: 3 }),
          vib("T01", "generator_de", T0, { v_rms_mm_s: 2.5, iso_zone: 2 }),
        ]),
      );
      expect(ok(await store.latest({ measurement: "scada", groupBy: ["asset"] }))).toEqual([
        { tags: { asset: "T01" }, ts: T0 + S, fields: { power_kw: 200, wind_speed_m_s: 7 } },
        { tags: { asset: "T02" }, ts: T0, fields: { power_kw: 50 } },
      ]);
      expect(
        ok(
          await store.latest({
            measurement: "vibration",
            tags: { asset: "T01" },
            groupBy: ["asset", "point"],
          }),
        ),
      ).toEqual([
        { tags: { asset: "T01", point: "generator_de" }, ts: T0, fields: { v_rms_mm_s: 2.5, iso_zone: 2 } },
        {
          tags: { asset: "T01", point: "main_bearing" },
          ts: T0 + 10 * S,
          fields: { v_rms_mm_s: 4.5, iso_zone: 3 },
        },
      ]);
      expect(
        ok(await store.latest({ measurement: "scada", tags: { asset: "T99" }, groupBy: ["asset"] })),
      ).toEqual([]);
      expect(ok(await store.latest({ measurement: "meter", groupBy: ["asset"] }))).toEqual([]);
    });

    it("visits only the series a latest read selects, however many unrelated series the store holds", async () => {
      const ofT01 = { measurement: "vibration" as const, tags: { asset: "T01" }, groupBy: ["point"] };
      const onePoint = {
        measurement: "vibration" as const,
        tags: { asset: "T01", point: "main_bearing" },
        groupBy: [],
      };
      ok(
        await store.write([
          vib("T01", "main_bearing", T0, { v_rms_mm_s: 1.5 }),
          vib("T01", "generator_de", T0, { v_rms_mm_s: 2.5 }),
        ]),
      );
      const before = ok(await store.latestCost(ofT01));
      expect(before.series).toBe(2);
      // Unrelated series: 400 other assets' points, and T01's own other measurements and tag values.
      const unrelated: Point[] = [];
      for (let i = 0; i < 400; i++) unrelated.push(vib(`U${i}`, "main_bearing", T0, { v_rms_mm_s: i }));
      for (let i = 0; i < 100; i++)
        unrelated.push({
          measurement: "scada",
          tags: { site: "wf1", asset: "T01", source: `s${i}` },
          fields: { power_kw: i },
          ts: T0,
        });
      ok(await store.write(unrelated));
      const after = ok(await store.latestCost(ofT01));
      expect(after.series).toBe(2);
      expect(after.plan.join("\n")).not.toMatch(/\bSCAN\b/);
      expect(ok(await store.latestCost(onePoint)).series).toBe(1);
      expect(ok(await store.latestCost({ measurement: "meter", groupBy: [] })).series).toBe(0);
      // And the read answers what was written for T01 alone.
      expect(ok(await store.latest(ofT01))).toEqual([
        { tags: { point: "generator_de" }, ts: T0, fields: { v_rms_mm_s: 2.5 } },
        { tags: { point: "main_bearing" }, ts: T0, fields: { v_rms_mm_s: 1.5 } },
      ]);
    });

    it("re-writing the same batch creates no duplicates, and a new value overwrites", async () => {
      const batch = [1, 2, 3].map((v, i) => vib("T01", "main_bearing", T0 + i * S, { v_rms_mm_s: v }));
      ok(await store.write(batch));
      ok(await store.write(batch));
      const count = {
        measurement: "vibration",
        field: "v_rms_mm_s",
        fromMs: T0,
        toMs: T0 + MIN,
        everyMs: MIN,
        aggregate: "count",
      } as const;
      expect(ok(await query(count))).toEqual([{ tags: {}, points: [{ ts: T0, value: 3 }] }]);
      // Same key, tags given in another order: still the same series and timestamp.
      ok(
        await store.write([
          {
            measurement: "vibration",
            tags: { point: "main_bearing", asset: "T01", site: "wf1" },
            fields: { v_rms_mm_s: 9 },
            ts: T0 + S,
          },
        ]),
      );
      expect(ok(await query(count))).toEqual([{ tags: {}, points: [{ ts: T0, value: 3 }] }]);
      const raw = ok(await query({ ...count, everyMs: undefined, aggregate: undefined }));
      expect(raw[0]?.points.map((p) => p.value)).toEqual([1, 9, 3]);
    });

    it("keeps tag values with commas, spaces, equals signs, quotes and non-ASCII exactly as sent", async () => {
      const odd = ["a,b", "a b", "a=b", "x,y z=w", `q'"q`, "Ветряк №1", "😀 end ", "trailing,", "=lead"];
      ok(await store.write(odd.map((point, i) => vib("T01", point, T0 + i * S, { v_rms_mm_s: i + 1 }))));
      for (const [i, point] of odd.entries()) {
        const series = ok(
          await query({
            measurement: "vibration",
            field: "v_rms_mm_s",
            tags: { asset: "T01", point },
            fromMs: T0,
            toMs: T0 + MIN,
            groupBy: ["point"],
          }),
        );
        expect(series).toEqual([{ tags: { point }, points: [{ ts: T0 + i * S, value: i + 1 }] }]);
      }
    });

    it("refuses, for the whole batch, names and values no store keeps faithfully; a query naming one is empty", async () => {
      const good = vib("T01", "main_bearing", T0, { v_rms_mm_s: 1 });
      const refused: Point[] = [
        vib("T01", "bad\\", T0 + S, { v_rms_mm_s: 2 }),
        vib("T01", "a\\,b", T0 + S, { v_rms_mm_s: 2 }),
        vib("T01", "a\nb", T0 + S, { v_rms_mm_s: 2 }),
        vib("T01", "a\rb", T0 + S, { v_rms_mm_s: 2 }),
        vib("T01", "a\u0000b", T0 + S, { v_rms_mm_s: 2 }),
        vib("T01", "a\tb", T0 + S, { v_rms_mm_s: 2 }),
        vib("T01", "a\ud800b", T0 + S, { v_rms_mm_s: 2 }),
        vib("T01", "main_bearing", T0 + S, { time: 2 }),
        { ...good, tags: { ...good.tags, time: "x" }, ts: T0 + S },
        { ...good, tags: { ...good.tags, "a\nb": "x" }, ts: T0 + S },
      ];
      for (const bad of refused) {
        const r = await store.write([good, bad, { ...good, ts: T0 + 2 * S }]);
        expect(r, JSON.stringify(bad)).toMatchObject({ kind: "failure", code: "VALIDATION_FAILED" });
      }
      for (const ts of [9_223_372_036_855, 8_640_000_000_000_000]) {
        const r = await store.write([good, { ...good, ts }]);
        expect(r).toMatchObject({ kind: "failure", code: "INVALID_TIMESTAMP" });
      }
      // Nothing of any refused batch was stored, not even its good points.
      expect(
        ok(await query({ measurement: "vibration", field: "v_rms_mm_s", fromMs: T0, toMs: T0 + MIN })),
      ).toEqual([]);
      for (const point of ["bad\\", "a\nb", "a\u0000b", "a\rb", "a\ud800b"])
        expect(
          ok(
            await query({
              measurement: "vibration",
              field: "v_rms_mm_s",
              tags: { point },
              fromMs: T0,
              toMs: T0 + MIN,
            }),
          ),
        ).toEqual([]);
      expect(
        ok(await store.latest({ measurement: "vibration", tags: { point: "a\u0000b" }, groupBy: [] })),
      ).toEqual([]);
    });

    it("answers a range reaching past the storable times (to 9999999999999999) with what it holds", async () => {
      ok(await store.write([vib("T01", "main_bearing", T0, { v_rms_mm_s: 4 })]));
      expect(
        ok(
          await query({
            measurement: "vibration",
            field: "v_rms_mm_s",
            fromMs: -9_000_000_000_000_000,
            toMs: 9_000_000_000_000_000,
          }),
        ),
      ).toEqual([{ tags: {}, points: [{ ts: T0, value: 4 }] }]);
    });

    it("refuses a batch with a non-finite value as a whole, and accepts an empty batch", async () => {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const r = await store.write([
          vib("T01", "main_bearing", T0, { v_rms_mm_s: 1 }),
          vib("T01", "main_bearing", T0 + S, { v_rms_mm_s: bad }),
        ]);
        expect(r).toMatchObject({ kind: "failure", code: "INVALID_NUMBER" });
      }
      const empty = await store.write([vib("T01", "main_bearing", T0, {})]);
      expect(empty).toMatchObject({ kind: "failure", code: "VALIDATION_FAILED" });
      expect(
        ok(await query({ measurement: "vibration", field: "v_rms_mm_s", fromMs: T0, toMs: T0 + MIN })),
      ).toEqual([]);
      expect(ok(await store.write([]))).toEqual({ written: 0 });
    });
  });
}
