// The console's browser tests' world (central/ui/console*.test.ts): a real
// listening central on the fixture fleet (sc-north has T01 on wf1 and T03 on
// wf2, sc-south has T02) with an hour of vibration, a diagnosis and a
// spectrum snapshot ingested the way an edge agent sends them, alarms from
// the real evaluator, one Chromium, and the pages' script errors collected.
// Screenshots go to artifacts/console/.
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { SpectrumUpload } from "../../common/spectrum.ts";
import type { WirePoint } from "../../common/wire.ts";
import { launchChromium, signInToConsole } from "./browser.ts";
import { type CentralFixture, makeCentralFixture } from "./central-fixture.ts";

export const SHOTS = join(import.meta.dirname, "..", "..", "artifacts", "console");
export const MINUTE = 60_000;

export interface Alarm {
  id: string;
  asset: string;
  point: string;
  fault: string;
  severity: string;
  state: string;
  ackComment: string | null;
  acknowledgedBy: string | null;
  assignee: string | null;
}

/** A snapshot of T01's main bearing with an outer-race defect: envelope lines at BPFO and its harmonics. */
export function outerRaceSnapshot(ts: number): SpectrumUpload {
  const speedRpm = 15.6;
  const shaftHz = speedRpm / 60;
  const bpfoHz = Number((shaftHz * 8.93).toFixed(3));
  const dfHz = 0.05;
  let seed = 7;
  const noise = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const envelope = Array.from({ length: 4000 }, () => 1e-5 * (1 + noise()));
  for (const h of [1, 2, 3]) envelope[Math.round((h * bpfoHz) / dfHz)] = 2e-3 / h;
  const spectrum = Array.from({ length: 4000 }, () => 0.01 * (1 + noise()));
  for (const h of [1, 2, 3]) spectrum[Math.round((h * shaftHz) / dfHz)] = 0.4 / h;
  return {
    asset: "T01",
    point: "main_bearing",
    ts,
    reason: "diagnosis_changed",
    snapshot: {
      speedRpm,
      sampleRateHz: 25_600,
      samples: 65_536,
      spectrum: { df_hz: dfHz, unit: "mm/s", values: spectrum },
      envelope: { df_hz: dfHz, unit: "g²", values: envelope, band_hz: [300, 600] },
      markers: [
        ...[1, 2, 3].map((h) => ({
          label: h === 1 ? "BPFO" : `${h}×BPFO`,
          kind: "bpfo" as const,
          harmonic: h,
          frequency_hz: Number((h * bpfoHz).toFixed(3)),
          spectrum: "envelope" as const,
        })),
        {
          label: "BPFI",
          kind: "bpfi",
          harmonic: 1,
          frequency_hz: Number((shaftHz * 11.07).toFixed(3)),
          spectrum: "envelope",
        },
        ...[1, 2, 3].map((h) => ({
          label: `${h}×`,
          kind: "shaft" as const,
          harmonic: h,
          frequency_hz: h * shaftHz,
          spectrum: "spectrum" as const,
        })),
      ],
    },
    diagnoses: [
      {
        fault: "bearing_outer_race",
        severity: "alarm",
        confidence: 0.92,
        since: ts - 5 * MINUTE,
        evidence: {
          spectrum: "envelope",
          frequency_hz: bpfoHz,
          expected_hz: bpfoHz,
          amplitude: 2e-3,
          amplitude_unit: "g²",
          snr_db: 22.5,
          harmonics: 3,
          harmonics_searched: 5,
          band_hz: [300, 600],
        },
      },
    ],
  };
}

export const hexToRgb = (hex: string): string => {
  const n = Number.parseInt(hex.trim().replace("#", ""), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
};

export let f: CentralFixture;
export let url: string;
export let browser: Browser;
export let batch = 0;
export const now = Date.now();

export const call = async <T>(
  path: string,
  token: string,
  init: { method?: string; body?: unknown } = {},
) => {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  expect(res.status, `${path}: ${text}`).toBeLessThan(300);
  return JSON.parse(text) as T;
};
export const ingest = (site: "wf1" | "wf2", points: WirePoint[]) =>
  call(`/api/v1/ingest`, site === "wf1" ? f.tokens.agentWf1 : f.tokens.agentWf2, {
    method: "POST",
    body: { batchId: `console-${++batch}-${now}`, agent: `edge-${site}`, site, sentAt: Date.now(), points },
  });
export const vibration = (
  site: string,
  asset: string,
  point: string,
  ts: number,
  zone: number,
  v: number,
) => ({
  measurement: "vibration" as const,
  tags: { site, asset, point },
  fields: { iso_zone: zone, v_rms_mm_s: v, a_rms_m_s2: v / 3, kurtosis: 3 + zone / 2, crest_factor: 3.1 },
  ts,
});
export const diagnosis = (asset: string, point: string, fault: string, severity: number, ts: number) => ({
  measurement: "diagnosis" as const,
  tags: { site: "wf1", asset, point, fault },
  fields: { severity, confidence: 0.9, active: 1, raised_at_ms: ts - 5 * MINUTE, frequency_hz: 2.32 },
  ts,
});
export const alarmsOf = async (token: string, query = "") =>
  (await call<{ alarms: Alarm[]; total: number }>(`/api/v1/alarms${query}`, token)).alarms;

export const errors: string[] = [];
export const open = async (hash = "", token?: string): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 40[134]/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  if (token) {
    await signInToConsole(page, url, token, hash);
  } else {
    await page.goto(`${url}/${hash}`);
  }
  return page;
};
export const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
export const rowsOf = (page: Page) =>
  page.$$eval("#alarmRows tr[data-id]", (trs) =>
    trs.map((tr) => ({
      id: (tr as HTMLElement).dataset.id!,
      state: (tr as HTMLElement).dataset.state!,
      severity: (tr as HTMLElement).dataset.severity!,
      asset: tr.children[1]!.querySelector(".muted")!.textContent!,
      since: tr.children[6]!.textContent!,
    })),
  );

/** Starts the central, ingests the fleet's data and opens the browser before the suite; closes both after. */
export function useConsoleFleet(): void {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Evaluations run when the test (and ingest, and reads) ask for them, not on a timer.
    f = await makeCentralFixture({ config: { alarms: { evaluateEveryMs: 0 } } });
    await f.app.listen({ port: 0, host: "127.0.0.1" });
    url = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
    // An hour of blocks, one per minute: T01's main bearing climbs into zone D, its gearbox sits
    // in C, T03 in C, T02 (another company's) in B.
    const points: WirePoint[] = [];
    for (let i = 60; i >= 1; i--) {
      const ts = now - i * MINUTE;
      points.push(
        vibration("wf1", "T01", "main_bearing", ts, i > 40 ? 2 : 4, i > 40 ? 2.1 : 9.5 + (40 - i) / 10),
      );
      points.push(vibration("wf1", "T01", "gearbox_hss", ts, 3, 5.2));
      points.push(vibration("wf1", "T02", "main_bearing", ts, 2, 1.8));
      points.push({
        measurement: "scada",
        tags: { site: "wf1", asset: "T01" },
        fields: { rotor_speed_rpm: 15.6, power_kw: 1800 + i, wind_speed_m_s: 9.5 },
        ts,
      });
    }
    points.push(diagnosis("T01", "main_bearing", "bearing_outer_race", 2, now - MINUTE));
    await ingest("wf1", points);
    await ingest(
      "wf2",
      Array.from({ length: 30 }, (_, i) =>
        vibration("wf2", "T03", "main_bearing", now - (i + 1) * MINUTE, 3, 4.8),
      ),
    );
    await call("/api/v1/ingest/spectrum", f.tokens.agentWf1, {
      method: "POST",
      body: { agent: "edge-wf1", site: "wf1", snapshots: [outerRaceSnapshot(now - MINUTE)] },
    });
    await f.app.service.evaluator.evaluate();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });
}
