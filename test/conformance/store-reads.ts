// The store conformance suite's reads of series as columns and in windows
// (min, mean, max, count per bucket); store.ts runs them inside its suite,
// on the store its factory made for each test.
import { beforeEach, describe, expect, it } from "vitest";
import { queryColumns } from "../../central/stores/columns.ts";
import type { Series, SeriesQuery, TimeSeriesStore } from "../../central/stores/types.ts";
import type { IoResult } from "../../common/result.ts";
import type { Point } from "../../common/wire.ts";
import { MIN, ok, S, T0, vib } from "./store-points.ts";

export interface StoreReadContext {
  /** The store of the running test. */
  store(): TimeSeriesStore;
  /** `store.query`, checked to agree with the columnar read. */
  query(q: SeriesQuery): Promise<IoResult<Series[]>>;
}

export function describeStoreReads(ctx: StoreReadContext): void {
  let store: TimeSeriesStore;
  beforeEach(() => {
    store = ctx.store();
  });
  const _query = (q: SeriesQuery) => ctx.query(q);

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
        await store.write([...at("A", [0, 10, 20, 30]), ...at("B", [0, 10, 25, 30]), ...at("C", [0, 5, 25])]),
      );
      const read = async (asset: string) =>
        ok(await queryColumns(store, { ...range, tags: { asset } }))[0]?.ts.map((t) => (t - T0) / S);
      expect(await read("A")).toEqual(new Float64Array([0, 10, 20, 30]));
      expect(await read("B")).toEqual(new Float64Array([0, 10, 25, 30]));
      expect(await read("C")).toEqual(new Float64Array([0, 5, 25]));
      // Per 10 s window: C's samples at 0 s and 5 s share one (1 + 2), 25 s is alone (3); B has one in each.
      expect(
        ok(await queryColumns(store, { ...range, tags: { asset: "C" }, everyMs: 10 * S, aggregate: "sum" })),
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
    const reference = (values: ((i: number) => number)[], fromMs: number, toMs: number, everyMs: number) => {
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
}
