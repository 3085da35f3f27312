// The compose stack without a Docker engine: `docker-compose config` parses
// and resolves it (Debian's docker-compose needs no engine for that); the
// resolved file is then checked against the code — every environment
// variable it gives a Vetra container is one the code reads, central's
// config plus that environment passes parseCentralConfig and points at the
// InfluxDB service with its credentials, Grafana gets what the data-source
// file of dashboards/ reads. The demo profile's one-shot runs for real
// against a central, and the image's contents are checked against what
// the commands import (built from every source folder they load, run
// compiled on production packages only: no devDependency, no tsx).
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseCentralConfig } from "../central/config.ts";
import { type RunningCentral, startCentral } from "../central/server.ts";
import { INDOOR_TEMP_REGISTER } from "../cli/demo-fleet.ts";
import { loadAgentConfig } from "../edge-agent/config.ts";
import { SOURCE_FILES } from "./build.ts";
import { DEMO_DEVICES, DEMO_METRICS_PORTS, writeDemoAgents } from "./compose/demo-agents.ts";
import { envReadByCode, NODE_RUNTIME_ENV } from "./env-read.ts";

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, "..");
const COMPOSE_DIR = join(REPO, "deploy", "compose");
const COMPOSE_FILE = join(COMPOSE_DIR, "compose.yaml");
const ENV_EXAMPLE = join(COMPOSE_DIR, ".env.example");
const VETRA_IMAGE = "vetra:local";
/** Secrets a test run gives compose (the example file leaves them empty on purpose). */
const TEST_SECRETS = {
  INFLUX_ADMIN_PASSWORD: "test-admin-secret",
  INFLUX_PASSWORD: "test-central-secret",
  INFLUX_GRAFANA_PASSWORD: "test-grafana-secret",
  GRAFANA_ADMIN_PASSWORD: "test-grafana-admin-secret",
  POSTGRES_PASSWORD: "test-postgres-secret",
};

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  volumes?: (string | { type: string; source: string; target: string })[];
  healthcheck?: { test: string[] };
  network_mode?: string;
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** `docker-compose` (Debian's package) or the `docker compose` plugin, whichever is here. */
async function findCompose(): Promise<string[] | null> {
  for (const cmd of [["docker-compose"], ["docker", "compose"]]) {
    try {
      await run(cmd[0]!, [...cmd.slice(1), "version"]);
      return cmd;
    } catch {
      // try the next
    }
  }
  return null;
}
const compose = await findCompose();
const composeRequired = compose !== null || process.env.CI === "true";

async function composeConfig(env: Record<string, string>, profiles: string[] = []) {
  if (!compose) throw new Error("docker-compose is not installed (Debian package docker-compose)");
  const args = [
    ...compose.slice(1),
    "-f",
    COMPOSE_FILE,
    "--env-file",
    ENV_EXAMPLE,
    ...profiles.flatMap((p) => ["--profile", p]),
    "config",
  ];
  // Only PATH from this shell: the secrets come from `env`, never from a developer's own.
  return run(compose[0]!, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } });
}

interface Mount {
  type: "bind" | "volume";
  source: string;
  target: string;
}
/** A service's volumes in one shape: docker-compose 1.x prints `SOURCE:TARGET[:MODE]`, compose 2.x objects. */
function mountsOf(s: Service): Mount[] {
  return (s.volumes ?? []).map((v) => {
    if (typeof v !== "string")
      return { type: v.type === "bind" ? "bind" : "volume", source: v.source, target: v.target };
    const [source, target] = v.split(":") as [string, string];
    return { type: source.startsWith("/") || source.startsWith(".") ? "bind" : "volume", source, target };
  });
}

const describeCompose = composeRequired ? describe : describe.skip;

describeCompose("deploy/compose/compose.yaml", () => {
  let resolved: Compose;
  const vetraServices = () => Object.entries(resolved.services).filter(([, s]) => s.image === VETRA_IMAGE);
  const service = (name: string): Service => {
    const s = resolved.services[name];
    if (!s) throw new Error(`no service ${name}`);
    return s;
  };

  beforeAll(async () => {
    const out = await composeConfig(TEST_SECRETS, ["demo"]);
    resolved = parseYaml(out.stdout) as Compose;
  });

  it("parses with docker-compose config; an empty secret stops it with the variable's name", async () => {
    expect(Object.keys(resolved.services).sort()).toEqual(
      [
        "agent-h01",
        "agent-wind",
        "central",
        "demo-agents",
        "grafana",
        "influxdb",
        "postgres",
        "sim-h01",
        "sim-t01",
        "sim-t02",
      ].sort(),
    );
    // Every required secret (`${NAME:?…}`) is listed, empty, in .env.example.
    const text = readFileSync(COMPOSE_FILE, "utf8");
    const required = [...new Set([...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]!))].sort();
    expect(required).toEqual(Object.keys(TEST_SECRETS).sort());
    const example = Object.fromEntries(
      readFileSync(ENV_EXAMPLE, "utf8")
        .split("\n")
        .filter((l) => /^[A-Z]/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    for (const name of required) expect(example[name], name).toBe("");
    for (const name of required) {
      const others = Object.fromEntries(Object.entries(TEST_SECRETS).filter(([k]) => k !== name));
      const failed = await composeConfig(others).then(
        () => null,
        (e: { stderr: string }) => e,
      );
      expect(failed?.stderr, name).toContain(`set ${name} in .env`);
    }
  });

  it("gives the Vetra containers only environment variables the code reads", () => {
    const read = envReadByCode();
    const set = vetraServices().flatMap(([name, s]) =>
      Object.keys(s.environment ?? {}).map((v) => [name, v]),
    );
    expect(set.length).toBeGreaterThan(0);
    const unread = set.filter(([, v]) => !read.has(v!) && !NODE_RUNTIME_ENV.has(v!));
    expect(unread).toEqual([]);
  });

  it("central: its config file plus its environment passes parseCentralConfig and reaches the InfluxDB service", () => {
    const central = service("central");
    expect(central.command).toEqual(["central", "--config", "/etc/vetra/central.yaml"]);
    const mount = mountsOf(central).find((m) => m.target === "/etc/vetra/central.yaml");
    expect(mount?.type).toBe("bind");
    expect(mount && relative(COMPOSE_DIR, mount.source)).toBe("central.yaml");
    const file = parseYaml(readFileSync(join(COMPOSE_DIR, "central.yaml"), "utf8"));
    // Without the environment the store has no address: the variables are required, and set.
    expect(() => parseCentralConfig(file, {})).toThrow(/store\.url/);
    const config = parseCentralConfig(file, central.environment ?? {});
    expect(config.store.kind).toBe("influx");
    if (config.store.kind !== "influx") return;
    const influx = service("influxdb").environment ?? {};
    const url = new URL(config.store.url);
    expect(resolved.services[url.hostname]?.image).toMatch(/^influxdb:1\./);
    expect(url.port).toBe("8086");
    expect(config.store.database).toBe(influx.INFLUXDB_DB);
    expect(config.store.username).toBe(influx.INFLUXDB_USER);
    expect(config.store.password).toBe(influx.INFLUXDB_USER_PASSWORD);
    expect(config.store.password).toBe(TEST_SECRETS.INFLUX_PASSWORD);
    expect(["fatal", "error", "warn", "info", "debug", "trace"]).toContain(central.environment?.LOG_LEVEL);
    // Its metadata in the `postgres` service's database, as that service's user (DATABASE_URL only).
    expect(() => parseCentralConfig(file, { ...central.environment, DATABASE_URL: undefined })).toThrow(
      /metadata\.url/,
    );
    expect(config.metadata.kind).toBe("postgres");
    if (config.metadata.kind !== "postgres") return;
    const pg = service("postgres").environment ?? {};
    const db = new URL(config.metadata.url);
    expect(resolved.services[db.hostname]?.image).toMatch(/^postgres:/);
    expect(db.port).toBe("5432");
    expect(db.pathname).toBe(`/${pg.POSTGRES_DB}`);
    expect(decodeURIComponent(db.username)).toBe(pg.POSTGRES_USER);
    expect(decodeURIComponent(db.password)).toBe(TEST_SECRETS.POSTGRES_PASSWORD);
    expect(central.depends_on?.postgres?.condition).toBe("service_healthy");
    // Listens where the port mapping and the health check look, keeps its data in the volume.
    expect(config.server).toMatchObject({ host: "0.0.0.0", port: 8080 });
    expect(config.dataDir).toBe("/var/lib/vetra");
    expect(mountsOf(central)).toContainEqual({
      type: "volume",
      source: "central-data",
      target: config.dataDir,
    });
  });

  it("grafana: the data source's variables are set, to InfluxDB's read-only user; the provisioning is mounted", async () => {
    const { datasourceFile, DASHBOARDS_MOUNT, GRAFANA_ENV } = await import("../dashboards/provisioning.ts");
    const { buildFiles, DEFAULT_PUBLIC_URL } = await import("../dashboards/build.ts");
    const grafana = service("grafana");
    const env = grafana.environment ?? {};
    const referenced = [...datasourceFile().matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
    for (const name of new Set([...referenced, ...GRAFANA_ENV])) expect(env[name], name).toBeTruthy();
    const influx = service("influxdb").environment ?? {};
    expect(env.INFLUX_USER).toBe(influx.INFLUXDB_READ_USER);
    expect(env.INFLUX_PASSWORD).toBe(influx.INFLUXDB_READ_USER_PASSWORD);
    expect(new URL(env.INFLUX_URL!).hostname).toBe("influxdb");
    const binds = Object.fromEntries(
      mountsOf(grafana)
        .filter((m) => m.type === "bind")
        .map((m) => [m.target, relative(REPO, m.source)]),
    );
    expect(binds["/etc/grafana/provisioning"]).toBe(join("dashboards", "dist", "provisioning"));
    expect(binds[DASHBOARDS_MOUNT]).toBe(join("dashboards", "dist", "dashboards"));
    // The home dashboard is one `npm run dashboards` writes.
    const home = env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(home.startsWith(`${DASHBOARDS_MOUNT}/`)).toBe(true);
    const built = [...buildFiles(DEFAULT_PUBLIC_URL).keys()];
    expect(built).toContain(join("dashboards", relative(DASHBOARDS_MOUNT, home)));
  });

  it("health checks: /readyz for central, /ping for InfluxDB, /api/health for Grafana; data in named volumes", () => {
    expect(service("central").healthcheck?.test.join(" ")).toContain("http://127.0.0.1:8080/readyz");
    expect(service("influxdb").healthcheck?.test.join(" ")).toContain("http://127.0.0.1:8086/ping");
    expect(service("grafana").healthcheck?.test.join(" ")).toContain("http://127.0.0.1:3000/api/health");
    expect(service("postgres").healthcheck?.test.join(" ")).toContain("pg_isready");
    expect(service("central").depends_on?.influxdb?.condition).toBe("service_healthy");
    const named = new Set(Object.keys(resolved.volumes ?? {}));
    for (const [name, s] of Object.entries(resolved.services)) {
      for (const m of mountsOf(s))
        if (m.type === "volume") expect(named.has(m.source), `${name}: ${m.source}`).toBe(true);
    }
    for (const [name, target] of [
      ["influxdb", "/var/lib/influxdb"],
      ["grafana", "/var/lib/grafana"],
      ["postgres", "/var/lib/postgresql/data"],
      ["central", "/var/lib/vetra"],
    ] as const) {
      expect(mountsOf(service(name))).toContainEqual(expect.objectContaining({ type: "volume", target }));
    }
  });

  it("demo profile: simulators on the ports the agents' configurations use, sharing the agents' network", () => {
    for (const [asset, device] of Object.entries(DEMO_DEVICES)) {
      const sim = service(`sim-${asset.toLowerCase()}`);
      expect(sim.profiles).toEqual(["demo"]);
      const cmd = sim.command ?? [];
      expect(cmd.slice(0, 4)).toEqual(["sim", device.kind, "--asset", asset]);
      expect(cmd[cmd.indexOf("--modbus-port") + 1]).toBe(String(device.modbusPort));
      if ("opcuaPort" in device) expect(cmd[cmd.indexOf("--opcua-port") + 1]).toBe(String(device.opcuaPort));
      // A facility serves its building controller (unit 4), whose indoor temperature its agent reads.
      if (device.kind === "facility") expect(cmd, asset).toContain("--control");
    }
    const owner = "sim-t01";
    for (const name of ["sim-t02", "sim-h01", "agent-wind", "agent-h01"])
      expect(service(name).network_mode, name).toBe(`service:${owner}`);
    for (const [name, site] of [
      ["agent-wind", "wf-caspian"],
      ["agent-h01", "fac-h01"],
    ] as const) {
      expect(service(name).command).toEqual(["edge", "--config", `/etc/vetra/agents/${site}.json`]);
      expect(service(name).depends_on?.["demo-agents"]?.condition).toBe("service_completed_successfully");
    }
    // The compiled one-shot (deploy/build.ts compiles it beside the commands).
    expect(service("demo-agents").entrypoint).toEqual([
      "node",
      "--enable-source-maps",
      "dist/deploy/compose/demo-agents.js",
    ]);
    expect(SOURCE_FILES).toContain("deploy/compose/demo-agents.ts");
    expect(service("demo-agents").command).toEqual([
      "--config",
      "/etc/vetra/central.yaml",
      "--out",
      "/etc/vetra/agents",
      "--central-url",
      "http://central:8080",
    ]);
    // It makes the tokens in central's own metadata database: the same file, the same DATABASE_URL.
    const agents = service("demo-agents");
    const configOf = (s: Service) => mountsOf(s).find((m) => m.target === "/etc/vetra/central.yaml")?.source;
    expect(configOf(agents)).toBe(configOf(service("central")));
    expect(agents.environment?.DATABASE_URL).toBe(service("central").environment?.DATABASE_URL);
    const file = parseYaml(readFileSync(join(COMPOSE_DIR, "central.yaml"), "utf8"));
    expect(parseCentralConfig(file, agents.environment ?? {}).metadata.kind).toBe("postgres");
  });
});

describe("the demo profile's one-shot (demo-agents.ts) against a real central", () => {
  let tmp: string;
  let central: RunningCentral;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "vetra-compose-demo-"));
    const file = parseYaml(readFileSync(join(COMPOSE_DIR, "central.yaml"), "utf8")) as object;
    central = await startCentral(
      parseCentralConfig({
        ...file,
        server: { host: "127.0.0.1", port: 0 },
        dataDir: join(tmp, "central"),
        store: { kind: "embedded" },
        metadata: { kind: "sqlite" }, // the one-shot writes wherever central's config says; here a file
      }),
    );
  });
  afterAll(async () => {
    await central?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("writes one valid configuration per site whose token central accepts; a second run changes nothing", async () => {
    const outDir = join(tmp, "agents");
    const options = {
      config: { metadata: { kind: "sqlite" as const }, dataDir: join(tmp, "central") },
      outDir,
      centralUrl: central.url,
    };
    const written = await writeDemoAgents(options);
    expect(written.map((f) => relative(outDir, f)).sort()).toEqual(["fac-h01.json", "wf-caspian.json"]);
    const before = written.map((f) => readFileSync(f, "utf8"));
    expect(await writeDemoAgents(options)).toEqual([]);
    expect(written.map((f) => readFileSync(f, "utf8"))).toEqual(before);

    for (const path of written) {
      const config = loadAgentConfig(path);
      const site = config.agent.site;
      expect(config.metrics?.port).toBe(DEMO_METRICS_PORTS[site]);
      const assets = Object.entries(DEMO_DEVICES)
        .filter(([, d]) => d.site === site)
        .map(([asset]) => asset);
      expect([...new Set(config.sources.map((s) => s.asset))].sort()).toEqual(assets.sort());
      // A facility's agent reads the indoor temperature as `vetra demo`'s does (cli/demo.ts), for comfort alarms.
      for (const asset of assets.filter(
        (a) => DEMO_DEVICES[a as keyof typeof DEMO_DEVICES].kind === "facility",
      )) {
        const registers = config.sources
          .filter((s) => s.asset === asset)
          .flatMap((s) => (s.kind === "modbus" ? s.registers : []));
        expect(registers, asset).toContainEqual(expect.objectContaining(INDOOR_TEMP_REGISTER));
      }
      // The token is an agent token of this site: central stores a batch of it.
      const res = await fetch(`${central.url}/api/v1/ingest`, {
        method: "POST",
        headers: { authorization: `Bearer ${config.central.token}`, "content-type": "application/json" },
        body: JSON.stringify({
          batchId: `compose-demo-${site}`,
          agent: config.agent.id,
          site,
          sentAt: Date.now(),
          points: [{ measurement: "agent", tags: { site }, fields: { queue_depth: 0 }, ts: Date.now() }],
        }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await res.json()).toMatchObject({ accepted: 1 });
    }
  });
});

describe("deploy/compose/Dockerfile", () => {
  const dockerfile = readFileSync(join(COMPOSE_DIR, "Dockerfile"), "utf8");
  /** The stages, by name (`FROM … AS name`; the last one, the image, is "image"). */
  const stages = new Map<string, string>();
  for (const part of dockerfile.split(/^(?=FROM )/m).filter((p) => p.startsWith("FROM "))) {
    const name = /^FROM \S+(?: AS (\S+))?/.exec(part)?.[1] ?? "image";
    stages.set(name, part);
  }
  const copiedIn = (stage: string) =>
    [...(stages.get(stage) ?? "").matchAll(/^COPY (?!--from)(.+) (\S+)$/gm)].flatMap((m) =>
      m[1]!.split(/\s+/),
    );

  it("builds the compiled commands from every source file they load; the image runs them on production packages", async () => {
    expect([...stages.keys()]).toEqual(["build", "deps", "image"]);
    // Every command of the image: `vetra …` (cli/main.ts loads each command's module) and the demo one-shot.
    const result = await build({
      absWorkingDir: REPO,
      entryPoints: ["cli/main.ts", "deploy/compose/demo-agents.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      packages: "external",
      metafile: true,
      write: false,
      outdir: "out",
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain("central/cli.ts");
    expect(inputs).toContain("edge-agent/cli.ts");
    expect(inputs).toContain("simulators/cli.ts");
    const copied = copiedIn("build");
    const outside = [...inputs, "deploy/build.ts"].filter(
      (f) => !copied.some((c) => f === c || f.startsWith(`${c}/`)),
    );
    expect(outside).toEqual([]);
    expect(stages.get("build")).toMatch(/^RUN npm ci /m);
    expect(stages.get("build")).toMatch(/^RUN npm run build$/m);

    const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    // `npm run build` in the build stage: every file its command names is there.
    const buildFiles = manifest.scripts.build!.split(/\s+/).filter((w) => /\.(ts|js)$/.test(w));
    expect(buildFiles).toContain("deploy/build.ts");
    for (const f of buildFiles)
      expect(
        copied.some((c) => f === c || f.startsWith(`${c}/`)),
        `${f} (npm run build) is not copied into the build stage`,
      ).toBe(true);
    const packages = new Set<string>();
    for (const output of Object.values(result.metafile.outputs))
      for (const imp of output.imports)
        if (imp.external && !imp.path.startsWith("node:") && !imp.path.startsWith("."))
          packages.add(
            imp.path.startsWith("@") ? imp.path.split("/").slice(0, 2).join("/") : imp.path.split("/")[0]!,
          );
    // No TypeScript loader: tsx is a devDependency, for the sources only.
    expect(packages.has("tsx")).toBe(false);
    expect(manifest.dependencies.tsx).toBeUndefined();
    const notRuntime = [...packages].filter((p) => !(p in manifest.dependencies));
    expect(notRuntime).toEqual([]);

    // The image: production packages, the compiled build, and nothing of the sources.
    expect(stages.get("deps")).toMatch(/^RUN npm ci --omit=dev/m);
    const image = stages.get("image")!;
    expect(image).toMatch(/^COPY --from=deps \/app\/node_modules \.\/node_modules$/m);
    expect(image).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(copiedIn("image")).toEqual(["package.json"]);
    expect(image).toMatch(/^ENTRYPOINT \["node", "--enable-source-maps", "dist\/cli\/main\.js"\]$/m);
    for (const stage of ["build", "deps"])
      for (const c of copiedIn(stage)) expect(existsSync(join(REPO, c)), c).toBe(true);
  });
});
