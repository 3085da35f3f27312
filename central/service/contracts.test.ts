// Companies and contracts on a real SQLite file: who maintains an asset
// when, overlaps refused, coverage of a month per company.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MetaStore } from "../meta/meta.ts";
import { ContractConflict, Contracts, responsibleCompany } from "./contracts.ts";

const DAY = 86_400_000;
const NOV = Date.parse("2026-11-01T00:00:00Z");
const DEC = Date.parse("2026-12-01T00:00:00Z");

describe("contracts", () => {
  let dir: string;
  let meta: MetaStore;
  let contracts: Contracts;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vetra-contracts-"));
    meta = new MetaStore(join(dir, "metadata.sqlite"));
    meta.replaceFleet({
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
  afterEach(() => {
    meta.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("routes to the contract's company inside its period and to the owner outside it", () => {
    contracts.addCompany({ id: "sc-b", name: "B", email: "ops@b.example", lang: "en", timezone: "UTC" });
    const c = contracts.putContract({
      company: "sc-b",
      assets: ["T01"],
      fromMs: NOV + 10 * DAY,
      toMs: NOV + 20 * DAY,
      responseTimeMs: 3_600_000,
    });
    expect(c).toMatchObject({ id: "C-0001", company: "sc-b", assets: ["T01"], source: "api" });
    const t01 = meta.getAsset("T01")!;
    expect(responsibleCompany(t01, NOV + 10 * DAY - 1)).toBe("owner");
    expect(responsibleCompany(t01, NOV + 10 * DAY)).toBe("sc-b");
    expect(responsibleCompany(t01, NOV + 20 * DAY)).toBe("owner");
    expect(contracts.coverage("sc-b", NOV, DEC)).toEqual(
      new Map([["T01", [[NOV + 10 * DAY, NOV + 20 * DAY]]]]),
    );
    expect(contracts.coverage("owner", NOV, DEC)).toEqual(
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

  it("refuses overlaps, unknown companies and assets, and empty periods, changing nothing", () => {
    contracts.putContract({
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
      expect(() => contracts.putContract({ ...input, assets: [...input.assets], responseTimeMs: 1 })).toThrow(
        message,
      );
    }
    expect(() =>
      contracts.addCompany({ id: "sc-a", name: "again", email: null, lang: "ru", timezone: "UTC" }),
    ).toThrow(ContractConflict);
    expect(contracts.listContracts().map((c) => c.id)).toEqual(["K1"]);
    // Ending K1 makes room for a successor.
    contracts.updateContract("K1", { toMs: DEC });
    contracts.putContract({ company: "owner", assets: ["T01"], fromMs: DEC, toMs: null, responseTimeMs: 1 });
    expect(responsibleCompany(meta.getAsset("T01")!, DEC + DAY)).toBe("owner");
    expect(responsibleCompany(meta.getAsset("T01")!, DEC - DAY)).toBe("sc-a");
  });

  it("imports the config's contracts idempotently and keeps API ones", () => {
    const fromConfig = {
      id: "cfg-1",
      company: "sc-a",
      assets: ["T02"],
      from: "2026-11-01",
      responseTimeMinutes: 1,
    };
    contracts.importConfig([fromConfig]);
    contracts.importConfig([{ ...fromConfig, responseTimeMinutes: 2 }]);
    contracts.putContract({ company: "sc-a", assets: ["T01"], fromMs: NOV, toMs: null, responseTimeMs: 1 });
    expect(contracts.listContracts().map((c) => [c.id, c.source, c.responseTimeMs])).toEqual([
      ["C-0002", "api", 1],
      ["cfg-1", "config", 120_000],
    ]);
    // Another replica on the same file sees the contract in its fleet cache.
    const other = new MetaStore(join(dir, "metadata.sqlite"));
    try {
      expect(other.getAsset("T02")?.contracts.map((c) => c.company)).toEqual(["sc-a"]);
    } finally {
      other.close();
    }
  });
});
