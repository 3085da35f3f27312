// The `limit` query parameter of the list routes, through the app on a
// temporary SQLite: every hostile form of it (out of range, signed, an
// exponent, spaces, empty, repeated, a long run of digits) is a 400
// VALIDATION_FAILED naming querystring.limit; in range it is taken, absent
// the route's default applies; and the routes that bring a value into range
// still do, while /docs states every route's bounds in the same words.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import type { Condition } from "../maintenance/alarm-book.ts";
import { WorkOrders } from "../maintenance/work-orders.ts";

const T0 = Date.parse("2026-11-02T08:00:00Z");
const MIN = 60_000;
/** One more row than the work-order and alarm lists' default page (200), so the default shows. */
const ROWS = 201;

let f: CentralFixture;
beforeAll(async () => {
  f = await makeCentralFixture({ clock: () => T0, config: { alarms: { evaluateEveryMs: 0 } } });
  const orders = new WorkOrders(f.meta.db, () => T0);
  for (let i = 0; i < ROWS; i++)
    await orders.create({
      alarm: { id: `T01:main_bearing:imbalance:${i}`, asset: "T01", company: "sc-north" },
      title: `Order ${i}`,
      actor: "north ops",
    });
  const { book, evaluator } = f.app.service;
  const conditions: Condition[] = Array.from({ length: ROWS }, (_, i) => ({
    asset: "T01",
    point: "main_bearing",
    fault: `fault_${i}`,
    severity: "alarm" as const,
    sinceMs: T0 - (i % 7) * MIN,
    isoZone: null,
  }));
  await book.reconcile(conditions, T0, { clearAfterMs: 0, routeOf: await evaluator.routes() });
});
afterAll(async () => f?.close());

const get = (url: string) => f.app.inject({ url, headers: f.auth(f.tokens.admin) });

/** The raw query text after `limit=` (already URL-encoded where it needs to be). */
const HOSTILE: [string, string][] = [
  ["zero", "limit=0"],
  ["negative", "limit=-1"],
  ["five digits", "limit=99999"],
  ["an exponent", "limit=1e3"],
  ["letters", "limit=abc"],
  ["a leading space", "limit=%205"],
  ["a trailing space", "limit=5%20"],
  ["a plus sign", "limit=%2B5"],
  ["a fraction", "limit=2.5"],
  ["empty", "limit="],
  ["repeated", "limit=1&limit=2"],
  ["a long run of digits", `limit=${"9".repeat(400)}`],
  ["leading zeros past four digits", "limit=000001"],
];

const LISTS = [
  { url: "/api/v1/work-orders", max: 1000, rows: "workOrders" },
  { url: "/api/v1/alarms", max: 5000, rows: "alarms" },
  { url: "/api/v1/notifications", max: 1000, rows: "notifications" },
  { url: "/api/v1/documents", max: 1000, rows: "documents" },
] as const;

describe.each(LISTS)("$url?limit", ({ url, max }) => {
  it.each(HOSTILE)("refuses %s with 400 naming querystring.limit", async (_what, query) => {
    const res = await get(`${url}?${query}`);
    expect(res.statusCode, res.body).toBe(400);
    const { error } = res.json() as { error: { code: string; message: string } };
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toMatch(/^querystring\.limit: /);
  });

  it(`refuses 0 and ${max + 1} naming the bounds`, async () => {
    for (const limit of [0, max + 1]) {
      const res = await get(`${url}?limit=${limit}`);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toEqual({
        error: { code: "VALIDATION_FAILED", message: `querystring.limit: 1 to ${max}` },
      });
    }
  });

  it("takes 1 and the maximum", async () => {
    for (const limit of [1, max]) expect((await get(`${url}?limit=${limit}`)).statusCode).toBe(200);
  });
});

describe("a page's size", () => {
  it("is the route's default (200) when absent, and the limit when given", async () => {
    for (const { url, rows } of LISTS.slice(0, 2)) {
      const count = async (query: string) => {
        const res = await get(`${url}${query}`);
        expect(res.statusCode, res.body).toBe(200);
        return (res.json() as Record<string, unknown[]>)[rows]!.length;
      };
      expect(await count("")).toBe(200);
      expect(await count("?limit=1000")).toBe(ROWS);
      expect(await count("?limit=7")).toBe(7);
      expect(await count("?limit=0007")).toBe(7);
    }
  });

  it("an asset's alarm history brings a value outside 1..5000 to the nearer bound, and refuses a malformed one", async () => {
    const history = (query: string) => get(`/api/v1/assets/T01/history${query}`);
    const raised = async (query: string) => {
      const res = await history(query);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { events: unknown[] }).events.length;
    };
    expect(await raised("?limit=0")).toBe(1);
    expect(await raised("?limit=9999")).toBe(ROWS);
    expect(await raised("")).toBe(ROWS);
    for (const [, query] of HOSTILE.filter(([what]) => what !== "zero")) {
      const res = await history(`?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect((res.json() as { error: { message: string } }).error.message).toMatch(/^querystring\.limit: /);
    }
  });
});

type Operations = Record<string, { parameters?: { in: string; name: string; description?: string }[] }>;

describe("/docs", () => {
  it("states each list route's limit in the same words, with its own bounds and default", async () => {
    const doc = (await f.app.inject({ url: "/docs/json" })).json() as { paths: Record<string, Operations> };
    const limitOf = (path: string) =>
      doc.paths[path]?.get?.parameters?.find((p) => p.in === "query" && p.name === "limit")?.description;
    expect(limitOf("/api/v1/work-orders")).toBe("rows to answer, 1 to 1000 (default 200)");
    expect(limitOf("/api/v1/documents")).toBe("rows to answer, 1 to 1000 (default 200)");
    expect(limitOf("/api/v1/notifications")).toBe("rows to answer, 1 to 1000 (default 100)");
    expect(limitOf("/api/v1/alarms")).toBe("rows to answer, 1 to 5000 (default 200)");
    const near = "; a value outside is taken as the nearer bound";
    expect(limitOf("/api/v1/assets/{id}/history")).toBe(`rows to answer, 1 to 5000 (default 500)${near}`);
    expect(limitOf("/api/v1/control/commands")).toBe(`rows to answer, 1 to 1000 (default 100)${near}`);
    expect(limitOf("/api/v1/control/events")).toBe(`rows to answer, 1 to 1000 (default 200)${near}`);
  });
});
