// The compose stack's `demo` profile: an agent token per demo site, made in
// central's metadata database (the one central's config names: PostgreSQL
// in the pilot, with DATABASE_URL), and the edge agents' configurations
// written next to it, so no token is ever kept in the repository or typed
// by hand. Run once after central is healthy; a site whose configuration
// exists is left as it is (its token stays valid), so running it again
// changes nothing.
//
//   node dist/deploy/compose/demo-agents.js (--config FILE | --data-dir DIR) --out DIR --central-url URL   (compiled, in the image)
//   node bin/run-ts.js deploy/compose/demo-agents.ts …                                   (from the sources)
//
// The simulators of the profile share one network namespace with the
// agents (they listen on loopback only), so every device is 127.0.0.1 with
// the ports below, which compose.yaml passes to `vetra sim`.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type CentralConfig, loadCentralConfig } from "../../central/config.ts";
import { MetaStore } from "../../central/meta/meta.ts";
import {
  facilitySources,
  type SourceInput,
  turbineDiagnostics,
  turbineSources,
} from "../../cli/demo-fleet.ts";
import { parseAgentConfig } from "../../edge-agent/config.ts";

const LOOPBACK = "127.0.0.1";

/** The demo profile's devices: one `vetra sim` service each in compose.yaml. */
export const DEMO_DEVICES = {
  T01: { kind: "turbine", site: "wf-caspian", modbusPort: 5021, opcuaPort: 4841 },
  T02: { kind: "turbine", site: "wf-caspian", modbusPort: 5022, opcuaPort: 4842 },
  H01: { kind: "facility", site: "fac-h01", modbusPort: 5031 },
} as const satisfies Record<
  string,
  { kind: "turbine" | "facility"; site: string; modbusPort: number; opcuaPort?: number }
>;

/** Prometheus metrics port of each site's agent (inside the shared namespace). */
export const DEMO_METRICS_PORTS: Record<string, number> = { "wf-caspian": 9464, "fac-h01": 9465 };

/** Where each agent keeps its queue (a named volume mounted at /var/lib/vetra-edge). */
export const DEMO_QUEUE_ROOT = "/var/lib/vetra-edge";

export interface DemoAgentsOptions {
  /** Central's configuration (where its metadata database is). */
  config: Pick<CentralConfig, "metadata" | "dataDir">;
  /** Folder the agents read their configurations from. */
  outDir: string;
  /** Central as the agents reach it. */
  centralUrl: string;
}

/** Writes `<outDir>/<site>.json` for every demo site that has none; returns the files written. */
export async function writeDemoAgents(options: DemoAgentsOptions): Promise<string[]> {
  mkdirSync(options.outDir, { recursive: true });
  const sites = [...new Set(Object.values(DEMO_DEVICES).map((d) => d.site))];
  const written: string[] = [];
  const meta = await MetaStore.open(options.config);
  try {
    for (const site of sites) {
      const file = join(options.outDir, `${site}.json`);
      if (existsSync(file)) continue;
      const queueDir = join(DEMO_QUEUE_ROOT, site);
      const devices = Object.entries(DEMO_DEVICES).filter(([, d]) => d.site === site);
      const turbines = devices.filter(([, d]) => d.kind === "turbine").map(([asset]) => asset);
      const sources: SourceInput[] = devices.flatMap(([asset, d]) =>
        d.kind === "turbine"
          ? turbineSources(
              asset,
              { host: LOOPBACK, port: d.modbusPort },
              `opc.tcp://${LOOPBACK}:${d.opcuaPort}/vetra/turbine`,
              join(queueDir, "pki"),
            )
          : // The building controller's indoor temperature too, as `vetra demo` reads it: central judges it
            // against the room's comfort band (the simulator serves the controller with `--control`).
            facilitySources(asset, { host: LOOPBACK, port: d.modbusPort }, { indoor: true }),
      );
      const token = await meta.tokens.create({ role: "agent", site, label: "compose demo agent" });
      // Validated here, so a bad demo configuration fails this one-shot, not the agent.
      const config = parseAgentConfig({
        agent: { id: `${site}-agent`, site },
        central: { url: options.centralUrl, token },
        queue: { dir: queueDir },
        metrics: { host: LOOPBACK, port: DEMO_METRICS_PORTS[site] ?? 0 },
        sources,
        // The simulated drive train's bearings and gears, so bearing faults are diagnosed.
        ...(turbines.length ? { diagnostics: turbineDiagnostics(turbines) } : {}),
      });
      writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
      written.push(file);
    }
  } finally {
    await meta.close();
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      config: { type: "string" },
      "data-dir": { type: "string" },
      out: { type: "string" },
      "central-url": { type: "string" },
    },
    strict: true,
  });
  const configFile = values.config;
  const dataDir = values["data-dir"];
  const outDir = values.out;
  const centralUrl = values["central-url"];
  if ((!configFile && !dataDir) || (configFile && dataDir) || !outDir || !centralUrl) {
    console.error("usage: demo-agents.ts (--config FILE | --data-dir DIR) --out DIR --central-url URL");
    process.exit(2);
  }
  // --data-dir: central's SQLite metadata in that folder (the compose pilot's shared volume).
  const config: Pick<CentralConfig, "metadata" | "dataDir"> = configFile
    ? loadCentralConfig(configFile)
    : { metadata: { kind: "sqlite" }, dataDir: dataDir! };
  const written = await writeDemoAgents({ config, outDir, centralUrl });
  console.log(
    written.length
      ? `demo agent configurations written: ${written.join(", ")}`
      : "demo agent configurations exist; nothing to do",
  );
}
