// Whole-image checks on images built byte by byte (every PNG colour type,
// interlaced, indexed; a baseline JPEG) and on real encoders' output
// (Chromium's PNG with transparency and its JPEG), then each damaged the way
// uploads get damaged: a cut-off file, a flipped bit inside the compressed
// data (with the chunk's CRC made right again, so only inflating finds it),
// a wrong CRC, a lying header, a bomb that inflates past what it promises.
import { crc32, deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserRequired, launchChromium } from "../../test/helpers/browser.ts";
import { greyJpeg, solidPng } from "../../test/helpers/service-files.ts";
import { checkImage, detectImageType, MAX_IMAGE_PIXELS } from "./image-check.ts";

const chunk = (type: string, data: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
};
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ihdr = (w: number, h: number, depth: number, colour: number, interlace = 0) => {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(w, 0);
  b.writeUInt32BE(h, 4);
  b.set([depth, colour, 0, 0, interlace], 8);
  return chunk("IHDR", b);
};
const png = (...chunks: Buffer[]) => Buffer.concat([SIGNATURE, ...chunks, chunk("IEND", Buffer.alloc(0))]);
/** `rows` scanlines of `rowBytes` bytes each, filter byte `filter`. */
const scanlines = (rows: number, rowBytes: number, filter = 0) =>
  Buffer.concat(
    Array.from({ length: rows }, () => Buffer.concat([Buffer.from([filter]), Buffer.alloc(rowBytes, 0x80)])),
  );

/** 4×4 RGBA: the kind pdfkit decodes itself (to split the alpha channel). */
const rgba = () => png(ihdr(4, 4, 8, 6), chunk("IDAT", deflateSync(scanlines(4, 16))));

/** Re-computes the CRC of the chunk starting at `at` (after damaging its data on purpose). */
function fixCrc(buf: Buffer, at: number): Buffer {
  const length = buf.readUInt32BE(at);
  buf.writeUInt32BE(crc32(buf.subarray(at + 4, at + 8 + length)) >>> 0, at + 8 + length);
  return buf;
}
/** Offset of the first chunk of a type. */
const chunkAt = (buf: Buffer, type: string) => buf.indexOf(Buffer.from(type, "latin1")) - 4;

const expectRefused = async (bytes: Buffer, reason: RegExp) => {
  const r = await checkImage(bytes);
  expect(r.ok, JSON.stringify(r)).toBe(false);
  if (!r.ok) expect(r.reason).toMatch(reason);
};

describe("PNG, checked as a decoder reads it", () => {
  it("accepts every colour type, 16-bit, indexed with a palette, and Adam7 interlacing", async () => {
    expect(await checkImage(solidPng(3, 2, [10, 20, 30]))).toEqual({
      ok: true,
      type: "image/png",
      width: 3,
      height: 2,
    });
    expect((await checkImage(rgba())).ok).toBe(true);
    // Greyscale 1 bit: 9 pixels a row → 2 bytes a row.
    expect((await checkImage(png(ihdr(9, 3, 1, 0), chunk("IDAT", deflateSync(scanlines(3, 2)))))).ok).toBe(
      true,
    );
    // Greyscale + alpha, 16 bits: 4 bytes a pixel.
    expect((await checkImage(png(ihdr(2, 2, 16, 4), chunk("IDAT", deflateSync(scanlines(2, 8)))))).ok).toBe(
      true,
    );
    // Indexed, 4 bits, with PLTE and tRNS: 5 pixels → 3 bytes a row.
    const plte = chunk("PLTE", Buffer.from([0, 0, 0, 255, 255, 255]));
    const trns = chunk("tRNS", Buffer.from([0, 255]));
    expect(
      (await checkImage(png(ihdr(5, 2, 4, 3), plte, trns, chunk("IDAT", deflateSync(scanlines(2, 3)))))).ok,
    ).toBe(true);
    // Interlaced 5×5 RGB. Adam7 pass p starts at (x0, y0) and steps (dx, dy); its size is
    // ceil((5 − x0)/dx) × ceil((5 − y0)/dy):
    //   1 (0,0,8,8): 1×1   2 (4,0,8,8): 1×1   3 (0,4,4,8): 2×1   4 (2,0,4,4): 1×2
    //   5 (0,2,2,4): 3×1   6 (1,0,2,2): 2×3   7 (0,1,1,2): 5×2
    // Each row is a filter byte and 3 bytes a pixel.
    const passes: [number, number][] = [
      [1, 1],
      [1, 1],
      [2, 1],
      [1, 2],
      [3, 1],
      [2, 3],
      [5, 2],
    ];
    const raw = Buffer.concat(passes.map(([w, h]) => scanlines(h, 3 * w)));
    expect((await checkImage(png(ihdr(5, 5, 8, 2, 1), chunk("IDAT", deflateSync(raw))))).ok).toBe(true);
    // The same data read as not interlaced is the wrong size.
    await expectRefused(
      png(ihdr(5, 5, 8, 2, 0), chunk("IDAT", deflateSync(raw))),
      /inflates past the 80 bytes/,
    );
    // IDAT split over several chunks.
    const z = deflateSync(scanlines(4, 16));
    expect(
      (await checkImage(png(ihdr(4, 4, 8, 6), chunk("IDAT", z.subarray(0, 5)), chunk("IDAT", z.subarray(5)))))
        .ok,
    ).toBe(true);
  });

  it("refuses damage inside the compressed data even with a correct CRC (what made the PDFs hang)", async () => {
    const bad = rgba();
    const at = chunkAt(bad, "IDAT");
    bad[at + 8 + 4]! ^= 0xff;
    bad[at + 8 + 5]! ^= 0xff;
    await expectRefused(fixCrc(bad, at), /^damaged PNG: IDAT: /);
  });

  it("refuses a cut-off file, a wrong CRC, bytes after IEND, a bad filter type, a lying size", async () => {
    const good = rgba();
    await expectRefused(good.subarray(0, good.length - 20), /cut off|runs past the end/);
    await expectRefused(good.subarray(0, 30), /cut off|runs past the end/);
    const crc = Buffer.from(good);
    crc[chunkAt(crc, "IDAT") + 9]! ^= 0x01;
    await expectRefused(crc, /IDAT: CRC mismatch/);
    await expectRefused(Buffer.concat([good, Buffer.from("trailing")]), /bytes after IEND/);
    await expectRefused(
      png(ihdr(4, 4, 8, 6), chunk("IDAT", deflateSync(scanlines(4, 16, 7)))),
      /filter type 7/,
    );
    await expectRefused(
      png(ihdr(4, 4, 8, 6), chunk("IDAT", deflateSync(scanlines(3, 16)))),
      /inflates to 51 bytes.*68/,
    );
    // A small stream that inflates far past the header's promise stops at the promise.
    await expectRefused(
      png(ihdr(4, 4, 8, 6), chunk("IDAT", deflateSync(Buffer.alloc(50_000_000)))),
      /IDAT inflates past the 68 bytes/,
    );
  });

  it("refuses impossible headers and chunks out of order", async () => {
    const idat = chunk("IDAT", deflateSync(scanlines(4, 16)));
    await expectRefused(png(ihdr(0, 4, 8, 6), idat), /zero width/);
    await expectRefused(png(ihdr(4, 4, 8, 5), idat), /colour type 5/);
    await expectRefused(png(ihdr(4, 4, 4, 2), idat), /bit depth 4 .* colour type 2/);
    await expectRefused(png(ihdr(4, 4, 8, 6, 2), idat), /interlace method 2/);
    await expectRefused(
      png(ihdr(10_000, 10_000, 8, 6), idat),
      new RegExp(`more than ${MAX_IMAGE_PIXELS / 1e6}`),
    );
    await expectRefused(png(ihdr(4, 4, 8, 3), idat), /indexed image without PLTE/);
    await expectRefused(png(ihdr(4, 4, 8, 6)), /no IDAT/);
    await expectRefused(
      Buffer.concat([SIGNATURE, idat, ihdr(4, 4, 8, 6), chunk("IEND", Buffer.alloc(0))]),
      /first chunk is not IHDR/,
    );
    await expectRefused(
      png(ihdr(4, 4, 8, 6), idat, chunk("tEXt", Buffer.from("a\0b")), idat),
      /not consecutive/,
    );
    await expectRefused(
      png(ihdr(4, 4, 8, 6), chunk("QUUX", Buffer.alloc(1)), idat),
      /unknown critical chunk QUUX/,
    );
    // Ancillary chunks a decoder does not know are skipped.
    expect((await checkImage(png(ihdr(4, 4, 8, 6), chunk("quUx", Buffer.alloc(3)), idat))).ok).toBe(true);
  });
});

describe("JPEG, checked as far as it is read before decoding", () => {
  const jpeg = greyJpeg();
  it("accepts a baseline JPEG", async () => {
    expect(await checkImage(jpeg)).toEqual({ ok: true, type: "image/jpeg", width: 8, height: 8 });
    // Bytes after the end-of-image marker (phones append data there) are left alone.
    expect((await checkImage(Buffer.concat([jpeg, Buffer.from("trailer")]))).ok).toBe(true);
  });

  it("refuses a cut-off file, a segment running past the end, a missing table, other frame types", async () => {
    await expectRefused(jpeg.subarray(0, jpeg.length - 2), /no end-of-image marker/);
    await expectRefused(jpeg.subarray(0, 40), /runs past the end|cut off/);
    await expectRefused(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), /end of image before any scan/);
    await expectRefused(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00]), /cut off/);
    const sofAt = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    const long = Buffer.from(jpeg);
    long.writeUInt16BE(0xfff0, sofAt + 2);
    await expectRefused(long, /runs past the end/);
    const lossless = Buffer.from(jpeg);
    lossless[sofAt + 1] = 0xc3;
    await expectRefused(lossless, /SOF3/);
    const twelve = Buffer.from(jpeg);
    twelve[sofAt + 4] = 12;
    await expectRefused(twelve, /12-bit/);
    const zero = Buffer.from(jpeg);
    zero.writeUInt16BE(0, sofAt + 5);
    await expectRefused(zero, /zero width or height/);
    const two = Buffer.from(jpeg);
    two[sofAt + 9] = 2;
    await expectRefused(two, /2 components/);
    const dqtAt = jpeg.indexOf(Buffer.from([0xff, 0xdb]));
    const noDqt = Buffer.concat([
      jpeg.subarray(0, dqtAt),
      jpeg.subarray(dqtAt + 2 + jpeg.readUInt16BE(dqtAt + 2)),
    ]);
    await expectRefused(noDqt, /no quantisation table/);
    await expectRefused(
      Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe0, 0, 4, 0, 0]), Buffer.from("garbage")]),
      /no marker/,
    );
  });

  it("knows the types by their first bytes only as a first step", () => {
    expect(detectImageType(jpeg)).toBe("image/jpeg");
    expect(detectImageType(rgba())).toBe("image/png");
    expect(detectImageType(Buffer.from("GIF89a"))).toBeNull();
  });
  it("refuses what is neither", async () => {
    await expectRefused(Buffer.from("GIF89a......"), /neither a JPEG nor a PNG/);
    await expectRefused(Buffer.alloc(0), /neither/);
  });
});

describe.skipIf(!browserRequired())(
  "real encoders' output (Chromium's PNG with transparency and JPEG)",
  () => {
    let shots: { png: Buffer; jpeg: Buffer } | null = null;
    beforeAll(async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 320, height: 240 } });
        await page.setContent(
          '<body style="margin:0;background:transparent"><div style="width:200px;height:120px;background:linear-gradient(90deg,rgba(200,30,30,.6),rgba(30,30,200,.9))">Вибрация</div></body>',
        );
        shots = {
          png: await page.screenshot({ type: "png", omitBackground: true }),
          jpeg: await page.screenshot({ type: "jpeg", quality: 80 }),
        };
      } finally {
        await browser.close();
      }
    }, 60_000);
    afterAll(() => {
      shots = null;
    });

    it("accepts them whole and refuses them cut off or bit-flipped inside", async () => {
      const { png: p, jpeg: j } = shots!;
      expect(await checkImage(p)).toEqual({ ok: true, type: "image/png", width: 320, height: 240 });
      expect(await checkImage(j)).toEqual({ ok: true, type: "image/jpeg", width: 320, height: 240 });
      await expectRefused(p.subarray(0, Math.floor(p.length / 2)), /damaged PNG/);
      await expectRefused(j.subarray(0, Math.floor(j.length / 2)), /damaged JPEG: cut off/);
      const flipped = Buffer.from(p);
      const at = chunkAt(flipped, "IDAT");
      flipped[at + 8 + 10]! ^= 0x55;
      await expectRefused(fixCrc(flipped, at), /damaged PNG: IDAT/);
    });
  },
);
