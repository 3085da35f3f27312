// From what a device sent to what is stored: raw × scale + offset, without
// the binary noise that decimal scale factors leave behind (786 × 0.1 is
// 78.60000000000001 in IEEE 754 doubles; stored, it would show up in every
// export and defeat equality checks downstream).
//
// The product of a number with d1 decimals and a scale with d2 decimals has
// at most d1 + d2 decimals, so rounding the double result to that many
// recovers the exact decimal product; a float32 register is first taken at
// the shortest decimal that reads back as the same float32 (231.2, not
// 231.1999969482422), which loses nothing the device sent. A register map
// may declare its resolution (`decimals`) instead.

/** Decimal places of a number as JavaScript writes it (1e-7 → 7, 0.125 → 3, 42 → 0). */
export function decimalsOf(x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return 0;
  const text = String(Math.abs(x));
  const e = text.indexOf("e");
  if (e >= 0) {
    const mantissa = text.slice(0, e);
    const exponent = Number(text.slice(e + 1));
    const dot = mantissa.indexOf(".");
    const fraction = dot < 0 ? 0 : mantissa.length - dot - 1;
    return Math.max(0, fraction - exponent);
  }
  const dot = text.indexOf(".");
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** The shortest decimal that is the same float32 (a float32 value widened to a double shows its binary tail). */
export function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const f = Math.fround(x);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/** Rounds to `decimals` places where that is meaningful for a double (≤ 15, |x| < 1e21). */
export function roundTo(x: number, decimals: number): number {
  if (!Number.isFinite(x) || decimals > 15 || Math.abs(x) >= 1e21) return x;
  const r = Number(x.toFixed(decimals));
  return Object.is(r, -0) ? 0 : r;
}

export interface Scaling {
  readonly scale: number;
  readonly offset: number;
  readonly decimals?: number | undefined;
}

/** The stored value of a raw device value: raw × scale + offset, rounded as explained above. */
export function storedValue(raw: number, s: Scaling, rawIsFloat32 = false): number {
  const x = rawIsFloat32 ? shortestFloat32(raw) : raw;
  const v = x * s.scale + s.offset;
  if (s.decimals !== undefined) return roundTo(v, s.decimals);
  const d = Math.max(decimalsOf(x) + decimalsOf(s.scale), decimalsOf(s.offset));
  return roundTo(v, d);
}
