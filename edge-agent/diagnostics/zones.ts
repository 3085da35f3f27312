// Evaluation zones of ISO 10816-21:2015 (= VDI 3834-1:2009) for wind
// turbines with gearbox: band RMS of acceleration and velocity per component
// class, compared with the zone boundaries of a table that config can
// override per turbine type.
//
// Boundaries B/C and C/D: ISO 10816-21:2015 Annex A, Table A.1 and VDI
// 3834-1:2009 Table 1 ("Group 1", turbines ≤ 3 MW with gearbox). The
// standard gives no A/B boundary; A/B is derived as B/C ÷ 1.6, 1.6 being the
// ratio between successive zone boundaries of ISO 10816-1:1995 Annex B
// (B.1: "…a ratio of approximately 1:1.6 between successive levels").
//
// The standard's evaluation quantity is the RMS over a 10-minute average of
// steady operation (ISO 10816-21 §4.2); here each block is rated on its own,
// the alarm state machine supplying the persistence.
//
// Velocity is the acceleration spectrum divided by ω² bin by bin —
// integration in the frequency domain, where the band's lower edge is the
// high-pass, so a DC offset or a slow drift cannot turn into velocity drift.
//
// Nacelle/tower (0.1–10 Hz): the tower's first bending modes are at
// 0.2–0.5 Hz, so the band needs a long record. A 65536-sample block at
// 25.6 kHz spans 2.56 s: its resolution is 1/2.56 s = 0.39 Hz, the band
// starts at the first bin (0.39 Hz, so the 0.2–0.35 Hz tower mode is lost)
// and holds 26 bins; a 1 Hz sway completes 2.56 cycles, and the window
// spreads it over bins whose 1/ω² differ, so its velocity is ~6 % off (the
// acceleration < 1 %). A proper 0.1–10 Hz rating needs records of ≥ 20 s at
// a low sample rate (e.g. 65536 samples at 2560 Hz: 25.6 s, 0.04 Hz bins,
// < 0.5 % error), which is what a nacelle point should be configured with.
import {
  DEFAULT_ZONE_TABLE,
  velocityRow,
  ZONE_BOUNDARY_RATIO,
  type ZoneRow,
  type ZoneTable,
} from "../../common/iso-zones.ts";
import { type ComponentClass, type IsoZone, IsoZones } from "../../common/names.ts";
import { bandMeanSquare } from "../dsp/welch.ts";
import type { Finding, PowerSpectrum, ZoneEvaluation } from "./types.ts";

// The table and its config overrides live in common/ (central draws the same boundaries).
export {
  DEFAULT_ZONE_TABLE,
  velocityRow,
  ZONE_BOUNDARY_RATIO,
  type ZoneRowConfig,
  ZoneRowConfigSchema,
  type ZoneTableConfig,
  ZoneTableConfigSchema,
  zoneOverridesError,
  zoneTableWithOverrides,
} from "../../common/iso-zones.ts";

/** Zone of a value against a row; a value on a boundary belongs to the worse zone. */
export function zoneOf(value: number, r: Pick<ZoneRow, "ab" | "bc" | "cd">): IsoZone {
  if (value >= r.cd) return "D";
  if (value >= r.bc) return "C";
  if (value >= r.ab) return "B";
  return "A";
}

/** Zone of a velocity RMS (mm/s) in the component's velocity band. */
export function evaluateIsoZone(
  vRmsMmS: number,
  component: ComponentClass,
  table: ZoneTable = DEFAULT_ZONE_TABLE,
): IsoZone {
  if (!Number.isFinite(vRmsMmS) || vRmsMmS < 0)
    throw new Error(`velocity RMS must be finite and ≥ 0, got ${vRmsMmS}`);
  return zoneOf(vRmsMmS, velocityRow(component, table));
}

/**
 * Band RMS and zone of every row of the component's table. A row whose band
 * reaches above the spectrum's Nyquist frequency, or holds no bin, is left
 * out: a partial band would understate the RMS.
 */
export function evaluateZones(
  spectrum: PowerSpectrum,
  component: ComponentClass,
  table: ZoneTable = DEFAULT_ZONE_TABLE,
): ZoneEvaluation[] {
  const nyquistHz = (spectrum.power.length - 1) * spectrum.dfHz;
  const out: ZoneEvaluation[] = [];
  for (const r of table[component]) {
    const [lowHz, highHz] = r.bandHz;
    if (highHz > nyquistHz + spectrum.dfHz) continue;
    if (Math.floor(highHz / spectrum.dfHz + 1e-9) < Math.max(1, Math.ceil(lowHz / spectrum.dfHz - 1e-9)))
      continue;
    const velocity = r.quantity === "velocity";
    const ms = bandMeanSquare(spectrum, lowHz, highHz, velocity);
    const rms = velocity ? Math.sqrt(ms) * 1000 : Math.sqrt(ms);
    out.push({
      quantity: r.quantity,
      bandHz: r.bandHz,
      rms,
      unit: velocity ? "mm/s" : "m/s2",
      zone: zoneOf(rms, r),
    });
  }
  return out;
}

const zoneRank = (z: IsoZone): number => IsoZones.indexOf(z);

/** The worst zone over the evaluated bands; null when no band could be evaluated. */
export function worstZone(zones: readonly ZoneEvaluation[]): IsoZone | null {
  let worst: IsoZone | null = null;
  for (const z of zones) if (worst === null || zoneRank(z.zone) > zoneRank(worst)) worst = z.zone;
  return worst;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/**
 * `overall_vibration` from the zones: zone C → warning, zone D → alarm
 * (ISO 10816-21 §6.2: C "not suitable for long-term continuous operation",
 * D "potentially damaging"). Evidence, from the worst band (ties: the band
 * furthest over its B/C boundary):
 * - `amplitude`: the band RMS in its unit (`mm/s` or `m/s2`), `band_hz` the band;
 * - `snr_db`: the RMS over the band's A/B boundary, 20·log10(rms / A/B), dB;
 * - `frequency_hz`: the bin contributing most to the band's RMS when the
 *   spectrum is given, else the band's geometric centre;
 * - `harmonics`: 0 (a broadband rating, not a line);
 * - `detail`: zone, the boundaries, their source.
 * Confidence: 0.5 on the boundary that opened the zone, 1 at 1.6× it (one
 * zone step) — how far the reading is from being the next zone down.
 */
export function overallVibrationFinding(
  zones: readonly ZoneEvaluation[],
  component: ComponentClass,
  table: ZoneTable = DEFAULT_ZONE_TABLE,
  spectrum?: PowerSpectrum,
): Finding | null {
  let worst: { z: ZoneEvaluation; r: ZoneRow; over: number } | null = null;
  for (const z of zones) {
    if (z.zone !== "C" && z.zone !== "D") continue;
    const r = table[component].find(
      (x) => x.quantity === z.quantity && x.bandHz[0] === z.bandHz[0] && x.bandHz[1] === z.bandHz[1],
    );
    if (r === undefined) continue;
    const over = z.rms / r.bc;
    if (
      worst === null ||
      zoneRank(z.zone) > zoneRank(worst.z.zone) ||
      (z.zone === worst.z.zone && over > worst.over)
    )
      worst = { z, r, over };
  }
  if (worst === null) return null;
  const { z, r } = worst;
  const opened = z.zone === "D" ? r.cd : r.bc;
  const confidence = clamp01(0.5 + (0.5 * Math.log(z.rms / opened)) / Math.log(ZONE_BOUNDARY_RATIO));
  return {
    fault: "overall_vibration",
    severity: z.zone === "D" ? "alarm" : "warning",
    confidence,
    evidence: {
      spectrum: z.quantity,
      frequency_hz: dominantFrequencyHz(z, spectrum),
      amplitude: z.rms,
      amplitude_unit: z.unit,
      snr_db: 20 * Math.log10(z.rms / r.ab),
      harmonics: 0,
      band_hz: z.bandHz,
      detail: { component, zone: z.zone, ab: r.ab, bc: r.bc, cd: r.cd, source: r.source },
    },
  };
}

/** The bin that contributes most to a band's RMS (in the band's quantity), Hz. */
function dominantFrequencyHz(z: ZoneEvaluation, spectrum: PowerSpectrum | undefined): number {
  const [lowHz, highHz] = z.bandHz;
  if (spectrum === undefined) return Math.sqrt(lowHz * highHz);
  const df = spectrum.dfHz;
  const kLow = Math.max(1, Math.ceil(lowHz / df - 1e-9));
  const kHigh = Math.min(spectrum.power.length - 1, Math.floor(highHz / df + 1e-9));
  let best = kLow;
  let bestValue = -1;
  for (let k = kLow; k <= kHigh; k++) {
    const v = z.quantity === "velocity" ? spectrum.power[k]! / (k * k) : spectrum.power[k]!;
    if (v > bestValue) {
      bestValue = v;
      best = k;
    }
  }
  return best * df;
}
