// Issue 13, finding 1: encoded and odd paths. Over real sockets against a
// real central, every documented route and every spelling of its path
// (%61pi, %2561pi, upper case, //, /./, /x/../, trailing slash, ;params,
// %2F, HEAD, OPTIONS, method-override headers) either reaches the route and
// gets its decision — 401 without a token, 403 for a role it does not list,
// the audit log for a change, the public limit for the grid — or reaches no
// route at all. The attacks of the review, one by one, change nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCentral, type TestCentral } from "../helpers/central.ts";
import { isRouterNotFound, PATH_VARIANTS, type RequestShape } from "../helpers/path-variants.ts";
import { type RawResponse, rawRequest } from "../helpers/raw-http.ts";

interface Documented {
  method: string;
  path: string;
  /** The route needs a token (its OpenAPI entry lists the bearer scheme). */
  protected: boolean;
}

const spellings = (shape: RequestShape) => [
  { name: "plain", reachesRoute: true, shape },
  ...PATH_VARIANTS.flatMap((v) => {
    const s = v.apply(shape);
    return s ? [{ name: v.name, reachesRoute: v.reachesRoute, shape: s }] : [];
  }),
];

describe("finding 1: no spelling of a path skips authentication, role checks, rate limits or the audit log", () => {
  let c: TestCentral;
  let documented: Documented[];
  const send = (shape: RequestShape, body?: object): Promise<RawResponse> =>
    rawRequest(c.url, {
      ...shape,
      ...(body !== undefined && shape.method !== "GET" && shape.method !== "HEAD" ? { body } : {}),
    });
  const tokenIds = () => new Map(c.meta.listTokens().map((t) => [t.id, t.revokedAt]));

  beforeAll(async () => {
    c = await startTestCentral({ config: { grid: { rateLimit: { max: 6, timeWindowMs: 60_000 } } } });
    const doc = (await (await fetch(`${c.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{[^}]+\}/g, "T01"),
        protected: (op.security?.length ?? 0) > 0,
      })),
    );
  });
  afterAll(async () => c?.close());

  it("answers an anonymous caller 401 (or no route) on every protected route, however it is spelled", async () => {
    const guarded = documented.filter((d) => d.protected);
    expect(guarded.length).toBeGreaterThan(30);
    let reached = 0;
    for (const d of guarded) {
      for (const s of spellings({ method: d.method, url: d.path })) {
        const res = await send(s.shape, {});
        const label = `${s.name}: ${s.shape.method} ${s.shape.url} → ${res.status} ${res.body.slice(0, 120)}`;
        if (!s.reachesRoute && isRouterNotFound(res.status, res.body)) continue;
        expect(res.status, label).toBe(401);
        reached++;
      }
    }
    expect(reached).toBeGreaterThan(3 * guarded.length);
  });

  it("answers a service company 403 (or no route) on every admin route, however it is spelled", async () => {
    const adminOnly = documented.filter(
      (d) =>
        d.protected &&
        (d.path.startsWith("/api/v1/tokens") ||
          d.path === "/api/v1/audit" ||
          d.path.startsWith("/api/v1/grid/")),
    );
    expect(adminOnly.length).toBeGreaterThanOrEqual(5);
    for (const d of adminOnly) {
      for (const s of spellings({ method: d.method, url: d.path, headers: c.auth(c.tokens.south) })) {
        const res = await send(s.shape, {});
        if (!s.reachesRoute && isRouterNotFound(res.status, res.body)) continue;
        expect(res.status, `${s.name}: ${s.shape.method} ${s.shape.url}`).toBe(403);
      }
    }
  });

  it("the review's attacks: no token list, no revocation, no contract, whatever the spelling", async () => {
    const victim = c.meta.tokenIdOf(c.tokens.north)!;
    const before = tokenIds();
    const contractBody = {
      company: "sc-south",
      assets: ["T01", "T03"],
      from: new Date().toISOString(),
      responseTimeMinutes: 60,
    };
    for (const caller of [{}, c.auth(c.tokens.south), c.auth(c.tokens.agentWf1), c.auth("not-a-token")]) {
      for (const attack of [
        { method: "GET", url: "/api/v1/tokens" },
        { method: "DELETE", url: `/api/v1/tokens/${victim}` },
        { method: "POST", url: "/api/v1/contracts" },
      ]) {
        for (const s of spellings({ ...attack, headers: caller })) {
          const res = await send(s.shape, contractBody);
          expect([401, 403, 404], `${s.name}: ${s.shape.method} ${s.shape.url}`).toContain(res.status);
          expect(res.body).not.toContain('"tokens"');
        }
      }
    }
    // A GET that asks to be a DELETE is a GET (no such route), and a POST that asks to be a GET is a POST.
    for (const header of ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"]) {
      const get = await send({
        method: "GET",
        url: `/api/v1/tokens/${victim}`,
        headers: { ...c.auth(c.tokens.admin), [header]: "DELETE" },
      });
      expect(isRouterNotFound(get.status, get.body)).toBe(true);
      const post = await send(
        { method: "POST", url: "/api/v1/tokens", headers: { ...c.auth(c.tokens.ministry), [header]: "GET" } },
        {},
      );
      expect(post.status).toBe(403);
    }
    expect(tokenIds()).toEqual(before);
    const contracts = await fetch(`${c.url}/api/v1/contracts`, { headers: c.auth(c.tokens.admin) });
    expect(((await contracts.json()) as { contracts: unknown[] }).contracts).toEqual([]);
    const north = await fetch(`${c.url}/api/v1/assets`, { headers: c.auth(c.tokens.north) });
    expect(north.status).toBe(200);
  });

  it("writes a change made through an encoded path to the audit log, keyed on the route", async () => {
    for (const [i, url] of ["/%61pi/v1/companies", "/%61%70%69/%76%31/%63ompanies"].entries()) {
      const res = await send(
        { method: "POST", url, headers: c.auth(c.tokens.admin) },
        { id: `sc-encoded-${i}`, name: "Encoded" },
      );
      expect(res.status).toBe(201);
      const entry = c.meta.listAudit(1)[0]!;
      expect(entry).toMatchObject({
        action: "POST /api/v1/companies",
        target: url,
        status: 201,
        actor: "initial admin",
      });
    }
    // Refused through a variant: in the log too, with the refusal.
    const refused = await send({
      method: "DELETE",
      url: `/%61pi/v1/tokens/${c.meta.tokenIdOf(c.tokens.ministry)}`,
      headers: c.auth(c.tokens.south),
    });
    expect(refused.status).toBe(403);
    expect(c.meta.listAudit(1)[0]).toMatchObject({
      action: "DELETE /api/v1/tokens/:id",
      status: 403,
      actor: "south ops",
    });
  });

  it("counts every spelling of a public grid route against the one limit per address", async () => {
    // Six allowed in the window (the config above); spellings that reach the route count, the others get no data.
    const statuses: { name: string; status: number }[] = [];
    for (const s of spellings({ method: "GET", url: "/api/v1/grid/substations" })) {
      const res = await send(s.shape);
      if (isRouterNotFound(res.status, res.body) || (s.shape.method === "OPTIONS" && res.status === 404))
        continue;
      statuses.push({ name: s.name, status: res.status });
    }
    for (let i = 0; i < 3; i++) {
      const res = await send(
        { method: "POST", url: "/api/v1/%67rid/check" },
        { lat: 42, lon: 47, mw: 5, kind: "generation" },
      );
      statuses.push({ name: "encoded check", status: res.status });
    }
    const ok = statuses.filter((s) => s.status === 200).length;
    expect(ok).toBe(6);
    expect(statuses.slice(6).every((s) => s.status === 429)).toBe(true);
    const limited = await send({ method: "GET", url: "/api/v1/grid/lines" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
  });
});
