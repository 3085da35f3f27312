// The control repository's conformance suite on both metadata engines: a
// SQLite file and a database on a throwaway PostgreSQL cluster; and the
// write-failure query's plan on each, which must seek the events' key
// rather than scan the table (it runs for every facility at every alarm
// evaluation, against a table that only grows).
import { describe, expect, it } from "vitest";
import { controlRepositoryConformance } from "../../test/conformance/control-repository.ts";
import { freshMetadata, metadataKinds } from "../../test/helpers/metadata.ts";
import { DbControlRepository, LAST_WRITE_OUTCOMES_SQL } from "./db-repository.ts";

describe.each(metadataKinds())("control repository (%s)", (kind) => {
  const md = freshMetadata(kind);
  controlRepositoryConformance(kind, async () => {
    const meta = await md.open();
    return {
      repo: new DbControlRepository(meta.db),
      replica: async () => new DbControlRepository((await md.open()).db),
      close: async () => {},
    };
  });

  it("reads each point's last write outcome through the events' key, not by a scan", async () => {
    const { db } = await md.open();
    const params = ["A", "A", "A", "A"];
    const plan =
      kind === "sqlite"
        ? (await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${LAST_WRITE_OUTCOMES_SQL}`, params)).map(
            (r) => r.detail,
          )
        : // An empty table is cheapest to scan: the planner is asked what it does when it must not.
          await db.transaction(async (tx) => {
            await tx.run("SET LOCAL enable_seqscan = off");
            const rows = await tx.all<{ "QUERY PLAN": string }>(`EXPLAIN ${LAST_WRITE_OUTCOMES_SQL}`, params);
            return rows.map((r) => r["QUERY PLAN"]);
          });
    if (kind === "sqlite") {
      const onEvents = plan.filter((line) => /^(SEARCH|SCAN) (control_event|e)\b/.test(line));
      expect(onEvents).toHaveLength(4); // the first point, the next point, the newest of each kind
      for (const line of onEvents) expect(line).toMatch(/^SEARCH .* USING COVERING INDEX/);
    } else {
      const onEvents = plan.filter((line) => / on control_event\b/.test(line));
      expect(onEvents.length).toBeGreaterThanOrEqual(3);
      for (const line of onEvents)
        expect(line).toMatch(/Index Only Scan( Backward)? using control_event_pkey/);
    }
  });
});
