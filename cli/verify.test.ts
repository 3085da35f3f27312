// `vetra verify` as a user runs it: the real executable in a child process,
// on documents and signatures made here with the demo PKI (ECDSA), a second
// PKI the verifier does not trust, a certificate that expired before the
// signature claims to have been made, and GOST R 34.10-2012 through
// openssl's gost engine. Exit 0 with the signers and their times when
// valid; 1 with the reason when not; 2 on bad input.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import PDFDocument from "pdfkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDetached } from "../central/documents/cms.ts";
import { signPdf } from "../central/documents/pades.ts";
import { openSigner, readPkcs12, type Signer } from "../central/documents/signers.ts";
import { gostOk, makeGostPki, opensslOk } from "../test/documents/fixtures.ts";
import { ensureDemoPki } from "./demo-pki.ts";

if (process.env.CI && !gostOk) throw new Error("openssl with libengine-gost-openssl is required under CI");

const REPO = resolve(import.meta.dirname, "..");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
const vetra = (...args: string[]): Promise<Run> =>
  new Promise((done) => {
    execFile(
      process.execPath,
      [join(REPO, "bin/vetra.js"), "verify", ...args],
      { cwd: REPO, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });

/** A one-page PDF as central makes them (pdfkit, classic xref). */
const plainPdf = (text: string): Promise<Buffer> =>
  new Promise((resolvePdf, reject) => {
    const doc = new PDFDocument({ size: "A4", info: { Title: text } });
    const chunks: Buffer[] = [];
    doc.on("data", (c: Buffer) => chunks.push(c));
    doc.on("end", () => resolvePdf(Buffer.concat(chunks)));
    doc.on("error", reject);
    doc.text(text);
    doc.end();
  });

const flip = (b: Buffer, at: number): Buffer => {
  const c = Buffer.from(b);
  c[at]! ^= 0x01;
  return c;
};

describe.skipIf(!opensslOk)("vetra verify", () => {
  const dir = mkdtempSync(join(tmpdir(), "vetra-verify-"));
  const path = (name: string) => join(dir, name);
  const write = (name: string, bytes: Buffer | string) => {
    writeFileSync(path(name), bytes);
    return path(name);
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let caFile: string;
  let otherCa: string;
  let shortCa: string;
  let north: Signer;
  let act: Buffer;
  let p7s: Buffer;
  let signedPdf: Buffer;

  beforeAll(async () => {
    const pki = await ensureDemoPki(path("pki"), [
      { id: "north", name: "ООО «Северный ветер»", inn: "7707083893" },
      { id: "region", name: "Министерство энергетики", inn: "7708503727" },
    ]);
    caFile = pki.caFile;
    otherCa = (await ensureDemoPki(path("other"), [])).caFile;
    north = await openSigner(pki.signers.north!);
    const region = await openSigner(pki.signers.region!);
    act = await plainPdf("Акт оказанных услуг № 2026-02/north/A");
    write("act.pdf", act);
    p7s = await north.sign(act, { signingTime: new Date() });
    write("act.pdf.p7s", p7s);
    // Signed by the company, countersigned by the region: two embedded signatures.
    const once = await signPdf(act, north, { name: "North", reason: "Signed", signingTime: new Date() });
    signedPdf = await signPdf(once, region, { name: "Region", reason: "Accepted", signingTime: new Date() });
    write("act.signed.pdf", signedPdf);

    // A certificate valid for one day, and a signature that claims to be made three days later.
    const short = await ensureDemoPki(path("short"), [{ id: "late", name: "Late Ltd", inn: "7736207543" }], {
      days: 1,
    });
    shortCa = short.caFile;
    const late = await openSigner(short.signers.late!);
    write("late.p7s", await late.sign(act, { signingTime: new Date(Date.now() + 3 * 86_400_000) }));

    // The company's key with the region's certificate in the signature.
    const northKey = await readPkcs12(
      pki.signers.north!.file,
      readFileSync(pki.signers.north!.passwordFile!, "utf8").trim(),
    );
    write(
      "wrong-cert.p7s",
      signDetached(
        act,
        { privateKey: northKey.privateKey, certificate: region.certificate(), chain: [] },
        new Date(),
      ),
    );
  }, 180_000);

  it("exits 0 on a valid detached signature, naming the signer and the signing time", async () => {
    const r = await vetra(path("act.pdf"), "--signature", path("act.pdf.p7s"), "--ca", caFile);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Северный ветер");
    expect(r.stdout).toMatch(/signed \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
    expect(r.stdout).toContain("ECDSA");
    expect(r.stdout).toMatch(/: valid$/m);
  }, 120_000);

  it("exits 0 on a PDF's embedded signatures, each with its signer and time", async () => {
    const r = await vetra(path("act.signed.pdf"), "--ca", caFile);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/PDF signature 1: .*Северный ветер.* signed \d{4}-/);
    expect(r.stdout).toMatch(/PDF signature 2: .*Министерство энергетики.* signed \d{4}-/);
    expect(r.stdout.match(/: valid$/gm)).toHaveLength(2);
  }, 120_000);

  it("exits 1 with the reason when one byte of the document or of the signature changed", async () => {
    const changed = await vetra(
      write("act.changed.pdf", flip(act, Math.floor(act.length / 2))),
      "--signature",
      path("act.pdf.p7s"),
      "--ca",
      caFile,
    );
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/INVALID \(CONTENT_CHANGED\): .*changed/);

    const badSig = await vetra(
      path("act.pdf"),
      "--signature",
      write("bad.p7s", flip(p7s, p7s.length - 3)),
      "--ca",
      caFile,
    );
    expect(badSig.code).toBe(1);
    expect(badSig.stdout).toContain("INVALID (BAD_SIGNATURE)");

    // Inside the first revision of the signed PDF: both signatures cover it.
    const pdfChanged = await vetra(write("signed.changed.pdf", flip(signedPdf, 200)), "--ca", caFile);
    expect(pdfChanged.code).toBe(1);
    expect(pdfChanged.stdout.match(/INVALID \(CONTENT_CHANGED\)/g)).toHaveLength(2);
  }, 180_000);

  it("exits 1 when bytes were added after the last embedded signature", async () => {
    const appended = Buffer.concat([signedPdf, Buffer.from("\n1 0 obj\n<< /Forged true >>\nendobj\n")]);
    const r = await vetra(write("appended.pdf", appended), "--ca", caFile);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/INVALID \(NOT_COVERED\): .*after the last signature/);
  }, 120_000);

  it("exits 1 on a signature carrying another organisation's certificate", async () => {
    const r = await vetra(path("act.pdf"), "--signature", path("wrong-cert.p7s"), "--ca", caFile);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/INVALID \((BAD_SIGNATURE|WRONG_CERTIFICATE)\): .*certificate/);
    // It names the certificate it found, not the key that signed.
    expect(r.stdout).toContain("Министерство энергетики");
  }, 120_000);

  it("exits 1 on a certificate not valid at the signing time", async () => {
    const r = await vetra(path("act.pdf"), "--signature", path("late.p7s"), "--ca", shortCa);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/INVALID \(EXPIRED\): .*not valid at the signing time/);
  }, 120_000);

  it("exits 1 on a chain to no given trust anchor, or no anchor given at all", async () => {
    const other = await vetra(path("act.pdf"), "--signature", path("act.pdf.p7s"), "--ca", otherCa);
    expect(other.code).toBe(1);
    expect(other.stdout).toMatch(/INVALID \(UNTRUSTED\): no chain/);
    const none = await vetra(path("act.pdf"), "--signature", path("act.pdf.p7s"));
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/INVALID \(UNTRUSTED\)/);
    expect(none.stderr).toMatch(/no --ca/);
  }, 120_000);

  it("exits 2 on bad input: missing files, no signature, garbage, a bad CA file, bad arguments", async () => {
    const cases: [string, string[], RegExp][] = [
      ["missing file", [path("nope.pdf"), "--signature", path("act.pdf.p7s")], /file .*nope\.pdf: ENOENT/],
      [
        "missing signature",
        [path("act.pdf"), "--signature", path("nope.p7s")],
        /signature .*nope\.p7s: ENOENT/,
      ],
      ["not a signature", [path("act.pdf"), "--signature", path("act.pdf")], /not a CMS/],
      [
        "garbage",
        [path("act.pdf"), "--signature", write("garbage.p7s", Buffer.from([0x30, 0x82, 0xff]))],
        /not a CMS/,
      ],
      ["PEM instead of DER", [path("act.pdf"), "--signature", caFile], /not a CMS/],
      ["PDF without a signature", [path("act.pdf"), "--ca", caFile], /no embedded signature/],
      [
        "a CA file with no certificate",
        [path("act.pdf"), "--signature", path("act.pdf.p7s"), "--ca", path("act.pdf")],
        /CA file .*no certificate/,
      ],
      [
        "missing CA file",
        [path("act.pdf"), "--signature", path("act.pdf.p7s"), "--ca", path("nope.pem")],
        /CA file .*ENOENT/,
      ],
      ["a directory", [dir, "--signature", path("act.pdf.p7s")], /EISDIR/],
      ["no FILE", ["--ca", caFile], /one FILE is required/],
      ["two FILEs", [path("act.pdf"), path("act.pdf")], /one FILE is required/],
      ["unknown option", [path("act.pdf"), "--sig", path("act.pdf.p7s")], /Unknown option/i],
    ];
    for (const [name, args, message] of cases) {
      const r = await vetra(...args);
      expect(r.code, `${name}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr, name).toMatch(message);
    }
  }, 600_000);

  describe.skipIf(!gostOk)("GOST R 34.10-2012 through openssl's gost engine", () => {
    it("exits 0 on a GOST signature against its CA; 1 on a changed byte or another CA", async () => {
      const gost = makeGostPki(dir);
      const doc = write("gost-act.pdf", act);
      write("gost-act.pdf.p7s", await gost.signer.sign(act, { signingTime: new Date() }));
      const ok = await vetra(doc, "--signature", path("gost-act.pdf.p7s"), "--ca", gost.caFile);
      expect(ok.code, ok.stderr + ok.stdout).toBe(0);
      expect(ok.stdout).toContain("GOST R 34.10-2012");
      expect(ok.stdout).toContain("Ромашка");
      expect(ok.stdout).toMatch(/signed \d{4}-\d{2}-\d{2}T/);

      const changed = await vetra(
        write("gost-act.changed.pdf", flip(act, 100)),
        "--signature",
        path("gost-act.pdf.p7s"),
        "--ca",
        gost.caFile,
      );
      expect(changed.code).toBe(1);
      expect(changed.stdout).toContain("INVALID (CONTENT_CHANGED)");

      const untrusted = await vetra(doc, "--signature", path("gost-act.pdf.p7s"), "--ca", caFile);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stdout).toContain("INVALID (UNTRUSTED)");
    }, 300_000);
  });
});
