// A real central for hostile-request tests: `startCentral` (the function
// `vetra central` runs) listening on a free loopback port, on temp files,
// with the fixture fleet and one token per role, over the embedded store or
// a throwaway influxd. Requests go over the socket with fetch.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCentralConfig } from "../../central/config.ts";
import { type RunningCentral, startCentral } from "../../central/server.ts";
import { bearer, createFixtureTokens, FIXTURE_FLEET, type FixtureTokens } from "./central-fixture.ts";
import type { RunningInfluxd } from "./influxd.ts";

export type StoreKind = "embedded" | "influx";

export interface CentralUnderTest {
  url: string;
  central: RunningCentral;
  dataDir: string;
  /** The InfluxDB database of an influx central. */
  influxDatabase: string | null;
  tokens: FixtureTokens;
  /** fetch against central; `token` becomes the bearer header. */
  request(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

let influxDatabases = 0;

export async function startCentralUnderTest(
  options: { store?: StoreKind; influx?: RunningInfluxd; config?: Record<string, unknown> } = {},
): Promise<CentralUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), "vetra-central-"));
  const kind = options.store ?? "embedded";
  if (kind === "influx" && !options.influx) throw new Error("an influx central needs a running influxd");
  const store =
    kind === "influx"
      ? { kind: "influx", url: options.influx!.url, database: `central_${process.pid}_${++influxDatabases}` }
      : { kind: "embedded" };
  const config = parseCentralConfig({
    server: { host: "127.0.0.1", port: 0 },
    dataDir,
    store,
    ...FIXTURE_FLEET,
    alarms: { evaluateEveryMs: 0, onDelayMs: 0, offDelayMs: 0 },
    notifications: { pumpEveryMs: 0 },
    ...options.config,
  });
  const central = await startCentral(config);
  const tokens = await createFixtureTokens(central.meta.tokens);
  return {
    url: central.url,
    central,
    dataDir,
    influxDatabase: kind === "influx" ? (store as { database: string }).database : null,
    tokens,
    request(path, init = {}) {
      const { token, json, headers, ...rest } = init;
      return fetch(`${central.url}${path}`, {
        ...rest,
        headers: {
          ...(token ? bearer(token) : {}),
          ...(json !== undefined ? { "content-type": "application/json" } : {}),
          ...(headers as Record<string, string> | undefined),
        },
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    },
    async close() {
      await central.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
