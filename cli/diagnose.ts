// `vetra diagnose FILE --rpm RPM --bearing BALLS,BALL_MM,PITCH_MM[,CONTACT_DEG]
// [--rate HZ] [--unit g|m/s2] [--component main_bearing|gearbox|generator]`
// (SPEC.md, "Command line"): the edge's diagnostic chain on one recording,
// one JSON object on stdout; bad input → one line on stderr, exit code 2.

import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { command, parseCommand } from "../common/cli.ts";
import type { ComponentClass } from "../common/names.ts";
import { diagnoseBlock, MIN_BLOCK_SAMPLES } from "../edge-agent/diagnostics/pipeline.ts";
import type { BearingGeometry } from "../edge-agent/diagnostics/types.ts";
import type { AccelerationUnit } from "../edge-agent/dsp/features.ts";
import { loadFastestFft } from "../edge-agent/dsp/fft.ts";
import { type Parsed, parseSampleCsv, parseWav, type Recording } from "./wav.ts";

/** Longest recording analysed as one block (2^23 samples: ~3 min at 48 kHz). */
export const MAX_RECORDING_SAMPLES = 2 ** 23;

const COMPONENTS = ["main_bearing", "gearbox", "generator"] as const satisfies readonly ComponentClass[];

type Options = {
  readonly file: string;
  readonly speedRpm: number;
  readonly bearing: BearingGeometry;
  readonly rateHz: number | null;
  readonly unit: AccelerationUnit;
  readonly component: ComponentClass;
};

const bad = (message: string): Parsed<never> => ({ ok: false, message });

/** Parses `BALLS,BALL_MM,PITCH_MM[,CONTACT_DEG]`. */
export function parseBearing(text: string): Parsed<BearingGeometry> {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length < 3 || parts.length > 4 || parts.some((p) => p === ""))
    return bad(`--bearing '${text}': expected BALLS,BALL_MM,PITCH_MM[,CONTACT_DEG], e.g. 9,7.94,39.04`);
  const [balls, ball, pitch, contact] = parts.map(Number) as [number, number, number, number | undefined];
  if (!Number.isInteger(balls) || balls < 3)
    return bad(`--bearing: BALLS must be a whole number ≥ 3, got '${parts[0]}'`);
  if (!(ball > 0)) return bad(`--bearing: BALL_MM must be a number > 0, got '${parts[1]}'`);
  if (!(pitch > ball))
    return bad(`--bearing: PITCH_MM must be a number larger than BALL_MM, got '${parts[2]}'`);
  const contactAngleDeg = contact ?? 0;
  if (!(contactAngleDeg >= 0 && contactAngleDeg < 90))
    return bad(`--bearing: CONTACT_DEG must be a number in 0…90, got '${parts[3]}'`);
  return { ok: true, value: { balls, ballDiameterMm: ball, pitchDiameterMm: pitch, contactAngleDeg } };
}

function positive(name: string, text: string | undefined): Parsed<number> {
  if (text === undefined) return bad(`${name} is required`);
  const v = text.trim() === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(v) || v <= 0) return bad(`${name} must be a number > 0, got '${text}'`);
  return { ok: true, value: v };
}

export const DIAGNOSE_COMMAND = command({
  name: "vetra diagnose",
  synopsis: [
    "vetra diagnose FILE --rpm RPM --bearing BALLS,BALL_MM,PITCH_MM[,CONTACT_DEG]",
    "               [--rate HZ] [--unit g|m/s2] [--component main_bearing|gearbox|generator]",
  ],
  about: [
    "Diagnoses one vibration recording with the edge agent's chain (ISO 10816-21",
    "zones, squared-envelope bearing analysis, shaft and gear analysis) and prints",
    'one JSON object: {"diagnoses": [...], "features": {...}, "isoZone": "A".."D"}.',
    'An empty "diagnoses" list means healthy.',
  ].join("\n"),
  arguments: {
    FILE: [
      "mono WAV (PCM 16/24/32-bit or float 32-bit; rate from the header)",
      "or CSV with one acceleration sample per line (needs --rate)",
    ].join("\n"),
  },
  options: {
    rpm: { type: "string", arg: "RPM", help: "shaft speed at the bearing, rpm" },
    bearing: {
      type: "string",
      arg: "BALLS,BALL_MM,PITCH_MM[,CONTACT_DEG]",
      help: "rolling elements, their diameter (mm), pitch diameter (mm) and\ncontact angle (degrees, default 0)",
    },
    rate: { type: "string", arg: "HZ", help: "sample rate, Hz (CSV only; a WAV's header gives it)" },
    unit: { type: "string", default: "g", arg: "g|m/s2", help: "unit of the samples: g or m/s2" },
    component: {
      type: "string",
      default: "generator",
      arg: COMPONENTS.join("|"),
      help: [
        "zone table to rate against (ISO 10816-21 / VDI 3834-1 class):",
        "main_bearing, gearbox, or generator: the high-speed-shaft class,",
        "10-5000 Hz, the closest to a bench motor or a generic machine",
      ].join("\n"),
    },
  },
  notes: ["Bad input: one line on stderr and exit code 2."],
  positionals: { min: 1, max: 1, name: "FILE" },
});

type ParsedArgs = Exclude<ReturnType<typeof parseCommand<typeof DIAGNOSE_COMMAND.options>>, number>;

function parseOptions({ values, positionals }: ParsedArgs): Parsed<Options> {
  const rpm = positive("--rpm", values.rpm);
  if (!rpm.ok) return rpm;
  if (values.bearing === undefined) return bad("--bearing is required: BALLS,BALL_MM,PITCH_MM[,CONTACT_DEG]");
  const bearing = parseBearing(values.bearing);
  if (!bearing.ok) return bearing;
  let rateHz: number | null = null;
  if (values.rate !== undefined) {
    const r = positive("--rate", values.rate);
    if (!r.ok) return r;
    rateHz = r.value;
  }
  const unit = values.unit;
  if (unit !== "g" && unit !== "m/s2") return bad(`--unit must be g or m/s2, got '${unit}'`);
  const component = values.component as ComponentClass;
  if (!(COMPONENTS as readonly string[]).includes(component))
    return bad(`--component must be one of ${COMPONENTS.join("|")}, got '${values.component}'`);
  return {
    ok: true,
    value: { file: positionals[0]!, speedRpm: rpm.value, bearing: bearing.value, rateHz, unit, component },
  };
}

function readRecording(file: string): Parsed<Recording> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return bad(
      code === "ENOENT"
        ? `${file}: no such file`
        : `${file}: cannot be read (${code ?? (e as Error).message})`,
    );
  }
  const riff =
    bytes.length >= 4 && String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!) === "RIFF";
  const parsed =
    riff || extname(file).toLowerCase() === ".wav"
      ? parseWav(bytes)
      : parseSampleCsv(new TextDecoder("utf-8", { fatal: false }).decode(bytes));
  return parsed.ok ? parsed : bad(`${file}: ${parsed.message}`);
}

/** Runs the command; returns the exit code. */
export async function runDiagnose(argv: string[]): Promise<number> {
  const fail = (message: string): number => {
    process.stderr.write(`vetra diagnose: ${message.replace(/\s*\n\s*/g, " ")}\n`);
    return 2;
  };
  const args = parseCommand(argv, DIAGNOSE_COMMAND, {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  });
  if (typeof args === "number") return args;
  const opts = parseOptions(args);
  if (!opts.ok) return fail(opts.message);
  const o = opts.value;
  const rec = readRecording(o.file);
  if (!rec.ok) return fail(rec.message);
  const { samples, sampleRateHz: headerRate } = rec.value;
  if (headerRate !== null && o.rateHz !== null && Math.abs(headerRate - o.rateHz) > 1e-6 * headerRate)
    return fail(
      `--rate ${o.rateHz} disagrees with the WAV header's ${headerRate} Hz (leave --rate out for WAV files)`,
    );
  const rateHz = headerRate ?? o.rateHz;
  if (rateHz === null) return fail("a CSV recording needs --rate HZ (its sample rate)");
  if (samples.length < MIN_BLOCK_SAMPLES)
    return fail(`recording too short: ${samples.length} samples, at least ${MIN_BLOCK_SAMPLES} needed`);
  if (samples.length > MAX_RECORDING_SAMPLES)
    return fail(
      `recording too long: ${samples.length} samples, at most ${MAX_RECORDING_SAMPLES} in one run (cut it)`,
    );
  const d = diagnoseBlock(
    { samples, sampleRateHz: rateHz, unit: o.unit },
    { component: o.component, speedRpm: o.speedRpm, bearing: o.bearing },
    { fft: await loadFastestFft() },
  );
  const features: Record<string, number> = {};
  for (const [k, v] of Object.entries(d.features)) features[k] = Number(v.toPrecision(6));
  const out = {
    diagnoses: d.findings.map((f) => ({
      fault: f.fault,
      severity: f.severity,
      confidence: f.confidence,
      evidence: f.evidence,
    })),
    features,
    isoZone: d.isoZone,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}
