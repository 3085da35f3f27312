// The findings a bearing diagnosis hands on, with the evidence an analyst
// checks in the envelope spectrum it rests on (SPEC.md, "Diagnoses the edge
// names": frequency, amplitude, SNR, harmonics, sidebands, band), and the
// markers of the families' expected lines for the snapshot.
import type { Severity } from "../../common/names.ts";
import type { FamilyScore } from "./bearing-families.ts";
import { type BearingFault, confidenceOf, type FamilyKind } from "./bearing-grade.ts";
import type { SmearedElement } from "./bearing-smear.ts";
import type { Finding, SpectrumMarker } from "./types.ts";

/** How a finding's evidence is shown. */
export interface EvidenceOptions {
  /** Factor from the spectrum's unit to the reported amplitude unit (default 1). */
  readonly amplitudeScale?: number;
  readonly amplitudeUnit?: string;
}

/** A family's case as the decision named it. */
export interface NamedCase {
  readonly fault: BearingFault;
  readonly severity: Severity;
  /** Rank of the case (dB-like evidence); the confidence of a smeared element's. */
  readonly rank: number;
  readonly basis: "lines" | "humps" | "cage-borne impacts";
  readonly family: FamilyScore | null;
  readonly smear: SmearedElement | null;
}

/** The view a case rests on: its name and demodulation band. */
export interface ViewLabel {
  readonly name: string;
  readonly bandHz: readonly [number, number];
}

export function marker(kind: FamilyKind, harmonic: number, hz: number): SpectrumMarker {
  const name = kind.toUpperCase();
  return {
    label: harmonic === 1 ? name : `${harmonic}×${name}`,
    kind,
    harmonic,
    frequency_hz: round(hz, 3),
    spectrum: "envelope",
  };
}

/** The line an envelope finding rests on: where it was found and expected, how strong, how far above the floor. */
function lineEvidence(
  opts: EvidenceOptions,
  foundHz: number,
  expectedHz: number,
  amplitude: number,
  snrDb: number,
) {
  return {
    spectrum: "envelope" as const,
    frequency_hz: round(foundHz, 3),
    expected_hz: round(expectedHz, 3),
    amplitude: Number((amplitude * (opts.amplitudeScale ?? 1)).toPrecision(4)),
    amplitude_unit: opts.amplitudeUnit ?? "",
    snr_db: round(snrDb, 1),
  };
}

/** The finding of a candidate, with the evidence an analyst checks in the view it rests on. */
export function findingOf(c: NamedCase, view: ViewLabel, opts: EvidenceOptions): Finding {
  const band = { band_hz: [round(view.bandHz[0], 1), round(view.bandHz[1], 1)] as const };
  if (c.family === null && c.smear !== null) {
    const two = c.smear.twoBsf!;
    const one = c.smear.bsf;
    return {
      fault: c.fault,
      severity: c.severity,
      confidence: round(confidenceOf(c.rank), 3),
      evidence: {
        ...lineEvidence(opts, two.centreHz, two.centreHz, two.amplitude, two.db),
        harmonics: 0,
        harmonics_searched: 2,
        ...band,
        detail: {
          smeared: "humps at BSF and 2×BSF, no discrete lines",
          view: view.name,
          two_bsf_z: round(two.z, 1),
          bsf_hump_db: one === null ? "n/a" : round(one.db, 1),
          bsf_z: one === null ? "n/a" : round(one.z, 1),
        },
      },
    };
  }
  const s = c.family!;
  // The fundamental when it is found, else the strongest line (a weak series may have none found).
  const fundamental = s.lines.find((l) => l.harmonic === 1 && l.found);
  const at = fundamental ?? [...s.lines].sort((a, b) => b.snrDb - a.snrDb)[0]!;
  return {
    fault: c.fault,
    severity: c.severity,
    confidence: round(s.confidence, 3),
    evidence: {
      ...lineEvidence(opts, s.fundamentalHz, s.expectedHz, at.amplitude, at.snrDb),
      harmonics: s.found,
      harmonics_searched: s.lines.length,
      ...(s.sidebands === null
        ? {}
        : { sidebands: { spacing_hz: round(s.sidebands.spacingHz, 3), found: s.sidebands.found } }),
      ...band,
      detail: {
        line_harmonic: at.harmonic,
        line_hz: round(at.frequencyHz, 3),
        score: round(s.score, 1),
        view: view.name,
        ...(c.basis === "cage-borne impacts"
          ? { basis: "FTF lines in a band more impulsive than their modulation makes it" }
          : {}),
      },
    },
  };
}

export const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
