// The points and checks the store conformance suite (store.ts) shares
// among its parts: a minute-aligned origin and a vibration point builder.
import type { ColumnSeries, Series } from "../../central/stores/types.ts";
import type { Point } from "../../common/wire.ts";

/** A minute boundary (epoch multiple of 60 000 ms) in Nov 2023. */
export const T0 = 1_700_000_040_000;
export const S = 1000;
export const MIN = 60 * S;

export const vib = (asset: string, point: string, ts: number, fields: Record<string, number>): Point => ({
  measurement: "vibration",
  tags: { site: "wf1", asset, point },
  fields,
  ts,
});

export const ok = <T>(r: { kind: string; value?: T; message?: string }): T => {
  if (r.kind !== "success") throw new Error(`expected success, got ${JSON.stringify(r)}`);
  return r.value as T;
};

/** Points as columns, written out here so the check does not rest on the code under test. */
export const columnsOf = (series: readonly Series[]): ColumnSeries[] =>
  series.map((s) => ({
    tags: s.tags,
    ts: new Float64Array(s.points.map((p) => p.ts)),
    values: new Float64Array(s.points.map((p) => p.value)),
  }));
