// The amplitude of each bearing-fault family in the squared-envelope
// spectrum, block by block, so central can trend them (the `env_*_g2`
// fields of common/names.ts) the way an analyst trends "enveloped
// acceleration at BPFO" in SKF Observer or System 1: one number per family
// and block whether or not a fault is named, so its rise is seen before the
// scoring calls it.
//
// The amplitude is the highest line of the family's fundamental window: the
// defect frequency from speed and geometry, 2 % below (rolling elements slip,
// Randall & Antoni 2011 §2.1: 1–2 %) to 1 % above (speed reading), widened to
// at least one bin each side.
import type { EnvelopeSpectrum } from "../dsp/envelope.ts";
import type { DefectOrders } from "./types.ts";

const SLIP_BELOW = 0.02;
const SLIP_ABOVE = 0.01;

export interface FamilyAmplitudes {
  env_bpfo_g2?: number;
  env_bpfi_g2?: number;
  env_bsf_g2?: number;
  env_ftf_g2?: number;
}

/** Peak of `amplitude` over bins covering [lowHz, highHz] (at least one bin each side of the centre). */
function windowPeak(ses: EnvelopeSpectrum, centreHz: number): number | null {
  const df = ses.dfHz;
  const last = ses.amplitude.length - 1;
  if (!(centreHz > 0) || centreHz * (1 + SLIP_ABOVE) > ses.maxHz) return null;
  const centre = Math.round(centreHz / df);
  const from = Math.max(1, Math.min(centre - 1, Math.floor((centreHz * (1 - SLIP_BELOW)) / df)));
  const to = Math.min(last, Math.max(centre + 1, Math.ceil((centreHz * (1 + SLIP_ABOVE)) / df)));
  if (from > to) return null;
  let peak = 0;
  for (let k = from; k <= to; k++) peak = Math.max(peak, ses.amplitude[k]!);
  return peak;
}

/**
 * The four families' fundamental amplitudes in `ses` (its unit × `scale`,
 * e.g. 1/g² for g²); a family whose window lies beyond the spectrum's valid
 * range is left out.
 */
export function familyAmplitudes(
  ses: EnvelopeSpectrum,
  shaftHz: number,
  orders: DefectOrders,
  scale: number,
): FamilyAmplitudes {
  const out: FamilyAmplitudes = {};
  const put = (key: keyof FamilyAmplitudes, order: number): void => {
    const peak = windowPeak(ses, order * shaftHz);
    if (peak !== null && Number.isFinite(peak)) out[key] = peak * scale;
  };
  put("env_bpfo_g2", orders.bpfo);
  put("env_bpfi_g2", orders.bpfi);
  put("env_bsf_g2", orders.bsf);
  put("env_ftf_g2", orders.ftf);
  return out;
}
