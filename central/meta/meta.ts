// Central's metadata: the fleet (tenants, sites, assets, measuring points),
// tokens, the audit log, remembered batch ids, each site's series, spectrum
// snapshots and the grid data set — one repository each, on the metadata
// database the config names (SQLite in the data dir, or PostgreSQL; see
// ../db/). The service model's repositories (companies, contracts, alarms,
// notifications, work orders) live on the same database: ../maintenance/.
import { dirname } from "node:path";
import type { CentralConfig } from "../config.ts";
import { openMetaDb } from "../db/registry.ts";
import { openSqliteDb } from "../db/sqlite.ts";
import type { MetaDb } from "../db/types.ts";
import { type GridDataRepository, openGridData } from "../grid/store.ts";
import { type AuditLog, AuditStore } from "./audit.ts";
import { type BatchLedger, BatchStore } from "./batches.ts";
import { type FleetRepository, FleetStore } from "./fleet.ts";
import { SeriesRegistry } from "./series-registry.ts";
import { type SnapshotRepository, SnapshotStore } from "./snapshots.ts";
import { type TokenRepository, TokenStore } from "./tokens.ts";

export { META_FILE } from "../db/registry.ts";
export type { AuditEntry } from "./audit.ts";
export type { Asset, ContractSpan, FleetIndex, MeasuringPoint, Site } from "./fleet.ts";
export { SNAPSHOTS_KEPT_PER_POINT, type StoredSnapshot } from "./snapshots.ts";
export { type NewToken, type Principal, sha256Hex, type TokenInfo } from "./tokens.ts";

export class MetaStore {
  readonly fleet: FleetRepository;
  readonly tokens: TokenRepository;
  readonly audit: AuditLog;
  readonly batches: BatchLedger;
  readonly series: SeriesRegistry;
  readonly snapshots: SnapshotRepository;
  readonly grid: GridDataRepository;
  /** Where the metadata is, for messages about it (a full disk): the SQLite file, or the PostgreSQL location. */
  readonly file: string;

  /** The repositories on an open database (`grid` kept in `dataDir` on SQLite, in the database on PostgreSQL). */
  constructor(
    readonly db: MetaDb,
    dataDir: string,
  ) {
    this.fleet = new FleetStore(db);
    this.tokens = new TokenStore(db);
    this.audit = new AuditStore(db);
    this.batches = new BatchStore(db);
    this.series = new SeriesRegistry(db);
    this.snapshots = new SnapshotStore(db);
    this.grid = openGridData(db, dataDir);
    this.file = db.file ?? db.location;
  }

  /** Opens the metadata database of the config (migrations applied) and its repositories. */
  static async open(
    config: Pick<CentralConfig, "metadata" | "dataDir">,
    options: { log?: (message: string) => void } = {},
  ): Promise<MetaStore> {
    return new MetaStore(await openMetaDb(config.metadata, config.dataDir, options), config.dataDir);
  }

  /** The SQLite metadata database in this file (and the grid data set beside it). */
  static async openFile(path: string): Promise<MetaStore> {
    return new MetaStore(openSqliteDb(path), dirname(path));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
