// The console's documents page (#/documents) in real Chromium against a real
// listening central with the demo PKI: the region issues a company's month
// through the form, the company signs at 390 px, the region countersigns and
// rejects with a reason; each reader sees only what is theirs; the files
// downloaded from the page verify with openssl and pdfsig; both languages;
// no content-security-policy violation and no script error. Screenshots go
// to artifacts/console/.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentsCentral } from "../../test/documents/central.ts";
import { opensslCmsVerify } from "../../test/documents/fixtures.ts";
import { browserRequired, launchChromium, signInToConsole } from "../../test/helpers/browser.ts";
import type { CentralFixture } from "../../test/helpers/central-fixture.ts";
import { watchPage } from "../../test/helpers/page-watch.ts";

const SHOTS = join(import.meta.dirname, "..", "..", "artifacts", "console");
const has = (cmd: string) => spawnSync(cmd, ["-v"], { stdio: "ignore" }).error === undefined;
const tools = has("openssl") && has("pdfsig");
if (!tools && process.env.CI) throw new Error("openssl and pdfsig (poppler-utils) are required under CI");

describe.skipIf(!browserRequired() || !tools)("documents page (#/documents) in Chromium", () => {
  let f: CentralFixture;
  let url: string;
  let browser: Browser;
  let dir: string;
  let caFile: string;
  // The month before this one (the certificates are made now and checked at the signing time).
  const now = new Date();
  const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), "vetra-docs-page-"));
    ({ f, caFile } = await documentsCentral(dir));
    await f.app.listen({ port: 0, host: "127.0.0.1" });
    url = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await f?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A signed-in page that records CSP violations, script errors and console errors. */
  const open = async (token: string, width = 1280): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width, height: 900 }, acceptDownloads: true });
    await watchPage(page, problems);
    await signInToConsole(page, url, token, "#/documents");
    await page.waitForSelector("#docList > p");
    return page;
  };
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const rows = (page: Page) =>
    page.$$eval("#docTable tbody tr", (trs) =>
      trs.map((tr) => ({
        id: (tr as HTMLElement).dataset.id!,
        type: (tr as HTMLElement).dataset.type!,
        status: (tr as HTMLElement).dataset.status!,
        text: tr.textContent ?? "",
        actions: Array.from(tr.querySelectorAll<HTMLElement>("[data-action]"), (b) => b.dataset.action),
      })),
    );
  const row = (type: string) => `#docTable tbody tr[data-type="${type}"]`;
  /** Clicks a button that downloads a file; its bytes. */
  const downloaded = async (page: Page, selector: string): Promise<Buffer> => {
    const [d] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
    const file = join(dir, `${Date.now()}-${d.suggestedFilename()}`);
    await d.saveAs(file);
    return readFileSync(file);
  };

  it("the region issues a company's month through the form and finds its register whole", async () => {
    const page = await open(f.tokens.admin);
    try {
      expect(await page.textContent("#app h1")).toBe("Документы");
      expect(await page.textContent("#docEmpty")).toBe("Документов нет");
      await page.selectOption("#issueCompany", "sc-north");
      await page.fill("#issueMonth", month);
      await page.click("#issueForm button[type=submit]");
      await page.waitForSelector("#docTable");
      const api = (await (
        await fetch(`${url}/api/v1/documents`, { headers: { authorization: `Bearer ${f.tokens.admin}` } })
      ).json()) as { documents: { id: string; type: string }[] };
      expect((await page.textContent("#docNotice"))!).toBe(`Выпущено документов: ${api.documents.length}`);
      const shown = await rows(page);
      expect(shown.map((r) => r.id)).toEqual(api.documents.map((d) => d.id));
      expect(new Set(shown.map((r) => r.type))).toEqual(
        new Set(["service_report", "statement", "act_of_services", "invoice"]),
      );
      expect(shown.every((r) => r.status === "issued")).toBe(true);
      // The type in Russian; the region's turn comes after the company's: nothing to sign yet.
      expect(await page.textContent(`${row("act_of_services")} strong`)).toBe("Акт оказанных услуг");
      expect((await rows(page)).find((r) => r.type === "act_of_services")!.actions).toEqual([]);
      await page.click("#registerButton");
      await page.waitForSelector("#registerCheck[data-ok]");
      expect(await page.getAttribute("#registerCheck", "data-ok")).toBe("true");
      expect(await page.textContent("#registerCheck")).toBe(
        `Цепочка реестра цела: записей ${api.documents.length}`,
      );
      await shot(page, "documents-admin");
    } finally {
      await page.close();
    }
  }, 120_000);

  it("the company signs at 390 px; the files it downloads verify with openssl and pdfsig", async () => {
    const page = await open(f.tokens.north, 390);
    try {
      await page.waitForSelector("#docTable");
      // Usable on a phone: nothing wider than the screen but the table's own scrolling.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      expect(await page.textContent("#app")).not.toMatch(/null|undefined/);
      const before = await rows(page);
      expect(before.length).toBe(4);
      expect(before.every((r) => r.text.includes("North Wind") || r.text.includes("Северный"))).toBe(true);
      expect(before.find((r) => r.type === "act_of_services")!.actions).toEqual(["sign", "reject"]);
      for (const type of ["act_of_services", "invoice"]) {
        await page.click(`${row(type)} [data-action="sign"]`);
        await page.waitForSelector(`${row(type)}[data-status="signed"]`);
      }
      expect(await page.textContent(`${row("act_of_services")} .doc-status`)).toBe("подписан исполнителем");
      // Its signature, verified by central and shown under the row, and the files as the page gives them.
      await page.click(`${row("act_of_services")} [data-action="verify"]`);
      await page.waitForSelector(`${row("act_of_services")} li[data-n="1"]`);
      expect(await page.getAttribute(`${row("act_of_services")} li[data-n="1"]`, "data-valid")).toBe("true");
      const pdf = await downloaded(page, `${row("act_of_services")} [data-file="original"]`);
      const p7s = await downloaded(page, `${row("act_of_services")} [data-p7s="1"]`);
      const signed = await downloaded(page, `${row("act_of_services")} [data-file="signed"]`);
      expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
      writeFileSync(join(dir, "act.pdf"), pdf);
      writeFileSync(join(dir, "act.pdf.p7s"), p7s);
      writeFileSync(join(dir, "act.signed.pdf"), signed);
      const openssl = opensslCmsVerify(join(dir, "act.pdf"), join(dir, "act.pdf.p7s"), caFile);
      expect(openssl.status, openssl.stderr).toBe(0);
      const pdfsig = spawnSync("pdfsig", [join(dir, "act.signed.pdf")], { encoding: "utf8" }).stdout;
      expect(pdfsig).toContain("Signature Validation: Signature is Valid.");
      await shot(page, "documents-north-390");
      await page.click("#langSwitch");
      await page.waitForSelector('#app h1:text("Documents")');
      await page.waitForSelector("#docTable");
      expect(await page.textContent(`${row("act_of_services")} strong`)).toBe("Act of services rendered");
      expect(await page.textContent(`${row("act_of_services")} .doc-status`)).toBe("signed");
      expect(await page.textContent('#nav a[href="#/documents"]')).toBe("Documents");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(page, "documents-north-390-en");
      await page.click("#langSwitch");
    } finally {
      await page.close();
    }
  }, 120_000);

  it("another company sees none of it, the ministry no acts and no actions", async () => {
    for (const token of [f.tokens.south, f.tokens.ministry]) {
      const page = await open(token);
      try {
        expect(await page.textContent("#docEmpty")).toBe("Документов нет");
        expect(await page.$("#issueForm")).toBeNull();
        expect(await page.$("#registerButton")).toBeNull();
      } finally {
        await page.close();
      }
    }
  }, 60_000);

  it("the region accepts the act and rejects the invoice with a reason; the API shows both", async () => {
    const page = await open(f.tokens.admin);
    try {
      await page.waitForSelector("#docTable");
      expect((await rows(page)).find((r) => r.type === "act_of_services")!.actions).toEqual([
        "countersign",
        "reject",
        "verify",
      ]);
      await page.click(`${row("act_of_services")} [data-action="countersign"]`);
      await page.waitForSelector(`${row("act_of_services")}[data-status="accepted"]`);
      expect(await page.textContent(`${row("act_of_services")} .doc-status`)).toBe("принят");
      await page.click(`${row("invoice")} [data-action="reject"]`);
      // An empty reason is not sent.
      await page.click(`${row("invoice")} .reject-form button[type=submit]`);
      expect(await page.getAttribute(row("invoice"), "data-status")).toBe("signed");
      await page.fill(`${row("invoice")} .reject-form input`, "Сумма не совпадает с договором");
      await page.click(`${row("invoice")} .reject-form button[type=submit]`);
      await page.waitForSelector(`${row("invoice")}[data-status="rejected"]`);
      expect(await page.textContent(`${row("invoice")} .reason-text`)).toBe("Сумма не совпадает с договором");
      await page.click(`${row("act_of_services")} [data-action="verify"]`);
      await page.waitForSelector(`${row("act_of_services")} li[data-n="2"]`);
      expect(
        await page.$$eval(`${row("act_of_services")} li[data-n]`, (lis) =>
          lis.map((li) => (li as HTMLElement).dataset.valid),
        ),
      ).toEqual(["true", "true"]);
      await shot(page, "documents-admin-after");
    } finally {
      await page.close();
    }
    const api = (await (
      await fetch(`${url}/api/v1/documents`, { headers: { authorization: `Bearer ${f.tokens.north}` } })
    ).json()) as { documents: { type: string; status: string; statusReason: string | null }[] };
    expect(api.documents.find((d) => d.type === "act_of_services")!.status).toBe("accepted");
    expect(api.documents.find((d) => d.type === "invoice")).toMatchObject({
      status: "rejected",
      statusReason: "Сумма не совпадает с договором",
    });
  }, 120_000);

  it("raised no CSP violation and no script error", () => {
    expect(problems).toEqual([]);
  });
});
