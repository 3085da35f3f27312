// The distinct series each site has written (measurement + tag set), so a
// site's cardinality is capped whatever the store: past the cap, a point
// that would start a new series is refused (SERIES_LIMIT) while points of
// the series a site already has go on being stored. Names are checked
// against the configuration first (common/catalog.ts); the cap is the
// backstop for the tags no configuration lists (`agent`, `source`).
//
// Kept in central's metadata file, so replicas sharing it share the count;
// each replica keeps the keys it has seen in memory (at most the cap per
// site), so a batch of known series costs no SQL at all.
import type Database from "better-sqlite3";
import type { WirePoint } from "../../common/wire.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ingest_series (
  site TEXT NOT NULL, series TEXT NOT NULL, first_seen INTEGER NOT NULL,
  PRIMARY KEY (site, series)
) WITHOUT ROWID;
`;

/**
 * A point's series: measurement and tags, keys sorted. Newline separates the
 * parts: tag values cannot hold one (common/wire.ts), keys cannot hold `=`.
 */
export function seriesKeyOf(p: WirePoint): string {
  const keys = Object.keys(p.tags).sort();
  let key = p.measurement;
  for (const k of keys) key += `\n${k}=${p.tags[k]}`;
  return key;
}

export class SeriesRegistry {
  private readonly known = new Map<string, Set<string>>();
  private readonly has: Database.Statement;
  private readonly count: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly reserve: (
    site: string,
    keys: readonly string[],
    max: number,
    commit: boolean,
  ) => Set<string>;

  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    this.has = db.prepare("SELECT 1 FROM ingest_series WHERE site = ? AND series = ?").pluck();
    this.count = db.prepare("SELECT COUNT(*) FROM ingest_series WHERE site = ?").pluck();
    this.insert = db.prepare(
      "INSERT INTO ingest_series (site, series, first_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    );
    const reserve = db.transaction(
      (site: string, keys: readonly string[], max: number, commit: boolean): Set<string> => {
        const known = this.knownOf(site);
        const fresh: string[] = [];
        for (const key of keys) {
          // Another replica may have recorded it since this one last looked.
          if (this.has.get(site, key) !== undefined) known.add(key);
          else fresh.push(key);
        }
        if (fresh.length === 0) return new Set();
        const room = Math.max(0, max - (this.count.get(site) as number));
        const over = new Set(fresh.slice(room));
        if (commit && over.size === 0) {
          const now = Date.now();
          for (const key of fresh) {
            this.insert.run(site, key, now);
            known.add(key);
          }
        }
        return over;
      },
    );
    // IMMEDIATE: two replicas admitting new series at once cannot both fill the last room.
    this.reserve = (site, keys, max, commit) => reserve.immediate(site, keys, max, commit);
  }

  private knownOf(site: string): Set<string> {
    let set = this.known.get(site);
    if (!set) {
      set = new Set();
      this.known.set(site, set);
    }
    return set;
  }

  /**
   * The series among `keys` that the site may not start because it would
   * pass `maxSeries`. With `commit`, and when there are none, the new ones
   * are recorded (before the store write: a write that then fails leaves a
   * reserved key, never an uncounted series).
   */
  admit(site: string, keys: readonly string[], maxSeries: number, commit: boolean): Set<string> {
    const known = this.knownOf(site);
    const unknown = new Set<string>();
    for (const key of keys) if (!known.has(key)) unknown.add(key);
    if (unknown.size === 0) return unknown;
    return this.reserve(site, [...unknown], maxSeries, commit);
  }

  /** Series recorded for a site (all replicas). */
  seriesOf(site: string): number {
    return this.count.get(site) as number;
  }
}
