// The analyst's views at central: trends of a measuring point (store-side
// downsampling, ISO zone boundaries of its component class, its alarms),
// the waterfall of its snapshots on one grid, and its baseline snapshot —
// with the access rules of the assets they belong to, and what a hostile or
// hurried caller sends refused with a clear 4xx.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZONE_BOUNDARY_RATIO } from "../../common/iso-zones.ts";
import type { SpectrumUpload } from "../../common/spectrum.ts";
import type { WirePoint } from "../../common/wire.ts";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** A day boundary, four days ago (the trend's data ends before now: ingest refuses the future). */
const D0 = Math.floor(Date.now() / DAY) * DAY - 4 * DAY;
const N = 3 * 144; // three days of one block per 10 min
/** v_rms of T01's main bearing: 1.0 … 2.6 mm/s on a 16-block ramp; zone D (≥ 3.2) from block 400 on. */
const velocity = (i: number) => (i >= 400 ? 4 : 1 + (i % 17) * 0.1);
const kurtosis = (i: number) => 3 + (i % 4) * 0.5;

const upload = (
  point: string,
  ts: number,
  reason: SpectrumUpload["reason"],
  envelope: { df: number; values: number[] },
  spectrumValues = [0, 0.5, 0.25, 0.125],
): SpectrumUpload => ({
  asset: "T01",
  point,
  ts,
  reason,
  snapshot: {
    speedRpm: 12,
    sampleRateHz: 25_600,
    samples: 65_536,
    spectrum: { df_hz: 0.5, unit: "mm/s", values: spectrumValues },
    envelope: { df_hz: envelope.df, unit: "g2", values: envelope.values, band_hz: [300, 600] },
    markers: [{ label: "1×", kind: "shaft", harmonic: 1, frequency_hz: 0.2, spectrum: "spectrum" }],
    ...(reason === "baseline"
      ? {}
      : { waveform: { unit: "g" as const, dt_s: 0.00125, min: [-0.5, -0.25], max: [0.75, 0.5] } }),
  },
  diagnoses: [],
});

describe("analyst views of a measuring point", () => {
  let f: CentralFixture;
  let batch = 0;
  beforeAll(async () => {
    f = await makeCentralFixture({
      config: {
        alarms: { evaluateEveryMs: 0 },
        // The gearbox's velocity B/C boundary set by the operator: its trend draws that one.
        zones: { gearbox: [{ quantity: "velocity", bandHz: [10, 1000], bc: 4 }] },
      },
    });
    const points: WirePoint[] = [];
    for (let i = 0; i < N; i++) {
      const ts = D0 + i * 10 * MIN;
      points.push({
        measurement: "vibration",
        tags: { site: "wf1", asset: "T01", point: "main_bearing" },
        fields: {
          v_rms_mm_s: velocity(i),
          kurtosis: kurtosis(i),
          env_bpfo_g2: i * 0.001,
          iso_zone: velocity(i) >= 3.2 ? 4 : velocity(i) >= 2 ? 3 : 2,
        },
        ts,
      });
    }
    for (let i = 0; i < points.length; i += 200) await ingest(points.slice(i, i + 200));
  });
  afterAll(async () => f.close());

  async function ingest(points: WirePoint[]) {
    const res = await f.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: f.auth(f.tokens.agentWf1),
      payload: {
        batchId: `views-batch-${++batch}`,
        agent: "edge-wf1",
        site: "wf1",
        sentAt: Date.now(),
        points,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  const get = (token: string, url: string) => f.app.inject({ url, headers: f.auth(token) });
  const snapshots = async (items: SpectrumUpload[]) => {
    const res = await f.app.inject({
      method: "POST",
      url: "/api/v1/ingest/spectrum",
      headers: f.auth(f.tokens.agentWf1),
      payload: { agent: "edge-wf1", site: "wf1", snapshots: items },
    });
    expect(res.statusCode, res.body).toBe(200);
  };

  describe("trends", () => {
    const url = (query: string) => `/api/v1/assets/T01/trends?point=main_bearing&${query}`;

    it("answers min, mean and max per window from the store, for the asked fields", async () => {
      const from = D0 + 3 * HOUR + 7 * MIN;
      const to = D0 + 2 * DAY;
      const res = await get(
        f.tokens.north,
        url(`fields=v_rms_mm_s,kurtosis&from=${new Date(from).toISOString()}&to=${to}&every=6h`),
      );
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({
        asset: "T01",
        point: "main_bearing",
        component: "main_bearing",
        everyMs: 6 * HOUR,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
      });
      // Written out from the generated values: window w holds the blocks with from ≤ ts < to.
      const expected = (value: (i: number) => number) => {
        const windows = new Map<number, number[]>();
        for (let i = 0; i < N; i++) {
          const ts = D0 + i * 10 * MIN;
          if (ts < from || ts >= to) continue;
          const w = ts - (ts % (6 * HOUR));
          windows.set(w, [...(windows.get(w) ?? []), value(i)]);
        }
        const ws = [...windows.keys()].sort((a, b) => a - b);
        return {
          ts: ws,
          min: ws.map((w) => Math.min(...windows.get(w)!)),
          max: ws.map((w) => Math.max(...windows.get(w)!)),
          count: ws.map((w) => windows.get(w)!.length),
          mean: ws.map((w) => windows.get(w)!.reduce((a, b) => a + b, 0) / windows.get(w)!.length),
        };
      };
      const [v, k] = body.fields;
      for (const [got, value, field, unit] of [
        [v, velocity, "v_rms_mm_s", "mm/s"],
        [k, kurtosis, "kurtosis", "1"],
      ] as const) {
        const e = expected(value);
        expect(got.field).toBe(field);
        expect(got.unit).toBe(unit);
        expect(got.ts).toEqual(e.ts);
        expect(got.min).toEqual(e.min);
        expect(got.max).toEqual(e.max);
        expect(got.count).toEqual(e.count);
        for (const [i, m] of (got.mean as number[]).entries()) expect(m).toBeCloseTo(e.mean[i]!, 12);
      }
    });

    it("draws the ISO 10816-21 boundaries of the point's component class, and central's overrides", async () => {
      const mb = (await get(f.tokens.north, url("fields=v_rms_mm_s,kurtosis"))).json();
      // Main bearing, v 10–1000 Hz: B/C 2.0 and C/D 3.2 mm/s (Table A.1), A/B = B/C ÷ 1.6; kurtosis has none.
      expect(mb.zones).toEqual([
        expect.objectContaining({
          field: "v_rms_mm_s",
          quantity: "velocity",
          bandHz: [10, 1000],
          unit: "mm/s",
          ab: 2.0 / ZONE_BOUNDARY_RATIO,
          bc: 2.0,
          cd: 3.2,
        }),
      ]);
      const gb = (
        await get(f.tokens.north, "/api/v1/assets/T01/trends?point=gearbox_hss&fields=v_rms_mm_s,a_rms_g")
      ).json();
      expect(gb.zones.map((z: { field: string }) => z.field)).toEqual(["v_rms_mm_s", "a_rms_g"]);
      expect(gb.zones[0]).toMatchObject({ bc: 4, cd: 5.6, ab: 4 / ZONE_BOUNDARY_RATIO });
      // Gearbox a 10–2000 Hz: 7.5 / 12 m/s², shown in g.
      expect(gb.zones[1].bc).toBeCloseTo(7.5 / 9.80665, 12);
      expect(gb.zones[1].cd).toBeCloseTo(12 / 9.80665, 12);
    });

    it("marks the point's alarms, to the company that holds them only", async () => {
      await f.app.service.evaluator.evaluate();
      const all = (await get(f.tokens.north, url(`from=${D0}&to=${D0 + 3 * DAY}`))).json();
      const zoneAlarm = all.alarms.find((a: { fault: string }) => a.fault === "overall_vibration");
      expect(zoneAlarm).toMatchObject({ severity: "alarm", state: "active" });
      // The alarm as the alarm book keeps it (GET /api/v1/alarms), within the zone D run.
      const book = (await get(f.tokens.north, "/api/v1/alarms?asset=T01&fault=overall_vibration")).json();
      const same = book.alarms.find((a: { point: string }) => a.point === "main_bearing");
      expect(zoneAlarm).toEqual({
        id: same.id,
        fault: "overall_vibration",
        severity: same.severity,
        maxSeverity: same.maxSeverity,
        state: same.state,
        since: same.since,
        raisedAt: same.raisedAt,
        clearedAt: same.clearedAt,
      });
      expect(Date.parse(zoneAlarm.since)).toBeGreaterThanOrEqual(D0 + 400 * 10 * MIN);
      expect(Date.parse(zoneAlarm.since)).toBeLessThan(D0 + N * 10 * MIN);
      // A range that ends before the alarm was raised shows none of it.
      const before = (await get(f.tokens.north, url(`from=${D0 - DAY}&to=${D0}`))).json();
      expect(before.alarms).toEqual([]);
      // Another company sees no T01 at all; the gearbox point has no alarm of the main bearing.
      expect((await get(f.tokens.south, url(""))).statusCode).toBe(404);
      const gearbox = (await get(f.tokens.north, "/api/v1/assets/T01/trends?point=gearbox_hss")).json();
      expect(gearbox.alarms).toEqual([]);
    });

    it("picks the point, the fields and a window of about 600 when the caller names none", async () => {
      const res = await get(f.tokens.admin, `/api/v1/assets/T01/trends?from=${D0}&to=${D0 + 3 * DAY}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.point).toBe("main_bearing");
      // 3 days / 600 → 7.2 min, rounded up to the next nice step: 10 min.
      expect(body.everyMs).toBe(10 * MIN);
      expect(body.fields.map((x: { field: string }) => x.field)).toContain("env_bpfo_g2");
      const bpfo = body.fields.find((x: { field: string }) => x.field === "env_bpfo_g2");
      expect(bpfo.count.every((c: number) => c === 1)).toBe(true);
      expect(bpfo.max[bpfo.max.length - 1]).toBeCloseTo((N - 1) * 0.001, 12);
    });

    it("refuses what a hostile or hurried caller sends, with a clear 4xx", async () => {
      const cases: [string, number, string][] = [
        [url("from=2026-13-01T00:00:00Z"), 400, "querystring.from"],
        [url("from=yesterday"), 400, "querystring.from"],
        [url(`from=${D0 + DAY}&to=${D0}`), 400, "querystring.from"],
        [url("to=9999999999999999"), 400, "querystring.to"],
        [url(`from=0&to=${D0}`), 400, "10 years"],
        [url("every=0s"), 400, "querystring.every"],
        [url("every=500ms"), 400, "querystring.every"],
        [url("every=99999999999999999d"), 400, "querystring.every"],
        [url("every=400d"), 400, "querystring.every"],
        [url(`from=${D0}&to=${D0 + 30 * DAY}&every=1s`), 400, "windows"],
        [url("every=1w"), 400, "querystring.every"],
        [url("fields=v_rms_mm_s,nope"), 400, "nope"],
        [url("fields=v_rms_mm_s,v_rms_mm_s"), 400, "twice"],
        [url(`fields=${Array.from({ length: 17 }, () => "kurtosis").join(",")}`), 400, "at most"],
        [url("fields=V_RMS"), 400, "querystring.fields"],
        [url("fields=a;DROP"), 400, "querystring.fields"],
        [url("extra=1"), 400, "unknown key"],
        ["/api/v1/assets/T01/trends?point=tower_top", 404, "tower_top"],
        ["/api/v1/assets/T01/trends?point=main%5Fbearing%00", 404, "No measuring point"],
        ["/api/v1/assets/%2e%2e%2fT01/trends", 404, "No asset"],
        ["/api/v1/assets/T01%27%20OR%201%3D1/trends", 404, "No asset"],
        ["/api/v1/assets/T99/trends", 404, "No asset"],
      ];
      for (const [path, status, words] of cases) {
        const res = await get(f.tokens.north, path);
        expect(res.statusCode, `${path}: ${res.body}`).toBe(status);
        expect(res.json().error.message, path).toContain(words);
      }
      const unknownField = await get(f.tokens.north, url("fields=nope"));
      expect(unknownField.json().error.code).toBe("UNKNOWN_FIELD");
      expect((await f.app.inject({ url: url("") })).statusCode).toBe(401);
      expect((await get(f.tokens.agentWf1, url(""))).statusCode).toBe(403);
    });
  });

  describe("waterfall and baseline", () => {
    const T = D0 + DAY;
    beforeAll(async () => {
      // Three snapshots whose envelopes have different bin spacings (the kurtogram's band moves),
      // a baseline sent on the same block as the second one.
      await snapshots([
        upload("main_bearing", T, "scheduled", { df: 0.25, values: [0, 1, 2, 3, 4, 5, 6, 7, 8] }),
        upload("main_bearing", T + 10 * MIN, "scheduled", { df: 0.5, values: [0, 10, 20, 30, 40] }),
        upload(
          "main_bearing",
          T + 10 * MIN,
          "baseline",
          { df: 0.5, values: [0, 1, 1, 1, 1] },
          [0, 0.1, 0.1, 0.1],
        ),
        upload("main_bearing", T + 20 * MIN, "diagnosis_changed", { df: 1, values: [0, 100, 200] }),
      ]);
    });

    it("puts the snapshots on one grid, oldest first: the coarsest spacing, peak-held", async () => {
      const res = await get(f.tokens.north, "/api/v1/assets/T01/waterfall?point=main_bearing&trace=envelope");
      expect(res.statusCode, res.body).toBe(200);
      const w = res.json();
      expect(w).toMatchObject({
        asset: "T01",
        point: "main_bearing",
        trace: "envelope",
        unit: "g2",
        df_hz: 1,
      });
      expect(w.rows.map((r: { ts: string; reason: string }) => [r.ts, r.reason])).toEqual([
        [new Date(T).toISOString(), "scheduled"],
        [new Date(T + 10 * MIN).toISOString(), "scheduled"],
        [new Date(T + 20 * MIN).toISOString(), "diagnosis_changed"],
      ]);
      // Each line goes to the grid bin nearest it (a line halfway goes up): 0.25 Hz lines onto 1 Hz,
      // 0–0.25 → 0 Hz (max 1), 0.5–1.25 → 1 Hz (max 5), 1.5–2 → 2 Hz (max 8); 0.5 Hz lines,
      // 0 → 0 Hz, 0.5–1 → 1 Hz (max 20), 1.5–2 → 2 Hz (max 40).
      expect(w.rows.map((r: { values: number[] }) => r.values)).toEqual([
        [1, 5, 8],
        [0, 20, 40],
        [0, 100, 200],
      ]);
      const two = (
        await get(f.tokens.north, "/api/v1/assets/T01/waterfall?point=main_bearing&count=2")
      ).json();
      expect(two.rows).toHaveLength(2);
      expect(two.trace).toBe("velocity");
      expect(two.rows[1].values).toEqual([0, 0.5, 0.25, 0.125]);
    });

    it("serves the baseline apart from the newest snapshots, and the waveform with them", async () => {
      const res = await get(f.tokens.north, "/api/v1/assets/T01/spectrum/baseline?point=main_bearing");
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().snapshot).toMatchObject({
        point: "main_bearing",
        reason: "baseline",
        ts: new Date(T + 10 * MIN).toISOString(),
        spectrum: { values: [0, 0.1, 0.1, 0.1] },
        diagnoses: [],
      });
      const history = (
        await get(f.tokens.north, "/api/v1/assets/T01/spectrum?point=main_bearing&history=10")
      ).json();
      expect(history.snapshots.map((s: { reason: string }) => s.reason)).toEqual([
        "diagnosis_changed",
        "scheduled",
        "scheduled",
      ]);
      expect(history.snapshots[1].envelope.values).toEqual([0, 10, 20, 30, 40]);
      expect(history.snapshots[0].waveform).toEqual({
        unit: "g",
        dt_s: 0.00125,
        min: [-0.5, -0.25],
        max: [0.75, 0.5],
      });
      // An older baseline arriving late (a re-send) does not replace the newer one.
      await snapshots([upload("main_bearing", T - DAY, "baseline", { df: 0.5, values: [9] })]);
      const still = (
        await get(f.tokens.north, "/api/v1/assets/T01/spectrum/baseline?point=main_bearing")
      ).json();
      expect(still.snapshot.ts).toBe(new Date(T + 10 * MIN).toISOString());
    });

    it("refuses a missing or unknown point, odd counts and bins, other tenants; 404 before any snapshot", async () => {
      const cases: [string, number][] = [
        ["/api/v1/assets/T01/waterfall", 400],
        ["/api/v1/assets/T01/waterfall?point=main_bearing&count=0", 400],
        ["/api/v1/assets/T01/waterfall?point=main_bearing&count=51", 400],
        ["/api/v1/assets/T01/waterfall?point=main_bearing&count=-1", 400],
        ["/api/v1/assets/T01/waterfall?point=main_bearing&bins=8", 400],
        ["/api/v1/assets/T01/waterfall?point=main_bearing&bins=99999", 400],
        ["/api/v1/assets/T01/waterfall?point=main_bearing&trace=order", 400],
        ["/api/v1/assets/T01/waterfall?point=tower", 404],
        ["/api/v1/assets/T01/waterfall?point=gearbox_hss", 404],
        ["/api/v1/assets/T01/spectrum/baseline", 400],
        ["/api/v1/assets/T01/spectrum/baseline?point=gearbox_hss", 404],
        ["/api/v1/assets/T01/spectrum/baseline?point=%2e%2e", 404],
      ];
      for (const [path, status] of cases) {
        const res = await get(f.tokens.north, path);
        expect(res.statusCode, `${path}: ${res.body}`).toBe(status);
        expect(res.json().error.code).toMatch(/^[A-Z_]+$/);
      }
      for (const path of [
        "/api/v1/assets/T01/waterfall?point=main_bearing",
        "/api/v1/assets/T01/spectrum/baseline?point=main_bearing",
      ])
        expect((await get(f.tokens.south, path)).statusCode).toBe(404);
      // Declared for people only: no token is 401, an agent's token 403, the ministry reads.
      for (const path of [
        "/api/v1/assets/T01/waterfall?point=main_bearing",
        "/api/v1/assets/T01/spectrum/baseline?point=main_bearing",
      ]) {
        expect((await f.app.inject({ url: path })).statusCode, path).toBe(401);
        expect((await get(f.tokens.agentWf1, path)).statusCode, path).toBe(403);
        expect((await get(f.tokens.ministry, path)).statusCode, path).toBe(200);
      }
    });
  });
});
