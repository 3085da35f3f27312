// Recordings for `vetra diagnose`: mono WAV (RIFF, Microsoft/IBM 1991
// "Multimedia Programming Interface and Data Specifications 1.0"; PCM
// 16/24/32-bit integer or IEEE float 32-bit, also inside
// WAVE_FORMAT_EXTENSIBLE) and CSV with one sample per line. Parsing is
// pure: bytes or text in, samples or a one-line reason out.

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

export interface Recording {
  readonly samples: Float64Array;
  /** From the WAV header; null for CSV (the caller supplies it). */
  readonly sampleRateHz: number | null;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

const fail = (message: string): Parsed<never> => ({ ok: false, message });

const fourcc = (b: Uint8Array, at: number): string =>
  String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

/** Parses a mono WAV file's bytes. */
export function parseWav(bytes: Uint8Array): Parsed<Recording> {
  if (bytes.length < 12 || fourcc(bytes, 0) !== "RIFF" || fourcc(bytes, 8) !== "WAVE")
    return fail("not a WAV file (no RIFF/WAVE header)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: { tag: number; channels: number; rate: number; blockAlign: number; bits: number } | null = null;
  let data: { at: number; length: number } | null = null;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = fourcc(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > bytes.length) return fail("WAV 'fmt ' chunk is truncated");
      let tag = view.getUint16(body, true);
      const bits = view.getUint16(body + 14, true);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40 || body + 26 > bytes.length) return fail("WAV extensible 'fmt ' chunk is truncated");
        // The sub-format GUID starts with the format tag.
        tag = view.getUint16(body + 24, true);
      }
      format = {
        tag,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits,
      };
    } else if (id === "data") {
      data = { at: body, length: Math.min(size, bytes.length - body) };
      break;
    }
    at = body + size + (size & 1); // chunks are padded to even length
  }
  if (format === null) return fail("WAV file has no 'fmt ' chunk");
  if (data === null) return fail("WAV file has no 'data' chunk");
  if (format.channels !== 1)
    return fail(
      `WAV file has ${format.channels} channels; diagnose needs a mono recording (one accelerometer)`,
    );
  if (!(format.rate > 0)) return fail("WAV header gives no sample rate");
  const { tag, bits } = format;
  const supported =
    (tag === WAVE_FORMAT_PCM && (bits === 16 || bits === 24 || bits === 32)) ||
    (tag === WAVE_FORMAT_IEEE_FLOAT && bits === 32);
  if (!supported)
    return fail(
      `WAV sample format ${tag === WAVE_FORMAT_PCM ? "PCM" : tag === WAVE_FORMAT_IEEE_FLOAT ? "IEEE float" : `0x${tag.toString(16)} (compressed?)`} ${bits}-bit is not supported; use PCM 16/24/32-bit or float 32-bit`,
    );
  const bytesPerSample = bits / 8;
  if (format.blockAlign !== bytesPerSample)
    return fail(`WAV block alignment ${format.blockAlign} does not match ${bits}-bit mono`);
  const count = Math.floor(data.length / bytesPerSample);
  if (count === 0) return fail("WAV file holds no samples");
  const samples = new Float64Array(count);
  const d = data.at;
  if (tag === WAVE_FORMAT_IEEE_FLOAT)
    for (let i = 0; i < count; i++) samples[i] = view.getFloat32(d + 4 * i, true);
  else if (bits === 16) for (let i = 0; i < count; i++) samples[i] = view.getInt16(d + 2 * i, true) / 32768;
  else if (bits === 32)
    for (let i = 0; i < count; i++) samples[i] = view.getInt32(d + 4 * i, true) / 2147483648;
  else
    for (let i = 0; i < count; i++) {
      const p = d + 3 * i;
      const v = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16);
      samples[i] = ((v << 8) >> 8) / 8388608; // sign-extend 24 bits
    }
  for (let i = 0; i < count; i++)
    if (!Number.isFinite(samples[i]!)) return fail(`WAV sample ${i} is not a finite number`);
  return { ok: true, value: { samples, sampleRateHz: format.rate } };
}

/** Parses CSV with one sample per line (blank lines and one non-numeric header line allowed). */
export function parseSampleCsv(text: string): Parsed<Recording> {
  const lines = text.split(/\r?\n/);
  const values: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const v = Number(line);
    if (!Number.isFinite(v) || line.includes(",")) {
      if (values.length === 0 && i === 0 && !/^[-+.\d]/.test(line)) continue; // a header
      return fail(`CSV line ${i + 1}: '${line.slice(0, 40)}' is not one number`);
    }
    values.push(v);
  }
  if (values.length === 0) return fail("CSV file holds no samples");
  return { ok: true, value: { samples: Float64Array.from(values), sampleRateHz: null } };
}
