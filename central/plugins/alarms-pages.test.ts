// GET /api/v1/alarms paged after a cursor, through the app on both
// engines: `next` while a page is full, the pages together being the whole
// list once, a company's cursor staying within its own alarms, and what a
// hostile or confused caller sends (an altered cursor, a cursor with an
// offset, one made for another sort) refused with 400 naming the key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CentralFixture, makeCentralFixture } from "../../test/helpers/central-fixture.ts";
import { metadataKinds, suiteMetadata } from "../../test/helpers/metadata.ts";
import type { AlarmRecord, Condition } from "../maintenance/alarm-book.ts";

const MIN = 60_000;
const T0 = Date.parse("2026-11-02T08:00:00Z");
const FAULTS = ["imbalance", "misalignment", "looseness", "gear_mesh", "bearing_outer_race"];

describe.each(metadataKinds())("alarm list pages after a cursor (%s metadata)", (kind) => {
  const metadata = suiteMetadata(kind);
  let f: CentralFixture;
  beforeAll(async () => {
    f = await makeCentralFixture({
      metadata: await metadata(),
      clock: () => T0,
      config: { alarms: { evaluateEveryMs: 0 } },
    });
    const { book, evaluator } = f.app.service;
    // 3 turbines × 4 points × 5 faults, on both companies; starts repeat, so the order has ties.
    const conditions: Condition[] = ["T01", "T02", "T03"].flatMap((asset) =>
      ["main_bearing", "gearbox_hss", "generator_de", "nacelle"].flatMap((point, p) =>
        FAULTS.map((fault, k) => ({
          asset,
          point,
          fault,
          severity: (p + k) % 2 === 0 ? ("alarm" as const) : ("warning" as const),
          sinceMs: T0 - ((p + k) % 3) * MIN,
          isoZone: null,
        })),
      ),
    );
    await book.reconcile(conditions, T0, { clearAfterMs: 0, routeOf: await evaluator.routes() });
  });
  afterAll(async () => f?.close());

  const get = (query: string, token: string) =>
    f.app.inject({ url: `/api/v1/alarms${query}`, headers: f.auth(token) });
  const pages = async (query: string, token: string, limit: number) => {
    const seen: AlarmRecord[] = [];
    let next: string | undefined;
    for (let n = 0; n < 50; n++) {
      const res = await get(`${query}&limit=${limit}${next ? `&after=${next}` : ""}`, token);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ alarms: AlarmRecord[]; total: number; next?: string }>();
      seen.push(...body.alarms);
      next = body.next;
      if (!next) return { seen, total: body.total };
    }
    throw new Error("no last page");
  };

  it("gives `next` while a page is full; the pages are the whole list, once, in its order", async () => {
    for (const query of ["?state=open", "?state=all&sort=raisedAt&order=asc", "?sort=asset&order=desc"]) {
      const whole = (await get(`${query}&limit=1000`, f.tokens.admin)).json<{ alarms: AlarmRecord[] }>();
      expect(whole.alarms).toHaveLength(60);
      const { seen, total } = await pages(query, f.tokens.admin, 7);
      expect(total).toBe(60);
      expect(seen.map((a) => a.id)).toEqual(whole.alarms.map((a) => a.id));
    }
    // The last page is not full: no `next` (the body is as before cursors existed).
    expect((await get("?limit=1000", f.tokens.admin)).json()).not.toHaveProperty("next");
  });

  it("keeps a company's pages within its own alarms", async () => {
    const { seen, total } = await pages("?state=open", f.tokens.south, 3);
    expect(total).toBeGreaterThan(3);
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((a) => a.company))).toEqual(new Set(["sc-south"]));
  });

  it("refuses an altered cursor, a cursor with an offset, and one made for another sort: 400 naming `after`", async () => {
    const { next } = (await get("?limit=5", f.tokens.admin)).json<{ next: string }>();
    const refused = async (query: string) => {
      const res = await get(query, f.tokens.admin);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.code).toBe("VALIDATION_FAILED");
      expect(res.body).toMatch(/after/);
    };
    await refused(`?after=${next}&offset=5`);
    await refused(`?after=${next}&sort=asset`);
    await refused(`?after=${next}&order=asc`);
    await refused(`?after=${next.slice(0, -3)}`);
    await refused("?after=e30");
    await refused(`?after=${"A".repeat(1025)}`);
    await refused("?after=%27%3B%20DROP%20TABLE%20alarm%3B--");
    await refused(`?after=${Buffer.from('["severity","desc",2,1,{"$gt":""}]').toString("base64url")}`);
    // The list still answers afterwards.
    expect((await get("?limit=1", f.tokens.admin)).statusCode).toBe(200);
  });
});
