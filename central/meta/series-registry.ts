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
import { TagKeys } from "../../common/names.ts";
import type { WirePoint } from "../../common/wire.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ingest_series (
  site TEXT NOT NULL, series TEXT NOT NULL, first_seen INTEGER NOT NULL,
  PRIMARY KEY (site, series)
) WITHOUT ROWID;
`;

const SORTED_TAG_KEYS = [...TagKeys].sort();

/**
 * A point's series: measurement and tags, keys sorted. Newline separates the
 * parts: tag values cannot hold one (common/wire.ts), keys cannot hold `=`.
 */
export function seriesKeyOf(p: WirePoint): string {
  const tags = p.tags;
  // Points that passed the name check carry only known tag keys: their fixed order is canonical
  // and costs no sort (this runs per point of every batch).
  let key: string = p.measurement;
  let found = 0;
  for (const k of SORTED_TAG_KEYS) {
    const v = tags[k];
    if (v !== undefined) {
      key += `\n${k}=${v}`;
      found++;
    }
  }
  let all = 0;
  for (const _ in tags) all++;
  if (found === all) return key;
  key = p.measurement;
  for (const k of Object.keys(tags).sort()) key += `\n${k}=${tags[k]}`;
  return key;
}

export class SeriesRegistry {
  /** Per site, the series this replica knows are recorded (a subset of the table). */
  private readonly known = new Map<string, Set<string>>();
  private readonly count: Database.Statement;
  private readonly keysOf: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly reserve: (
    site: string,
    unknown: readonly string[],
    max: number,
    commit: boolean,
  ) => Set<string>;

  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    this.count = db.prepare("SELECT COUNT(*) FROM ingest_series WHERE site = ?").pluck();
    this.keysOf = db.prepare("SELECT series FROM ingest_series WHERE site = ?").pluck();
    this.insert = db.prepare(
      "INSERT INTO ingest_series (site, series, first_seen) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    );
    const reserve = db.transaction(
      (site: string, unknown: readonly string[], max: number, commit: boolean): Set<string> => {
        const recorded = this.count.get(site) as number;
        let known = this.known.get(site);
        // Another replica (or an earlier run) recorded series this one has not seen: read the
        // site's keys once (at most the cap), instead of one look-up per unknown key.
        if (!known || known.size !== recorded) {
          known = new Set(this.keysOf.all(site) as string[]);
          this.known.set(site, known);
        }
        const fresh = unknown.filter((key) => !known.has(key));
        const over = new Set(fresh.slice(Math.max(0, max - recorded)));
        if (commit && over.size === 0 && fresh.length > 0) {
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
    this.reserve = (site, unknown, max, commit) => reserve.immediate(site, unknown, max, commit);
  }

  /**
   * The series among `keys` that the site may not start because it would
   * pass `maxSeries`. With `commit`, and when there are none, the new ones
   * are recorded (before the store write: a write that then fails leaves a
   * reserved key, never an uncounted series). Keys this replica knows cost
   * no SQL.
   */
  admit(site: string, keys: readonly string[], maxSeries: number, commit: boolean): Set<string> {
    const known = this.known.get(site);
    const unknown = new Set<string>();
    for (const key of keys) if (!known?.has(key)) unknown.add(key);
    if (unknown.size === 0) return unknown;
    return this.reserve(site, [...unknown], maxSeries, commit);
  }

  /** Series recorded for a site (all replicas). */
  seriesOf(site: string): number {
    return this.count.get(site) as number;
  }
}
