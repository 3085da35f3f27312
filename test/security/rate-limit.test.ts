// Issue 13, finding 2: invalid-token throttling must not lock out valid
// tokens. Over real sockets against a real central: a flood of wrong tokens
// from one address is answered 429 — but only the requests that carry a
// wrong token; valid admin, company and agent tokens from that address are
// served, and a request without a token is 401. Behind a proxy
// (`server.trustProxy`) clients are told apart by X-Forwarded-For; without
// it, that header is not believed, so it cannot be used to escape the limit.
import { afterEach, describe, expect, it } from "vitest";
import { ingestOnePowerReading, startTestCentral, type TestCentral } from "../helpers/central.ts";

const LIMIT = 20; // DEFAULT_AUTH_LIMITS.maxFailures

describe("finding 2: throttling wrong tokens never refuses a valid token", () => {
  let c: TestCentral | undefined;
  afterEach(async () => {
    await c?.close();
    c = undefined;
  });

  const get = (central: TestCentral, path: string, headers: Record<string, string> = {}) =>
    fetch(`${central.url}${path}`, { headers });
  const ingest = (central: TestCentral, headers: Record<string, string> = {}) =>
    ingestOnePowerReading(central, `rl-${Math.random()}`, headers);

  it("answers wrong tokens 429 past the limit, and still serves valid tokens from the same address", async () => {
    c = await startTestCentral();
    const central = c;
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 10; i++) {
      // Spoofed forwarding headers are not believed without trustProxy: one address for all.
      const res = await get(central, "/api/v1/assets", {
        authorization: `Bearer guess-${i}`,
        "x-forwarded-for": `198.51.100.${i}`,
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, LIMIT).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(LIMIT).every((s) => s === 429)).toBe(true);
    const refused = await get(central, "/api/v1/alarms", { authorization: "Bearer still-guessing" });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");

    // Valid tokens from the same address: every one served, many times over.
    for (let i = 0; i < 3; i++) {
      expect((await get(central, "/api/v1/tokens", central.auth(central.tokens.admin))).status).toBe(200);
      expect((await get(central, "/api/v1/assets", central.auth(central.tokens.north))).status).toBe(200);
      expect((await ingest(central)).status).toBe(200);
    }
    // No token: asked for one, not throttled (it guesses nothing).
    const anonymous = await get(central, "/api/v1/assets");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("tells clients behind a trusted proxy apart by X-Forwarded-For", async () => {
    c = await startTestCentral({ config: { server: { trustProxy: "127.0.0.1" } } });
    const central = c;
    const from = (client: string, token: string) => ({
      "x-forwarded-for": client,
      authorization: `Bearer ${token}`,
    });
    for (let i = 0; i < LIMIT; i++)
      expect((await get(central, "/api/v1/assets", from("203.0.113.7", `guess-${i}`))).status).toBe(401);
    expect((await get(central, "/api/v1/assets", from("203.0.113.7", "guess-x"))).status).toBe(429);
    // Another client behind the same proxy: its wrong token is just wrong.
    expect((await get(central, "/api/v1/assets", from("203.0.113.8", "typo"))).status).toBe(401);
    // The throttled client's valid token: served.
    expect((await get(central, "/api/v1/assets", from("203.0.113.7", central.tokens.ministry))).status).toBe(
      200,
    );
    expect((await ingest(central, { "x-forwarded-for": "203.0.113.7" })).status).toBe(200);
  });

  it("limits the public grid per client behind a trusted proxy, and per socket address without one", async () => {
    c = await startTestCentral({
      config: { server: { trustProxy: ["loopback"] }, grid: { rateLimit: { max: 3, timeWindowMs: 60_000 } } },
    });
    const central = c;
    const grid = (client: string) => get(central, "/api/v1/grid/substations", { "x-forwarded-for": client });
    expect([(await grid("203.0.113.1")).status, (await grid("203.0.113.1")).status]).toEqual([200, 200]);
    expect((await grid("203.0.113.1")).status).toBe(200);
    const limited = await grid("203.0.113.1");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await grid("203.0.113.2")).status).toBe(200);
    await central.close();

    c = await startTestCentral({ config: { grid: { rateLimit: { max: 3, timeWindowMs: 60_000 } } } });
    const direct = c;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (await get(direct, "/api/v1/grid/substations", { "x-forwarded-for": `203.0.113.${10 + i}` })).status,
      );
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });
});
