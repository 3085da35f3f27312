// Embedded PDF signatures, PAdES baseline B-B (ETSI EN 319 142-1): each
// signature is an incremental update (ISO 32000-1 §7.5.6) appending a
// signature dictionary (/Filter /Adobe.PPKLite, /SubFilter
// /ETSI.CAdES.detached, /ByteRange, /Contents, /M), its widget and signature
// field (§12.7.4.5, §12.8), the catalog's /AcroForm with /SigFlags 3 and the
// page's /Annots — so the bytes before it stay untouched and an earlier
// signature stays valid: the counterparty's countersignature is a second
// update with a second field. The issued document's bytes are therefore a
// prefix of every signed version.
//
// The update is written for the PDFs central makes (pdfkit: classic xref
// tables, no object streams) and for our own updates; `@signpdf/signpdf`
// (maintained, no dependencies beyond its utils) fills in the byte range and
// the CMS. The CMS comes from a Signer, without signing-time (PAdES puts the
// time in /M, EN 319 142-1 §5.4.1).
import { SignPdf } from "@signpdf/signpdf";
import { Signer as PdfSigner } from "@signpdf/utils";
import type { Signer } from "./signers.ts";

/** Room for the CMS in /Contents, bytes (a signature with a three-certificate RSA chain is ~4 KiB). */
export const SIGNATURE_ROOM_BYTES = 12_000;
const PLACEHOLDER = "**********";

export class PdfStructureError extends Error {
  override readonly name = "PdfStructureError";
}

interface Trailer {
  size: number;
  root: number;
  info: string | null;
  id: string | null;
  startxref: number;
}

const latin1 = (b: Buffer) => b.toString("latin1");

function lastTrailer(pdf: Buffer): Trailer {
  const tail = latin1(pdf.subarray(Math.max(0, pdf.length - 2048)));
  const sx = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (!sx) throw new PdfStructureError("no startxref at the end of the PDF");
  const startxref = Number(sx[1]);
  const text = latin1(pdf.subarray(startxref, Math.min(pdf.length, startxref + 1_000_000)));
  if (!text.startsWith("xref"))
    throw new PdfStructureError("only classic cross-reference tables are supported");
  const t = /trailer\s*<<([\s\S]*?)>>\s*startxref/.exec(text);
  if (!t) throw new PdfStructureError("no trailer");
  const dict = t[1]!;
  const size = /\/Size\s+(\d+)/.exec(dict);
  const root = /\/Root\s+(\d+)\s+0\s+R/.exec(dict);
  if (!size || !root) throw new PdfStructureError("the trailer has no /Size or /Root");
  return {
    size: Number(size[1]),
    root: Number(root[1]),
    info: /\/Info\s+(\d+\s+0\s+R)/.exec(dict)?.[1] ?? null,
    id: /\/ID\s*(\[[^\]]*\])/.exec(dict)?.[1] ?? null,
    startxref,
  };
}

/** Offsets of the newest version of each object, following /Prev. */
function xrefOffsets(pdf: Buffer, startxref: number): Map<number, number> {
  const offsets = new Map<number, number>();
  const seen = new Set<number>();
  let at: number | null = startxref;
  while (at !== null && !seen.has(at)) {
    seen.add(at);
    const text = latin1(pdf.subarray(at, Math.min(pdf.length, at + 4_000_000)));
    const end = text.indexOf("trailer");
    if (!text.startsWith("xref") || end < 0) throw new PdfStructureError(`no xref table at ${at}`);
    const lines = text
      .slice(4, end)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    let num = 0;
    for (const line of lines) {
      const head = /^(\d+)\s+(\d+)$/.exec(line);
      if (head) {
        num = Number(head[1]);
        continue;
      }
      const entry = /^(\d{10})\s+(\d{5})\s+([nf])$/.exec(line);
      if (!entry) throw new PdfStructureError(`bad xref entry "${line}"`);
      if (entry[3] === "n" && !offsets.has(num)) offsets.set(num, Number(entry[1]));
      num++;
    }
    const prev = /\/Prev\s+(\d+)/.exec(text.slice(end, text.indexOf("startxref", end)));
    at = prev ? Number(prev[1]) : null;
  }
  return offsets;
}

/** The dictionary text (between the outer << >>) of object `num`. */
function objectDict(pdf: Buffer, offsets: Map<number, number>, num: number): string {
  const at = offsets.get(num);
  if (at === undefined) throw new PdfStructureError(`object ${num} is not in the xref`);
  const text = latin1(pdf.subarray(at, Math.min(pdf.length, at + 200_000)));
  const m = new RegExp(`^${num}\\s+0\\s+obj\\s*<<`).exec(text);
  if (!m) throw new PdfStructureError(`object ${num} is not a dictionary`);
  const end = text.indexOf("endobj");
  const body = text.slice(m[0].length, end);
  const close = body.lastIndexOf(">>");
  if (end < 0 || close < 0) throw new PdfStructureError(`object ${num} has no end`);
  return body.slice(0, close);
}

const ref = (n: number) => `${n} 0 R`;

/** A PDF text string in UTF-16BE with a byte-order mark, as a hex string (any script). */
const textString = (s: string): string => {
  const b = Buffer.from(`\ufeff${s}`, "utf16le").swap16();
  return `<${b.toString("hex").toUpperCase()}>`;
};

/** PDF date "D:YYYYMMDDHHmmSSZ". */
const pdfDate = (d: Date): string => `(D:${d.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z)`;

/** Adds `/Key [refs]` or appends to an existing array `/Key [ … ]` of a dictionary text. */
function addToArray(dict: string, key: string, item: string): string {
  const re = new RegExp(`/${key}\\s*\\[([^\\]]*)\\]`);
  if (re.test(dict)) return dict.replace(re, (_m, inner: string) => `/${key} [${inner.trim()} ${item}]`);
  if (new RegExp(`/${key}\\b`).test(dict))
    throw new PdfStructureError(`/${key} is an indirect array; not supported`);
  return `${dict}\n/${key} [${item}]`;
}

export interface SignatureMeta {
  /** Who signs (the organisation), shown by PDF readers. */
  name: string;
  reason: string;
  location?: string;
  signingTime: Date;
}

/** The PDF with a signature placeholder appended as an incremental update. */
export function addSignaturePlaceholder(pdf: Buffer, meta: SignatureMeta): Buffer {
  const trailer = lastTrailer(pdf);
  const offsets = xrefOffsets(pdf, trailer.startxref);
  const catalog = objectDict(pdf, offsets, trailer.root);
  const pagesRef = /\/Pages\s+(\d+)\s+0\s+R/.exec(catalog);
  if (!pagesRef) throw new PdfStructureError("the catalog has no /Pages");
  const pages = objectDict(pdf, offsets, Number(pagesRef[1]));
  const kid = /\/Kids\s*\[\s*(\d+)\s+0\s+R/.exec(pages);
  if (!kid) throw new PdfStructureError("no first page");
  const pageNum = Number(kid[1]);
  const page = objectDict(pdf, offsets, pageNum);

  const acroRef = /\/AcroForm\s+(\d+)\s+0\s+R/.exec(catalog);
  const acroNum = acroRef ? Number(acroRef[1]) : null;
  const acro = acroNum === null ? null : objectDict(pdf, offsets, acroNum);
  const fieldCount = acro
    ? (/\/Fields\s*\[([^\]]*)\]/.exec(acro)?.[1]?.match(/\d+\s+0\s+R/g)?.length ?? 0)
    : 0;

  let next = trailer.size;
  const sigNum = next++;
  const widgetNum = next++;
  const formNum = acroNum ?? next++;
  const objects = new Map<number, string>();
  objects.set(
    sigNum,
    [
      "<<",
      "/Type /Sig",
      "/Filter /Adobe.PPKLite",
      "/SubFilter /ETSI.CAdES.detached",
      `/ByteRange [0 /${PLACEHOLDER} /${PLACEHOLDER} /${PLACEHOLDER}]`,
      `/Contents <${"0".repeat(SIGNATURE_ROOM_BYTES * 2)}>`,
      `/M ${pdfDate(meta.signingTime)}`,
      `/Name ${textString(meta.name)}`,
      `/Reason ${textString(meta.reason)}`,
      ...(meta.location ? [`/Location ${textString(meta.location)}`] : []),
      "/Prop_Build << /App << /Name /Vetra >> >>",
      ">>",
    ].join("\n"),
  );
  objects.set(
    widgetNum,
    `<<\n/Type /Annot\n/Subtype /Widget\n/FT /Sig\n/Rect [0 0 0 0]\n/F 132\n/T ${textString(`Signature${fieldCount + 1}`)}\n/V ${ref(sigNum)}\n/P ${ref(pageNum)}\n>>`,
  );
  if (acro === null) {
    objects.set(formNum, `<<\n/Fields [${ref(widgetNum)}]\n/SigFlags 3\n>>`);
    objects.set(trailer.root, `<<${catalog}\n/AcroForm ${ref(formNum)}\n>>`);
  } else {
    const withField = addToArray(acro, "Fields", ref(widgetNum));
    objects.set(formNum, `<<${/\/SigFlags/.test(withField) ? withField : `${withField}\n/SigFlags 3`}\n>>`);
  }
  objects.set(pageNum, `<<${addToArray(page, "Annots", ref(widgetNum))}\n>>`);

  const parts: Buffer[] = [pdf];
  let length = pdf.length;
  const push = (text: string) => {
    const b = Buffer.from(text, "latin1");
    parts.push(b);
    length += b.length;
  };
  if (pdf[pdf.length - 1] !== 0x0a) push("\n");
  const written = new Map<number, number>();
  for (const [num, body] of [...objects.entries()].sort((a, b) => a[0] - b[0])) {
    written.set(num, length);
    push(`${num} 0 obj\n${body}\nendobj\n`);
  }
  const xrefAt = length;
  let xref = "xref\n";
  for (const [num, at] of written) xref += `${num} 1\n${String(at).padStart(10, "0")} 00000 n \n`;
  push(xref);
  push(
    `trailer\n<<\n/Size ${next}\n/Root ${ref(trailer.root)}\n${trailer.info ? `/Info ${trailer.info}\n` : ""}${trailer.id ? `/ID ${trailer.id}\n` : ""}/Prev ${trailer.startxref}\n>>\nstartxref\n${xrefAt}\n%%EOF\n`,
  );
  return Buffer.concat(parts);
}

class SignerAdapter extends PdfSigner {
  constructor(private readonly signer: Signer) {
    super();
  }
  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    return this.signer.sign(pdfBuffer, { signingTime: null });
  }
}

/** `pdf` with one more embedded signature (an incremental update) by `signer`. */
export async function signPdf(pdf: Buffer, signer: Signer, meta: SignatureMeta): Promise<Buffer> {
  const withPlaceholder = addSignaturePlaceholder(pdf, meta);
  // The result ends at "%%EOF" (@signpdf drops the final newline, so the byte range reaches the end).
  return new SignPdf().sign(withPlaceholder, new SignerAdapter(signer));
}

export interface EmbeddedSignature {
  /** The signed bytes (the byte ranges joined). */
  content: Buffer;
  cms: Buffer;
  /** The signature dictionary's /M, or null. */
  signingTime: Date | null;
  /** End of the revision it signs; equal to the file's length for the newest. */
  coversUpTo: number;
  subFilter: string | null;
}

/** DER length of the element at the start of `b` (to trim /Contents' zero padding). */
const derSize = (b: Buffer): number => {
  if (b.length < 2) return b.length;
  const first = b[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (b[2 + i] ?? 0);
  return 2 + n + len;
};

/** The embedded signatures of a PDF, oldest first. */
export function embeddedSignatures(pdf: Buffer): EmbeddedSignature[] {
  const text = latin1(pdf);
  const out: EmbeddedSignature[] = [];
  const re = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
  for (const m of text.matchAll(re)) {
    const [a, b, c, d] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
    if (a !== 0 || b <= 0 || c <= b || c + d > pdf.length) continue;
    const hex = text.slice(b, c);
    if (!/^<[0-9A-Fa-f]*>$/.test(hex)) continue;
    const raw = Buffer.from(hex.slice(1, -1), "hex");
    const cms = raw.subarray(0, Math.min(raw.length, derSize(raw)));
    const dictStart = text.lastIndexOf("<<", m.index);
    const dictEnd = text.indexOf("endobj", c);
    const dict = text.slice(dictStart, dictEnd) + text.slice(m.index, b);
    const when = /\/M\s*\(D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z?\)/.exec(dict);
    out.push({
      content: Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]),
      cms,
      signingTime: when
        ? new Date(Date.UTC(+when[1]!, +when[2]! - 1, +when[3]!, +when[4]!, +when[5]!, +when[6]!))
        : null,
      coversUpTo: c + d,
      subFilter: /\/SubFilter\s*\/([A-Za-z0-9.]+)/.exec(dict)?.[1] ?? null,
    });
  }
  return out;
}
