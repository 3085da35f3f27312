// Suites written once for central's two time-series stores. Without influxd
// the influx part is skipped, except under CI=true where it fails
// (influxdAvailable).
import { afterAll, beforeAll, describe, it } from "vitest";
import type { StoreKind } from "./central-under-test.ts";
import { influxdAvailable, type RunningInfluxd, startInfluxd } from "./influxd.ts";

export type { StoreKind };

/** The running influxd of the influx part; undefined on the embedded store (and before beforeAll). */
export type InfluxRef = () => RunningInfluxd | undefined;

/**
 * Runs `suite` on the embedded store, then inside "against a real influxd"
 * with a throwaway influxd started for that describe and stopped after it.
 */
export function onEachStore(
  suite: (kind: StoreKind, influx: InfluxRef) => void,
  /** More tests for the influx part only (e.g. ones that talk to influxd directly). */
  influxOnly?: (influx: InfluxRef) => void,
): void {
  suite("embedded", () => undefined);
  describe.skipIf(!influxdAvailable())("against a real influxd", () => {
    let influxd: RunningInfluxd | undefined;
    beforeAll(async () => {
      influxd = await startInfluxd();
    });
    afterAll(async () => {
      await influxd?.stop();
    });
    const influx: InfluxRef = () => influxd;
    suite("influx", influx);
    influxOnly?.(influx);
  });
}

/**
 * `describe(title)` once per store kind (`$kind` in the title names it); the
 * suite starts what it needs itself. Without influxd the influx one is a
 * skipped "needs influxd".
 */
export function describeEachStore(title: string, suite: (kind: StoreKind) => void): void {
  describe.each([
    { kind: "embedded" as const, run: true },
    { kind: "influx" as const, run: influxdAvailable() },
  ])(title, ({ kind, run }) => {
    if (!run) {
      it.skip("needs influxd");
      return;
    }
    suite(kind);
  });
}
