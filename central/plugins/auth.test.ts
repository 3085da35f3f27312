// Role × route × tenant matrix over every route the app registers (routes
// other plugins add are covered automatically and fail here until they are
// classified below), token lifecycle, failed-auth limiting, security headers
// and the audit log.
import type { RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CentralFixture, makeCentralFixture } from "../test-fixture.ts";

type Who = "admin" | "ministry" | "north" | "south" | "agentWf1" | "agentWf2";
const PEOPLE: Who[] = ["admin", "ministry", "north", "south"];
const ALL: Who[] = [...PEOPLE, "agentWf1", "agentWf2"];

/**
 * The known truth: who may use which route. `public` needs no token;
 * `page` is not under /api/. First match wins; a route matching none fails the test.
 */
const ACCESS: { methods: string[] | "*"; prefix: string; who: Who[] | "public" | "page" }[] = [
  { methods: ["POST"], prefix: "/api/v1/ingest/spectrum", who: ["admin", "agentWf1", "agentWf2"] },
  { methods: ["POST"], prefix: "/api/v1/ingest", who: ["admin", "agentWf1", "agentWf2"] },
  { methods: "*", prefix: "/api/v1/tokens", who: ["admin"] },
  { methods: "*", prefix: "/api/v1/audit", who: ["admin"] },
  { methods: "*", prefix: "/api/v1/savings/", who: ["admin", "ministry"] },
  { methods: ["PUT", "DELETE", "PATCH"], prefix: "/api/v1/grid/", who: ["admin"] },
  { methods: ["GET", "POST"], prefix: "/api/v1/grid/", who: "public" },
  // Acknowledge, assign, comment, create a work order.
  { methods: ["POST"], prefix: "/api/v1/alarms/:id/", who: ["admin", "north", "south"] },
  { methods: ["GET"], prefix: "/api/v1/alarms", who: PEOPLE },
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
const OWN: Partial<Record<Who, string>> = { north: "T01", south: "T02", admin: "T01", ministry: "T01" };
const FOREIGN: Partial<Record<Who, string>> = { north: "T02", south: "T01" };
/** The company whose id stands in for `:id` on company routes, by the asset under test. */
const COMPANY_OF: Record<string, string> = { T01: "sc-north", T02: "sc-south", T03: "sc-north" };
/** Bodies that pass validation, so the answer is about access, not the schema. */
const VALID_BODY: Record<string, object> = {
  "POST /api/v1/alarms/:id/assign": { assignee: "Technician" },
  "POST /api/v1/alarms/:id/comment": { comment: "note" },
  "PUT /api/v1/companies/:id/notification-rules": { rules: [] },
  "PATCH /api/v1/work-orders/:id": { findings: "checked" },
  "POST /api/v1/documents/:id/reject": { reason: "wrong figures" },
};

const batchFor = (site: string, asset: string) => ({
  batchId: `matrix-${site}-${asset}-${Math.random().toString(36).slice(2, 10)}`,
  agent: `edge-${site}`,
  site,
  sentAt: Date.now(),
  points: [{ measurement: "scada", tags: { site, asset }, fields: { power_kw: 1 }, ts: Date.now() - 1000 }],
});

describe("tenant isolation matrix over every registered route", () => {
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

  it("sees the app's routes, and every one is classified", () => {
    const all = endpoints();
    expect(all.length).toBeGreaterThan(8);
    expect(all.map((e) => `${e.method} ${e.url}`)).toContain("POST /api/v1/ingest");
    const unknown = all.filter((e) => classify(e.method, e.url) === undefined);
    expect(unknown.map((e) => `${e.method} ${e.url}`)).toEqual([]);
  });

  const request = (who: Who | null, method: string, url: string, asset: string) => {
    const site = asset === "T03" ? "wf2" : "wf1";
    const idOf = url.startsWith("/api/v1/alarms")
      ? `${asset}:main_bearing:overall_vibration`
      : url.startsWith("/api/v1/companies/")
        ? (COMPANY_OF[asset] ?? asset)
        : asset;
    let path = url
      .replace(":id", idOf)
      .replace(":photoId", "1")
      .replace(/:[a-zA-Z]+/g, "x")
      .replace(/\*$/, "");
    if (url === "/api/v1/series") path += `?asset=${asset}&measurement=scada&field=power_kw`;
    if (url.startsWith("/api/v1/savings/")) path += `?facility=${asset}`;
    const payload =
      url === "/api/v1/ingest"
        ? batchFor(who === "agentWf2" ? "wf2" : site, who === "agentWf2" ? "T03" : asset)
        : method === "GET" || method === "DELETE"
          ? undefined
          : (VALID_BODY[`${method} ${url}`] ?? {});
    return f.app.inject({
      method: method as "GET",
      url: path,
      headers: who ? f.auth(f.tokens[who]) : {},
      ...(payload === undefined ? {} : { payload }),
    });
  };

  it("refuses a missing token (401) on every non-public /api/ route", async () => {
    for (const { method, url } of endpoints()) {
      const who = classify(method, url);
      if (who === "page" || who === "public" || who === undefined) continue;
      const res = await request(null, method, url, "T01");
      expect(res.statusCode, `${method} ${url}`).toBe(401);
    }
  });

  it("refuses (403) every role the table does not list, and lets the listed ones through", async () => {
    for (const { method, url } of endpoints()) {
      const allowed = classify(method, url);
      if (allowed === "page" || allowed === "public" || allowed === undefined) continue;
      for (const who of ALL) {
        // The live feed never ends for an allowed role: its access is tested over real HTTP (alarms.test.ts).
        if (url.endsWith("/stream") && allowed.includes(who)) continue;
        const res = await request(who, method, url, OWN[who] ?? "T01");
        if (allowed.includes(who))
          expect([401, 403], `${who} ${method} ${url}: ${res.body}`).not.toContain(res.statusCode);
        else expect(res.statusCode, `${who} ${method} ${url}`).toBe(403);
      }
    }
  });

  it("answers 403/404 when a service company asks for another tenant's asset, on every asset route", async () => {
    let checked = 0;
    for (const { method, url } of endpoints()) {
      const allowed = classify(method, url);
      if (!Array.isArray(allowed)) continue;
      const carriesAsset =
        url.includes(":id") || url === "/api/v1/series" || url.startsWith("/api/v1/savings/");
      for (const who of ["north", "south"] as const) {
        if (!allowed.includes(who) || url.endsWith("/stream")) continue;
        const foreign = FOREIGN[who]!;
        const res = await request(who, method, url, foreign);
        if (carriesAsset) {
          expect([403, 404], `${who} ${method} ${url} with ${foreign}`).toContain(res.statusCode);
          expect(res.body).not.toContain('"tenant":"sc-');
          checked++;
        } else if (res.statusCode === 200 && method === "GET") {
          // Lists: nothing of the other tenant in them.
          expect(res.body, `${who} ${method} ${url}`).not.toContain(`"${foreign}"`);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
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

describe("token lifecycle, failed-auth limit, headers, audit", () => {
  let f: CentralFixture;
  beforeAll(async () => {
    f = await makeCentralFixture();
  });
  afterAll(async () => f.close());

  it("creates a token shown once, lists it without the secret, revokes it", async () => {
    const created = await f.app.inject({
      method: "POST",
      url: "/api/v1/tokens",
      headers: f.auth(f.tokens.admin),
      payload: { role: "service_company", tenant: "sc-south", label: "south night shift" },
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
      const res = await f.app.inject({
        method: "POST",
        url: "/api/v1/tokens",
        headers: f.auth(f.tokens.admin),
        payload,
      });
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

  // Last: it blocks the loopback address for the rest of the window.
  it("rate-limits wrong tokens per address (429 with Retry-After), also for a then-valid token", async () => {
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
    const valid = await f.app.inject({ url: "/api/v1/assets", headers: f.auth(f.tokens.admin) });
    expect(valid.statusCode).toBe(429);
    expect(Number(valid.headers["retry-after"])).toBeGreaterThan(0);
  });
});
