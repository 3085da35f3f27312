// Companies and contracts on a real database (SQLite file, and PostgreSQL
// where installed): who maintains an asset when, overlaps refused, coverage
// of a month per company.
import { beforeEach, describe, expect, it } from "vitest";
import { freshMetadata, metadataKinds } from "../../test/helpers/metadata.ts";
import type { MetaStore } from "../meta/meta.ts";
import { ContractConflict, Contracts, responsibleCompany } from "./contracts.ts";

const DAY = 86_400_000;
const NOV = Date.parse("2026-11-01T00:00:00Z");
const DEC = Date.parse("2026-12-01T00:00:00Z");

describe.each(metadataKinds())("contracts (%s)", (kind) => {
  const md = freshMetadata(kind);
  let meta: MetaStore;
  let contracts: Contracts;

  beforeEach(async () => {
    meta = await md.open();
    await meta.fleet.replace({
      tenants: [
        { id: "owner", name: "Owner" },
        { id: "sc-a", name: "A" },
      ],
      sites: [{ id: "wf1", name: "WF", kind: "wind_farm" }],
      assets: [
        { id: "T01", name: "1", kind: "turbine", site: "wf1", tenant: "owner", points: [] },
        { id: "T02", name: "2", kind: "turbine", site: "wf1", tenant: "owner", points: [] },
      ],
    });
    contracts = new Contracts(meta);
  });

  it("keeps a contract's terms with it: stored, read by another replica, changed, removed", async () => {
    const terms = {
      fee: { per: "turbine_month" as const, rub: "45000.00" },
      creditPerBreachRub: "1500.00",
      creditCapPercent: "20",
      vatRatePercent: "20",
    };
    const c = await contracts.putContract({
      company: "sc-a",
      assets: ["T01"],
      fromMs: NOV,
      toMs: null,
      responseTimeMs: 3_600_000,
      terms,
    });
    expect(c.terms).toEqual(terms);
    const other = new Contracts(await md.open());
    expect((await other.getContract(c.id))?.terms).toEqual(terms);
    const cheaper = { ...terms, fee: { per: "turbine_day" as const, rub: "1500.00" } };
    expect((await other.updateContract(c.id, { terms: cheaper }))?.terms).toEqual(cheaper);
    // A change of something else keeps the terms.
    expect((await contracts.updateContract(c.id, { responseTimeMs: 7_200_000 }))?.terms).toEqual(cheaper);
    expect((await contracts.updateContract(c.id, { terms: null }))?.terms).toBeNull();
    expect((await other.listContracts("sc-a")).map((x) => x.terms)).toEqual([null]);
  });

  it("routes to the contract's company inside its period and to the owner outside it", async () => {
    await contracts.addCompany({
      id: "sc-b",
      name: "B",
      email: "ops@b.example",
      lang: "en",
      timezone: "UTC",
    });
    const c = await contracts.putContract({
      company: "sc-b",
      assets: ["T01"],
      fromMs: NOV + 10 * DAY,
      toMs: NOV + 20 * DAY,
      responseTimeMs: 3_600_000,
    });
    expect(c).toMatchObject({ id: "C-0001", company: "sc-b", assets: ["T01"], source: "api" });
    const t01 = (await meta.fleet.current()).assetById.get("T01")!;
    expect(responsibleCompany(t01, NOV + 10 * DAY - 1)).toBe("owner");
    expect(responsibleCompany(t01, NOV + 10 * DAY)).toBe("sc-b");
    expect(responsibleCompany(t01, NOV + 20 * DAY)).toBe("owner");
    expect(await contracts.coverage("sc-b", NOV, DEC)).toEqual(
      new Map([["T01", [[NOV + 10 * DAY, NOV + 20 * DAY]]]]),
    );
    expect(await contracts.coverage("owner", NOV, DEC)).toEqual(
      new Map([
        [
          "T01",
          [
            [NOV, NOV + 10 * DAY],
            [NOV + 20 * DAY, DEC],
          ],
        ],
        ["T02", [[NOV, DEC]]],
      ]),
    );
  });

  it("refuses overlaps, unknown companies and assets, and empty periods, changing nothing", async () => {
    await contracts.putContract({
      id: "K1",
      company: "sc-a",
      assets: ["T01"],
      fromMs: NOV,
      toMs: null,
      responseTimeMs: 1,
    });
    const attempts = [
      [{ company: "sc-a", assets: ["T01"], fromMs: DEC, toMs: null }, /T01.*K1/],
      [{ company: "nobody", assets: ["T02"], fromMs: NOV, toMs: null }, /unknown company/],
      [{ company: "sc-a", assets: ["T99"], fromMs: NOV, toMs: null }, /unknown asset "T99"/],
      [{ company: "sc-a", assets: ["T02"], fromMs: DEC, toMs: NOV }, /after from/],
    ] as const;
    for (const [input, message] of attempts) {
      await expect(
        contracts.putContract({ ...input, assets: [...input.assets], responseTimeMs: 1 }),
      ).rejects.toThrow(message);
    }
    await expect(
      contracts.addCompany({ id: "sc-a", name: "again", email: null, lang: "ru", timezone: "UTC" }),
    ).rejects.toThrow(ContractConflict);
    expect((await contracts.listContracts()).map((c) => c.id)).toEqual(["K1"]);
    // Ending K1 makes room for a successor.
    await contracts.updateContract("K1", { toMs: DEC });
    await contracts.putContract({
      company: "owner",
      assets: ["T01"],
      fromMs: DEC,
      toMs: null,
      responseTimeMs: 1,
    });
    expect(responsibleCompany((await meta.fleet.current()).assetById.get("T01")!, DEC + DAY)).toBe("owner");
    expect(responsibleCompany((await meta.fleet.current()).assetById.get("T01")!, DEC - DAY)).toBe("sc-a");
  });

  it("imports the config's contracts idempotently and keeps API ones", async () => {
    const fromConfig = {
      id: "cfg-1",
      company: "sc-a",
      assets: ["T02"],
      from: "2026-11-01",
      responseTimeMinutes: 1,
    };
    await contracts.importConfig([fromConfig]);
    await contracts.importConfig([{ ...fromConfig, responseTimeMinutes: 2 }]);
    await contracts.putContract({
      company: "sc-a",
      assets: ["T01"],
      fromMs: NOV,
      toMs: null,
      responseTimeMs: 1,
    });
    expect((await contracts.listContracts()).map((c) => [c.id, c.source, c.responseTimeMs])).toEqual([
      ["C-0002", "api", 1],
      ["cfg-1", "config", 120_000],
    ]);
    // Another replica on the same database sees the contract in its fleet cache.
    const other = await md.open();
    expect((await other.fleet.current()).assetById.get("T02")?.contracts.map((c) => c.company)).toEqual([
      "sc-a",
    ]);
  });
});
