// One behaviour for every store: this suite runs against each implementation
// (embedded.test.ts, influx.test.ts). Values are known by construction
// (hand-computed means, counts, maxima), never taken from a store's output.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { queryColumns } from "../../central/stores/columns.ts";
import type { Series, SeriesQuery, TimeSeriesStore } from "../../central/stores/types.ts";
import type { IoResult } from "../../common/result.ts";
import type { Point } from "../../common/wire.ts";
import { columnsOf, MIN, ok, S, T0, vib } from "./store-points.ts";
import { describeStoreReads } from "./store-reads.ts";

export interface StoreUnderTest {
  store: TimeSeriesStore;
  /** Removes what the factory made (temp dir, database). Called after close(). */
  dispose(): Promise<void>;
}

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

    describeStoreReads({ store: () => store, query });

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
