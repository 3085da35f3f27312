// The demo's document flow: the demo PKI and the parties' requisites in the
// config, one closed work order, and at start the month so far issued for
// each company (service report, statement, act, invoice, completion act),
// signed by the company and countersigned by the region.
import { join } from "node:path";
import type { Actor } from "../central/documents/service.ts";
import { WorkOrders } from "../central/maintenance/work-orders.ts";
import type { RunningCentral } from "../central/server.ts";
import { DEMO_TENANTS, DEMO_TURBINES } from "./demo-fleet.ts";
import { ensureDemoPki } from "./demo-pki.ts";

/** Made-up INNs with valid check digits, Sberbank's BIC and correspondent account, accounts keyed for it. */
const DEMO_REQUISITES: Record<string, { inn: string; kpp: string; account: string }> = {
  region: { inn: "0541018037", kpp: "057201001", account: "40702810060320000015" },
  "sc-kavkaz": { inn: "0560036225", kpp: "057201001", account: "40702810960320000021" },
  "sc-step": { inn: "0572013409", kpp: "057201001", account: "40702810960320000034" },
};

export async function demoDocumentsConfig(dataDir: string) {
  const pki = await ensureDemoPki(
    join(dataDir, "pki"),
    DEMO_TENANTS.map((t) => ({ id: t.id, name: t.name, inn: DEMO_REQUISITES[t.id]!.inn })),
  );
  return {
    region: "region",
    requisites: Object.fromEntries(
      DEMO_TENANTS.map((t) => [
        t.id,
        {
          legalName: t.name,
          inn: DEMO_REQUISITES[t.id]!.inn,
          kpp: DEMO_REQUISITES[t.id]!.kpp,
          address: "367000, Республика Дагестан, г. Махачкала",
          bank: {
            name: "ПАО Сбербанк",
            bic: "044525225",
            correspondentAccount: "30101810400000000225",
            account: DEMO_REQUISITES[t.id]!.account,
          },
          signatory: { name: "И. И. Иванов", position: "Генеральный директор" },
        },
      ]),
    ),
    signers: pki.signers,
    trustAnchors: [pki.caFile],
  };
}

/** Terms of the demo contracts: 1 500 ₽ per monitored turbine-day, 5 000 ₽ credit per breach, VAT 22 %. */
export const DEMO_TERMS = {
  fee: { per: "turbine_day" as const, rub: "1500.00" },
  creditPerBreachRub: "5000.00",
};

export async function issueDemoDocuments(
  central: RunningCentral,
  log: (line: string) => void,
): Promise<void> {
  const docs = central.app.documents;
  const now = Date.now();
  const month = new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Moscow",
    year: "numeric",
    month: "2-digit",
  })
    .format(now)
    .slice(0, 7);
  // One closed work order of the month (the main-bearing repair on T02).
  const orders = new WorkOrders(central.meta.db);
  const t02 = DEMO_TURBINES.find((t) => t.id === "T02")!;
  if ((await orders.list({ asset: t02.id, state: "done", limit: 1 })).length === 0) {
    const wo = await orders.create({
      alarm: { id: "T02:main_bearing:bearing_outer_race:1", asset: t02.id, company: t02.tenant },
      title: "Дефект наружного кольца главного подшипника",
      actor: "demo",
    });
    await orders.update(
      wo.id,
      {
        state: "done",
        findings:
          "Выкрашивание наружного кольца главного подшипника подтверждено эндоскопией; подшипник заменён.",
        parts: [{ name: "Подшипник главного вала 230/600", partNumber: "230/600-CA", quantity: 1 }],
      },
      "demo",
    );
  }
  const region: Actor = { org: "region", label: "demo region", tokenId: null, role: "admin" };
  for (const t of DEMO_TENANTS) {
    if (t.id === "region") continue;
    const company: Actor = { org: t.id, label: `demo ${t.id}`, tokenId: null, role: "service_company" };
    const issued = await docs.issueMonth(t.id, month, region);
    for (const e of issued) {
      if (e.status === "issued") await docs.sign(e.id, "sign", company);
      const now2 = await docs.verify(e.id);
      if (now2.detached.length === 1) await docs.sign(e.id, "countersign", region);
    }
    log(
      `documents: ${t.id} ${month}: ${issued.map((e) => `${e.id} ${e.type}`).join(", ")} — signed and countersigned`,
    );
  }
}
