import { describe, expect, it } from "vitest";
import { faultyGearboxBlocks, gearboxContext } from "../../bench/dsp.bench.ts";
import { describeFftBackend } from "../../test/conformance/fft.ts";
import { diagnoseBlock } from "../diagnostics/pipeline.ts";
import { fastestFft, fftJsBackend, loadFastestFft } from "./fft.ts";
import { loadPffftBackend, MIN_PFFFT_SIZE } from "./fft-pffft.ts";

// float64: rounding only. float32 (PFFFT): 2^-24 per operation over log2(N) stages.
describeFftBackend("fft.js", () => fftJsBackend, { tolerance: 1e-12 });
describeFftBackend("pffft-wasm (SIMD)", () => loadPffftBackend("simd"), {
  tolerance: 1e-6,
  // Below MIN_PFFFT_SIZE the backend hands over to fft.js; 2^20 is a long recording's transform.
  sizes: [8, MIN_PFFFT_SIZE, 64, 4096, 65_536, 2 ** 20],
});
describeFftBackend("pffft-wasm (scalar)", () => loadPffftBackend("scalar"), { tolerance: 1e-6 });

describe("loadFastestFft", () => {
  it("picks PFFFT's SIMD build (every Node ≥ 16.4 on x86-64 or ARM64 has WebAssembly SIMD) once", async () => {
    const lines: string[] = [];
    const first = loadFastestFft((line) => lines.push(line));
    const picked = await first;
    expect(picked.name).toBe("pffft-wasm (SIMD)");
    expect(lines).toEqual([]);
    expect(loadFastestFft()).toBe(first);
    expect(fastestFft()).toBe(picked);
  });

  it("the chain names the same faults with the same features on PFFFT as on fft.js (the benchmark's block)", async () => {
    const [block] = faultyGearboxBlocks(1);
    const ctx = gearboxContext();
    const ref = diagnoseBlock(block!, ctx, { fft: fftJsBackend });
    const fast = diagnoseBlock(block!, ctx, { fft: await loadPffftBackend("simd") });
    expect(ref.findings.map((f) => f.fault)).toContain("bearing_outer_race");
    expect(fast.findings.map((f) => [f.fault, f.severity])).toEqual(
      ref.findings.map((f) => [f.fault, f.severity]),
    );
    expect(fast.isoZone).toBe(ref.isoZone);
    for (const [name, v] of Object.entries(ref.features))
      expect(Math.abs(fast.features[name]! - v), name).toBeLessThanOrEqual(1e-4 * Math.abs(v) + 1e-9);
  });
});
