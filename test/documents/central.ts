// A central set up for the document flow, shared by the API's and the
// console page's document tests.
import { join } from "node:path";
import { ensureDemoPki } from "../../cli/demo-pki.ts";
import { type CentralFixture, makeCentralFixture } from "../helpers/central-fixture.ts";
import { requisites } from "./fixtures.ts";

/**
 * A central with the demo PKI of the region and two service companies
 * (sc-north: T01, T03; sc-south: T02), their contracts and requisites, and
 * the CA as its trust anchor; the PKI is made under `dir`. Real time: the
 * certificates are made a moment ago and are checked at the signing time.
 */
export async function documentsCentral(dir: string): Promise<{ f: CentralFixture; caFile: string }> {
  const pki = await ensureDemoPki(join(dir, "pki"), [
    { id: "region", name: "Regional energy department", inn: "7708503727" },
    { id: "sc-north", name: "North Wind Service", inn: "7707083893" },
    { id: "sc-south", name: "South Wind Service", inn: "7736207543" },
  ]);
  const terms = { fee: { per: "turbine_day", rub: "1500.00" }, creditPerBreachRub: "5000" };
  const contract = (id: string, company: string, assets: string[]) => ({
    id,
    company,
    assets,
    from: "2026-01-01",
    responseTimeMinutes: 240,
    terms,
  });
  const f = await makeCentralFixture({
    clock: () => Date.now(),
    config: {
      contracts: [contract("C-N", "sc-north", ["T01", "T03"]), contract("C-S", "sc-south", ["T02"])],
      documents: {
        requisites: {
          region: requisites("Министерство энергетики региона", "7708503727", "770801001"),
          "sc-north": requisites("ООО «Северный ветер»", "7707083893", "773601001"),
          "sc-south": requisites("ООО «Южный ветер»", "7736207543", "773601001"),
        },
        signers: pki.signers,
        trustAnchors: [pki.caFile],
      },
    },
  });
  return { f, caFile: pki.caFile };
}
