// Vibration physics of a simulated wind turbine drive train (its operating
// model — wind, power, speeds, SCADA values — is operation.ts).
// Pure functions only: no I/O, no clocks, randomness only through the `rng`
// argument, so blocks are reproducible from a seed.
//
// Sources:
// - R. B. Randall, J. Antoni, "Rolling element bearing diagnostics — a
//   tutorial", Mechanical Systems and Signal Processing 25 (2011) 485–520:
//   defect frequency formulas (eqs. 1–4), the impact/resonance model of a
//   localised fault, 1–2 % random slip between impacts, amplitude modulation
//   of inner-race impacts by the load zone at 1× shaft and of rolling-element
//   impacts at the cage frequency.
// - ISO 10816-21:2015 (horizontal-axis wind turbines with gearbox): zone
//   boundaries of velocity RMS 10–1000 Hz per component class; healthy
//   points are calibrated well inside zone A.
// - ISO 13373-3 / common vibration practice: imbalance at 1×, misalignment
//   dominant 2×, mechanical looseness as many harmonics and sub-harmonics of
//   1×, gear mesh at teeth × shaft with ±1× sidebands.
import type { ComponentClass, Diagnosis, TurbinePointId } from "../../common/names.ts";
import { Diagnoses, STANDARD_GRAVITY_M_S2, TurbinePoints } from "../../common/names.ts";

export interface BearingGeometry {
  rollingElements: number;
  rollingElementDiameterMm: number;
  pitchDiameterMm: number;
  contactAngleDeg: number;
}

/** Every diagnosis the edge names but the overall ISO zone can be injected as a fault. */
export type InjectableFault = Exclude<Diagnosis, "overall_vibration">;

export const INJECTABLE_FAULTS: readonly InjectableFault[] = Diagnoses.filter(
  (d): d is InjectableFault => d !== "overall_vibration",
);

export interface FaultSpec {
  point: TurbinePointId;
  fault: InjectableFault;
  /** 0..1 */
  severity: number;
}

export interface PointModel {
  id: TurbinePointId;
  component: ComponentClass;
  shaft: "rotor" | "hss";
  bearing: BearingGeometry;
  /** Structural resonance excited by bearing impacts, Hz. */
  resonanceHz: number;
  /** Teeth of the gear on this shaft (gear mesh frequency = teeth × shaft). */
  gearTeeth?: number;
  /** RMS of the broadband (white) acceleration noise over 0..fs/2, g. */
  noiseRmsG: number;
}

/**
 * The three measuring points of a ~2.5 MW geared turbine. Bearing geometries
 * are typical of the class (main bearing: large double-row spherical roller
 * bearing; HSS: cylindrical roller bearing; generator DE: deep-groove ball
 * bearing). The main bearing housing is large and heavy, so its structural
 * resonance is low (a few hundred Hz) and lies inside the 10–1000 Hz
 * velocity band; the gearbox and generator resonances are a few kHz.
 */
export const TURBINE_POINTS: Record<TurbinePointId, PointModel> = {
  main_bearing: {
    id: "main_bearing",
    component: TurbinePoints.main_bearing.component,
    shaft: "rotor",
    bearing: { rollingElements: 26, rollingElementDiameterMm: 90, pitchDiameterMm: 780, contactAngleDeg: 9 },
    resonanceHz: 420,
    noiseRmsG: 0.12,
  },
  gearbox_hss: {
    id: "gearbox_hss",
    component: TurbinePoints.gearbox_hss.component,
    shaft: "hss",
    bearing: { rollingElements: 16, rollingElementDiameterMm: 36, pitchDiameterMm: 230, contactAngleDeg: 0 },
    resonanceHz: 2800,
    gearTeeth: 29,
    noiseRmsG: 0.15,
  },
  generator_de: {
    id: "generator_de",
    component: TurbinePoints.generator_de.component,
    shaft: "hss",
    bearing: { rollingElements: 9, rollingElementDiameterMm: 38.1, pitchDiameterMm: 215, contactAngleDeg: 0 },
    resonanceHz: 3600,
    noiseRmsG: 0.2,
  },
};

/**
 * A point's bearing as its data sheet — and so an edge agent's machine
 * config — gives it (balls, ball and pitch diameter, contact angle).
 */
export const bearingDataSheet = (point: PointModel) => ({
  balls: point.bearing.rollingElements,
  ballDiameterMm: point.bearing.rollingElementDiameterMm,
  pitchDiameterMm: point.bearing.pitchDiameterMm,
  contactAngleDeg: point.bearing.contactAngleDeg,
});

/** ISO 10816-21 zone boundaries A/B, B/C, C/D of velocity RMS 10–1000 Hz, mm/s. */
export const ISO_10816_21_ZONE_BOUNDARIES_MM_S: Record<
  Exclude<ComponentClass, "nacelle">,
  readonly [number, number, number]
> = {
  main_bearing: [1.25, 2.0, 3.2],
  gearbox: [2.2, 3.5, 5.6],
  generator: [3.75, 6.0, 10],
};

const isTurbinePointId = (s: string): s is TurbinePointId => Object.hasOwn(TURBINE_POINTS, s);
const isInjectableFault = (s: string): s is InjectableFault =>
  (INJECTABLE_FAULTS as readonly string[]).includes(s);

/** Parses `point:fault:severity`, e.g. `main_bearing:bearing_outer_race:0.6`. Throws an Error naming the bad part. */
export function parseFaultSpec(text: string): FaultSpec {
  const parts = text.trim().split(":");
  if (parts.length !== 3) {
    throw new Error(
      `fault '${text}': expected point:fault:severity (e.g. main_bearing:bearing_outer_race:0.6)`,
    );
  }
  const [point, fault, severityText] = parts as [string, string, string];
  if (!isTurbinePointId(point)) {
    throw new Error(
      `fault '${text}': point '${point}' is not one of ${Object.keys(TURBINE_POINTS).join("|")}`,
    );
  }
  if (!isInjectableFault(fault)) {
    throw new Error(`fault '${text}': fault '${fault}' is not one of ${INJECTABLE_FAULTS.join("|")}`);
  }
  const severity = severityText.trim() === "" ? Number.NaN : Number(severityText);
  if (!Number.isFinite(severity) || severity < 0 || severity > 1) {
    throw new Error(`fault '${text}': severity '${severityText}' is not a number in 0..1`);
  }
  if (fault === "gear_mesh" && TURBINE_POINTS[point].gearTeeth === undefined) {
    throw new Error(
      `fault '${text}': fault 'gear_mesh' needs a gear on the shaft; point '${point}' has none`,
    );
  }
  return { point, fault, severity };
}

/**
 * Bearing defect frequencies (Randall & Antoni 2011, eqs. 1–4), stationary
 * outer race: BPFO = n f/2 (1 − d/D cos φ), BPFI = n f/2 (1 + d/D cos φ),
 * BSF = D/(2d) f (1 − (d/D cos φ)²), FTF = f/2 (1 − d/D cos φ).
 */
export function defectFrequenciesHz(
  g: BearingGeometry,
  shaftHz: number,
): { bpfo: number; bpfi: number; bsf: number; ftf: number } {
  const ratio =
    (g.rollingElementDiameterMm / g.pitchDiameterMm) * Math.cos((g.contactAngleDeg * Math.PI) / 180);
  const n = g.rollingElements;
  return {
    bpfo: ((n * shaftHz) / 2) * (1 - ratio),
    bpfi: ((n * shaftHz) / 2) * (1 + ratio),
    bsf: (g.pitchDiameterMm / (2 * g.rollingElementDiameterMm)) * shaftHz * (1 - ratio * ratio),
    ftf: (shaftHz / 2) * (1 - ratio),
  };
}

/** Seeded PRNG (mulberry32, public domain by Tommy Ettinger): uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviate (Box–Muller). */
export function gaussian(rng: () => number): number {
  let u = rng();
  while (u <= Number.MIN_VALUE) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

const G_MM_S2 = STANDARD_GRAVITY_M_S2 * 1000;

/** Peak acceleration (g) of a sinusoid at `hz` whose velocity RMS is `vRmsMmS` (mm/s). */
export const accelPeakGForVelocityRms = (vRmsMmS: number, hz: number): number =>
  (vRmsMmS * Math.SQRT2 * 2 * Math.PI * hz) / G_MM_S2;

/** Damping ratio of the structural resonances (lightly damped steel structures: a few %). */
export const RESONANCE_DAMPING_RATIO = 0.05;

/**
 * Healthy shaft-related content per point, as velocity RMS (mm/s) of the
 * harmonics of the point's shaft: residual imbalance and alignment that every
 * machine has. Given as velocity so the overall level is nearly independent
 * of speed (ISO 10816 rates velocity). Together with the broadband noise this
 * puts each healthy point at roughly 40–50 % of its A/B boundary.
 */
const HEALTHY_HARMONICS_MM_S: Record<TurbinePointId, { h1: number; h2: number; gmf: number }> = {
  // Rotor harmonics are below 10 Hz and do not reach the velocity band.
  main_bearing: { h1: 0.3, h2: 0.1, gmf: 0 },
  gearbox_hss: { h1: 0.4, h2: 0.25, gmf: 0.35 },
  generator_de: { h1: 1.0, h2: 0.45, gmf: 0 },
};

/**
 * Fault strengths per unit severity. Shaft faults: velocity RMS, mm/s.
 * Bearing faults: acceleration RMS of the impact train at the resonance, g.
 * Chosen so severity 0.6 leaves zone A for the component classes where the
 * fault shows in the velocity band, and grows linearly with severity.
 */
const FAULT_SCALE = {
  imbalanceMmS: 7,
  misalignment2xMmS: 6,
  misalignment1xMmS: 2,
  loosenessMmS: 5,
  gearMeshMmS: 4,
  bearingG: { main_bearing: 0.75, gearbox_hss: 1.2, generator_de: 1.2 } as Record<TurbinePointId, number>,
  cageModulationDepth: 0.8,
} as const;

/** Adds a sinusoid of peak `amplitudeG` at `hz` with `phase`. */
function addTone(
  out: Float32Array,
  hz: number,
  amplitudeG: number,
  phase: number,
  sampleRateHz: number,
): void {
  if (!(hz > 0) || amplitudeG === 0 || hz >= sampleRateHz / 2) return;
  const w = (2 * Math.PI * hz) / sampleRateHz;
  // Rotate a phasor instead of calling sin per sample; renormalise
  // periodically so rounding does not let the amplitude drift.
  let c = Math.cos(phase);
  let s = Math.sin(phase);
  const cw = Math.cos(w);
  const sw = Math.sin(w);
  for (let i = 0; i < out.length; i++) {
    out[i] = (out[i] ?? 0) + amplitudeG * s;
    const c2 = c * cw - s * sw;
    s = s * cw + c * sw;
    c = c2;
    if ((i & 1023) === 1023) {
      const norm = 1 / Math.hypot(c, s);
      c *= norm;
      s *= norm;
    }
  }
}

/** Adds a sinusoid at the given velocity RMS (mm/s). */
function addVelocityTone(
  out: Float32Array,
  hz: number,
  vRmsMmS: number,
  phase: number,
  sampleRateHz: number,
): void {
  addTone(out, hz, accelPeakGForVelocityRms(vRmsMmS, hz), phase, sampleRateHz);
}

/**
 * A linear speed ramp within a block: the shaft turns θ(t) = f₀t + ½αt²
 * revolutions. Every shaft-locked frequency of the block is given at the
 * start speed f₀ and scales with f(t)/f₀, i.e. follows the shaft angle.
 */
interface BlockRamp {
  readonly startHz: number;
  /** α, Hz/s */
  readonly slopeHzPerS: number;
  /** Shaft angle at each sample, revolutions. */
  readonly revolutions: Float64Array;
}

function blockRamp(startHz: number, endHz: number, n: number, sampleRateHz: number): BlockRamp {
  const slopeHzPerS = ((endHz - startHz) * sampleRateHz) / n;
  const revolutions = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / sampleRateHz;
    revolutions[i] = t * (startHz + 0.5 * slopeHzPerS * t);
  }
  return { startHz, slopeHzPerS, revolutions };
}

/** Inverse of θ(t): time of a shaft angle (revolutions, may be negative), as 2θ / (f₀ + √(f₀² + 2αθ)). */
const rampTimeOf = (r: BlockRamp, revs: number): number =>
  (2 * revs) / (r.startHz + Math.sqrt(Math.max(0, r.startHz ** 2 + 2 * r.slopeHzPerS * revs)));

/**
 * Adds a shaft-locked tone of `hz` at the start speed and velocity RMS
 * `vRmsMmS`, following the ramp: constant velocity amplitude, so the
 * acceleration amplitude scales with the instantaneous frequency. Without a
 * ramp it is `addVelocityTone`.
 */
function addShaftTone(
  out: Float32Array,
  hz: number,
  vRmsMmS: number,
  phase: number,
  sampleRateHz: number,
  ramp: BlockRamp | null,
): void {
  if (ramp === null) {
    addVelocityTone(out, hz, vRmsMmS, phase, sampleRateHz);
    return;
  }
  const order = hz / ramp.startHz;
  const peakAtStartG = accelPeakGForVelocityRms(vRmsMmS, hz);
  if (!(hz > 0) || peakAtStartG === 0) return;
  for (let i = 0; i < out.length; i++) {
    const f = ramp.startHz + (ramp.slopeHzPerS * i) / sampleRateHz;
    if (order * f >= sampleRateHz / 2) continue;
    const a = (peakAtStartG * f) / ramp.startHz;
    out[i] = (out[i] ?? 0) + a * Math.sin(phase + 2 * Math.PI * order * ramp.revolutions[i]!);
  }
}

/** Impulse response of the structural resonance: e^{−ζωt} sin(ω_d t), unit peak envelope. */
function resonanceKernel(resonanceHz: number, sampleRateHz: number): Float32Array {
  const wn = 2 * Math.PI * resonanceHz;
  const alpha = RESONANCE_DAMPING_RATIO * wn;
  const wd = wn * Math.sqrt(1 - RESONANCE_DAMPING_RATIO ** 2);
  // Truncate once the envelope has decayed to 0.1 %.
  const length = Math.max(8, Math.ceil((Math.log(1000) / alpha) * sampleRateHz));
  const k = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const t = i / sampleRateHz;
    k[i] = Math.exp(-alpha * t) * Math.sin(wd * t);
  }
  return k;
}

const kernelCache = new Map<string, { kernel: Float32Array; energy: number }>();
function cachedKernel(resonanceHz: number, sampleRateHz: number): { kernel: Float32Array; energy: number } {
  const key = `${resonanceHz}/${sampleRateHz}`;
  let entry = kernelCache.get(key);
  if (!entry) {
    const kernel = resonanceKernel(resonanceHz, sampleRateHz);
    let energy = 0;
    for (const v of kernel) energy += v * v;
    entry = { kernel, energy };
    kernelCache.set(key, entry);
  }
  return entry;
}

/**
 * Slip of a bearing's rolling elements (Randall & Antoni 2011 §2.1, "1–2 %"):
 * `jitter` is the RMS random variation of each impact interval, `lag` how
 * far the mean impact rate falls below the kinematic one (both fractions).
 */
export interface BearingSlip {
  readonly jitter: number;
  readonly lag: number;
}

/** The simulator's default slip: 1 % RMS jitter, no mean lag. */
export const DEFAULT_SLIP: BearingSlip = { jitter: 0.01, lag: 0 };

/**
 * Adds a train of impacts at `rateHz` (its intervals jittered and lengthened
 * by `slip`), each exciting the resonance, with amplitude
 * `1 + depth·cos(2π·modHz·t + φ)`. Scaled so the mean-square of the train is
 * `accelRmsG²`.
 */
function addImpactTrain(
  out: Float32Array,
  args: {
    rateHz: number;
    accelRmsG: number;
    resonanceHz: number;
    sampleRateHz: number;
    modHz: number;
    modDepth: number;
    rng: () => number;
    ramp: BlockRamp | null;
    slip: BearingSlip;
  },
): void {
  const { accelRmsG, resonanceHz, sampleRateHz, modHz, modDepth, rng, ramp, slip } = args;
  const rateHz = args.rateHz * (1 - slip.lag);
  if (!(rateHz > 0) || accelRmsG === 0) return;
  const { kernel, energy } = cachedKernel(Math.min(resonanceHz, sampleRateHz * 0.4), sampleRateHz);
  // Mean square = rate · E[amp²] · Σk²/fs ; E[(1 + m cos)²] = 1 + m²/2.
  const meanAmp2 = 1 + (modDepth * modDepth) / 2;
  const amplitude = accelRmsG * Math.sqrt(sampleRateHz / (rateHz * energy * meanAmp2));
  const period = 1 / rateHz;
  const modPhase = 2 * Math.PI * rng();
  const n = out.length;
  const addImpact = (t: number, a: number): void => {
    const start = Math.round(t * sampleRateHz);
    const from = Math.max(0, -start);
    const to = Math.min(kernel.length, n - start);
    for (let j = from; j < to; j++) {
      const idx = start + j;
      out[idx] = (out[idx] ?? 0) + a * (kernel[j] ?? 0);
    }
  };
  if (ramp !== null) {
    // Impacts at equal shaft-angle steps (1/rate-order revolutions, with the same slip), modulation locked to the angle too.
    const rateOrder = rateHz / ramp.startHz;
    const modOrder = modHz / ramp.startHz;
    const meanSpeedRatio = 1 + (0.5 * ramp.slopeHzPerS * (n / sampleRateHz)) / ramp.startHz;
    const rampAmplitude = amplitude / Math.sqrt(meanSpeedRatio);
    let revs = (-rng() * period - kernel.length / sampleRateHz) * ramp.startHz;
    for (let t = rampTimeOf(ramp, revs); t < n / sampleRateHz; t = rampTimeOf(ramp, revs)) {
      addImpact(t, rampAmplitude * (1 + modDepth * Math.cos(2 * Math.PI * modOrder * revs + modPhase)));
      revs += (1 + slip.jitter * gaussian(rng)) / rateOrder;
    }
    return;
  }
  // Start before the block so the first samples already carry decaying responses.
  let t = -rng() * period - kernel.length / sampleRateHz;
  while (t < n / sampleRateHz) {
    addImpact(t, amplitude * (1 + modDepth * Math.cos(2 * Math.PI * modHz * t + modPhase)));
    t += period * (1 + slip.jitter * gaussian(rng));
  }
}

/** Speed of the point's shaft, Hz. */
export const pointShaftHz = (point: PointModel, speeds: { rotorHz: number; generatorHz: number }): number =>
  point.shaft === "rotor" ? speeds.rotorHz : speeds.generatorHz;

/**
 * Synthesises one block of acceleration (g) for `point` into `out`
 * (overwritten): at constant shaft speed `shaftHz`, or ramping linearly to
 * `shaftHzEnd` within the block, every shaft-locked tone, the cage
 * modulation and the bearing impacts then following the shaft angle.
 * Faults for other points are ignored.
 */
export function synthesizeBlock(args: {
  point: PointModel;
  shaftHz: number;
  /** Shaft speed at the end of the block, Hz: a linear ramp from `shaftHz` within the block (default: constant). */
  shaftHzEnd?: number;
  faults: readonly FaultSpec[];
  sampleRateHz: number;
  rng: () => number;
  out: Float32Array;
  /** Slip of the rolling elements (default DEFAULT_SLIP). */
  slip?: BearingSlip;
}): void {
  const { point, shaftHz, sampleRateHz, rng, out } = args;
  const faults = args.faults.filter((f) => f.point === point.id && f.severity > 0);
  const n = out.length;
  const ramp =
    args.shaftHzEnd !== undefined && args.shaftHzEnd !== shaftHz
      ? blockRamp(shaftHz, args.shaftHzEnd, n, sampleRateHz)
      : null;
  const severityOf = (fault: InjectableFault): number =>
    faults.filter((f) => f.fault === fault).reduce((s, f) => Math.max(s, f.severity), 0);

  // Broadband noise; a cage fault modulates it at FTF (the cage's
  // irregular motion modulates the whole bearing noise, Randall & Antoni §2.1).
  const freqs = defectFrequenciesHz(point.bearing, shaftHz);
  const cage = severityOf("bearing_cage");
  const cageDepth = cage * FAULT_SCALE.cageModulationDepth;
  const cagePhase = 2 * Math.PI * rng();
  const cageW = (2 * Math.PI * freqs.ftf) / sampleRateHz;
  // Keep the noise RMS equal to noiseRmsG whatever the modulation depth.
  const noiseScale = point.noiseRmsG / Math.sqrt(1 + (cageDepth * cageDepth) / 2);
  const ftfOrder = freqs.ftf / shaftHz;
  for (let i = 0; i < n; i++) {
    const angle =
      ramp === null ? cageW * i + cagePhase : 2 * Math.PI * ftfOrder * ramp.revolutions[i]! + cagePhase;
    const mod = cageDepth > 0 ? 1 + cageDepth * Math.sin(angle) : 1;
    out[i] = noiseScale * mod * gaussian(rng);
  }

  const phase = (): number => 2 * Math.PI * rng();
  const healthy = HEALTHY_HARMONICS_MM_S[point.id];
  const imbalance = severityOf("imbalance");
  const misalignment = severityOf("misalignment");
  const looseness = severityOf("looseness");
  const gearMesh = severityOf("gear_mesh");

  // 1× and 2×: healthy residuals plus imbalance (1×) and misalignment (2× strong, some 1×), in phase.
  const phase1 = phase();
  const v1 = healthy.h1 + imbalance * FAULT_SCALE.imbalanceMmS + misalignment * FAULT_SCALE.misalignment1xMmS;
  addShaftTone(out, shaftHz, v1, phase1, sampleRateHz, ramp);
  const v2 = healthy.h2 + misalignment * FAULT_SCALE.misalignment2xMmS;
  addShaftTone(out, 2 * shaftHz, v2, phase(), sampleRateHz, ramp);
  if (cage > 0) addShaftTone(out, freqs.ftf, 0.3 * cage, phase(), sampleRateHz, ramp);

  // Looseness: harmonics 3×…10× decaying, plus ½× and its odd multiples.
  if (looseness > 0) {
    const tones: [number, number][] = [[0.5, 0.45]];
    for (let h = 3; h <= 10; h++) tones.push([h, 1 / (h - 1)]);
    for (const h of [1.5, 2.5, 3.5]) tones.push([h, 0.25]);
    const norm = Math.sqrt(tones.reduce((s, [, w]) => s + w * w, 0));
    for (const [h, w] of tones) {
      addShaftTone(
        out,
        h * shaftHz,
        (looseness * FAULT_SCALE.loosenessMmS * w) / norm,
        phase(),
        sampleRateHz,
        ramp,
      );
    }
  }

  // Gear mesh at teeth × shaft, sidebands at ±1× and ±2× of the shaft carrying the gear.
  if (point.gearTeeth !== undefined) {
    const gmf = point.gearTeeth * shaftHz;
    addShaftTone(out, gmf, healthy.gmf + gearMesh * FAULT_SCALE.gearMeshMmS, phase(), sampleRateHz, ramp);
    addShaftTone(
      out,
      2 * gmf,
      0.3 * healthy.gmf + 0.3 * gearMesh * FAULT_SCALE.gearMeshMmS,
      phase(),
      sampleRateHz,
      ramp,
    );
    if (gearMesh > 0) {
      for (const [k, w] of [
        [-1, 0.5],
        [1, 0.5],
        [-2, 0.2],
        [2, 0.2],
      ] as const) {
        addShaftTone(
          out,
          gmf + k * shaftHz,
          gearMesh * FAULT_SCALE.gearMeshMmS * w,
          phase(),
          sampleRateHz,
          ramp,
        );
      }
    }
  }

  // Localised bearing faults: impact trains exciting the structural resonance.
  const bearingG = FAULT_SCALE.bearingG[point.id];
  const common = { resonanceHz: point.resonanceHz, sampleRateHz, rng, ramp, slip: args.slip ?? DEFAULT_SLIP };
  const impactTrains = [
    // Stationary outer race: the defect stays in the load zone, no modulation.
    { fault: "bearing_outer_race", rateHz: freqs.bpfo, modHz: 0, modDepth: 0 },
    // The inner-race defect passes through the load zone once per revolution.
    { fault: "bearing_inner_race", rateHz: freqs.bpfi, modHz: shaftHz, modDepth: 0.8 },
    // A rolling-element defect strikes both races: 2×BSF, carried through the load zone at FTF.
    { fault: "bearing_rolling_element", rateHz: 2 * freqs.bsf, modHz: freqs.ftf, modDepth: 0.8 },
  ] as const;
  for (const { fault, ...train } of impactTrains) {
    const severity = severityOf(fault);
    if (severity > 0) addImpactTrain(out, { ...common, ...train, accelRmsG: severity * bearingG });
  }
}
