import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BEARING_AND_GEARBOX_POINTS } from "../../test/helpers/central-fixture.ts";
import { freshMetadata, metadataKinds } from "../../test/helpers/metadata.ts";
import { demoGridSet } from "../grid/demo-set.ts";
import { META_FILE, type MetaStore, sha256Hex } from "./meta.ts";

describe.each(metadataKinds())("metadata store (%s)", (kind) => {
  const md = freshMetadata(kind);

  it("creates tokens that authenticate, keeps only their hash, and revokes them", async () => {
    let meta: MetaStore = await md.open();
    const token = await meta.tokens.create({ role: "service_company", tenant: "sc-north", label: "ops" });
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    const principal = await meta.tokens.authenticate(token);
    expect(principal).toMatchObject({
      role: "service_company",
      tenant: "sc-north",
      site: null,
      label: "ops",
    });
    const other = await meta.tokens.create({ role: "ministry", label: "m" });
    expect(await meta.tokens.authenticate(`${token}x`)).toBeNull();
    expect(await meta.tokens.authenticate("")).toBeNull();
    await meta.close();
    if (kind === "sqlite") {
      const file = readFileSync(join(md.dataDir, META_FILE));
      expect(file.includes(Buffer.from(token))).toBe(false);
      expect(file.includes(Buffer.from(sha256Hex(token)))).toBe(true);
    }
    meta = await md.open();
    expect(await meta.tokens.revoke(token)).toBe(true);
    expect(await meta.tokens.revoke(token)).toBe(false);
    expect(await meta.tokens.authenticate(token)).toBeNull();
    const ministry = await meta.tokens.authenticate(other);
    expect(ministry?.role).toBe("ministry");
    expect(await meta.tokens.revoke(ministry!.tokenId)).toBe(true);
    expect(await meta.tokens.authenticate(other)).toBeNull();
  });

  it("refuses tokens missing their tenant or site", async () => {
    const meta = await md.open();
    await expect(meta.tokens.create({ role: "agent", label: "x" })).rejects.toThrow(/site/);
    await expect(meta.tokens.create({ role: "service_company", label: "x" })).rejects.toThrow(/tenant/);
  });

  it("accepts pre-provisioned token hashes", async () => {
    const meta = await md.open();
    // sha256("hello") is a published test vector.
    expect(sha256Hex("hello")).toBe("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    await meta.tokens.importConfig([
      { sha256: sha256Hex("agent-secret"), role: "agent", site: "wf1", label: "edge wf1" },
    ]);
    await meta.tokens.importConfig([
      { sha256: sha256Hex("agent-secret"), role: "agent", site: "wf1", label: "edge wf1" },
    ]);
    expect(await meta.tokens.authenticate("agent-secret")).toMatchObject({
      role: "agent",
      site: "wf1",
      tenant: null,
    });
    expect(await meta.tokens.hasActive("agent")).toBe(true);
    expect(await meta.tokens.hasActive("admin")).toBe(false);
  });

  /** One wind farm with one turbine, `name`, measuring its main bearing and gearbox. */
  const oneTurbineFleet = (name: string) => ({
    tenants: [{ id: "t1", name: "T" }],
    sites: [{ id: "wf1", name: "WF", kind: "wind_farm" as const, lat: 42.5 }],
    assets: [
      {
        id: "T01",
        name,
        kind: "turbine" as const,
        site: "wf1",
        tenant: "t1",
        points: BEARING_AND_GEARBOX_POINTS,
      },
    ],
  });

  it("replaces the fleet from config and keeps point order", async () => {
    const meta = await md.open();
    await meta.fleet.replace(oneTurbineFleet("One"));
    await meta.fleet.replace(oneTurbineFleet("One renamed"));
    const fleet = await meta.fleet.current();
    expect(fleet.assets).toEqual([
      {
        id: "T01",
        name: "One renamed",
        kind: "turbine",
        site: "wf1",
        tenant: "t1",
        points: BEARING_AND_GEARBOX_POINTS,
        contracts: [],
      },
    ]);
    expect(fleet.sites).toEqual([
      { id: "wf1", name: "WF", kind: "wind_farm", tenant: null, lat: 42.5, lon: null, timezone: null },
    ]);
    expect(fleet.assetById.get("T99") ?? null).toBeNull();
  });

  it("sees a fleet replaced by another replica sharing the database (cached copy refreshed)", async () => {
    const meta = await md.open();
    await meta.fleet.replace(oneTurbineFleet("before"));
    const other = await md.open();
    expect((await other.fleet.current()).assetById.get("T01")?.name).toBe("before");
    expect((await meta.fleet.current()).assetById.get("T01")?.name).toBe("before"); // now cached in both
    await other.fleet.replace({
      ...oneTurbineFleet("after"),
      sites: [...oneTurbineFleet("after").sites, { id: "wf2", name: "WF2", kind: "wind_farm" }],
    });
    // SQLite: read at once; PostgreSQL: once the change is announced (a notification, or the next read of the counter).
    await expect
      .poll(async () => (await meta.fleet.current()).assetById.get("T01")?.name, {
        timeout: 2000,
        interval: 20,
      })
      .toBe("after");
    expect((await meta.fleet.current()).siteById.get("wf2")?.name).toBe("WF2");
    // Batch ids written through the same database do not count as fleet changes, and change nothing.
    const before = await other.fleet.current();
    await meta.batches.remember({ site: "wf1", batchId: "batch-0001", agent: "agent", points: 1 });
    expect(await other.fleet.current()).toBe(before);
  });

  it("remembers batch ids per site, whichever replica saw the first copy", async () => {
    const meta = await md.open();
    const other = await md.open();
    const batch = { site: "wf1", batchId: "b-00000001", agent: "a1", points: 3 };
    expect(await meta.batches.remember(batch)).toBe(true);
    expect(await meta.batches.remember(batch)).toBe(false);
    expect(await other.batches.remember(batch)).toBe(false);
    expect(await other.batches.remember({ ...batch, site: "wf2" })).toBe(true);
  });

  it("keeps the newest snapshots per point, replaces one sent again, and reads back big ones whole", async () => {
    const meta = await md.open();
    const other = await md.open();
    const snap = (ts: number, size = 10) => ({
      asset: "T01",
      point: "main_bearing",
      ts,
      reason: "periodic",
      json: JSON.stringify({ ts, bins: "x".repeat(size) }),
    });
    // Two replicas storing the same point's snapshots at once keep exactly `keep` of them.
    await Promise.all([
      meta.snapshots.put(
        [1, 2, 3, 4].map((t) => snap(t)),
        3,
      ),
      other.snapshots.put(
        [5, 6].map((t) => snap(t)),
        3,
      ),
    ]);
    const kept = await other.snapshots.latest("T01", "main_bearing", 10);
    expect(kept.map((s) => s.ts).sort((a, b) => a - b)).toEqual([4, 5, 6]);
    await meta.snapshots.put([{ ...snap(6, 200_000), reason: "diagnosis" }], 3);
    const [newest] = await other.snapshots.latest("T01");
    expect(newest).toMatchObject({ ts: 6, reason: "diagnosis" });
    expect(newest!.json).toBe(snap(6, 200_000).json);
  });

  it("appends to the audit log from every replica and lists the newest first", async () => {
    const meta = await md.open();
    const other = await md.open();
    const entry = {
      tokenId: null,
      actor: "admin 'ops' ?",
      role: "admin" as const,
      action: "POST",
      target: "/api/v1/tokens",
    };
    await meta.audit.append({ ...entry, status: 201 }, 1000);
    await other.audit.append({ ...entry, status: 403, detail: "forbidden" }, 2000);
    const list = await meta.audit.list(10);
    expect(list.map((e) => [e.status, e.actor, e.detail])).toEqual([
      [403, "admin 'ops' ?", "forbidden"],
      [201, "admin 'ops' ?", ""],
    ]);
  });

  it("reads an audit entry back whole, the token it was made with included", async () => {
    const meta = await md.open();
    const entry = {
      tokenId: 7,
      actor: "ops",
      role: "service_company" as const,
      action: "POST /api/v1/alarms/:id/ack",
      target: "/api/v1/alarms/a1/ack",
      status: 200,
      detail: "",
    };
    await meta.audit.append(entry, 5000);
    const [read] = await meta.audit.list(1);
    expect({ ...read, id: undefined }).toEqual({ ...entry, id: undefined, at: 5000 });
    expect(Number(read!.id)).toBeGreaterThan(0);
  });

  it("stores the grid data set whole; a replacement has a new version another replica sees", async () => {
    const meta = await md.open();
    const other = await md.open();
    expect(await meta.grid.load()).toBeNull();
    const set = demoGridSet(Date.parse("2026-12-01T00:00:00Z"));
    await meta.grid.save(set);
    const first = await other.grid.version();
    expect(first).not.toBeNull();
    const loaded = await other.grid.load();
    expect(loaded?.set.points.length).toBe(set.points.length);
    expect(loaded?.set.lines.length).toBe(set.lines.length);
    let told = 0;
    const stop = other.grid.onChange(() => told++);
    await meta.grid.save({ ...set, source: "api" });
    expect(await other.grid.version()).not.toBe(first);
    expect((await other.grid.load())?.set.source).toBe("api");
    if (kind === "postgres") await expect.poll(() => told, { timeout: 2000 }).toBeGreaterThan(0);
    stop();
  });
});
