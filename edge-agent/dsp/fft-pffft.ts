// FftBackend on PFFFT ("a pretty fast FFT", J. Pommier 2013: FFTPACK v4's
// mixed-radix algorithms vectorised four floats at a time) compiled to
// WebAssembly with SIMD128 by @echogarden/pffft-wasm. BENCHMARKS.md has
// the comparison that chose it: on a 65536-point real transform it is about
// 3.5× faster than fft.js, copies in and out of WebAssembly memory
// included, and well within the 4× of FFTW in C that issue 3 asks for.
//
// Single precision: the transforms run in float32 and agree with fft.js's
// float64 to ~1e-7 of the spectrum's peak (measured in BENCHMARKS.md and
// bounded in the conformance test). A 24-bit ADC resolves 2^-23 ≈ 1.2e-7 of
// full scale, so vibration data loses nothing that was measured.
//
// Licence: PFFFT carries FFTPACK's BSD-style licence and the package is
// BSD-3-Clause; both are compatible with Apache-2.0 (unlike FFTW's GPL).
//
// Per size: one PFFFT setup per kind (real, complex), one data buffer and
// one work buffer in WebAssembly memory, and views of them that are rebuilt
// only when the memory grows (a new size's setup can grow it). A transform
// copies in, runs in place, and copies out: nothing is allocated.
// Sizes below MIN_PFFFT_SIZE go to fft.js: PFFFT's SIMD build takes real
// transforms of multiples of 32 points only (complex: 16). From 64 points up
// PFFFT is the faster, copies included (measured on x86-64, Node 20).
import type { PffftModule, PffftModuleFactory } from "@echogarden/pffft-wasm";
import { type FftBackend, type FftPlan, fftJsBackend, isPowerOfTwo } from "./fft.ts";

/** Smallest size PFFFT runs (its SIMD build needs real sizes that are multiples of 32); smaller ones use fft.js. */
export const MIN_PFFFT_SIZE = 32;

/** pffft.h's enums pffft_transform_t and pffft_direction_t, by name. */
const PFFFT_TRANSFORM = { real: 0, complex: 1 } as const;
const PFFFT_DIRECTION = { forward: 0, backward: 1 } as const;

// The copy loops live in functions of their own that end with the loop: V8
// compiles a long loop part-way through a call (on-stack replacement), and
// code after such a loop in the same function then fell back to the slow
// tier on every later call (seen in traces, twice per block for a whole run).
// A loop converts float64 → float32 faster than TypedArray#set does (V8, measured).
function toFloat32(src: Float64Array, dst: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) dst[i] = src[i]!;
}

function toFloat32Scaled(src: Float64Array, dst: Float32Array, n: number, scale: number): void {
  for (let i = 0; i < n; i++) dst[i] = src[i]! * scale;
}

class PffftPlan implements FftPlan {
  private realSetup = 0;
  private complexSetup = 0;
  /** Byte offsets of 2N floats each: the data transformed in place, and PFFFT's scratch. */
  private readonly data: number;
  private readonly work: number;
  /** The heap the views below were made on; a grown memory replaces `m.HEAPF32`. */
  private heap: Float32Array | null = null;
  private real: Float32Array = new Float32Array(0);
  private complex: Float32Array = new Float32Array(0);

  constructor(
    private readonly m: PffftModule,
    readonly size: number,
  ) {
    this.data = this.alloc(2 * size);
    this.work = this.alloc(2 * size);
  }

  private alloc(floats: number): number {
    const p = this.m._pffft_aligned_malloc(floats * Float32Array.BYTES_PER_ELEMENT);
    if (p === 0) throw new Error(`PFFFT: out of WebAssembly memory for a ${this.size}-point plan`);
    return p;
  }

  private setup(kind: keyof typeof PFFFT_TRANSFORM): number {
    const s = this.m._pffft_new_setup(this.size, PFFFT_TRANSFORM[kind]);
    if (s === 0) throw new Error(`PFFFT refused a ${kind} size ${this.size}`);
    return s;
  }

  /** The data buffer as float32 views of N and 2N values, current with the memory. */
  private views(): void {
    const h = this.m.HEAPF32;
    if (h === this.heap) return;
    this.heap = h;
    this.complex = new Float32Array(h.buffer, this.data, 2 * this.size);
    this.real = this.complex.subarray(0, this.size);
  }

  realForward(input: Float64Array, out: Float64Array): void {
    if (this.realSetup === 0) this.realSetup = this.setup("real");
    this.views();
    const n = this.size;
    const d = this.real;
    toFloat32(input, d, n);
    this.m._pffft_transform_ordered(this.realSetup, this.data, this.data, this.work, PFFFT_DIRECTION.forward);
    out.set(d);
    // PFFFT packs the two real-valued bins, DC and Nyquist, into bin 0 (re = DC, im = Nyquist).
    out[n] = out[1]!;
    out[n + 1] = 0;
    out[1] = 0;
  }

  private complexTransform(
    input: Float64Array,
    out: Float64Array,
    direction: (typeof PFFFT_DIRECTION)[keyof typeof PFFFT_DIRECTION],
    scale: number,
  ): void {
    if (this.complexSetup === 0) this.complexSetup = this.setup("complex");
    this.views();
    const d = this.complex;
    const len = 2 * this.size;
    if (scale === 1) toFloat32(input, d, len);
    else toFloat32Scaled(input, d, len, scale);
    this.m._pffft_transform_ordered(this.complexSetup, this.data, this.data, this.work, direction);
    out.set(d);
  }

  forward(input: Float64Array, out: Float64Array): void {
    this.complexTransform(input, out, PFFFT_DIRECTION.forward, 1);
  }

  inverse(input: Float64Array, out: Float64Array): void {
    // PFFFT does not scale; 1/N is a power of two, so scaling the input first is exact.
    this.complexTransform(input, out, PFFFT_DIRECTION.backward, 1 / this.size);
  }
}

/** Which build of the package: WebAssembly SIMD128 (Node ≥ 16.4 on x86-64 and ARM), or scalar. */
export type PffftBuild = "simd" | "scalar";

/**
 * Instantiates one build of PFFFT and wraps it as an FftBackend. Rejects
 * when this Node cannot compile the build or its .wasm file is missing;
 * `loadFastestFft` (fft.ts) catches that and falls back.
 */
export async function loadPffftBackend(build: PffftBuild = "simd"): Promise<FftBackend> {
  const factory: PffftModuleFactory =
    build === "simd"
      ? (await import("@echogarden/pffft-wasm/simd")).default
      : (await import("@echogarden/pffft-wasm")).default;
  const messages: string[] = [];
  let m: PffftModule;
  try {
    m = await factory({ print: () => {}, printErr: (text) => messages.push(text) });
  } catch (e) {
    throw new Error(`PFFFT (${build}) did not load: ${[...messages, String(e)].join("; ")}`);
  }
  const lanes = m._pffft_simd_size();
  if ((build === "simd") !== lanes > 1)
    throw new Error(`PFFFT (${build}) reports ${lanes} SIMD lane(s): not the build asked for`);
  const plans = new Map<number, FftPlan>();
  return {
    name: build === "simd" ? "pffft-wasm (SIMD)" : "pffft-wasm (scalar)",
    plan(size: number): FftPlan {
      let p = plans.get(size);
      if (p === undefined) {
        if (!isPowerOfTwo(size) || size < 4)
          throw new Error(`FFT size must be a power of two ≥ 4, got ${size}`);
        p = size < MIN_PFFFT_SIZE ? fftJsBackend.plan(size) : new PffftPlan(m, size);
        plans.set(size, p);
      }
      return p;
    },
  };
}
