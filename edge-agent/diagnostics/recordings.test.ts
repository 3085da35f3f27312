// The chain against real recordings: CWRU (drive end, 12 kHz, and the 48 kHz
// healthy baseline) and MFPT, in `../shared/data/bearings` beside the
// repository (not part of the project). Grades are Smith & Randall's (MSSP
// 64–65, 2015): on every record they grade clearly diagnosable (Y1/Y2) and on
// the MFPT records the seeded fault is named first; no record has another
// bearing fault named as an alarm; the healthy record gets no diagnosis.
//
// Twelve records are too few to trust thresholds set on them, so the same
// records are also diagnosed as the conditions of other machines would
// present them — the stated speed 2 % off, the same vibration sampled at
// 25.6 and 48 kHz, half the record, twice the noise — and the thresholds that
// could have been fitted are chosen again leaving each record out.
//
// Zone table: the recordings come from test rigs with an electric motor, not
// wind turbines. They are rated as `generator` — ISO 10816-21's class for
// the high-speed electrical machine (10–5000 Hz acceleration, 10–1000 Hz
// velocity bands) is the nearest to a motor on a bench.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseWav } from "../../cli/wav.ts";
import type { Diagnosis } from "../../common/names.ts";
import { gaussian, mulberry32 } from "../../simulators/turbine/physics.ts";
import { resample } from "../../test/helpers/resample.ts";
import { signalSpectrum } from "../dsp/envelope.ts";
import { detrendedBlock, segmentLengthFor } from "../dsp/features.ts";
import { fftJsBackend } from "../dsp/fft.ts";
import { welchPowerSpectrum } from "../dsp/welch.ts";
import {
  type BearingScoreOptions,
  type BearingView,
  diagnoseBearing,
  MIN_ALARM_KURTOSIS,
  MIN_FINDING_KURTOSIS,
  SMEAR_WARNING_Z,
} from "./bearing.ts";
import { bearingAnalysis } from "./envelope-views.ts";
import { diagnoseBlock } from "./pipeline.ts";
import type { BearingGeometry, DefectOrders, PointDiagnosis } from "./types.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../shared/data/bearings");
const MANIFEST = join(ROOT, "manifest.json");
const present = existsSync(MANIFEST);

interface Entry {
  file: string;
  sample_rate_hz: number;
  source: string;
  fault: Diagnosis | "none";
  shaft_rpm: number;
  unit: "g";
  bearing: { balls: number; ball_diameter_mm: number; pitch_diameter_mm: number; contact_angle_deg: number };
  published_diagnosability?: string;
}

const geometry = (e: Entry): BearingGeometry => ({
  balls: e.bearing.balls,
  ballDiameterMm: e.bearing.ball_diameter_mm,
  pitchDiameterMm: e.bearing.pitch_diameter_mm,
  contactAngleDeg: e.bearing.contact_angle_deg,
});

function samplesOf(e: Entry): Float64Array {
  const wav = parseWav(readFileSync(join(ROOT, e.file)));
  if (!wav.ok) throw new Error(`${e.file}: ${wav.message}`);
  expect(wav.value.sampleRateHz).toBe(e.sample_rate_hz);
  return Float64Array.from(wav.value.samples);
}

/** What a record's grade asks of a diagnosis. */
type Group = "clear" | "partial" | "healthy" | "other";
const groupOf = (e: Entry): Group =>
  e.fault === "none"
    ? "healthy"
    : /^Y[12]$/.test(e.published_diagnosability ?? "") || e.source === "MFPT"
      ? "clear"
      : /^P[12]$/.test(e.published_diagnosability ?? "")
        ? "partial"
        : "other";

/** The bearing faults named, strongest first. */
const bearingCalls = <F extends { fault: string; severity: string }>(findings: readonly F[]): F[] =>
  findings.filter((f) => f.fault.startsWith("bearing_"));

/**
 * Right for its group: healthy — nothing named; clear or partial — the seeded fault named first and
 * no other bearing fault as an alarm; other (N1: another problem visible) — no other bearing alarm.
 */
function right(e: Entry, findings: readonly { fault: string; severity: string }[]): boolean {
  const calls = bearingCalls(findings);
  const wrongAlarm = calls.some((f) => f.fault !== e.fault && f.severity === "alarm");
  switch (groupOf(e)) {
    case "healthy":
      return calls.length === 0;
    case "other":
      return !wrongAlarm;
    default:
      return calls[0]?.fault === e.fault && !wrongAlarm;
  }
}

const callList = (findings: readonly { fault: string; severity: string }[]): string =>
  bearingCalls(findings)
    .map((f) => `${f.fault.replace("bearing_", "")}${f.severity === "alarm" ? "!" : "?"}`)
    .join(" ") || "—";

/** A variant of a record: how another machine, converter or speed reading would present it. */
interface Variant {
  readonly name: string;
  readonly make: (x: Float64Array, e: Entry) => { samples: Float64Array; rateHz: number; rpm: number };
}

const rms = (x: Float64Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

/** White noise of `rmsG` added (seeded). */
function withNoise(x: Float64Array, rmsG: number, seed: number): Float64Array {
  const rng = mulberry32(seed);
  return Float64Array.from(x, (v) => v + rmsG * gaussian(rng));
}

const VARIANTS: readonly Variant[] = [
  { name: "as recorded", make: (x, e) => ({ samples: x, rateHz: e.sample_rate_hz, rpm: e.shaft_rpm }) },
  {
    name: "speed stated 2 % low",
    make: (x, e) => ({ samples: x, rateHz: e.sample_rate_hz, rpm: e.shaft_rpm * 0.98 }),
  },
  {
    name: "speed stated 2 % high",
    make: (x, e) => ({ samples: x, rateHz: e.sample_rate_hz, rpm: e.shaft_rpm * 1.02 }),
  },
  ...[25_600, 48_000].map(
    (rateHz): Variant => ({
      // A faster converter records the sensor's noise above the old band: 50 dB under the signal.
      name: `at ${rateHz / 1000} kHz`,
      make: (x, e) => {
        const y = resample(x, e.sample_rate_hz, rateHz);
        return { samples: withNoise(y, rms(y) * 10 ** (-50 / 20), 3), rateHz, rpm: e.shaft_rpm };
      },
    }),
  ),
  {
    name: "first half",
    make: (x, e) => ({ samples: x.slice(0, x.length >> 1), rateHz: e.sample_rate_hz, rpm: e.shaft_rpm }),
  },
  {
    name: "second half",
    make: (x, e) => ({ samples: x.slice(x.length >> 1), rateHz: e.sample_rate_hz, rpm: e.shaft_rpm }),
  },
  {
    name: "noise as strong as the record",
    make: (x, e) => ({ samples: withNoise(x, rms(x), 7), rateHz: e.sample_rate_hz, rpm: e.shaft_rpm }),
  },
];

function diagnose(e: Entry, v: { samples: Float64Array; rateHz: number; rpm: number }): PointDiagnosis {
  return diagnoseBlock(
    { samples: v.samples, sampleRateHz: v.rateHz, unit: e.unit },
    { component: "generator", speedRpm: v.rpm, bearing: geometry(e) },
  );
}

if (!present && process.env.CI === "true") {
  describe("bearing recordings", () => {
    it("needs ../shared/data/bearings beside the repository under CI", () => {
      expect.fail(`recordings not found at ${MANIFEST}; CI must provide them`);
    });
  });
} else {
  describe.skipIf(!present)("bearing recordings (CWRU, MFPT)", () => {
    const entries: Entry[] = present ? JSON.parse(readFileSync(MANIFEST, "utf8")) : [];
    const samples = new Map<string, Float64Array>();
    const samplesOfEntry = (e: Entry): Float64Array => {
      let x = samples.get(e.file);
      if (x === undefined) {
        x = samplesOf(e);
        samples.set(e.file, x);
      }
      return x;
    };
    const asRecorded = new Map<string, PointDiagnosis>();
    const resultOf = (e: Entry): PointDiagnosis => {
      let d = asRecorded.get(e.file);
      if (d === undefined) {
        d = diagnose(e, VARIANTS[0]!.make(samplesOfEntry(e), e));
        asRecorded.set(e.file, d);
      }
      return d;
    };

    it("the manifest lists faulty CWRU records graded Y and P, a healthy one and MFPT ones", () => {
      expect(entries.filter((e) => groupOf(e) === "clear").length).toBeGreaterThanOrEqual(4);
      expect(entries.some((e) => groupOf(e) === "partial")).toBe(true);
      expect(entries.some((e) => e.fault === "none")).toBe(true);
      expect(entries.some((e) => e.source === "MFPT")).toBe(true);
    });

    for (const e of entries) {
      it(`${e.file} (${e.fault}, grade ${e.published_diagnosability ?? "-"})`, () => {
        const d = resultOf(e);
        if (e.fault === "none") {
          expect(d.findings).toEqual([]);
          return;
        }
        const calls = bearingCalls(d.findings);
        if (groupOf(e) === "clear") expect(calls[0]?.fault).toBe(e.fault);
        if (e.source === "MFPT") expect(calls[0]?.severity).toBe("alarm");
        expect(calls.filter((f) => f.fault !== e.fault && f.severity === "alarm")).toEqual([]);
        for (const f of calls) {
          expect(f.confidence).toBeGreaterThan(0);
          expect(f.confidence).toBeLessThanOrEqual(1);
          expect(f.evidence.spectrum).toBe("envelope");
          expect(Number.isFinite(f.evidence.snr_db)).toBe(true);
        }
      });
    }

    it("records graded partially diagnosable (P): the seeded fault named on at least half", () => {
      const partial = entries.filter((e) => groupOf(e) === "partial");
      const named = partial.filter((e) => right(e, resultOf(e).findings));
      expect(named.length).toBeGreaterThanOrEqual(Math.ceil(partial.length / 2));
    });

    // 12 records × 7 variants through the whole chain: about 45 s of CPU alone.
    it("as another machine would present them: speed 2 % off, 25.6 and 48 kHz, half a record, more noise", {
      timeout: 360_000,
    }, () => {
      const lines = [`| record | grade | ${VARIANTS.map((v) => v.name).join(" | ")} |`];
      const tally = new Map<string, { right: number; of: number }>();
      const misses: string[] = [];
      for (const e of entries) {
        const x = samplesOfEntry(e);
        const cells: string[] = [];
        for (const v of VARIANTS) {
          const d = v.name === VARIANTS[0]!.name ? resultOf(e) : diagnose(e, v.make(x, e));
          const ok = right(e, d.findings);
          cells.push(`${ok ? "" : "✗ "}${callList(d.findings)}`);
          const key = `${groupOf(e)} | ${v.name}`;
          const t = tally.get(key) ?? { right: 0, of: 0 };
          t.of++;
          if (ok) t.right++;
          tally.set(key, t);
          if (!ok && groupOf(e) !== "partial") misses.push(`${e.file} ${v.name}: ${callList(d.findings)}`);
        }
        lines.push(
          `| ${e.file.replace(/^.*\//, "")} | ${e.published_diagnosability ?? "-"} | ${cells.join(" | ")} |`,
        );
      }
      for (const [key, t] of [...tally].sort()) lines.push(`${key}: ${t.right}/${t.of}`);
      console.log(lines.join("\n"));
      // Clear, healthy and N records hold in every variant; partial ones are printed.
      expect(misses).toEqual([]);
    });

    it("leave one record out: thresholds chosen again without each record give the same verdicts", {
      timeout: 180_000,
    }, () => {
      // The thresholds a data set could have decided: the smeared element's significance, the
      // kurtosis margin that makes FTF lines an element's and the kurtosis below which a band holds
      // no impacts. The defaults are significance levels and
      // the physics' (bearing.ts); here each is chosen, for every record left out, as the one that
      // gets the most of the other eleven right (ties: the one nearest the default), and the left-out
      // record is diagnosed with it.
      const settings: BearingScoreOptions[] = [];
      for (const smearWarningZ of [2.5, 3, 3.5, 4, 4.5])
        for (const cageImpactMargin of [0.5, 1, 1.5, 2])
          for (const minFindingKurtosis of [0.25, 0.5, 0.75, 1])
            settings.push({ smearWarningZ, cageImpactMargin, minFindingKurtosis });
      const distance = (s: BearingScoreOptions): number =>
        Math.abs(s.smearWarningZ! - SMEAR_WARNING_Z) / 0.5 +
        Math.abs(s.cageImpactMargin! - MIN_ALARM_KURTOSIS) / 0.5 +
        Math.abs(s.minFindingKurtosis! - MIN_FINDING_KURTOSIS) / 0.25;
      // Each record's views, once (copies: the chain's spectra are workspaces).
      const analysed = entries.map((e) => {
        const x = samplesOfEntry(e);
        const n = x.length;
        const fs = e.sample_rate_hz;
        const signal = detrendedBlock(x, "g");
        const spec = signalSpectrum(signal, n, fs, fftJsBackend);
        const ps = welchPowerSpectrum(signal, n, fs, segmentLengthFor(n), fftJsBackend);
        const b = bearingAnalysis(
          spec,
          ps,
          geometry(e),
          { component: "generator", speedRpm: e.shaft_rpm },
          n,
          fftJsBackend,
        );
        const views: BearingView[] = b.views.map((v) => ({
          ...v,
          ses: { ...v.ses, amplitude: Float64Array.from(v.ses.amplitude) },
        }));
        return { e, views, shaftHz: b.shaftHz, orders: b.orders as DefectOrders, u: b.speedUncertainty };
      });
      const verdict = (i: number, s: BearingScoreOptions): boolean => {
        const a = analysed[i]!;
        const scored = diagnoseBearing(a.views, a.shaftHz, a.orders, { ...s, speedUncertainty: a.u });
        return right(a.e, scored.findings);
      };
      const table = analysed.map((_, i) => settings.map((s) => verdict(i, s)));
      const defaults = settings.findIndex(
        (s) =>
          s.smearWarningZ === SMEAR_WARNING_Z &&
          s.cageImpactMargin === MIN_ALARM_KURTOSIS &&
          s.minFindingKurtosis === MIN_FINDING_KURTOSIS,
      );
      let looRight = 0;
      const chosen: string[] = [];
      for (let out = 0; out < analysed.length; out++) {
        let best = defaults;
        let bestScore = -1;
        settings.forEach((s, j) => {
          const score = table.reduce((sum, row, i) => sum + (i !== out && row[j] ? 1 : 0), 0);
          if (score > bestScore || (score === bestScore && distance(s) < distance(settings[best]!))) {
            best = j;
            bestScore = score;
          }
        });
        if (table[out]![best]) looRight++;
        const s = settings[best]!;
        chosen.push(
          `${analysed[out]!.e.file.replace(/^.*\//, "")}: z ${s.smearWarningZ}, margin ${s.cageImpactMargin}, kurtosis ${s.minFindingKurtosis}`,
        );
      }
      const resubstitution = table.filter((row) => row[defaults]).length;
      // How flat the choice is: how many settings get each count of the twelve right.
      const counts = new Map<number, number>();
      settings.forEach((_, j) => {
        const k = table.filter((row) => row[j]).length;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      });
      const bySetting = [...counts]
        .sort((a, b) => b[0] - a[0])
        .map(([k, n]) => `${n} of ${settings.length} settings get ${k}/${analysed.length} right`);
      console.log(
        `leave-one-out: ${looRight}/${analysed.length} right; with the defaults on all: ${resubstitution}/${analysed.length}\n${chosen.join("\n")}\n${bySetting.join("\n")}`,
      );
      expect(looRight).toBe(resubstitution);
    });
  });
}
