// `vetra demo`: the whole path on one machine — simulated turbines and
// facilities (real Modbus TCP and OPC UA servers on loopback), one edge
// agent per site, and the central service with its web UI.

import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseCentralConfig } from "../central/config.ts";
import { installDemoGrid } from "../central/grid/demo-set.ts";
import { startCentral } from "../central/server.ts";
import { command, parseCommand, usageLine } from "../common/cli.ts";
import { writeFileAtomic } from "../common/files.ts";
import { startAgent } from "../edge-agent/agent.ts";
import { type AgentConfig, parseAgentConfig } from "../edge-agent/config.ts";
import { type FacilitySim, start as startFacility } from "../simulators/facility/index.ts";
import { start as startTurbine, type TurbineSim } from "../simulators/turbine/index.ts";
import { DEMO_TERMS, demoDocumentsConfig, issueDemoDocuments } from "./demo-documents.ts";
import {
  DEMO_FACILITIES,
  DEMO_TENANTS,
  DEMO_TIME_ZONE,
  DEMO_TURBINES,
  DEMO_WIND_FARM,
  demoContracts,
  demoFleet,
  facilityControlPoints,
  facilitySources,
  type SourceInput,
  turbineDiagnostics,
  turbineSources,
} from "./demo-fleet.ts";
import {
  assignDemoSchedules,
  backfillDemoFacilities,
  demoFacilitySeed,
  demoRealism,
  demoRetrofit,
  demoSavingsFacilities,
} from "./demo-savings.ts";

export interface DemoOptions {
  port: number;
  host: string;
  dataDir: string;
  store: "embedded" | "influx";
  log: (line: string) => void;
}

export interface Demo {
  url: string;
  tokens: Record<string, string>;
  stop(): Promise<void>;
}

const LOOPBACK = "127.0.0.1";

export async function startDemo(opts: DemoOptions): Promise<Demo> {
  const dataDir = resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  // One instant for the measure date, the history and the schedule, so they agree.
  const nowMs = Date.now();
  try {
    // 1. Devices.
    const turbines: { t: (typeof DEMO_TURBINES)[number]; sim: TurbineSim }[] = [];
    for (const [i, t] of DEMO_TURBINES.entries()) {
      const sim = await startTurbine({
        assetId: t.id,
        modbusPort: 0,
        opcuaPort: 0,
        faults: t.faults,
        seed: 1000 + i,
      });
      stops.push(() => sim.stop());
      turbines.push({ t, sim });
    }
    const facilities: { f: (typeof DEMO_FACILITIES)[number]; sim: FacilitySim }[] = [];
    for (const [i, f] of DEMO_FACILITIES.entries()) {
      // The measure started at the beginning of this year, so a year of
      // history before it is a baseline and the months since are reporting.
      // The school's measure is its heating schedule, which its agent runs;
      // the others' a retrofit the simulator applies. Realism (holidays,
      // irregular days, unexplained variation) as in the backfilled history.
      const retrofit = demoRetrofit(f, nowMs);
      const sim = await startFacility({
        assetId: f.id,
        kind: f.kind,
        modbusPort: 0,
        seed: demoFacilitySeed(i),
        ...(retrofit ? { measure: retrofit } : {}),
        realism: demoRealism(i, f, nowMs),
        // The building controller (BMS_UNIT_ID): setpoints, HVAC mode, lighting the agent writes.
        control: true,
      });
      stops.push(() => sim.stop());
      facilities.push({ f, sim });
    }
    opts.log(
      `devices: ${turbines.length} turbines (OPC UA + Modbus TCP), ${facilities.length} facility meters (Modbus TCP)`,
    );

    // 2. Central.
    if (opts.store === "influx" && !process.env.INFLUX_URL) {
      throw new Error(
        "--store influx needs INFLUX_URL (and INFLUX_TOKEN or INFLUX_USER/INFLUX_PASSWORD, INFLUX_DB)",
      );
    }
    // The other INFLUX_* settings are read by the central config itself.
    const centralConfig = parseCentralConfig(
      {
        server: { host: opts.host, port: opts.port },
        dataDir,
        store:
          opts.store === "influx"
            ? { kind: "influx", database: process.env.INFLUX_DB ?? "vetra" }
            : { kind: "embedded" },
        ...demoFleet(),
        contracts: demoContracts().map((c) => ({ ...c, terms: DEMO_TERMS })),
        documents: await demoDocumentsConfig(dataDir),
        // What /reports states of each facility: its measure and the measure date.
        savings: { facilities: demoSavingsFacilities(DEMO_FACILITIES, nowMs) },
      },
      process.env,
    );
    installDemoGrid(dataDir); // the illustrative grid-connection set for /map
    const central = await startCentral(centralConfig, { logger: false });
    stops.push(() => central.close());
    await backfillDemoFacilities(central.store, DEMO_FACILITIES, nowMs, opts.log); // a year of history for /reports
    // Configs and credentials hold tokens: written whole and the owner's only (0600), also over an older file.
    writeFileAtomic(join(dataDir, "central.json"), `${JSON.stringify(centralConfig, null, 2)}\n`);

    // Fresh demo tokens every start, so the credentials file is always the truth.
    const tokens: Record<string, string> = {};
    tokens.admin = await central.meta.tokens.create({ role: "admin", label: "demo admin" });
    tokens.ministry = await central.meta.tokens.create({ role: "ministry", label: "demo ministry" });
    // The region's energy manager: controls the facilities the region owns (the hospital, clinic and school).
    tokens.energy_manager = await central.meta.tokens.create({
      role: "energy_manager",
      tenant: "region",
      label: "demo energy manager",
    });
    for (const t of DEMO_TENANTS) {
      if (t.id === "region") continue;
      tokens[t.id] = await central.meta.tokens.create({
        role: "service_company",
        tenant: t.id,
        label: `demo ${t.id}`,
      });
    }
    writeFileAtomic(join(dataDir, "demo-credentials.json"), `${JSON.stringify({ tokens }, null, 2)}\n`);

    // 3. One edge agent per site.
    const agentConfigs: AgentConfig[] = [];
    const windToken = await central.meta.tokens.create({
      role: "agent",
      site: DEMO_WIND_FARM.id,
      label: "demo agent",
    });
    agentConfigs.push(
      agentConfig(
        DEMO_WIND_FARM.id,
        central.url,
        windToken,
        dataDir,
        (queueDir) =>
          turbines.flatMap(({ t, sim }) =>
            turbineSources(
              t.id,
              { host: LOOPBACK, port: sim.modbusPort },
              sim.opcuaEndpoint,
              join(queueDir, "pki"),
            ),
          ),
        turbineDiagnostics(turbines.map(({ t }) => t.id)),
      ),
    );
    for (const { f, sim } of facilities) {
      const token = await central.meta.tokens.create({ role: "agent", site: f.site, label: "demo agent" });
      const sources = facilitySources(f.id, { host: LOOPBACK, port: sim.modbusPort }, { indoor: true });
      agentConfigs.push(
        agentConfig(
          f.site,
          central.url,
          token,
          dataDir,
          () => sources,
          {},
          {
            points: facilityControlPoints(f.id, f.kind, sources[0]!.id),
            timeZone: DEMO_TIME_ZONE,
          },
        ),
      );
    }
    for (const config of agentConfigs) {
      writeFileAtomic(
        join(dataDir, "agents", `${config.agent.site}.json`),
        `${JSON.stringify(config, null, 2)}\n`,
      );
      const agent = await startAgent(config, { log: (line) => opts.log(`[${config.agent.id}] ${line}`) });
      stops.push(() => agent.stop());
    }
    opts.log(`edge agents: ${agentConfigs.map((c) => c.agent.id).join(", ")}`);
    // The school's setback schedule, the measure /reports measures, assigned as its energy manager would.
    await assignDemoSchedules(central.url, tokens.energy_manager, DEMO_FACILITIES, nowMs, opts.log);
    await issueDemoDocuments(central, opts.log);
    return { url: central.url, tokens, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function agentConfig(
  site: string,
  centralUrl: string,
  token: string,
  dataDir: string,
  sources: (queueDir: string) => SourceInput[],
  diagnostics: Record<string, unknown> = {},
  control?: Record<string, unknown>,
): AgentConfig {
  const queueDir = join(dataDir, "agents", site);
  return parseAgentConfig({
    agent: { id: `${site}-agent`, site },
    central: { url: centralUrl, token },
    queue: { dir: queueDir },
    metrics: { port: 0 },
    diagnostics,
    sources: sources(queueDir),
    ...(control ? { control } : {}),
  });
}

export const DEMO_COMMAND = command({
  name: "vetra demo",
  synopsis: ["vetra demo [--port 8080] [--host 127.0.0.1] [--data-dir .vetra] [--store embedded|influx]"],
  about:
    "a simulated wind farm and social facilities, their edge agents and the central service on one machine",
  options: {
    port: { type: "string", default: "8080", arg: "N", help: "central's HTTP port; 0 = a free port" },
    host: { type: "string", default: LOOPBACK, arg: "ADDR", help: "address to listen on" },
    "data-dir": {
      type: "string",
      default: ".vetra",
      arg: "DIR",
      help: "where data, credentials and queues live",
    },
    store: {
      type: "string",
      default: "embedded",
      arg: "KIND",
      help: "embedded (SQLite) or influx (needs influxd on PATH)",
    },
  },
});

export async function runDemo(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, DEMO_COMMAND);
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(usageLine("vetra demo", `--port must be a TCP port, got '${values.port}'`));
    return 2;
  }
  if (values.store !== "embedded" && values.store !== "influx") {
    console.error(usageLine("vetra demo", `--store must be embedded or influx, got '${values.store}'`));
    return 2;
  }
  let demo: Demo;
  try {
    demo = await startDemo({
      port,
      host: values.host,
      dataDir: values["data-dir"],
      store: values.store,
      log: (line) => console.log(line),
    });
  } catch (err) {
    console.error(`vetra demo: ${(err as Error).message}`);
    return 1;
  }
  const credentials = join(resolve(values["data-dir"]), "demo-credentials.json");
  console.log("");
  // No token in an address (addresses end up in logs, history and Referer): the console asks for one.
  console.log(`Vetra is running: ${demo.url}/`);
  console.log(`  sign in:      paste a token from ${credentials}`);
  console.log(
    `                ("admin" for everything, "ministry" for /reports, "energy_manager" for #/control,`,
  );
  console.log(`                 a company id for its turbines)`);
  console.log(`  savings:      ${demo.url}/reports`);
  console.log(`  API docs:     ${demo.url}/docs`);
  console.log(`  grid map:     ${demo.url}/map`);
  console.log("Press Ctrl+C to stop.");
  await new Promise<void>((done) => {
    const onSignal = () => done();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });
  console.log("stopping…");
  await demo.stop();
  return 0;
}
