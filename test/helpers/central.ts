// A real central on a free port of loopback (`startCentral`, the code
// `vetra central` runs) with the fixture fleet and one token per role, for
// tests that attack it over real sockets.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCentralConfig } from "../../central/config.ts";
import { type RunningCentral, startCentral } from "../../central/server.ts";
import {
  bearer,
  createFixtureTokens,
  FIXTURE_FLEET,
  type FixtureCentralBase,
  wf1Batch,
} from "./central-fixture.ts";

export interface TestCentral extends FixtureCentralBase {
  url: string;
  dataDir: string;
  central: RunningCentral;
}

export async function startTestCentral(
  options: {
    /** Config keys beside the fleet (e.g. `server.trustProxy`, `grid`). */
    config?: Record<string, unknown>;
    /** Pino options (e.g. a `stream` to capture the log), or false. */
    logger?: boolean | object;
    /** A data dir to use (not removed on close); default a fresh temp dir. */
    dataDir?: string;
    /** Called with the data dir before central starts (e.g. to install a grid set). */
    beforeStart?: (dataDir: string) => void;
  } = {},
): Promise<TestCentral> {
  const owned = options.dataDir === undefined;
  const dataDir = options.dataDir ?? join(mkdtempSync(join(tmpdir(), "vetra-sec-")), "data");
  const { server, ...rest } = options.config ?? {};
  const config = parseCentralConfig({
    ...FIXTURE_FLEET,
    ...rest,
    server: { host: "127.0.0.1", port: 0, ...(server as object | undefined) },
    dataDir,
  });
  options.beforeStart?.(dataDir);
  const central = await startCentral(config, { logger: options.logger ?? false });
  const { meta } = central;
  const tokens = await createFixtureTokens(meta.tokens, central.adminToken);
  return {
    url: central.url,
    dataDir,
    config,
    central,
    meta,
    tokens,
    auth: bearer,
    async close() {
      await central.close();
      if (owned) rmSync(join(dataDir, ".."), { recursive: true, force: true });
    },
  };
}

/** POSTs one batch of one T01 power reading (a second old) as wf1's agent: an ingest central accepts. */
export function ingestOnePowerReading(
  c: TestCentral,
  batchId: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${c.url}/api/v1/ingest`, {
    method: "POST",
    headers: { ...c.auth(c.tokens.agentWf1), "content-type": "application/json", ...headers },
    body: JSON.stringify(
      wf1Batch(batchId, [
        {
          measurement: "scada",
          tags: { site: "wf1", asset: "T01" },
          fields: { power_kw: 1 },
          ts: Date.now() - 1000,
        },
      ]),
    ),
  });
}
