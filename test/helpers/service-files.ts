// Test helpers of the service model: small real images built byte by byte
// (no binary fixtures) — a PNG of one colour (zlib-compressed scanlines,
// CRC-checked chunks) and a baseline JPEG of one 8×8 mid-grey block (its
// Huffman tables each hold the one code the block needs) — and a PDF's text
// read back with poppler's pdftotext.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";

/** Whether pdftotext runs here; suites reading PDFs skip without it, except under CI=true, where they fail. */
export const hasPdfToText = (() => {
  try {
    execFileSync("pdftotext", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
export const skipPdfText = !hasPdfToText && process.env.CI !== "true";

/** The text of a PDF, every run of white space (no-break and thin spaces too) as one space. */
export function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "vetra-pdf-"));
  try {
    const file = join(dir, "doc.pdf");
    writeFileSync(file, pdf);
    return execFileSync("pdftotext", ["-enc", "UTF-8", file, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const chunk = (type: string, data: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
};

/** A `width`×`height` RGB PNG filled with one colour. */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const row = Buffer.alloc(1 + 3 * width); // filter byte 0, then pixels
  for (let x = 0; x < width; x++) row.set(rgb, 1 + 3 * x);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const segment = (marker: number, data: number[]): number[] => [
  0xff,
  marker,
  (data.length + 2) >> 8,
  (data.length + 2) & 0xff,
  ...data,
];

/** An 8×8 greyscale baseline JPEG, uniformly mid-grey (DC difference 0, every AC coefficient 0). */
export function greyJpeg(): Buffer {
  const oneCodeTable = (classAndId: number) => [classAndId, 1, ...new Array(15).fill(0), 0x00];
  return Buffer.from([
    0xff,
    0xd8, // SOI
    ...segment(0xdb, [0x00, ...new Array(64).fill(1)]), // quantisation table 0: all ones
    ...segment(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]), // 8 bits, 8×8, one component
    ...segment(0xc4, oneCodeTable(0x00)), // DC table 0: category 0 ↔ code "0"
    ...segment(0xc4, oneCodeTable(0x10)), // AC table 0: end of block ↔ code "0"
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    0x3f, // "0" (DC) "0" (EOB), padded with ones
    0xff,
    0xd9, // EOI
  ]);
}

/**
 * A 4×4 PNG with transparency (which pdfkit decodes itself) whose compressed
 * data is damaged inside while every chunk's CRC is right: it passes the
 * magic-byte check and the CRCs; only inflating the data finds the damage.
 */
export function damagedPng(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(4, 0);
  header.writeUInt32BE(4, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // truecolour with alpha
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(16, 0x80)]);
  const idat = deflateSync(Buffer.concat([row, row, row, row]));
  idat[4]! ^= 0xff;
  idat[5]! ^= 0xff;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", idat),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A JPEG cut off inside its image data (an interrupted upload): no end-of-image marker. */
export const cutJpeg = (): Buffer => greyJpeg().subarray(0, greyJpeg().length - 3);
