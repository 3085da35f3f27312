// A real central on a free port of loopback (`startCentral`, the code
// `vetra central` runs) with the fixture fleet and one token per role, for
// tests that attack it over real sockets.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CentralConfig, parseCentralConfig } from "../../central/config.ts";
import type { MetaStore } from "../../central/meta/meta.ts";
import { type RunningCentral, startCentral } from "../../central/server.ts";
import { FIXTURE_FLEET } from "./central-fixture.ts";

export interface TestCentral {
  url: string;
  dataDir: string;
  config: CentralConfig;
  central: RunningCentral;
  meta: MetaStore;
  tokens: {
    admin: string;
    ministry: string;
    north: string;
    south: string;
    /** energy_manager of the tenant `region` (owner of the facility H01). */
    energy: string;
    agentWf1: string;
    agentWf2: string;
  };
  auth(token: string): { authorization: string };
  /** Stops central; the data dir is removed unless `keepDataDir`. */
  close(): Promise<void>;
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
  const tokens = {
    admin: central.adminToken ?? (await meta.tokens.create({ role: "admin", label: "admin" })),
    ministry: await meta.tokens.create({ role: "ministry", label: "ministry" }),
    north: await meta.tokens.create({ role: "service_company", tenant: "sc-north", label: "north ops" }),
    south: await meta.tokens.create({ role: "service_company", tenant: "sc-south", label: "south ops" }),
    energy: await meta.tokens.create({ role: "energy_manager", tenant: "region", label: "region energy" }),
    agentWf1: await meta.tokens.create({ role: "agent", site: "wf1", label: "edge wf1" }),
    agentWf2: await meta.tokens.create({ role: "agent", site: "wf2", label: "edge wf2" }),
  };
  return {
    url: central.url,
    dataDir,
    config,
    central,
    meta,
    tokens,
    auth: (token) => ({ authorization: `Bearer ${token}` }),
    async close() {
      await central.close();
      if (owned) rmSync(join(dataDir, ".."), { recursive: true, force: true });
    },
  };
}
