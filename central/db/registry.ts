// The one table of metadata engines: the config names a kind, this opens it
// (migrations applied, listening for other replicas' changes).
import { join } from "node:path";
import type { MetadataConfig } from "./config.ts";
import { openPostgresDb } from "./postgres.ts";
import { openSqliteDb } from "./sqlite.ts";
import type { MetaDb, MetadataKind } from "./types.ts";

/** File name of the SQLite metadata database inside the data dir. */
export const META_FILE = "metadata.sqlite";

export interface OpenOptions {
  /** One line when the database is lost, found again, or waited for at start. */
  log?: (message: string) => void;
}

const engines: {
  [K in MetadataKind]: (
    config: Extract<MetadataConfig, { kind: K }>,
    dataDir: string,
    options: OpenOptions,
  ) => Promise<MetaDb>;
} = {
  sqlite: async (config, dataDir) => openSqliteDb(config.path ?? join(dataDir, META_FILE)),
  postgres: (config, _dataDir, options) =>
    openPostgresDb({
      url: config.url,
      maxConnections: config.maxConnections,
      startTimeoutMs: config.startTimeoutMs,
      ...(options.log ? { log: options.log } : {}),
    }),
};

/** Opens the metadata database the config names. */
export function openMetaDb(
  config: MetadataConfig,
  dataDir: string,
  options: OpenOptions = {},
): Promise<MetaDb> {
  const open = engines[config.kind] as (c: MetadataConfig, d: string, o: OpenOptions) => Promise<MetaDb>;
  return open(config, dataDir, options);
}
