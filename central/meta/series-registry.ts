// The distinct series each site has written (measurement + tag set), so a
// site's cardinality is capped whatever the store: past the cap, a point
// that would start a new series is refused (SERIES_LIMIT) while points of
// the series a site already has go on being stored. Names are checked
// against the configuration first (common/catalog.ts); the cap is the
// backstop for the tags no configuration lists (`agent`, `source`).
//
// Kept in central's metadata database, so replicas share the count (a
// site's admissions take a lock named after the site, so two replicas
// cannot both fill its last room); each replica keeps the keys it has seen
// in memory (at most the cap per site), so a batch of known series costs
// no SQL at all.

import { insertMany } from "../db/sql.ts";
import type { MetaDb } from "../db/types.ts";

export class SeriesRegistry {
  /** Per site, the series this replica knows are recorded (a subset of the table). */
  private readonly known = new Map<string, Set<string>>();

  constructor(private readonly db: MetaDb) {}

  private async reserve(
    site: string,
    unknown: readonly string[],
    max: number,
    commit: boolean,
  ): Promise<Set<string>> {
    const { over, recorded } = await this.db.transaction(async (tx) => {
      await tx.lock(`vetra.series\n${site}`);
      const count =
        (await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM ingest_series WHERE site = ?", [site]))?.n ??
        0;
      let known = this.known.get(site);
      // Another replica (or an earlier run) recorded series this one has not seen: read the
      // site's keys once (at most the cap), instead of one look-up per unknown key.
      if (!known || known.size !== count) {
        known = new Set(
          (await tx.all<{ series: string }>("SELECT series FROM ingest_series WHERE site = ?", [site])).map(
            (r) => r.series,
          ),
        );
        this.known.set(site, known);
      }
      const fresh = unknown.filter((key) => !known.has(key));
      const over = new Set(fresh.slice(Math.max(0, max - count)));
      if (commit && over.size === 0 && fresh.length > 0) {
        const now = Date.now();
        await insertMany(
          tx,
          "ingest_series",
          ["site", "series", "first_seen"],
          fresh.map((key) => [site, key, now]),
          "ON CONFLICT DO NOTHING",
        );
        return { over, recorded: fresh };
      }
      return { over, recorded: [] as string[] };
    });
    // Known once committed: a rolled-back reservation must not pass later points uncounted.
    const known = this.known.get(site);
    if (known) for (const key of recorded) known.add(key);
    return over;
  }

  /**
   * The series among `keys` that the site may not start because it would
   * pass `maxSeries`. With `commit`, and when there are none, the new ones
   * are recorded (before the store write: a write that then fails leaves a
   * reserved key, never an uncounted series). Keys this replica knows cost
   * no SQL.
   */
  async admit(
    site: string,
    keys: readonly string[],
    maxSeries: number,
    commit: boolean,
  ): Promise<Set<string>> {
    const known = this.known.get(site);
    const unknown = new Set<string>();
    for (const key of keys) if (!known?.has(key)) unknown.add(key);
    if (unknown.size === 0) return unknown;
    return this.reserve(site, [...unknown], maxSeries, commit);
  }

  /** Series recorded for a site (all replicas). */
  async seriesOf(site: string): Promise<number> {
    return (
      (await this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM ingest_series WHERE site = ?", [site]))
        ?.n ?? 0
    );
  }
}
