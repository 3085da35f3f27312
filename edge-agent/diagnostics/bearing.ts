// Rolling-element bearing faults from squared-envelope spectra.
//
// Defect frequencies: R. B. Randall, J. Antoni, "Rolling element bearing
// diagnostics — a tutorial", MSSP 25 (2011) 485–520, eqs. 1–4, stationary
// outer race. What tells the faults apart (same tutorial §2.1 and §5; W. A.
// Smith, R. B. Randall, "Rolling element bearing diagnostics using the Case
// Western Reserve University data: a benchmark study", MSSP 64–65 (2015)
// 100–131):
// - outer race: a series of BPFO harmonics; the defect stays where it is,
//   so its position in the load zone changes the amplitude, not the
//   frequency (shaft-rate sidebands from runout or unbalance may come too);
// - inner race: BPFI harmonics with sidebands at ±1× shaft (the defect
//   passes through the load zone once per revolution);
// - rolling element: BSF harmonics, 2×BSF (the defect strikes both races)
//   usually the stronger, with sidebands at ±FTF (the element goes round
//   with the cage); the element slips, so its lines are often smeared into
//   humps (bearing-smear.ts);
// - cage: FTF and its harmonics. FTF combs also accompany race and element
//   faults (BPFO = Z·FTF; uneven elements repeat once per cage turn), so a
//   cage fault is named only when no race or element evidence is found.
//
// Each family is read in every view given (the squared-envelope spectrum of
// the band the spectral kurtosis picks, and of the cepstrally pre-whitened
// whole band — Smith & Randall's methods), and counts where it is
// strongest. Families share lines (CWRU: 3×BPFO and 2×BPFI are 0.7 %
// apart): the winner is chosen with each line weighted by 1/harmonic (see
// rankScore), and a second family is named, as a warning at most, only when
// it is strong on lines the winner does not explain.
import type { Severity } from "../../common/names.ts";
import type { EnvelopeSpectrum } from "../dsp/envelope.ts";
import { findingOf, marker, type NamedCase, round } from "./bearing-evidence.ts";
import {
  type FamilyScore,
  type FamilySpec,
  LINE_SNR_DB,
  readLimitHz,
  scoreFamily,
} from "./bearing-families.ts";
import { type BearingFault, modulationKurtosis, sidebandEvidence } from "./bearing-grade.ts";
import {
  SMEAR_SUPPORT_Z,
  SMEAR_WARNING_Z,
  type SmearedElement,
  smearedElement,
  smearRank,
  smearSeverity,
} from "./bearing-smear.ts";
import {
  claimMask,
  fillMask,
  type RatedSpectrum,
  rateSpectrum,
  type ViewSlot,
  WEAK_LINE_DB,
} from "./bearing-spectrum.ts";
import type { BearingGeometry, DefectOrders, Finding, SpectrumMarker } from "./types.ts";

export type { FamilyScore, LineResult } from "./bearing-families.ts";
export type { BearingFault } from "./bearing-grade.ts";
export { modulationKurtosis } from "./bearing-grade.ts";
export { SMEAR_WARNING_Z } from "./bearing-smear.ts";

/** Bearing defect frequencies as orders of shaft speed (Randall & Antoni 2011, eqs. 1–4). */
export function bearingDefectOrders(g: BearingGeometry): DefectOrders {
  const ratio = (g.ballDiameterMm / g.pitchDiameterMm) * Math.cos((g.contactAngleDeg * Math.PI) / 180);
  return {
    bpfo: (g.balls / 2) * (1 - ratio),
    bpfi: (g.balls / 2) * (1 + ratio),
    bsf: (g.pitchDiameterMm / (2 * g.ballDiameterMm)) * (1 - ratio * ratio),
    ftf: (1 - ratio) / 2,
  };
}

/** One squared-envelope spectrum the families are read in. */
export interface BearingView {
  /** How the band was chosen, for the evidence ("kurtogram", "prewhitened"). */
  readonly name: string;
  readonly ses: EnvelopeSpectrum;
  /** Demodulation band, Hz. */
  readonly bandHz: readonly [number, number];
  /**
   * Spectral kurtosis of the band. Below MIN_ALARM_KURTOSIS the band is close to Gaussian: its
   * envelope lines are a modulation of noise, which many things cause, not the impacts of a
   * developed localised defect (which make the band impulsive — Antoni & Randall 2006, MSSP 20,
   * "The spectral kurtosis: application to the vibratory surveillance and diagnostics of rotating
   * machines"), so such a finding is a warning at most. Unknown: no cap.
   */
  readonly kurtosis?: number;
}

export interface BearingScoreOptions {
  /** Factor from the spectrum's unit to the reported amplitude unit (default 1). */
  readonly amplitudeScale?: number;
  readonly amplitudeUnit?: string;
  /**
   * Relative uncertainty of the shaft speed (default STATED_SPEED_UNCERTAINTY; a speed read off the
   * spectrum's 1× line is known to a fraction of a per cent). It widens every family's search window.
   */
  readonly speedUncertainty?: number;
  /**
   * For sensitivity studies (the recordings test's leave-one-out): the significance 2×BSF's hump
   * needs for a smeared element's warning (default SMEAR_WARNING_Z), and the kurtosis by which a
   * band must exceed what its FTF modulation explains for its FTF lines to be an element's
   * (default MIN_ALARM_KURTOSIS), and the kurtosis below which a band holds no impacts (default
   * MIN_FINDING_KURTOSIS). The defaults are significance levels and the physics', not fits.
   */
  readonly smearWarningZ?: number;
  readonly cageImpactMargin?: number;
  readonly minFindingKurtosis?: number;
}

/** Spectral kurtosis a demodulation band needs for a race or element alarm. */
export const MIN_ALARM_KURTOSIS = 1;
/**
 * Spectral kurtosis below which a band holds no impacts at all: Gaussian noise gives 0 (a block's
 * estimate within about ±0.1), a localised race or element defect makes the band impulsive. Below
 * it no race or element fault is named; a cage defect modulates without impacts and is exempt.
 */
export const MIN_FINDING_KURTOSIS = 0.5;

/** Slip of the rolling elements: up to 2 % below the kinematic frequency (Randall & Antoni §2.1). */
const SLIP_BELOW = 0.02;
/** Above it: the jitter of the impacts around their mean rate. */
const SLIP_ABOVE = 0.01;
/**
 * Relative uncertainty of a stated shaft speed that the spectrum could not confirm (no clear 1×
 * line): ±1 %. Wider windows would let families overlap — a generator bearing's 2×BSF lies 3 %
 * above its BPFI — and a speed off by more than this must be read off the spectrum
 * (dsp/shaft-speed.ts), which covers ±3 %.
 */
export const STATED_SPEED_UNCERTAINTY = 0.01;

export interface BearingScoring {
  readonly findings: Finding[];
  readonly markers: SpectrumMarker[];
  /** Each family as scored in the view where it is strongest. */
  readonly families: readonly FamilyScore[];
  /** The view the first finding rests on (0 without findings): the one to show. */
  readonly viewIndex: number;
}

/** One view scored. */
interface ScoredView {
  readonly view: BearingView;
  readonly rs: RatedSpectrum;
  readonly families: readonly FamilyScore[];
  readonly smear: SmearedElement;
  /** Race and element findings allowed (the band holds impacts). */
  readonly impacts: boolean;
  /** Race and element alarms allowed. */
  readonly impulsive: boolean;
}

/**
 * A family's best case for being named, in one view. Its basis: the family's lines; the smeared
 * element's humps; or FTF lines in a band more impulsive than the FTF modulation makes it — impacts
 * the cage carries round, an element's (`family` is then the FTF family).
 */
interface Candidate extends NamedCase {
  readonly viewIndex: number;
}

const SEVERITY_ORDER: Record<Severity, number> = { warning: 1, alarm: 2 };
const better = (a: Candidate, b: Candidate | undefined): boolean =>
  b === undefined ||
  SEVERITY_ORDER[a.severity] > SEVERITY_ORDER[b.severity] ||
  (a.severity === b.severity && a.rank > b.rank);

/** The four families and where each is looked for. */
function familySpecs(orders: DefectOrders, shaftHz: number, u: number): FamilySpec[] {
  const ftfHz = orders.ftf * shaftHz;
  const window = { searchBelow: SLIP_BELOW + u, searchAbove: SLIP_ABOVE + u };
  return [
    {
      fault: "bearing_outer_race",
      kind: "bpfo",
      fundamentalHz: orders.bpfo * shaftHz,
      maxHarmonics: 8,
      sidebandHz: null,
      sidebandOrders: 0,
      ...window,
    },
    {
      fault: "bearing_inner_race",
      kind: "bpfi",
      fundamentalHz: orders.bpfi * shaftHz,
      maxHarmonics: 6,
      sidebandHz: shaftHz,
      sidebandOrders: 4,
      ...window,
    },
    {
      fault: "bearing_rolling_element",
      kind: "bsf",
      fundamentalHz: orders.bsf * shaftHz,
      maxHarmonics: 10,
      sidebandHz: ftfHz,
      sidebandOrders: 2,
      ...window,
    },
    {
      fault: "bearing_cage",
      kind: "ftf",
      fundamentalHz: ftfHz,
      maxHarmonics: 4,
      sidebandHz: null,
      sidebandOrders: 0,
      ...window,
    },
  ];
}

/**
 * Highest frequency the bearing scoring reads in an envelope spectrum, Hz:
 * every family's top harmonic at the top of its search window with its
 * sidebands, and the smeared element's humps and flanks up to 2.5×BSF
 * (a few resolution bins of margin aside, which readLimitHz adds).
 */
export function bearingReadLimitHz(orders: DefectOrders, shaftHz: number): number {
  const specs = familySpecs(orders, shaftHz, STATED_SPEED_UNCERTAINTY * 3);
  const bsf = orders.bsf * shaftHz;
  return Math.max(readLimitHz(specs, 0, 0), 2.6 * bsf * (1 + 2 * SLIP_ABOVE + 3 * STATED_SPEED_UNCERTAINTY));
}

/**
 * Scores BPFO, BPFI, BSF and FTF families in one squared-envelope spectrum
 * (see diagnoseBearing); `bandHz` and `bandKurtosis` describe its band.
 */
export function scoreBearingFaults(
  ses: EnvelopeSpectrum,
  shaftHz: number,
  orders: DefectOrders,
  opts: BearingScoreOptions & { bandHz?: readonly [number, number]; bandKurtosis?: number } = {},
): BearingScoring {
  const view: BearingView = {
    name: "envelope",
    ses,
    bandHz: opts.bandHz ?? [0, ses.maxHz],
    ...(opts.bandKurtosis === undefined ? {} : { kurtosis: opts.bandKurtosis }),
  };
  return diagnoseBearing([view], shaftHz, orders, opts);
}

/**
 * Scores the families in each view (at most two) and names the faults: the
 * strongest on its own evidence with its severity; another only as a
 * warning, and only when it reaches an alarm's evidence on lines the winner
 * does not explain.
 */
export function diagnoseBearing(
  views: readonly BearingView[],
  shaftHz: number,
  orders: DefectOrders,
  opts: BearingScoreOptions = {},
): BearingScoring {
  if (views.length === 0 || views.length > 2) throw new Error(`1 or 2 views expected, got ${views.length}`);
  const u = opts.speedUncertainty ?? STATED_SPEED_UNCERTAINTY;
  const specs = familySpecs(orders, shaftHz, u);
  const bsf = specs[2]!;
  const ftfHz = orders.ftf * shaftHz;
  const scored = views.map((view, i): ScoredView => {
    const rs = rateSpectrum(view.ses, {
      shaftHz,
      // The shaft's harmonics wander with the speed estimate, at least 0.1 % (resolution of a 1× read
      // off a spectrum), at most 0.3 % of their frequency.
      shaftUncertainty: Math.min(0.003, Math.max(0.001, u / 4)),
      floorBlockHz: Math.max(10 * view.ses.resolutionHz, 0.25 * ftfHz),
      readHz: Math.max(
        readLimitHz(specs, view.ses.resolutionHz, view.ses.dfHz),
        2.5 * bsf.fundamentalHz * (1 + bsf.searchAbove),
      ),
      slot: i as ViewSlot,
    });
    const k = view.kurtosis;
    return {
      view,
      rs,
      families: scoreFamilies(rs, specs),
      smear: smearedElement(rs, bsf.fundamentalHz, SLIP_BELOW, SLIP_ABOVE, u),
      impacts: k === undefined || k >= (opts.minFindingKurtosis ?? MIN_FINDING_KURTOSIS),
      impulsive: k === undefined || k >= MIN_ALARM_KURTOSIS,
    };
  });

  // Each race and element family's best case over the views; the element's smeared humps too.
  const best = new Map<BearingFault, Candidate>();
  const offer = (c: Candidate): void => {
    if (better(c, best.get(c.fault))) best.set(c.fault, c);
  };
  let cage: Candidate | undefined;
  let cageBorne: Candidate | undefined;
  scored.forEach((sv, i) => {
    for (const f of sv.families) {
      if (f.severity === null) continue;
      const c: Candidate = {
        fault: f.fault,
        severity: f.severity,
        rank: rankScore(f),
        viewIndex: i,
        basis: "lines",
        family: f,
        smear: null,
      };
      if (f.kind !== "ftf") {
        if (sv.impacts) offer(sv.impulsive ? c : { ...c, severity: "warning" });
      } else {
        // FTF lines: a cage defect's modulation of the bearing's noise — or impacts the cage carries
        // round. Those are an element's when 2×BSF shows something too (an outer race struck by
        // uneven elements repeats at FTF as well): in a band more impulsive than the modulation
        // explains, a line or a hump there will do; in one that is not (noise can dilute an
        // element's impacts), the element's line or hump must be clear. Otherwise, without impacts,
        // the cage; with impacts but nothing at 2×BSF, no call. No kurtosis gate for the cage.
        const impacts = impactsBeyondModulation(sv, f, opts.cageImpactMargin ?? MIN_ALARM_KURTOSIS);
        const element = impacts
          ? somethingAtTwoBsf(sv)
          : elementAtTwoBsf(sv, opts.smearWarningZ ?? SMEAR_WARNING_Z);
        if (element) {
          const borne: Candidate = {
            ...c,
            fault: "bearing_rolling_element",
            severity: "warning",
            basis: "cage-borne impacts",
          };
          if (better(borne, cageBorne)) cageBorne = borne;
        } else if (!impacts && better(c, cage)) cage = c;
      }
    }
    const cageLine = sv.families.some(
      (f) => f.kind === "ftf" && f.lines.some((l) => l.harmonic === 1 && l.found),
    );
    const smear = sv.impacts
      ? smearSeverity(sv.smear, cageLine, opts.smearWarningZ ?? SMEAR_WARNING_Z)
      : null;
    if (smear !== null)
      offer({
        fault: "bearing_rolling_element",
        severity: sv.impulsive ? smear : "warning",
        rank: smearRank(sv.smear),
        viewIndex: i,
        basis: "humps",
        family: null,
        smear: sv.smear,
      });
  });

  const races = [...best.values()];
  // Humps at BSF and 2×BSF at an alarm's significance: no race defect makes them, so the element
  // is named first even where race lines are strong too (they may come with it: the element's
  // strikes mark the races); otherwise the strongest case wins.
  const smearAlarm = races.find((c) => c.basis === "humps" && c.severity === "alarm");
  let winner = smearAlarm ?? races.reduce<Candidate | undefined>((w, c) => (better(c, w) ? c : w), undefined);
  // FTF combs come with race and element faults (BPFO = Z·FTF; uneven elements repeat once per cage
  // turn), so FTF alone is named only where no race or element case is made: as a rolling element
  // when the band holds impacts the cage carries round, else as the cage. A cage's case competes
  // with race warnings, not alarms.
  if (races.length === 0 && cageBorne !== undefined) winner = cageBorne;
  else if (
    cage !== undefined &&
    !best.has("bearing_rolling_element") &&
    !races.some((c) => c.severity === "alarm") &&
    (winner === undefined || cage.rank > winner.rank)
  )
    winner = cage;

  const findings: Finding[] = [];
  const markers: SpectrumMarker[] = [];
  const shown = winner?.viewIndex ?? 0;
  const familiesShown = bestFamilies(scored);
  for (const f of familiesShown)
    for (const l of f.lines) markers.push(marker(f.kind, l.harmonic, l.expectedHz));
  if (winner !== undefined) {
    const sv = scored[winner.viewIndex]!;
    findings.push(findingOf(winner, sv.view, opts));
    // What the winner explains is claimed; a runner-up must stand on the rest of its own view.
    for (const c of races) {
      if (c === winner || c.fault === winner.fault || c.basis !== "lines" || c.family === null) continue;
      const own = scored[c.viewIndex]!;
      const claim = claimMask(own.rs);
      if (winner.family !== null && winner.viewIndex === c.viewIndex) {
        const tol = 0.75 * own.rs.res;
        const df = own.rs.ses.dfHz;
        for (const b of explained(winner.family)) fillMask(claim, own.rs.ses, b * df - tol, b * df + tol, 1);
      }
      const spec = specs.find((s) => s.fault === c.fault)!;
      const independent = scoreFamily(own.rs, spec, claim);
      // Independently strong: an alarm's evidence on its own lines, and at least half the winner's.
      const winnerScore = winner.basis === "lines" ? (winner.family?.score ?? 0) : 0;
      if (independent.severity === "alarm" && independent.score >= 0.5 * winnerScore)
        findings.push(findingOf({ ...c, family: independent, severity: "warning" }, own.view, opts));
    }
    const w = winner.basis === "lines" ? winner.family : null;
    if (w?.sidebands)
      for (const b of w.sidebands.bins)
        markers.push({
          label: `${w.kind.toUpperCase()} ± ${w.fault === "bearing_inner_race" ? "1×" : "FTF"}`,
          kind: "sideband",
          harmonic: 1,
          frequency_hz: round(b * sv.rs.ses.dfHz, 3),
          spectrum: "envelope",
        });
  }
  return { findings, markers, families: familiesShown, viewIndex: shown };
}

/**
 * The four families in one view. The element's lines are read after the
 * races': a race defect's comb — its harmonics and, for an inner race, their
 * ±1× sidebands — is dense, and a BSF series with its search window can
 * always line up some of it, so the lines of a race family found with an
 * alarm's evidence (for an inner race: its sidebands included) are claimed
 * first and the element must stand on the rest. A weaker race series is not:
 * a lagging element's 2×BSF may sit in the inner race's window (a generator
 * bearing's 2×BSF is 3 % above its BPFI).
 */
function scoreFamilies(rs: RatedSpectrum, specs: readonly FamilySpec[]): FamilyScore[] {
  const families = specs.map((s) => scoreFamily(rs, s, null));
  const races = families.filter((f) => (f.kind === "bpfo" || f.kind === "bpfi") && f.severity === "alarm");
  if (races.length > 0) {
    const claim = claimMask(rs);
    const tol = 0.75 * rs.res;
    const df = rs.ses.dfHz;
    for (const f of races)
      for (const b of explained(f)) fillMask(claim, rs.ses, b * df - tol, b * df + tol, 1);
    const element = specs.findIndex((s) => s.kind === "bsf");
    families[element] = scoreFamily(rs, specs[element]!, claim);
  }
  return families;
}

/**
 * Whether a view shows anything at 2×BSF, the rate an element's defect
 * strikes the races: the element family's line there at least WEAK_LINE_DB
 * over the floor, or a hump of the smeared element at SMEAR_SUPPORT_Z (or
 * whether 2×BSF cannot be read at all).
 */
function somethingAtTwoBsf(sv: ScoredView): boolean {
  const element = sv.families.find((f) => f.kind === "bsf");
  const line = element?.lines.find((l) => l.harmonic === 2);
  if (line === undefined) return false;
  // Where a shaft harmonic owns 2×BSF's bins (a bearing whose BSF is nearly a whole multiple of the
  // shaft, the CWRU fan end's 1.994×, in a short block), nothing there could be seen: not counted against.
  const k = Math.round(line.expectedHz / sv.rs.ses.dfHz);
  if (sv.rs.shaftMask[k] === 1) return true;
  return line.snrDb >= WEAK_LINE_DB || (sv.smear.twoBsf?.z ?? Number.NEGATIVE_INFINITY) >= SMEAR_SUPPORT_Z;
}

/**
 * Whether a view shows the element's own rate clearly: the element family's
 * line at 2×BSF found (LINE_SNR_DB over the floor) or a hump there at a
 * smeared element's warning significance.
 */
function elementAtTwoBsf(sv: ScoredView, humpZ: number): boolean {
  const element = sv.families.find((f) => f.kind === "bsf");
  const line = element?.lines.find((l) => l.harmonic === 2);
  return (line?.found ?? false) || (sv.smear.twoBsf?.z ?? Number.NEGATIVE_INFINITY) >= humpZ;
}

/**
 * Whether a view's band is more impulsive than its FTF modulation makes it
 * — by MIN_ALARM_KURTOSIS, what a band with impacts enough for an alarm
 * shows (the kurtogram's pick is the largest of many estimates, so its
 * kurtosis reads high by a few tenths on a short block): then the
 * FTF lines are impacts carried round by the cage (an element's), not a
 * cage defect's modulation of the bearing's noise.
 */
function impactsBeyondModulation(sv: ScoredView, ftf: FamilyScore, margin: number): boolean {
  const k = sv.view.kurtosis;
  const line = ftf.lines.find((l) => l.harmonic === 1 && l.found);
  if (k === undefined || line === undefined || !(sv.view.ses.mean > 0)) return false;
  return k - modulationKurtosis(line.amplitude / sv.view.ses.mean) >= margin;
}

/** Each family as scored in the view where it ranks highest (first view on ties). */
function bestFamilies(scored: readonly ScoredView[]): FamilyScore[] {
  return scored[0]!.families.map((f, j) => {
    let pick = f;
    for (const sv of scored) if (rankScore(sv.families[j]!) > rankScore(pick)) pick = sv.families[j]!;
    return pick;
  });
}

/** Bins a family explains: its found lines and the sidebands found around them. */
function explained(f: FamilyScore): number[] {
  const out: number[] = [];
  for (const l of f.lines) if (l.found) out.push(l.bin);
  if (f.sidebands !== null) out.push(...f.sidebands.bins);
  return out;
}

/**
 * Rank of a family among those found: its lines' evidence weighted by 1/h.
 * Families share lines (CWRU: 3×BPFO ≈ 2×BPFI; gearbox HSS here: 3×BSF ≈
 * BPFI), and a family with denser harmonics and free slip can always line
 * some of them up with another family's lines. A family's low harmonics are
 * its defining evidence — the chance that an unrelated line sits on the h-th
 * harmonic grows with h — so a shared line counts most for the family in
 * which it is the lowest harmonic. A rolling element strikes both races once
 * per spin: 2×BSF is as primary as BSF.
 */
function rankScore(f: FamilyScore): number {
  let score = 0;
  const order = (h: number): number => (f.kind === "bsf" ? Math.max(1, h / 2) : h);
  for (const l of f.lines) if (l.found) score += (l.snrDb - LINE_SNR_DB + 3) / order(l.harmonic);
  if (f.sidebands !== null) score += sidebandEvidence(f.sidebands.found);
  return score;
}
