// Central's alarm parts without a server, for tests and benchmarks that run
// them on a clock of their own: a fresh data dir holding the metadata SQLite
// file with the config's fleet and the embedded store, the alarm book, and
// the evaluator wired as central/plugins/service.ts wires it (less the
// comfort side and the logging).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CentralConfig, parseCentralConfig } from "../../central/config.ts";
import { AlarmBook } from "../../central/maintenance/alarm-book.ts";
import { AlarmEvaluator } from "../../central/maintenance/evaluator.ts";
import { MetaStore } from "../../central/meta/meta.ts";
import { openEmbeddedStore } from "../../central/stores/embedded.ts";
import type { TimeSeriesStore } from "../../central/stores/types.ts";

export interface AlarmParts {
  config: CentralConfig;
  meta: MetaStore;
  store: TimeSeriesStore;
  book: AlarmBook;
  evaluator: AlarmEvaluator;
  /** Closes the store and the metadata file and removes the data dir. */
  close(): Promise<void>;
}

/** The alarm parts of a central configured with `config` (its fleet and `alarms`, `zones`), on `clock`. */
export async function openAlarmParts(
  config: Record<string, unknown>,
  clock: () => number,
): Promise<AlarmParts> {
  const dir = mkdtempSync(join(tmpdir(), "vetra-alarms-"));
  const parsed = parseCentralConfig({ dataDir: dir, ...config });
  const meta = await MetaStore.openFile(join(dir, "metadata.sqlite"));
  await meta.fleet.replace(parsed);
  const store = openEmbeddedStore({ path: join(dir, "timeseries.sqlite") });
  const book = new AlarmBook(meta.db, clock);
  const evaluator = new AlarmEvaluator({
    store,
    meta,
    book,
    alarms: parsed.alarms,
    savings: parsed.savings,
    ...(parsed.zones ? { zones: parsed.zones } : {}),
    clock,
  });
  return {
    config: parsed,
    meta,
    store,
    book,
    evaluator,
    async close() {
      await store.close();
      await meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
