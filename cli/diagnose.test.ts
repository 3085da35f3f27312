// `vetra diagnose` as a user runs it: the real executable in a child process,
// on recordings written here (WAV of every supported sample format, CSV) and,
// when `../shared/data/bearings` is there, on real ones.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { mulberry32, synthesizeBlock, TURBINE_POINTS } from "../simulators/turbine/physics.ts";
import { parseBearing } from "./diagnose.ts";
import { parseSampleCsv, parseWav } from "./wav.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BEARINGS = resolve(REPO, "../shared/data/bearings");
const dir = mkdtempSync(join(tmpdir(), "vetra-diagnose-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
const vetra = (args: string[]): Promise<Run> =>
  new Promise((done) => {
    execFile(
      process.execPath,
      [join(REPO, "bin/vetra.js"), ...args],
      { cwd: REPO, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        done({ code, stdout, stderr });
      },
    );
  });

/** A WAV file: mono unless `channels` says otherwise; `format` 1 = PCM, 3 = IEEE float. */
function wav(samples: Float64Array, rate: number, bits: 16 | 24 | 32, format: 1 | 3, channels = 1): Buffer {
  const bytes = bits / 8;
  const data = Buffer.alloc(samples.length * bytes * channels);
  for (let i = 0; i < samples.length; i++)
    for (let c = 0; c < channels; c++) {
      const at = (i * channels + c) * bytes;
      const v = samples[i]!;
      if (format === 3) data.writeFloatLE(v, at);
      else if (bits === 16) data.writeInt16LE(Math.round(v * 32767), at);
      else if (bits === 24) data.writeIntLE(Math.round(v * 8388607), at, 3);
      else data.writeInt32LE(Math.round(v * 2147483647), at);
    }
  const fmt = Buffer.alloc(24);
  fmt.write("fmt ", 0, "ascii");
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(format, 8);
  fmt.writeUInt16LE(channels, 10);
  fmt.writeUInt32LE(rate, 12);
  fmt.writeUInt32LE(rate * bytes * channels, 16);
  fmt.writeUInt16LE(bytes * channels, 20);
  fmt.writeUInt16LE(bits, 22);
  const head = Buffer.alloc(12);
  head.write("RIFF", 0, "ascii");
  head.writeUInt32LE(4 + fmt.length + 8 + data.length, 4);
  head.write("WAVE", 8, "ascii");
  const dataHead = Buffer.alloc(8);
  dataHead.write("data", 0, "ascii");
  dataHead.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, fmt, dataHead, data]);
}

// A generator drive-end bearing with an outer-race defect, from the simulator (g), scaled into ±1.
const FS = 25_600;
const GEN = TURBINE_POINTS.generator_de;
const RPM = 1320;
const BEARING_ARG = `${GEN.bearing.rollingElements},${GEN.bearing.rollingElementDiameterMm},${GEN.bearing.pitchDiameterMm}`;
const block = new Float32Array(65_536);
synthesizeBlock({
  point: GEN,
  shaftHz: RPM / 60,
  faults: [{ point: "generator_de", fault: "bearing_outer_race", severity: 0.8 }],
  sampleRateHz: FS,
  rng: mulberry32(42),
  out: block,
});
const peak = block.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const SCALE = 0.9 / peak;
const scaled = Float64Array.from(block, (v) => v * SCALE);

describe("WAV and CSV parsing", () => {
  for (const [bits, format] of [
    [16, 1],
    [24, 1],
    [32, 1],
    [32, 3],
  ] as const) {
    it(`${format === 3 ? "float" : "PCM"} ${bits}-bit mono round-trips`, () => {
      const r = parseWav(wav(scaled.subarray(0, 1000), 12_000, bits, format));
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.sampleRateHz).toBe(12_000);
      expect(r.value.samples.length).toBe(1000);
      const tolerance = format === 3 ? 1e-6 : bits === 16 ? 1e-4 : 1e-6;
      for (let i = 0; i < 1000; i += 37)
        expect(Math.abs(r.value.samples[i]! - scaled[i]!)).toBeLessThan(tolerance);
    });
  }

  it("refuses stereo, compressed and garbage with a reason", () => {
    const stereo = parseWav(wav(scaled.subarray(0, 100), 12_000, 16, 1, 2));
    expect(stereo.ok ? "" : stereo.message).toMatch(/2 channels.*mono/);
    const alaw = wav(scaled.subarray(0, 100), 8000, 16, 1);
    alaw.writeUInt16LE(6, 20); // WAVE_FORMAT_ALAW
    const a = parseWav(alaw);
    expect(a.ok ? "" : a.message).toMatch(/not supported/);
    const garbage = parseWav(Buffer.from("this is not a wav file at all"));
    expect(garbage.ok ? "" : garbage.message).toMatch(/not a WAV/);
  });

  it("CSV: one sample per line, a header allowed, a bad line named", () => {
    const ok = parseSampleCsv("acceleration_g\n0.1\n-0.2\n\n0.3\n");
    expect(ok.ok && Array.from(ok.value.samples)).toEqual([0.1, -0.2, 0.3]);
    const bad = parseSampleCsv("0.1\n0.2,0.3\n");
    expect(bad.ok ? "" : bad.message).toMatch(/line 2/);
  });

  it("--bearing: balls, ball and pitch diameter, optional contact angle", () => {
    expect(parseBearing("9,7.94,39.04")).toEqual({
      ok: true,
      value: { balls: 9, ballDiameterMm: 7.94, pitchDiameterMm: 39.04, contactAngleDeg: 0 },
    });
    expect(parseBearing("26,90,780,9").ok).toBe(true);
    for (const bad of ["9,7.94", "9.5,7.94,39.04", "9,40,39.04", "9,7.94,39.04,95", "a,b,c"])
      expect(parseBearing(bad).ok).toBe(false);
  });
});

describe("vetra diagnose (child process)", () => {
  const wavFile = join(dir, "gen-outer.wav");
  writeFileSync(wavFile, wav(scaled, FS, 24, 1));

  it("names the outer-race defect of a simulated generator bearing (24-bit WAV), exit 0", async () => {
    // The samples are g scaled into ±1: the envelope's shape, not its level, makes the diagnosis.
    const r = await vetra([
      "diagnose",
      wavFile,
      "--rpm",
      String(RPM),
      "--bearing",
      BEARING_ARG,
      "--component",
      "generator",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      diagnoses: { fault: string; severity: string; confidence: number; evidence: Record<string, unknown> }[];
      features: Record<string, number>;
      isoZone: string;
    };
    expect(Object.keys(out).sort()).toEqual(["diagnoses", "features", "isoZone"]);
    expect(out.diagnoses[0]?.fault).toBe("bearing_outer_race");
    expect(out.diagnoses[0]?.evidence.frequency_hz).toBeTypeOf("number");
    expect(out.features.v_rms_mm_s).toBeGreaterThan(0);
    expect(["A", "B", "C", "D"]).toContain(out.isoZone);
  });

  it("a CSV needs --rate, and with it gives the same diagnosis", async () => {
    const csv = join(dir, "gen-outer.csv");
    writeFileSync(csv, `${Array.from(scaled, (v) => v.toPrecision(7)).join("\n")}\n`);
    const without = await vetra(["diagnose", csv, "--rpm", String(RPM), "--bearing", BEARING_ARG]);
    expect(without.code).toBe(2);
    expect(without.stderr.trim().split("\n")).toHaveLength(1);
    expect(without.stderr).toMatch(/--rate/);
    const withRate = await vetra([
      "diagnose",
      csv,
      "--rpm",
      String(RPM),
      "--bearing",
      BEARING_ARG,
      "--rate",
      String(FS),
    ]);
    expect(withRate.code).toBe(0);
    expect(JSON.parse(withRate.stdout).diagnoses[0].fault).toBe("bearing_outer_race");
  });

  it("bad input: one line on stderr, exit 2, nothing on stdout", async () => {
    const stereo = join(dir, "stereo.wav");
    writeFileSync(stereo, wav(scaled.subarray(0, 4096), FS, 16, 1, 2));
    const garbage = join(dir, "garbage.wav");
    writeFileSync(garbage, "RIFF....WAVEnothing useful");
    const cases: [string[], RegExp][] = [
      [["diagnose", join(dir, "missing.wav"), "--rpm", "1000", "--bearing", BEARING_ARG], /no such file/],
      [["diagnose", stereo, "--rpm", "1000", "--bearing", BEARING_ARG], /mono/],
      [["diagnose", garbage, "--rpm", "1000", "--bearing", BEARING_ARG], /fmt|data|WAV/],
      [["diagnose", wavFile, "--rpm", "1000", "--bearing", "9,7.94"], /--bearing/],
      [["diagnose", wavFile, "--rpm", "-5", "--bearing", BEARING_ARG], /--rpm/],
      [["diagnose", wavFile, "--bearing", BEARING_ARG], /--rpm/],
      [["diagnose", wavFile, "--rpm", "1000", "--bearing", BEARING_ARG, "--unit", "furlongs"], /--unit/],
      [
        ["diagnose", wavFile, "--rpm", "1000", "--bearing", BEARING_ARG, "--component", "tower"],
        /--component/,
      ],
    ];
    const runs = await Promise.all(cases.map(([args]) => vetra(args)));
    runs.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(cases[i]![1]);
    });
  });
});

const present = existsSync(join(BEARINGS, "manifest.json"));
if (!present && process.env.CI === "true") {
  describe("vetra diagnose on real recordings", () => {
    it("needs ../shared/data/bearings beside the repository under CI", () => {
      expect.fail(`recordings not found at ${BEARINGS}`);
    });
  });
} else {
  describe.skipIf(!present)("vetra diagnose on real recordings", () => {
    const manifest = present
      ? (JSON.parse(readFileSync(join(BEARINGS, "manifest.json"), "utf8")) as {
          file: string;
          fault: string;
          shaft_rpm: number;
          bearing: {
            balls: number;
            ball_diameter_mm: number;
            pitch_diameter_mm: number;
            contact_angle_deg: number;
          };
        }[])
      : [];
    for (const name of [
      "mfpt/OuterRaceFault_vload_1.wav",
      "cwru/12k_Drive_End_IR021_1_210.wav",
      "cwru/normal_97_DE_part1.wav",
    ]) {
      it(name, async () => {
        const e = manifest.find((m) => m.file === name)!;
        const b = e.bearing;
        const r = await vetra([
          "diagnose",
          join(BEARINGS, e.file),
          "--rpm",
          String(e.shaft_rpm),
          "--bearing",
          `${b.balls},${b.ball_diameter_mm},${b.pitch_diameter_mm},${b.contact_angle_deg}`,
        ]);
        expect(r.code).toBe(0);
        const out = JSON.parse(r.stdout) as { diagnoses: { fault: string }[] };
        if (e.fault === "none") expect(out.diagnoses).toEqual([]);
        else expect(out.diagnoses[0]?.fault).toBe(e.fault);
      });
    }
  });
}
