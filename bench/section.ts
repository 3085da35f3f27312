// One section of BENCHMARKS.md: every benchmark module returns one, and
// bench/run.ts writes them in order under the machine's description.
export interface BenchSection {
  /** Heading of the section (## …). */
  title: string;
  /** Markdown body: how it was measured, the table, the ratio against the named baseline. */
  markdown: string;
  /** One summary line printed to stdout, e.g. `fft: n=65536 fftjs_ms=1.1 vs_fftjs=280x`. */
  line: string;
}
