// Grading a bearing family's evidence: how much its lines say, and the
// severity and confidence that follow. What each family must show (Randall
// & Antoni 2011, §2.1 and §5; Smith & Randall 2015):
// - every impact train has harmonics, so a race or element family needs a
//   series that starts where it should (the fundamental; for a rolling
//   element BSF or 2×BSF — the defect strikes both races once per spin);
// - inner race and rolling element are modulated (by the shaft turning the
//   defect through the load zone, by the cage carrying the element round):
//   where their sidebands are resolvable but absent, a series stays a
//   warning;
// - a cage defect modulates sinusoidally at FTF, whose line may stand
//   alone; cage modulation is common and mild, so its alarm needs a strong
//   FTF line and its second harmonic.
// The thresholds are set on spectra of noise alone (bearing.test.ts: a
// finding in under 1 % of them), not on recordings.
import type { Severity } from "../../common/names.ts";

export type BearingFault =
  | "bearing_outer_race"
  | "bearing_inner_race"
  | "bearing_rolling_element"
  | "bearing_cage";
export type FamilyKind = "bpfo" | "bpfi" | "bsf" | "ftf";

/** What grading needs of a line. */
export interface GradedLine {
  readonly harmonic: number;
  readonly snrDb: number;
  readonly found: boolean;
}

/** What grading needs of a family's sidebands. */
export interface GradedSidebands {
  readonly found: number;
  readonly searched: number;
}

/** A line counts as found at this SNR over the floor, dB (bearing-families.ts LINE_SNR_DB). */
const LINE_DB = 10;
/**
 * Two lines barely over the threshold happen in noise: the fit slides the fundamental over its
 * window, and each line gets several chances. A two-line warning needs their excess over the
 * threshold to add up (e.g. two lines at 14 dB, or 18 dB and 10 dB): in pure noise that leaves under
 * 1 % of spectra with a finding.
 */
export const MIN_WARNING_SCORE = 14;
/** An alarm's evidence: twice a warning's (e.g. three lines at 16 dB, or two at 21 dB). */
export const MIN_ALARM_SCORE = 28;
/**
 * A series of weak lines — WEAK_SERIES_LINES of them at ≥ WEAK_LINE_DB (bearing-spectrum.ts), the
 * lead among them — is a warning too: each would be a coin toss, all of them on the fitted
 * harmonics are not.
 */
export const WEAK_SERIES_LINES = 5;
const WEAK_LINE_DB = 8;

/** Sidebands support a family but, in a spectrum full of lines, are cheap: 2 dB each, four at most. */
export const sidebandEvidence = (found: number): number => 2 * Math.min(4, found);

/** Evidence of a family's lines: Σ over found lines of (SNR − threshold + 3 dB), plus the sidebands'. */
export function lineEvidence(lines: readonly GradedLine[], sidebands: GradedSidebands | null): number {
  let score = 0;
  for (const l of lines) if (l.found) score += l.snrDb - LINE_DB + 3;
  if (sidebands !== null) score += sidebandEvidence(sidebands.found);
  return score;
}

/** The lines that may lead a series: the fundamental, and for a rolling element 2×BSF as well. */
export const isLead = (kind: FamilyKind, harmonic: number): boolean =>
  harmonic === 1 || (kind === "bsf" && harmonic === 2);

/**
 * Severity and confidence from a family's lines: a clear family — two lines
 * or more scoring MIN_ALARM_SCORE — is an alarm; two lines scoring
 * MIN_WARNING_SCORE, or one line ≥ 16 dB, a warning. The series must include its lead. Inner race and rolling element
 * lines whose sidebands are resolvable but absent stay a warning. A cage
 * alarm needs FTF ≥ 25 dB and its second harmonic.
 */
export function grade(
  kind: FamilyKind,
  lines: readonly GradedLine[],
  sidebands: GradedSidebands | null,
  score: number,
): { severity: Severity | null; confidence: number } {
  const found = lines.filter((l) => l.found);
  const n = found.length;
  const weak = lines.filter((l) => l.snrDb >= WEAK_LINE_DB);
  const strongest = found.reduce((m, l) => Math.max(m, l.snrDb), Number.NEGATIVE_INFINITY);
  let severity: Severity | null = null;
  // An impact train always has harmonics, so a lone line is weak evidence of a race or element
  // defect; a cage defect modulates sinusoidally at FTF, whose line may well stand alone — as
  // strong as any lone line must be to stand out of every view and window it was looked for in.
  const loneLineDb = 16;
  // The series must start where it should. Lines higher up, where the search window is wide and
  // other families' lines are dense, do not make a family on their own.
  if (found.some((l) => isLead(kind, l.harmonic))) {
    if (n >= 2 && score >= MIN_ALARM_SCORE) severity = "alarm";
    else if ((n >= 2 && score >= MIN_WARNING_SCORE) || (n === 1 && strongest >= loneLineDb))
      severity = "warning";
  }
  // A slow shaft puts only a few impacts in a block: its lines are broad and weak but all there.
  if (severity === null && weak.length >= WEAK_SERIES_LINES && weak.some((l) => isLead(kind, l.harmonic)))
    severity = "warning";
  const modulated = kind === "bpfi" || kind === "bsf";
  if (
    severity === "alarm" &&
    modulated &&
    sidebands !== null &&
    sidebands.searched > 0 &&
    sidebands.found === 0
  )
    severity = "warning";
  if (kind === "ftf" && severity === "alarm") {
    const ftf = found.find((l) => l.harmonic === 1);
    const second = found.find((l) => l.harmonic === 2);
    if (ftf === undefined || ftf.snrDb < 25 || second === undefined) severity = "warning";
  }
  return { severity, confidence: severity === null ? 0 : confidenceOf(score) };
}

/** Confidence 0…1 from evidence in dB: 1 − e^(−score/30) (an alarm's 28 dB gives 0.6). */
export const confidenceOf = (score: number): number => Math.min(1, Math.max(0, 1 - Math.exp(-score / 30)));

/**
 * Spectral kurtosis that a sinusoidal modulation of Gaussian noise at depth
 * m gives its band: z = (1 + m·sin θ)·g, so E|z|⁴/(E|z|²)² − 2 =
 * 2·E[(1 + m·sin θ)⁴] / E[(1 + m·sin θ)²]² − 2 with E[(1 + m·sin θ)²] = 1 + m²/2
 * and E[(1 + m·sin θ)⁴] = 1 + 3m² + 3m⁴/8. The depth is read off the FTF
 * line of the squared envelope, whose amplitude over the envelope's mean is
 * 2m / (1 + m²/2).
 */
export function modulationKurtosis(lineOverMean: number): number {
  const r = Math.min(Math.SQRT2, Math.max(0, lineOverMean));
  const disc = 4 - 2 * r * r;
  const m = r > 0 ? (2 - Math.sqrt(Math.max(0, disc))) / r : 0;
  const e2 = 1 + (m * m) / 2;
  const e4 = 1 + 3 * m * m + (3 * m ** 4) / 8;
  return (2 * e4) / (e2 * e2) - 2;
}
