// @echogarden/pffft-wasm ships no type declarations: its two entry points are
// Emscripten module factories (ES modules) exposing PFFFT's C API
// (pffft.h) and the heap. Only what fft-pffft.ts uses is declared.
declare module "@echogarden/pffft-wasm/simd" {
  import type { PffftModuleFactory } from "@echogarden/pffft-wasm";

  const factory: PffftModuleFactory;
  export default factory;
}

declare module "@echogarden/pffft-wasm" {
  /** Emscripten's instance: PFFFT's exported C functions (pointers are byte offsets into the heap). */
  export interface PffftModule {
    /** `pffft_new_setup(N, PFFFT_REAL = 0 | PFFFT_COMPLEX = 1)`; 0 when N is not a size PFFFT takes. */
    _pffft_new_setup(n: number, transform: 0 | 1): number;
    _pffft_destroy_setup(setup: number): void;
    /** Interleaved, ordered output; not scaled (backward ∘ forward = N·x). Input and output may alias. */
    _pffft_transform_ordered(
      setup: number,
      input: number,
      output: number,
      work: number,
      direction: 0 | 1,
    ): void;
    /** 16-byte aligned memory, as PFFFT's SIMD loads need. */
    _pffft_aligned_malloc(bytes: number): number;
    _pffft_aligned_free(pointer: number): void;
    /** 4 with the SIMD build, 1 without. */
    _pffft_simd_size(): number;
    /** The heap as float32; replaced (the old view detached) whenever the memory grows. */
    readonly HEAPF32: Float32Array;
  }

  export type PffftModuleFactory = (moduleArg?: {
    print?: (text: string) => void;
    printErr?: (text: string) => void;
  }) => Promise<PffftModule>;

  const factory: PffftModuleFactory;
  export default factory;
}
