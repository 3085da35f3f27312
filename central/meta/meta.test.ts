import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MetaStore, sha256Hex } from "./meta.ts";

describe("metadata store", () => {
  let dir: string;
  let meta: MetaStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "vetra-meta-"));
    meta = new MetaStore(join(dir, "metadata.sqlite"));
  });
  afterEach(() => {
    meta.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates tokens that authenticate, keeps only their hash, and revokes them", () => {
    const token = meta.createToken({ role: "service_company", tenant: "sc-north", label: "ops" });
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    const principal = meta.authenticate(token);
    expect(principal).toMatchObject({
      role: "service_company",
      tenant: "sc-north",
      site: null,
      label: "ops",
    });
    const other = meta.createToken({ role: "ministry", label: "m" });
    expect(meta.authenticate(`${token}x`)).toBeNull();
    expect(meta.authenticate("")).toBeNull();
    meta.close();
    const file = readFileSync(join(dir, "metadata.sqlite"));
    expect(file.includes(Buffer.from(token))).toBe(false);
    expect(file.includes(Buffer.from(sha256Hex(token)))).toBe(true);
    meta = new MetaStore(join(dir, "metadata.sqlite"));
    expect(meta.revokeToken(token)).toBe(true);
    expect(meta.revokeToken(token)).toBe(false);
    expect(meta.authenticate(token)).toBeNull();
    const ministry = meta.authenticate(other);
    expect(ministry?.role).toBe("ministry");
    expect(meta.revokeToken(ministry!.tokenId)).toBe(true);
    expect(meta.authenticate(other)).toBeNull();
  });

  it("refuses tokens missing their tenant or site", () => {
    expect(() => meta.createToken({ role: "agent", label: "x" })).toThrow(/site/);
    expect(() => meta.createToken({ role: "service_company", label: "x" })).toThrow(/tenant/);
  });

  it("accepts pre-provisioned token hashes", () => {
    // sha256("hello") is a published test vector.
    expect(sha256Hex("hello")).toBe("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    meta.importTokens([{ sha256: sha256Hex("agent-secret"), role: "agent", site: "wf1", label: "edge wf1" }]);
    meta.importTokens([{ sha256: sha256Hex("agent-secret"), role: "agent", site: "wf1", label: "edge wf1" }]);
    expect(meta.authenticate("agent-secret")).toMatchObject({ role: "agent", site: "wf1", tenant: null });
    expect(meta.hasActiveToken("agent")).toBe(true);
    expect(meta.hasActiveToken("admin")).toBe(false);
  });

  it("replaces the fleet from config and keeps point order", () => {
    meta.replaceFleet({
      tenants: [{ id: "t1", name: "T" }],
      sites: [{ id: "wf1", name: "WF", kind: "wind_farm", lat: 42.5 }],
      assets: [
        {
          id: "T01",
          name: "One",
          kind: "turbine",
          site: "wf1",
          tenant: "t1",
          points: [
            { id: "main_bearing", component: "main_bearing" },
            { id: "gearbox_hss", component: "gearbox" },
          ],
        },
      ],
    });
    meta.replaceFleet({
      tenants: [{ id: "t1", name: "T" }],
      sites: [{ id: "wf1", name: "WF", kind: "wind_farm", lat: 42.5 }],
      assets: [
        {
          id: "T01",
          name: "One renamed",
          kind: "turbine",
          site: "wf1",
          tenant: "t1",
          points: [
            { id: "main_bearing", component: "main_bearing" },
            { id: "gearbox_hss", component: "gearbox" },
          ],
        },
      ],
    });
    expect(meta.listAssets()).toEqual([
      {
        id: "T01",
        name: "One renamed",
        kind: "turbine",
        site: "wf1",
        tenant: "t1",
        points: [
          { id: "main_bearing", component: "main_bearing" },
          { id: "gearbox_hss", component: "gearbox" },
        ],
        contracts: [],
      },
    ]);
    expect(meta.listSites()).toEqual([
      { id: "wf1", name: "WF", kind: "wind_farm", tenant: null, lat: 42.5, lon: null, timezone: null },
    ]);
    expect(meta.getAsset("T99")).toBeNull();
  });

  it("sees a fleet replaced by another replica sharing the file (cached copy refreshed)", () => {
    const fleet = (name: string) => ({
      tenants: [{ id: "t1", name: "T" }],
      sites: [{ id: "wf1", name: "WF", kind: "wind_farm" as const }],
      assets: [
        {
          id: "T01",
          name,
          kind: "turbine" as const,
          site: "wf1",
          tenant: "t1",
          points: [{ id: "main_bearing", component: "main_bearing" as const }],
        },
      ],
    });
    meta.replaceFleet(fleet("before"));
    const other = new MetaStore(join(dir, "metadata.sqlite"));
    try {
      expect(other.getAsset("T01")?.name).toBe("before");
      expect(meta.getAsset("T01")?.name).toBe("before"); // now cached in both
      other.replaceFleet({
        ...fleet("after"),
        sites: [...fleet("after").sites, { id: "wf2", name: "WF2", kind: "wind_farm" }],
      });
      expect(meta.getAsset("T01")?.name).toBe("after");
      expect(meta.getSite("wf2")?.name).toBe("WF2");
      expect(meta.fleetIndex().siteById.has("wf2")).toBe(true);
      // Batch ids written through the same file do not count as fleet changes, and change nothing.
      meta.rememberBatch({ site: "wf1", batchId: "batch-0001", agent: "agent", points: 1 });
      expect(other.getAsset("T01")?.name).toBe("after");
    } finally {
      other.close();
    }
  });

  it("remembers batch ids per site", () => {
    const batch = { site: "wf1", batchId: "b-00000001", agent: "a1", points: 3 };
    expect(meta.rememberBatch(batch)).toBe(true);
    expect(meta.rememberBatch(batch)).toBe(false);
    expect(meta.rememberBatch({ ...batch, site: "wf2" })).toBe(true);
  });
});
