// Role × route × tenant matrix over every route the app registers (routes
// other plugins add are covered automatically and fail here until they are
// classified below), over the plain path and every spelling an attacker
// tries (encoded and odd paths, HEAD/OPTIONS, method-override headers); the
// start-up check of declared audiences; token lifecycle, failed-auth
// limiting, security headers and the audit log.
import type { RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { metadataKinds, suiteMetadata } from "../../test/helpers/metadata.ts";
import { isRouterNotFound, PATH_VARIANTS, type RequestShape } from "../../test/helpers/path-variants.ts";
import { Roles } from "../config.ts";
import { accessProblem } from "./auth.ts";

type Who = "admin" | "ministry" | "north" | "south" | "energy" | "agentWf1" | "agentWf2";
const PEOPLE: Who[] = ["admin", "ministry", "north", "south"];
const ALL: Who[] = [...PEOPLE, "energy", "agentWf1", "agentWf2"];

/**
 * The known truth: who may use which route. `public` needs no token;
 * `page` is not under /api/. First match wins; a route matching none fails the test.
 */
const ACCESS: { methods: string[] | "*"; prefix: string; who: Who[] | "public" | "page" }[] = [
  { methods: ["POST"], prefix: "/api/v1/ingest/spectrum", who: ["admin", "agentWf1", "agentWf2"] },
  { methods: ["POST"], prefix: "/api/v1/ingest", who: ["admin", "agentWf1", "agentWf2"] },
  { methods: ["GET"], prefix: "/api/v1/ingest/catalog", who: ["admin", "agentWf1", "agentWf2"] },
  { methods: "*", prefix: "/api/v1/tokens", who: ["admin"] },
  { methods: "*", prefix: "/api/v1/audit", who: ["admin"] },
  { methods: "*", prefix: "/api/v1/savings/", who: ["admin", "ministry"] },
  // Control: the energy manager commands its tenant's facilities, the ministry reads, agents sync.
  { methods: ["POST"], prefix: "/api/v1/control/agent/sync", who: ["agentWf1", "agentWf2"] },
  { methods: ["GET"], prefix: "/api/v1/control/", who: ["admin", "ministry", "energy"] },
  { methods: ["POST", "PUT", "DELETE"], prefix: "/api/v1/control/", who: ["admin", "energy"] },
  { methods: ["PUT", "DELETE", "PATCH"], prefix: "/api/v1/grid/", who: ["admin"] },
  { methods: ["GET", "POST"], prefix: "/api/v1/grid/", who: "public" },
  // Acknowledge, assign, comment, create a work order.
  { methods: ["POST"], prefix: "/api/v1/alarms/:id/", who: ["admin", "north", "south"] },
  // Alarm-system health is per operating company; the list, one alarm and the live feed also to the energy
  // manager (its tenant's facilities only).
  { methods: ["GET"], prefix: "/api/v1/alarms/health", who: PEOPLE },
  { methods: ["GET"], prefix: "/api/v1/alarms", who: [...PEOPLE, "energy"] },
  { methods: ["GET"], prefix: "/api/v1/fleet", who: PEOPLE },
  { methods: ["POST", "PATCH"], prefix: "/api/v1/companies", who: ["admin"] },
  { methods: ["PUT"], prefix: "/api/v1/companies/:id/", who: ["admin", "north", "south"] },
  { methods: ["GET"], prefix: "/api/v1/companies", who: PEOPLE },
  { methods: ["POST", "PATCH", "PUT", "DELETE"], prefix: "/api/v1/contracts", who: ["admin"] },
  { methods: ["GET"], prefix: "/api/v1/contracts", who: PEOPLE },
  {
    methods: ["POST", "PATCH", "PUT", "DELETE"],
    prefix: "/api/v1/work-orders",
    who: ["admin", "north", "south"],
  },
  { methods: ["GET"], prefix: "/api/v1/work-orders", who: PEOPLE },
  { methods: ["POST"], prefix: "/api/v1/notifications/", who: ["admin", "north", "south"] },
  { methods: ["GET"], prefix: "/api/v1/notifications", who: PEOPLE },
  { methods: ["GET"], prefix: "/api/v1/reports/service", who: PEOPLE },
  { methods: ["POST"], prefix: "/api/v1/documents/issue", who: ["admin"] },
  { methods: ["POST"], prefix: "/api/v1/documents", who: ["admin", "north", "south"] },
  { methods: ["GET"], prefix: "/api/v1/documents/register/", who: ["admin"] },
  { methods: ["GET"], prefix: "/api/v1/statements", who: ["admin", "north", "south"] },
  { methods: ["GET"], prefix: "/api/v1/documents", who: PEOPLE },
  { methods: ["GET"], prefix: "/api/v1/assets/:id/spectrum", who: PEOPLE },
  { methods: ["GET"], prefix: "/api/v1/assets", who: PEOPLE },
  { methods: ["GET"], prefix: "/api/v1/series", who: PEOPLE },
  { methods: ["GET"], prefix: "/api/v1/map/", who: PEOPLE },
  { methods: ["GET"], prefix: "/healthz", who: "page" },
  { methods: ["GET"], prefix: "/readyz", who: "page" },
  { methods: ["GET"], prefix: "/docs", who: "page" },
  { methods: ["GET"], prefix: "/map", who: "page" },
  { methods: ["GET"], prefix: "/reports", who: "page" },
  { methods: ["GET"], prefix: "/vendor/", who: "page" },
  { methods: ["GET"], prefix: "/static/", who: "page" },
  { methods: ["GET"], prefix: "/ui/", who: "page" },
];
const isExactPage = (url: string) => url === "/";

/** Fixture fleet: sc-north owns T01 (wf1) and T03 (wf2); sc-south owns T02 (wf1). */
const OWN: Partial<Record<Who, string>> = {
  north: "T01",
  south: "T02",
  admin: "T01",
  ministry: "T01",
  energy: "H01",
};
/** The energy manager of `region` owns the facility H01; a turbine is no facility of it. */
const FOREIGN: Partial<Record<Who, string>> = { north: "T02", south: "T01", energy: "T01" };
/** The company whose id stands in for `:id` on company routes, by the asset under test. */
const COMPANY_OF: Record<string, string> = { T01: "sc-north", T02: "sc-south", T03: "sc-north" };
/** Bodies that pass validation, so the answer is about access, not the schema. */
const VALID_BODY: Record<string, object> = {
  "POST /api/v1/alarms/:id/assign": { assignee: "Technician" },
  "POST /api/v1/alarms/:id/comment": { comment: "note" },
  "PUT /api/v1/companies/:id/notification-rules": { rules: [] },
  "PATCH /api/v1/work-orders/:id": { findings: "checked" },
  "PUT /api/v1/control/schedules/:asset": { timeZone: "Europe/Moscow", points: [], exceptions: [] },
  "PUT /api/v1/control/limits/:asset": { limitKw: 100, intervalMinutes: 15, sheds: [] },
  "POST /api/v1/documents/:id/reject": { reason: "wrong figures" },
};

/** `POST /api/v1/tokens` as the admin. */
const createToken = (f: CentralFixture, payload: object) =>
  f.app.inject({ method: "POST", url: "/api/v1/tokens", headers: f.auth(f.tokens.admin), payload });

const batchFor = (site: string, asset: string) => ({
  batchId: `matrix-${site}-${asset}-${Math.random().toString(36).slice(2, 10)}`,
  agent: `edge-${site}`,
  site,
  sentAt: Date.now(),
  points: [{ measurement: "scada", tags: { site, asset }, fields: { power_kw: 1 }, ts: Date.now() - 1000 }],
});

describe("tenant isolation matrix over every registered route and every spelling of it", () => {
  let f: CentralFixture;
  const routes: RouteOptions[] = [];
  beforeAll(async () => {
    f = await makeCentralFixture({ routes });
  });
  afterAll(async () => f.close());

  const endpoints = (): { method: string; url: string }[] => {
    const out: { method: string; url: string }[] = [];
    for (const r of routes) {
      const methods = Array.isArray(r.method) ? r.method : [r.method];
      for (const m of methods) if (m !== "HEAD" && m !== "OPTIONS") out.push({ method: m, url: r.url });
    }
    return out;
  };
  const classify = (method: string, url: string) =>
    isExactPage(url)
      ? "page"
      : ACCESS.find((a) => url.startsWith(a.prefix) && (a.methods === "*" || a.methods.includes(method)))
          ?.who;

  it("sees the app's routes, and every one is classified", async () => {
    const all = endpoints();
    expect(all.length).toBeGreaterThan(8);
    expect(all.map((e) => `${e.method} ${e.url}`)).toContain("POST /api/v1/ingest");
    const unknown = all.filter((e) => classify(e.method, e.url) === undefined);
    expect(unknown.map((e) => `${e.method} ${e.url}`)).toEqual([]);
  });

  it("every route declares its audience, and the declaration is what the table says", async () => {
    // Who holds each role in the fixture (data-driven from Roles: a new role must be added here).
    const holders: Record<string, Who[]> = {
      admin: ["admin"],
      ministry: ["ministry"],
      service_company: ["north", "south"],
      energy_manager: ["energy"],
      agent: ["agentWf1", "agentWf2"],
    };
    expect(Object.keys(holders).sort()).toEqual([...Roles].sort());
    for (const r of routes) {
      const methods = Array.isArray(r.method) ? r.method : [r.method];
      const access = r.config?.access;
      expect(accessProblem(access), `${methods.join(",")} ${r.url}`).toBeNull();
      for (const m of methods.filter((m) => m !== "HEAD")) {
        const expected = classify(m, r.url);
        if (expected === "page" || expected === "public") {
          expect(access?.public, `${m} ${r.url} is public`).toBe(true);
          continue;
        }
        const declared = (access?.roles ?? []).flatMap((role) => holders[role] ?? []);
        expect(new Set(declared), `${m} ${r.url}`).toEqual(new Set(expected));
      }
    }
  });

  /** The plain request of an endpoint for a caller, with an asset of the matrix in it. */
  const plain = (who: Who | null, method: string, url: string, asset: string) => {
    const site = asset === "T03" ? "wf2" : "wf1";
    const idOf = url.startsWith("/api/v1/alarms")
      ? `${asset}:main_bearing:overall_vibration`
      : url.startsWith("/api/v1/companies/")
        ? (COMPANY_OF[asset] ?? asset)
        : asset;
    let path = url
      .replace(":id", idOf)
      .replace(":photoId", "1")
      .replace(":asset", asset)
      .replace(/:[a-zA-Z]+/g, "x")
      .replace(/\*$/, "");
    if (url === "/api/v1/series") path += `?asset=${asset}&measurement=scada&field=power_kw`;
    if (url.startsWith("/api/v1/savings/")) path += `?facility=${asset}`;
    if (
      ["/api/v1/control/points", "/api/v1/control/commands", "/api/v1/control/events"].includes(url) &&
      method === "GET"
    )
      path += `?asset=${asset}`;
    const payload =
      url === "/api/v1/ingest"
        ? batchFor(who === "agentWf2" ? "wf2" : site, who === "agentWf2" ? "T03" : asset)
        : method === "GET" || method === "DELETE"
          ? undefined
          : (VALID_BODY[`${method} ${url}`] ?? {});
    const shape: RequestShape = { method, url: path, headers: who ? f.auth(f.tokens[who]) : {} };
    return { shape, payload };
  };
  const send = ({ shape, payload }: ReturnType<typeof plain>) =>
    f.app.inject({
      method: shape.method as "GET",
      url: shape.url,
      headers: shape.headers ?? {},
      ...(payload === undefined || shape.method === "GET" || shape.method === "HEAD" ? {} : { payload }),
    });

  /** The plain request and each variant of it that applies (`plain` first). */
  const spellings = (who: Who | null, method: string, url: string, asset: string) => {
    const base = plain(who, method, url, asset);
    return [
      { name: "plain", reachesRoute: true, req: base },
      ...PATH_VARIANTS.flatMap((v) => {
        const shape = v.apply(base.shape);
        return shape ? [{ name: v.name, reachesRoute: v.reachesRoute, req: { ...base, shape } }] : [];
      }),
    ];
  };

  it("refuses a missing token (401) on every non-public /api/ route, however the path is spelled", async () => {
    let reached = 0;
    for (const { method, url } of endpoints()) {
      const who = classify(method, url);
      if (who === "page" || who === "public" || who === undefined) continue;
      for (const s of spellings(null, method, url, "T01")) {
        const res = await send(s.req);
        const label = `${s.name}: ${s.req.shape.method} ${s.req.shape.url}`;
        if (!s.reachesRoute && isRouterNotFound(res.statusCode, res.body)) continue;
        expect(res.statusCode, label).toBe(401);
        reached++;
      }
    }
    expect(reached).toBeGreaterThan(100);
  });

  it("refuses (403) every role the table does not list and lets the listed ones through, however the path is spelled", async () => {
    let reached = 0;
    for (const { method, url } of endpoints()) {
      const allowed = classify(method, url);
      if (allowed === "page" || allowed === "public" || allowed === undefined) continue;
      for (const who of ALL) {
        // The live feed never ends for an allowed role: its access is tested over real HTTP (alarms.test.ts).
        if (url.endsWith("/stream") && allowed.includes(who)) continue;
        for (const s of spellings(who, method, url, OWN[who] ?? "T01")) {
          const res = await send(s.req);
          const label = `${who} ${s.name}: ${s.req.shape.method} ${s.req.shape.url}: ${res.body.slice(0, 200)}`;
          if (!s.reachesRoute && isRouterNotFound(res.statusCode, res.body)) continue;
          // The one spelling that misses its route and lands on a sibling the caller may use:
          // `/alarms/health;jsessionid=1` is `/alarms/:id` with that id, whose 404 reveals nothing.
          const sibling = classify(method, "/api/v1/alarms/A-1");
          const landsOnOpenAlarm =
            url.startsWith("/api/v1/alarms/health") && Array.isArray(sibling) && sibling.includes(who);
          if (!s.reachesRoute && landsOnOpenAlarm && res.statusCode === 404) continue;
          if (allowed.includes(who)) expect([401, 403, 429], label).not.toContain(res.statusCode);
          else expect(res.statusCode, label).toBe(403);
          reached++;
        }
      }
    }
    expect(reached).toBeGreaterThan(500);
  });

  it("answers 403/404 when a service company asks for another tenant's asset on every asset route, however the path is spelled", async () => {
    let checked = 0;
    for (const { method, url } of endpoints()) {
      const allowed = classify(method, url);
      if (!Array.isArray(allowed)) continue;
      const carriesAsset =
        url.includes(":id") ||
        url.includes(":asset") ||
        url === "/api/v1/series" ||
        url.startsWith("/api/v1/savings/") ||
        (url.startsWith("/api/v1/control/") && method === "GET");
      for (const who of ["north", "south", "energy"] as const) {
        if (!allowed.includes(who) || url.endsWith("/stream")) continue;
        const foreign = FOREIGN[who]!;
        for (const s of spellings(who, method, url, foreign)) {
          const res = await send(s.req);
          const label = `${who} ${s.name}: ${s.req.shape.method} ${s.req.shape.url} with ${foreign}`;
          if (!s.reachesRoute && isRouterNotFound(res.statusCode, res.body)) continue;
          if (carriesAsset) {
            // A variant that changes a parameter's value (`1;jsessionid=1`) may fail validation first.
            expect(s.name === "plain" ? [403, 404] : [400, 403, 404], label).toContain(res.statusCode);
            expect(res.body).not.toContain('"tenant":"sc-');
            checked++;
          } else if (res.statusCode === 200 && s.req.shape.method === "GET") {
            // Lists: nothing of the other tenant in them.
            expect(res.body, label).not.toContain(`"${foreign}"`);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it("writes every change that reaches a route to the audit log, however the path is spelled", async () => {
    let audited = 0;
    for (const { method, url } of endpoints()) {
      const allowed = classify(method, url);
      // Ingest and the agents' control polls come every few seconds from every agent: not audit entries.
      const agentTraffic = url.startsWith("/api/v1/ingest") || url === "/api/v1/control/agent/sync";
      if (!Array.isArray(allowed) || method === "GET" || agentTraffic) continue;
      // One caller the route lets in and one it refuses: both are in the log.
      for (const who of [allowed[0]!, ALL.find((w) => !allowed.includes(w))!]) {
        for (const s of spellings(who, method, url, OWN[who] ?? "T01")) {
          const before = (await f.meta.audit.list(1))[0]?.id ?? 0;
          const res = await send(s.req);
          if (!s.reachesRoute && isRouterNotFound(res.statusCode, res.body)) continue;
          const entry = (await f.meta.audit.list(1))[0];
          const label = `${who} ${s.name}: ${s.req.shape.method} ${s.req.shape.url} → ${res.statusCode}`;
          expect(entry?.id, label).toBeGreaterThan(before);
          expect(entry, label).toMatchObject({ action: `${method} ${url}`, status: res.statusCode });
          // The URL as the server received it (the injector resolves dot segments as a client would).
          const resolved = new URL(s.req.shape.url, "http://central.test");
          expect([s.req.shape.url, `${resolved.pathname}${resolved.search}`], label).toContain(entry!.target);
          audited++;
        }
      }
    }
    expect(audited).toBeGreaterThan(50);
  });

  it("an agent writes only its own site's assets", async () => {
    const own = await f.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: f.auth(f.tokens.agentWf2),
      payload: batchFor("wf2", "T03"),
    });
    expect(own.statusCode).toBe(200);
    // Another site in the batch header: 403.
    const otherSite = await f.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: f.auth(f.tokens.agentWf2),
      payload: batchFor("wf1", "T01"),
    });
    expect(otherSite.statusCode).toBe(403);
    // Its own site in the header but another site's asset in a point: refused, nothing stored.
    const smuggled = batchFor("wf2", "T03");
    smuggled.points.push({
      measurement: "scada",
      tags: { site: "wf2", asset: "T01" },
      fields: { power_kw: 7 },
      ts: Date.now(),
    });
    const res = await f.app.inject({
      method: "POST",
      url: "/api/v1/ingest",
      headers: f.auth(f.tokens.agentWf2),
      payload: smuggled,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe("UNKNOWN_ASSET");
  });
});

describe.each(metadataKinds())("token lifecycle, failed-auth limit, headers, audit (%s metadata)", (kind) => {
  const metadata = suiteMetadata(kind);
  let f: CentralFixture;
  beforeAll(async () => {
    f = await makeCentralFixture({ metadata: await metadata() });
  });
  afterAll(async () => f.close());

  it("creates a token shown once, lists it without the secret, revokes it", async () => {
    const created = await createToken(f, {
      role: "service_company",
      tenant: "sc-south",
      label: "south night shift",
    });
    expect(created.statusCode).toBe(201);
    const { token, info } = created.json() as { token: string; info: { id: number; tenant: string } };
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(info.tenant).toBe("sc-south");

    const seesSouth = await f.app.inject({ url: "/api/v1/assets", headers: f.auth(token) });
    expect(seesSouth.json().assets.map((a: { id: string }) => a.id)).toEqual(["T02"]);

    const list = await f.app.inject({ url: "/api/v1/tokens", headers: f.auth(f.tokens.admin) });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(token);
    expect(list.body).not.toMatch(/[0-9a-f]{64}/); // nor its hash
    expect(list.json().tokens.find((t: { id: number }) => t.id === info.id).revokedAt).toBeNull();

    const revoke = await f.app.inject({
      method: "DELETE",
      url: `/api/v1/tokens/${info.id}`,
      headers: f.auth(f.tokens.admin),
    });
    expect(revoke.statusCode).toBe(200);
    const after = await f.app.inject({ url: "/api/v1/assets", headers: f.auth(token) });
    expect(after.statusCode).toBe(401);
    const again = await f.app.inject({
      method: "DELETE",
      url: `/api/v1/tokens/${info.id}`,
      headers: f.auth(f.tokens.admin),
    });
    expect(again.statusCode).toBe(404);
  });

  it("refuses a service_company token without a tenant and an agent token for an unknown site", async () => {
    for (const payload of [
      { role: "service_company", label: "x" },
      { role: "agent", site: "nowhere", label: "x" },
    ]) {
      const res = await createToken(f, payload);
      expect(res.statusCode).toBe(400);
    }
  });

  it("sends security headers", async () => {
    const res = await f.app.inject({ url: "/healthz" });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(String(res.headers["content-security-policy"])).toContain("frame-ancestors 'none'");
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
  });

  it("writes who exported, changed or acknowledged what into the audit log", async () => {
    await f.app.inject({
      method: "POST",
      url: "/api/v1/alarms/T01:main_bearing:overall_vibration/ack",
      headers: f.auth(f.tokens.north),
    });
    const res = await f.app.inject({ url: "/api/v1/audit", headers: f.auth(f.tokens.admin) });
    const entries = res.json().entries as { actor: string; action: string; status: number; target: string }[];
    const ack = entries.find((e) => e.action === "POST /api/v1/alarms/:id/ack");
    expect(ack).toMatchObject({ actor: "north ops", status: 404 });
    expect(entries.some((e) => e.action === "POST /api/v1/tokens" && e.actor === "admin")).toBe(true);
    expect(entries.some((e) => e.action === "DELETE /api/v1/tokens/:id")).toBe(true);
    // Reads are not audited.
    expect(entries.some((e) => e.action.startsWith("GET /api/v1/assets"))).toBe(false);
  });

  it("has an audited call on record by the time its answer arrives", async () => {
    // The entry is written before the answer is sent: read at once, each call is there (no waiting).
    for (let i = 0; i < 50; i++) {
      const before = (await f.meta.audit.list(1))[0]?.id ?? 0;
      const res = await createToken(f, { role: "agent", site: "nowhere", label: `probe ${i}` });
      const entry = (await f.meta.audit.list(1))[0];
      expect(entry?.id, `call ${i}`).toBeGreaterThan(before);
      expect(entry, `call ${i}`).toMatchObject({
        action: "POST /api/v1/tokens",
        actor: "admin",
        status: res.statusCode,
      });
    }
  });

  it("throttles wrong tokens per address (429 with Retry-After) but never a valid token nor a missing one", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      const res = await f.app.inject({ url: "/api/v1/assets", headers: f.auth(`guess-${i}`) });
      statuses.push(res.statusCode);
    }
    // The revoked token above was one wrong token already: at most 20 in the window, then 429 only.
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThanOrEqual(18);
    expect(first429).toBeLessThanOrEqual(20);
    expect(statuses.slice(0, first429).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(first429).every((s) => s === 429)).toBe(true);
    const refused = await f.app.inject({ url: "/api/v1/alarms", headers: f.auth("guess-again") });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(refused.json().error.code).toBe("RATE_LIMITED");
    // Same address, valid tokens: served. No token at all: 401, not 429.
    for (const token of [f.tokens.admin, f.tokens.north, f.tokens.agentWf1]) {
      const res = await f.app.inject({
        url: token === f.tokens.agentWf1 ? "/api/v1/ingest" : "/api/v1/assets",
        method: token === f.tokens.agentWf1 ? "POST" : "GET",
        headers: f.auth(token),
        ...(token === f.tokens.agentWf1 ? { payload: batchFor("wf1", "T01") } : {}),
      });
      expect(res.statusCode).toBe(200);
    }
    expect((await f.app.inject({ url: "/api/v1/assets" })).statusCode).toBe(401);
  });
});

describe("an audit log that cannot be written", () => {
  it("answers a change it could not record as an error, and a refusal as the refusal it is", async () => {
    const f = await makeCentralFixture();
    try {
      // The log's table gone: every append fails, as on a database that refuses the write.
      await f.meta.db.run("ALTER TABLE audit RENAME TO audit_elsewhere");
      const created = await createToken(f, { role: "ministry", label: "unrecorded" });
      expect(created.statusCode).toBe(500);
      expect(created.body).not.toContain('"token"');
      expect(created.json().error.code).toBe("INTERNAL");
      const refused = await createToken(f, { role: "agent", site: "nowhere", label: "x" });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.code).toBe("VALIDATION_FAILED");
    } finally {
      await f.close();
    }
  });
});

describe("the start-up check of declared audiences", () => {
  const register = (config: object | undefined) => (app: import("fastify").FastifyInstance) =>
    void app.register(async (scope) => {
      scope.get("/api/v1/undeclared", config === undefined ? {} : { config }, async () => ({ secret: 42 }));
    });

  it("refuses to start an app with a route that declares no audience, naming the route", async () => {
    await expect(makeCentralFixture({ beforeReady: register(undefined) })).rejects.toThrow(
      /GET \/api\/v1\/undeclared declares no audience/,
    );
  });

  it("refuses a declaration that is empty, unknown or ambiguous", async () => {
    await expect(
      makeCentralFixture({ beforeReady: register({ access: { roles: ["root"] } }) }),
    ).rejects.toThrow(/GET \/api\/v1\/undeclared config\.access\.roles: unknown role "root"/);
    for (const [access, message] of [
      [undefined, /declares no audience/],
      [{}, /roles: expected a non-empty list/],
      [{ roles: [] }, /roles: expected a non-empty list/],
      [{ roles: "admin" }, /roles: expected a non-empty list/],
      [{ roles: ["admin", "root"] }, /unknown role "root"/],
      [{ public: true, roles: ["admin"] }, /either public or roles/],
      [{ public: false }, /public: expected true/],
      [{ public: "yes" }, /public: expected true/],
      [{ audience: "all" }, /access\.audience: unknown key/],
      [null, /expected an object/],
    ] as const) {
      expect(accessProblem(access), JSON.stringify(access)).toMatch(message);
    }
    for (const role of Roles) expect(accessProblem({ roles: [role] })).toBeNull();
    expect(accessProblem({ public: true })).toBeNull();
  });

  it("starts with a declared route and applies the declaration", async () => {
    const f = await makeCentralFixture({ beforeReady: register({ access: { roles: ["ministry"] } }) });
    try {
      expect((await f.app.inject({ url: "/api/v1/undeclared" })).statusCode).toBe(401);
      const admin = await f.app.inject({ url: "/api/v1/undeclared", headers: f.auth(f.tokens.admin) });
      expect(admin.statusCode).toBe(403);
      const ministry = await f.app.inject({
        url: "/%61pi/v1/undeclared",
        headers: f.auth(f.tokens.ministry),
      });
      expect(ministry.json()).toEqual({ secret: 42 });
    } finally {
      await f.close();
    }
  });
});
