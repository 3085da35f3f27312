// Whether a photo's bytes are a whole image that the PDFs can embed, checked
// before any PDF library sees them. Magic bytes are not enough: pdfkit
// decodes a PNG with transparency or interlacing through png-js, whose zlib
// callback throws on a damaged stream — an exception no caller can catch,
// and a PDF that never ends. So a PNG is checked the way a decoder reads it
// (ISO/IEC 15948, the PNG specification): every chunk's CRC-32, a valid
// IHDR (dimensions, bit depth per colour type, methods), PLTE where needed,
// consecutive IDAT chunks whose zlib stream inflates (off the event loop,
// bounded in size) to exactly the filtered scanlines the header promises
// (Adam7 passes for interlaced images), each with a known filter type, and
// IEND last. A JPEG is not decoded by pdfkit — its bytes go into the PDF
// as they are (DCTDecode) — so it is checked as far as pdfkit and a viewer
// read it before decoding (ITU-T T.81 Annex B): marker segments with
// lengths inside the file, one baseline or progressive frame (SOF0–SOF2),
// 8-bit samples, 1, 3 or 4 components, nonzero dimensions, quantisation
// tables, at least one scan, and the end-of-image marker (a cut-off upload
// has none). Damage inside a JPEG's entropy-coded data is not detectable
// without decoding it; a viewer shows such an image partly, and nothing
// here hangs on it.
import { promisify } from "node:util";
import { crc32, inflate } from "node:zlib";

const inflateAsync = promisify(inflate);

export type ImageType = "image/jpeg" | "image/png";

export type ImageCheck =
  | { ok: true; type: ImageType; width: number; height: number }
  | { ok: false; reason: string };

/** Largest image accepted, pixels (a 24-megapixel camera frame: 6000 × 4000). */
export const MAX_IMAGE_PIXELS = 24_000_000;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The image type its first bytes prove (JPEG SOI marker, PNG signature), else null. */
export function detectImageType(bytes: Uint8Array): ImageType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((b, i) => bytes[i] === b))
    return "image/png";
  return null;
}

/** Checks the whole image; never throws. */
export async function checkImage(bytes: Uint8Array): Promise<ImageCheck> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = detectImageType(buf);
  try {
    if (type === "image/png") return await checkPng(buf);
    if (type === "image/jpeg") return checkJpeg(buf);
    return { ok: false, reason: "neither a JPEG nor a PNG (by its first bytes)" };
  } catch (error) {
    return {
      ok: false,
      reason: `damaged ${type === "image/png" ? "PNG" : "JPEG"}: ${(error as Error).message}`,
    };
  }
}

class Damaged extends Error {}
const damaged = (message: string): never => {
  throw new Damaged(message);
};

/** Bit depths allowed per PNG colour type, and samples per pixel (PNG spec §11.2.2). */
const PNG_COLOUR: Record<number, { depths: number[]; samples: number }> = {
  0: { depths: [1, 2, 4, 8, 16], samples: 1 }, // greyscale
  2: { depths: [8, 16], samples: 3 }, // truecolour
  3: { depths: [1, 2, 4, 8], samples: 1 }, // indexed
  4: { depths: [8, 16], samples: 2 }, // greyscale with alpha
  6: { depths: [8, 16], samples: 4 }, // truecolour with alpha
};

/** Adam7 passes: x0, y0, dx, dy (PNG spec §8.2). */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Rows and row bytes (without the filter byte) of each non-empty pass, or the one image. */
function scanlineLayout(width: number, height: number, bitsPerPixel: number, interlaced: boolean) {
  const rowBytes = (w: number) => Math.ceil((w * bitsPerPixel) / 8);
  if (!interlaced) return [{ rows: height, rowBytes: rowBytes(width) }];
  return ADAM7.map(([x0, y0, dx, dy]) => ({
    w: Math.ceil((width - x0) / dx),
    h: Math.ceil((height - y0) / dy),
  }))
    .filter((p) => p.w > 0 && p.h > 0)
    .map((p) => ({ rows: p.h, rowBytes: rowBytes(p.w) }));
}

async function checkPng(buf: Buffer): Promise<ImageCheck> {
  let pos = PNG_SIGNATURE.length;
  let header: { width: number; height: number; depth: number; colour: number; interlaced: boolean } | null =
    null;
  let palette = false;
  const idat: Buffer[] = [];
  let idatEnded = false;
  let ended = false;
  while (!ended) {
    if (pos + 12 > buf.length) damaged(`cut off at byte ${pos} (no IEND)`);
    const length = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) damaged(`a chunk at byte ${pos} has no valid type`);
    if (length > 0x7fffffff || pos + 12 + length > buf.length) damaged(`chunk ${type} runs past the end`);
    const data = buf.subarray(pos + 8, pos + 8 + length);
    const crc = buf.readUInt32BE(pos + 8 + length);
    if (crc32(buf.subarray(pos + 4, pos + 8 + length)) >>> 0 !== crc) damaged(`chunk ${type}: CRC mismatch`);
    if (header === null && type !== "IHDR") damaged("the first chunk is not IHDR");
    if (type !== "IDAT" && idat.length > 0) idatEnded = true;
    switch (type) {
      case "IHDR": {
        if (header !== null) damaged("a second IHDR");
        if (length !== 13) damaged("IHDR is not 13 bytes");
        const width = data.readUInt32BE(0);
        const height = data.readUInt32BE(4);
        const [depth, colour, compression, filter, interlace] = [
          data[8]!,
          data[9]!,
          data[10]!,
          data[11]!,
          data[12]!,
        ];
        if (width === 0 || height === 0) damaged("zero width or height");
        if (width * height > MAX_IMAGE_PIXELS)
          damaged(`${width} × ${height} is more than ${MAX_IMAGE_PIXELS / 1e6} megapixels`);
        const c = PNG_COLOUR[colour];
        if (!c) damaged(`colour type ${colour} does not exist`);
        if (!c!.depths.includes(depth))
          damaged(`bit depth ${depth} is not allowed with colour type ${colour}`);
        if (compression !== 0 || filter !== 0) damaged("unknown compression or filter method");
        if (interlace > 1) damaged(`interlace method ${interlace} does not exist`);
        header = { width, height, depth, colour, interlaced: interlace === 1 };
        break;
      }
      case "PLTE":
        if (length === 0 || length % 3 !== 0 || length > 768) damaged("PLTE is not 1–256 RGB entries");
        if (idat.length > 0) damaged("PLTE after IDAT");
        palette = true;
        break;
      case "IDAT":
        if (idatEnded) damaged("IDAT chunks are not consecutive");
        idat.push(data);
        break;
      case "IEND":
        if (length !== 0) damaged("IEND has data");
        ended = true;
        break;
      default:
        // A critical chunk (upper-case first letter) a decoder does not know makes the image unreadable.
        if (type.charCodeAt(0) < 0x61) damaged(`unknown critical chunk ${type}`);
    }
    pos += 12 + length;
  }
  if (pos !== buf.length) damaged(`${buf.length - pos} bytes after IEND`);
  const h = header!;
  if (h.colour === 3 && !palette) damaged("an indexed image without PLTE");
  if (idat.length === 0) damaged("no IDAT");
  const bitsPerPixel = h.depth * PNG_COLOUR[h.colour]!.samples;
  const layout = scanlineLayout(h.width, h.height, bitsPerPixel, h.interlaced);
  const expected = layout.reduce((sum, p) => sum + p.rows * (1 + p.rowBytes), 0);
  let raw: Buffer;
  try {
    // Off the event loop; a stream that inflates beyond what the header promises stops there.
    raw = await inflateAsync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      damaged(`IDAT inflates past the ${expected} bytes the header promises`);
    return damaged(`IDAT: ${(error as Error).message}`);
  }
  if (raw.length !== expected)
    damaged(`IDAT inflates to ${raw.length} bytes, the header promises ${expected}`);
  let at = 0;
  for (const p of layout)
    for (let row = 0; row < p.rows; row++) {
      if (raw[at]! > 4) damaged(`scanline ${row} has filter type ${raw[at]} (0–4 exist)`);
      at += 1 + p.rowBytes;
    }
  return { ok: true, type: "image/png", width: h.width, height: h.height };
}

function checkJpeg(buf: Buffer): ImageCheck {
  let pos = 2; // after SOI
  let frame: { width: number; height: number } | null = null;
  let quantTables = false;
  let scans = 0;
  for (;;) {
    if (pos >= buf.length) damaged(scans > 0 ? "cut off (no end-of-image marker)" : `cut off at byte ${pos}`);
    if (buf[pos] !== 0xff) damaged(`no marker at byte ${pos}`);
    while (buf[pos] === 0xff && pos < buf.length) pos++; // fill bytes
    if (pos >= buf.length) damaged("cut off in a marker");
    const marker = buf[pos++]!;
    if (marker === 0xd9) {
      if (scans === 0) damaged("end of image before any scan");
      break;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x00)
      damaged(
        `marker 0xFF${marker.toString(16).toUpperCase().padStart(2, "0")} out of place at byte ${pos - 2}`,
      );
    if (pos + 2 > buf.length) damaged("cut off in a segment length");
    const length = buf.readUInt16BE(pos);
    if (length < 2 || pos + length > buf.length)
      damaged(`segment 0xFF${marker.toString(16).toUpperCase()} runs past the end`);
    const seg = buf.subarray(pos + 2, pos + length);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (frame) damaged("a second frame header");
      if (marker > 0xc2)
        damaged(`frame type SOF${marker - 0xc0} (only baseline and progressive JPEGs are embedded)`);
      if (seg.length < 6) damaged("short frame header");
      const [precision, components] = [seg[0]!, seg[5]!];
      const height = seg.readUInt16BE(1);
      const width = seg.readUInt16BE(3);
      if (precision !== 8) damaged(`${precision}-bit samples (8 are embedded)`);
      if (width === 0 || height === 0) damaged("zero width or height");
      if (![1, 3, 4].includes(components)) damaged(`${components} components (1, 3 or 4 are embedded)`);
      if (seg.length !== 6 + 3 * components) damaged("frame header length does not match its components");
      if (width * height > MAX_IMAGE_PIXELS)
        damaged(`${width} × ${height} is more than ${MAX_IMAGE_PIXELS / 1e6} megapixels`);
      frame = { width, height };
    } else if (marker === 0xdb) quantTables = true;
    pos += length;
    if (marker !== 0xda) continue;
    // Start of scan: the header, then entropy-coded data up to the next marker that is no
    // stuffed byte (FF 00), restart marker (FF D0–D7) or fill byte.
    if (!frame) damaged("a scan before the frame header");
    if (!quantTables) damaged("no quantisation table");
    const ns = seg[0] ?? 0;
    if (ns < 1 || ns > 4 || seg.length !== 4 + 2 * ns)
      damaged("scan header length does not match its components");
    scans++;
    while (pos < buf.length) {
      const next = buf.indexOf(0xff, pos);
      if (next < 0 || next + 1 >= buf.length) damaged("cut off in the image data (no end-of-image marker)");
      const b = buf[next + 1]!;
      if (b === 0x00 || (b >= 0xd0 && b <= 0xd7)) pos = next + 2;
      else if (b === 0xff) pos = next + 1;
      else {
        pos = next;
        break;
      }
    }
  }
  return { ok: true, type: "image/jpeg", width: frame!.width, height: frame!.height };
}
