// The document flow over HTTP with real referees: the service issues a
// month and a completion act, the company signs, the region countersigns;
// `openssl cms -verify` accepts every .p7s and poppler's `pdfsig` every
// embedded signature; one changed byte fails ours, openssl and pdfsig; the
// register's chain shows an altered and a removed entry; roles and hostile
// input on every new route.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDemoPki } from "../../cli/demo-pki.ts";
import { documentsCentral } from "../../test/documents/central.ts";
import { hasCertutil, nssDatabaseTrusting, opensslCmsVerify } from "../../test/documents/fixtures.ts";
import type { CentralFixture } from "../../test/helpers/central-fixture.ts";
import { cutJpeg, damagedPng, solidPng } from "../../test/helpers/service-files.ts";
import { pemBlocks } from "../documents/cms.ts";
import { kopecksToDecimal } from "../documents/money.ts";
import { embeddedSignatures } from "../documents/pades.ts";
import { GUARD_TRIGGERS } from "../documents/sql.ts";
import { verifyDetached } from "../documents/verify.ts";
import { readCsv } from "../lib/csv.ts";
import { WorkOrders } from "../maintenance/work-orders.ts";

const has = (cmd: string) => spawnSync(cmd, ["-v"], { stdio: "ignore" }).error === undefined;
const tools = has("openssl") && has("pdfsig");
if (!tools && process.env.CI) throw new Error("openssl and pdfsig (poppler-utils) are required under CI");

const PNG = solidPng(2, 2, [128, 128, 0]);

const pdfsig = (file: string) => spawnSync("pdfsig", [file], { encoding: "utf8" }).stdout;

describe.skipIf(!tools)("document flow with openssl and pdfsig as referees", () => {
  let f: CentralFixture;
  let dir: string;
  let caFile: string;
  let anchors: Buffer[];
  // The month before this one (certificates are made now and checked at the signing time).
  const now = new Date();
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "vetra-docs-"));
    ({ f, caFile } = await documentsCentral(dir));
    anchors = pemBlocks(readFileSync(caFile, "utf8"), "CERTIFICATE");
    const orders = new WorkOrders(f.meta.db, () => Date.parse(`${month}-20T10:00:00Z`));
    const wo = await orders.create({
      alarm: { id: "T01:main_bearing:bearing_outer_race:1", asset: "T01", company: "sc-north" },
      title: "Main bearing outer race",
      actor: "north ops",
    });
    await orders.addPhoto(wo.id, PNG, "north ops");
    // Damaged photos stored before uploads were checked whole: left out of the act with a note.
    await orders.addPhoto(wo.id, damagedPng(), "north ops");
    await orders.addPhoto(wo.id, cutJpeg(), "north ops");
    await orders.update(
      wo.id,
      {
        state: "done",
        findings: "Outer race spalled; bearing replaced.",
        parts: [{ name: "Bearing 230/600", partNumber: "SKF-230/600", quantity: 1 }],
      },
      "north ops",
    );
  }, 120_000);
  afterAll(async () => {
    await f?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (token: string, url: string) => f.app.inject({ method: "GET", url, headers: f.auth(token) });
  const post = (token: string, url: string, payload: object) =>
    f.app.inject({ method: "POST", url, headers: f.auth(token), payload });

  let docs: { id: string; type: string; status: string; sha256: string }[] = [];

  it("issues a company's month: service report, statement, act, invoice and the completion act of a work order done in it", async () => {
    const res = await post(f.tokens.admin, "/api/v1/documents/issue", {
      kind: "month",
      company: "sc-north",
      month,
    });
    expect(res.statusCode, res.body).toBe(201);
    docs = res.json().documents;
    expect(docs.map((d) => d.type).sort()).toEqual(
      ["act_of_services", "completion_act", "invoice", "service_report", "statement"].sort(),
    );
    expect(docs.every((d) => d.status === "issued")).toBe(true);
    // Issuing again returns the same documents.
    const again = await post(f.tokens.admin, "/api/v1/documents/issue", {
      kind: "month",
      company: "sc-north",
      month,
    });
    expect(
      again
        .json()
        .documents.map((d: { id: string }) => d.id)
        .sort(),
    ).toEqual(docs.map((d) => d.id).sort());
    const pdf = (
      await get(f.tokens.north, `/api/v1/documents/${docs.find((d) => d.type === "completion_act")!.id}`)
    ).rawPayload;
    writeFileSync(join(dir, "completion.pdf"), pdf);
    const text = execFileSync("pdftotext", [join(dir, "completion.pdf"), "-"], { encoding: "utf8" });
    expect(text).toContain("Outer race spalled");
    expect(text).toContain("SKF-230/600");
    const flat = text.replace(/\s+/g, " ");
    expect(flat).toMatch(/Фото № 2 не удалось прочитать и оно не включено \(damaged PNG: IDAT/);
    expect(flat).toMatch(/Фото № 3 не удалось прочитать и оно не включено \(damaged JPEG: cut off/);
    expect(pdf.toString("latin1").match(/\/Subtype \/Image/g)?.length).toBe(1);
  }, 300_000);

  it("serves a company's statement as JSON and CSV to the region and the company only; hostile queries are 400", async () => {
    const json = await get(f.tokens.north, `/api/v1/statements?month=${month}`);
    expect(json.statusCode, json.body).toBe(200);
    const s = json.json();
    expect([s.company.id, s.month, s.currency]).toEqual(["sc-north", month, "RUB"]);
    expect(s.lines.map((l: { asset: string }) => l.asset).sort()).toEqual(["T01", "T03"]);
    // The totals add up as the statement says (credits capped, VAT once on the net).
    const t = s.totals;
    expect(t.feeKopecks).toBe(
      s.lines.reduce((a: number, l: { amountKopecks: number }) => a + l.amountKopecks, 0),
    );
    expect(t.netKopecks).toBe(t.feeKopecks - t.creditsKopecks);
    expect(t.grossKopecks).toBe(t.netKopecks + t.vatKopecks);
    // The region reads the same statement; the CSV carries the same totals in roubles.
    const admin = await get(f.tokens.admin, `/api/v1/statements?company=sc-north&month=${month}`);
    expect(admin.json().totals).toEqual(t);
    const csv = await get(f.tokens.admin, `/api/v1/statements?company=sc-north&month=${month}&format=csv`);
    expect(csv.headers["content-type"]).toContain("text/csv");
    const gross = readCsv(csv.body).rows.find((r) => r[0] === "gross");
    expect(gross?.at(-1)).toBe(kopecksToDecimal(t.grossKopecks));
    // Another company's statement does not exist for a company; the ministry reads none.
    expect((await get(f.tokens.south, "/api/v1/statements?company=sc-north")).statusCode).toBe(404);
    expect((await get(f.tokens.ministry, "/api/v1/statements?company=sc-north")).statusCode).toBe(403);
    for (const query of [
      "",
      "?company=nobody",
      "?company=sc-north&month=2026-13",
      "?company=sc-north&format=pdf",
      "?company=%2e%2e%2fsc-north",
      "?company=sc-north&extra=1",
    ])
      expect((await get(f.tokens.admin, `/api/v1/statements${query}`)).statusCode, query).toBe(
        query === "?company=nobody" ? 404 : 400,
      );
  });

  it("shows a company only its own documents, the ministry only savings reports", async () => {
    const north = (await get(f.tokens.north, "/api/v1/documents")).json();
    expect(north.total).toBe(docs.length);
    expect((await get(f.tokens.south, "/api/v1/documents")).json().total).toBe(0);
    expect((await get(f.tokens.south, "/api/v1/documents?company=sc-north")).json().total).toBe(0);
    expect((await get(f.tokens.ministry, "/api/v1/documents")).json().total).toBe(0);
    for (const url of [`/api/v1/documents/${docs[0]!.id}`, `/api/v1/documents/${docs[0]!.id}/signatures`]) {
      expect((await get(f.tokens.south, url)).statusCode).toBe(404);
      expect((await get(f.tokens.ministry, url)).statusCode).toBe(404);
    }
    expect((await post(f.tokens.south, `/api/v1/documents/${docs[0]!.id}/sign`, {})).statusCode).toBe(404);
  });

  it("the company signs, the region countersigns; openssl, pdfsig and our verifier accept both signatures", async () => {
    const act = docs.find((d) => d.type === "act_of_services")!;
    // Not the region's turn to sign first, nor the company's to countersign.
    expect((await post(f.tokens.admin, `/api/v1/documents/${act.id}/sign`, {})).statusCode).toBe(403);
    expect((await post(f.tokens.north, `/api/v1/documents/${act.id}/countersign`, {})).statusCode).toBe(403);
    const signed = await post(f.tokens.north, `/api/v1/documents/${act.id}/sign`, {});
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json().document.status).toBe("signed");
    expect((await post(f.tokens.north, `/api/v1/documents/${act.id}/countersign`, {})).statusCode).toBe(403);
    const accepted = await post(f.tokens.admin, `/api/v1/documents/${act.id}/countersign`, {});
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json().document.status).toBe("accepted");
    expect((await post(f.tokens.admin, `/api/v1/documents/${act.id}/countersign`, {})).statusCode).toBe(409);

    const file = (await get(f.tokens.north, `/api/v1/documents/${act.id}`)).rawPayload;
    const sigs = (await get(f.tokens.north, `/api/v1/documents/${act.id}/signatures`)).json().signatures;
    expect(sigs.map((s: { org: string }) => s.org)).toEqual(["sc-north", "region"]);
    const docFile = join(dir, "act.pdf");
    writeFileSync(docFile, file);
    for (const s of sigs) {
      const p7s = Buffer.from(s.p7s, "base64");
      const sigFile = join(dir, `act.${s.n}.p7s`);
      writeFileSync(sigFile, p7s);
      const r = opensslCmsVerify(docFile, sigFile, caFile);
      expect(r.status, r.stderr).toBe(0);
      expect((await verifyDetached(file, p7s, { trustAnchors: anchors })).valid).toBe(true);
      // The .p7s route serves the same bytes.
      expect((await get(f.tokens.north, s.url)).rawPayload.equals(p7s)).toBe(true);
    }
    const signedPdf = (await get(f.tokens.north, `/api/v1/documents/${act.id}?signed=pdf`)).rawPayload;
    expect(signedPdf.subarray(0, file.length).equals(file)).toBe(true);
    const signedFile = join(dir, "act.signed.pdf");
    writeFileSync(signedFile, signedPdf);
    const report = pdfsig(signedFile);
    expect(report.match(/Signature Validation: Signature is Valid\./g)?.length).toBe(2);
    expect(report).toContain("ETSI.CAdES.detached");
    // As a relying party: pdfsig with an NSS database that trusts the demo CA reports both chains
    // trusted; with one that does not, the issuer untrusted.
    if (hasCertutil() || process.env.CI) {
      const trusted = nssDatabaseTrusting(mkdtempSync(join(dir, "nss-")), caFile);
      const relying = spawnSync("pdfsig", ["-nssdir", trusted, signedFile], { encoding: "utf8" }).stdout;
      expect(relying.match(/Signature Validation: Signature is Valid\./g)?.length).toBe(2);
      expect(relying.match(/Certificate Validation: Certificate is Trusted\./g)?.length, relying).toBe(2);
      const stranger = nssDatabaseTrusting(mkdtempSync(join(dir, "nss-")), null);
      expect(
        spawnSync("pdfsig", ["-nssdir", stranger, signedFile], { encoding: "utf8" }).stdout,
      ).not.toContain("Certificate is Trusted");
    }
    const embedded = embeddedSignatures(signedPdf);
    expect(embedded).toHaveLength(2);
    for (const e of embedded)
      expect(
        (await verifyDetached(e.content, e.cms, { trustAnchors: anchors, atTime: e.signingTime! })).valid,
      ).toBe(true);
    const ours = (await get(f.tokens.north, `/api/v1/documents/${act.id}/verification`)).json();
    expect([...ours.detached, ...ours.embedded].every((v: { valid: boolean }) => v.valid)).toBe(true);

    // One changed byte in the document: all three verifiers refuse.
    const changed = Buffer.from(file);
    changed[Math.floor(changed.length / 2)]! ^= 0x01;
    writeFileSync(join(dir, "act.changed.pdf"), changed);
    const p7s = Buffer.from(sigs[0].p7s, "base64");
    expect(opensslCmsVerify(join(dir, "act.changed.pdf"), join(dir, "act.1.p7s"), caFile).status).not.toBe(0);
    const mine = await verifyDetached(changed, p7s, { trustAnchors: anchors });
    expect(mine.valid ? "valid" : mine.code).toBe("CONTENT_CHANGED");
    const changedSigned = Buffer.from(signedPdf);
    changedSigned[Math.floor(file.length / 2)]! ^= 0x01;
    writeFileSync(join(dir, "act.signed.changed.pdf"), changedSigned);
    expect(pdfsig(join(dir, "act.signed.changed.pdf"))).not.toContain("Signature is Valid");
    // One changed byte in the signature (inside the signature value, the last bytes of the DER).
    const badSig = Buffer.from(p7s);
    badSig[badSig.length - 3]! ^= 0x01;
    writeFileSync(join(dir, "act.bad.p7s"), badSig);
    expect(opensslCmsVerify(docFile, join(dir, "act.bad.p7s"), caFile).status).not.toBe(0);
    expect((await verifyDetached(file, badSig, { trustAnchors: anchors })).valid).toBe(false);
    // A wrong trust anchor: untrusted.
    const other = await ensureDemoPki(join(dir, "other-pki"), []);
    const untrusted = await verifyDetached(file, p7s, {
      trustAnchors: pemBlocks(readFileSync(other.caFile, "utf8"), "CERTIFICATE"),
    });
    expect(untrusted.valid ? "valid" : untrusted.code).toBe("UNTRUSTED");
  }, 120_000);

  it("a party rejects with a reason; the transition is in the audit log", async () => {
    const invoice = docs.find((d) => d.type === "invoice")!;
    expect(
      (await post(f.tokens.admin, `/api/v1/documents/${invoice.id}/reject`, { reason: "not mine" }))
        .statusCode,
    ).toBe(403);
    const res = await post(f.tokens.north, `/api/v1/documents/${invoice.id}/reject`, {
      reason: "Wrong number of days for T03",
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().document).toMatchObject({
      status: "rejected",
      statusReason: "Wrong number of days for T03",
    });
    expect((await post(f.tokens.north, `/api/v1/documents/${invoice.id}/sign`, {})).statusCode).toBe(409);
    const audit = (await f.meta.audit.list(100)).map((a) => `${a.action} ${a.target} ${a.detail}`);
    expect(
      audit.some((a) => a.startsWith(`document.reject ${invoice.id}`) && a.includes("Wrong number of days")),
    ).toBe(true);
    expect(audit.some((a) => a.startsWith("document.countersign") && a.includes("signed → accepted"))).toBe(
      true,
    );
  });

  it("answers hostile input with 4xx: unknown and encoded ids, huge bodies, bad kinds", async () => {
    for (const id of ["DOC-999999", "..%2F..%2Fetc%2Fpasswd", "DOC-000001%00", "%E2%80%AE", "x".repeat(64)])
      expect((await get(f.tokens.admin, `/api/v1/documents/${id}`)).statusCode, id).toBe(404);
    expect((await get(f.tokens.admin, `/api/v1/documents/${"x".repeat(65)}`)).statusCode).toBe(400);
    expect((await get(f.tokens.admin, `/api/v1/documents/${docs[0]!.id}/signatures/9`)).statusCode).toBe(404);
    expect((await get(f.tokens.admin, `/api/v1/documents/${docs[0]!.id}/signatures/abc`)).statusCode).toBe(
      404,
    );
    const huge = await post(f.tokens.north, `/api/v1/documents/${docs[0]!.id}/reject`, {
      reason: "x".repeat(100_000),
    });
    expect(huge.statusCode).toBe(413);
    for (const body of [
      { kind: "month", company: "sc-north", month: "2026-13" },
      { kind: "month", company: "../x", month: month },
      { kind: "nope" },
      { kind: "completion_act", workOrder: "WO-1; DROP TABLE document" },
    ])
      expect(
        (await post(f.tokens.admin, "/api/v1/documents/issue", body)).statusCode,
        JSON.stringify(body),
      ).toBe(400);
    expect(
      (await post(f.tokens.admin, "/api/v1/documents/issue", { kind: "month", company: "sc-nobody", month }))
        .statusCode,
    ).toBe(404);
    expect(
      (await post(f.tokens.admin, "/api/v1/documents/issue", { kind: "month", company: "region", month }))
        .statusCode,
    ).toBe(400);
    expect(
      (await post(f.tokens.north, "/api/v1/documents/issue", { kind: "month", company: "sc-north", month }))
        .statusCode,
    ).toBe(403);
    expect((await get(f.tokens.admin, "/api/v1/documents?limit=0")).statusCode).toBe(400);
    expect((await get(f.tokens.admin, "/api/v1/documents?type=passport")).statusCode).toBe(400);
  });

  it("the register's chain holds, and shows an altered and a removed entry", async () => {
    const ok = (await get(f.tokens.admin, "/api/v1/documents/register/verification")).json();
    expect(ok).toMatchObject({ ok: true, entries: docs.length, problems: [] });
    expect((await get(f.tokens.north, "/api/v1/documents/register/verification")).statusCode).toBe(403);
    // The metadata database itself refuses; whoever removes its triggers is caught by the chain.
    await expect(f.meta.db.run("UPDATE document SET period = '2026-10' WHERE seq = 2")).rejects.toThrow(
      /append-only/,
    );
    for (const t of GUARD_TRIGGERS) await f.meta.db.run(`DROP TRIGGER ${t.name}`);
    await f.meta.db.run("UPDATE document SET period = '2026-10' WHERE seq = 2");
    const altered = (await get(f.tokens.admin, "/api/v1/documents/register/verification")).json();
    expect(altered.ok).toBe(false);
    expect(
      altered.problems.map((p: { seq: number; problem: string }) => `${p.seq} ${p.problem}`).join("\n"),
    ).toContain("2 its fields do not hash");
    await f.meta.db.run("UPDATE document SET period = ? WHERE seq = 2", [month]);
    await f.meta.db.run(
      "UPDATE document_file SET bytes = ? WHERE id = (SELECT id FROM document WHERE seq = 1)",
      [Buffer.from("%PDF-forged")],
    );
    expect(
      (await get(f.tokens.admin, "/api/v1/documents/register/verification")).json().problems[0].problem,
    ).toContain("file does not match");
    await f.meta.db.run("DELETE FROM document WHERE seq = 3");
    const removed = (await get(f.tokens.admin, "/api/v1/documents/register/verification")).json();
    expect(removed.problems.map((p: { problem: string }) => p.problem).join("\n")).toMatch(
      /entries 3–3 are missing[\s\S]*does not link/,
    );
  });
});
