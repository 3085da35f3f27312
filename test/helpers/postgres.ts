// A throwaway PostgreSQL cluster for tests and benchmarks: initdb in a temp
// dir, the server on a free loopback port with its socket in that dir,
// trust authentication for one superuser, and durability off (fsync,
// synchronous_commit, full_page_writes) — a test cluster is deleted anyway,
// and an fsync per commit on a shared disk would time the disk, not the
// code. Suites that need it skip with a message when PostgreSQL is missing,
// except under CI=true where they must fail (like influxd.ts).
//
// PostgreSQL refuses to run as root: as root, every server command runs as
// the `postgres` system user (runuser), in a temp dir it owns.
import { execFile, execFileSync } from "node:child_process";
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./ports.ts";

const run = promisify(execFile);
const SERVER_BINARIES = ["initdb", "pg_ctl", "postgres", "createdb"];

const hasServerBinaries = (dir: string): boolean =>
  SERVER_BINARIES.every((b) => {
    try {
      accessSync(join(dir, b), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/** `/usr/lib/postgresql/15/bin` → 15 (newest first when sorting). */
const majorOf = (dir: string): number => Number(/postgresql\/(\d+)/.exec(dir)?.[1] ?? 0);

/**
 * The folder of initdb, pg_ctl and postgres, or null when PostgreSQL's
 * server is not installed: PG_BINDIR, `pg_config --bindir`, the newest
 * /usr/lib/postgresql/<major>/bin (Debian, Ubuntu), then PATH.
 */
export function postgresBinDir(): string | null {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  try {
    candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8", stdio: "pipe" }).trim());
  } catch {
    // no pg_config (it comes with the client or -dev packages)
  }
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian))
    candidates.push(
      ...readdirSync(debian)
        .map((v) => join(debian, v, "bin"))
        .sort((a, b) => majorOf(b) - majorOf(a)),
    );
  candidates.push(...(process.env.PATH ?? "").split(delimiter).filter(Boolean));
  return candidates.find((dir) => dir && hasServerBinaries(dir)) ?? null;
}

/**
 * True when the PostgreSQL suites can run. Under CI=true a missing server is
 * an error (thrown here, so the suite fails rather than silently skipping).
 */
export function postgresAvailable(): boolean {
  if (postgresBinDir() !== null) return true;
  if (process.env.CI === "true") {
    throw new Error(
      "PostgreSQL (initdb, pg_ctl, postgres) is not installed but CI=true: its suites must run",
    );
  }
  console.warn(
    "PostgreSQL not found (install Debian's postgresql or set PG_BINDIR): skipping PostgreSQL suites",
  );
  return false;
}

export interface RunningPostgres {
  /** `postgres://vetra@127.0.0.1:<port>/vetra_test` (trust authentication on loopback). */
  url: string;
  host: string;
  port: number;
  user: string;
  database: string;
  /** The temp dir holding the cluster, its log and its socket; removed by stop(). */
  dir: string;
  /** Major version of the server. */
  version: number;
  /** A new, empty database on the same cluster (for suites that want one each); its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast: connections are cut) and starts it again on the same port with the same data. */
  restart(): Promise<void>;
  /** Stops the server (fast) and leaves it stopped, data kept, until resume(): a database outage. */
  pause(): Promise<void>;
  /** Starts a paused server again on the same port with the same data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const USER = "vetra";
const DATABASE = "vetra_test";

/** Runs a server binary, as `postgres` when this process is root. */
function asServerUser(binDir: string, binary: string, args: string[]) {
  const file = join(binDir, binary);
  return process.getuid?.() === 0
    ? run("runuser", ["-u", "postgres", "--", file, ...args], { env: serverEnv() })
    : run(file, args, { env: serverEnv() });
}

/** No PG* variables of the caller's own (a developer's PGDATA or PGPORT must not steer the test cluster). */
const serverEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PG")));

function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new Error("running as root, but there is no `postgres` system user to run PostgreSQL as");
  }
}

export async function startPostgres(): Promise<RunningPostgres> {
  const binDir = postgresBinDir();
  if (binDir === null) throw new Error("PostgreSQL is not installed (set PG_BINDIR)");
  const dir = mkdtempSync(join(tmpdir(), "vetra-pg-"));
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const logTail = () => {
    try {
      return execFileSync("tail", ["-n", "20", log], { encoding: "utf8" });
    } catch {
      return "";
    }
  };
  try {
    await asServerUser(binDir, "initdb", [
      "-D",
      data,
      "-U",
      USER,
      "--auth=trust",
      "--encoding=UTF8",
      "--no-locale",
      "--no-sync",
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
  const { stdout: versionText } = await run(join(binDir, "postgres"), ["--version"]);
  const version = Number(/(\d+)(\.\d+)?/.exec(versionText)?.[1] ?? 0);

  let port = 0;
  const start = async () => {
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
      "-c max_connections=200",
    ].join(" ");
    await asServerUser(binDir, "pg_ctl", ["-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start"]);
  };
  // The port is picked free just before start; on a clash the server exits and we retry with another.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (error) {
      if (attempt < 3 && /already in use|could not bind/i.test(logTail())) continue;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`PostgreSQL did not start: ${String(error)}\n${logTail()}`);
    }
  }
  const stopServer = (mode: "fast" | "immediate") =>
    asServerUser(binDir, "pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]);
  // A test process that ends without stop() (a crash, a timeout) leaves no server behind.
  const onExit = () => {
    try {
      const args = ["-D", data, "-m", "immediate", "stop"];
      if (process.getuid?.() === 0)
        execFileSync("runuser", ["-u", "postgres", "--", join(binDir, "pg_ctl"), ...args], {
          stdio: "ignore",
        });
      else execFileSync(join(binDir, "pg_ctl"), args, { stdio: "ignore" });
    } catch {
      // already stopped
    }
  };
  process.once("exit", onExit);

  const host = "127.0.0.1";
  const urlOf = (database: string) => `postgres://${USER}@${host}:${port}/${database}`;
  const createDatabase = async (name: string) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name))
      throw new Error(`database name ${name}: lower-case letters, digits, _`);
    await run(join(binDir, "createdb"), ["-h", host, "-p", String(port), "-U", USER, name], {
      env: serverEnv(),
    });
    return urlOf(name);
  };
  await createDatabase(DATABASE);

  let stopped = false;
  return {
    url: urlOf(DATABASE),
    host,
    port,
    user: USER,
    database: DATABASE,
    dir,
    version,
    createDatabase,
    async restart() {
      await stopServer("fast");
      await start();
    },
    async pause() {
      await stopServer("fast");
    },
    async resume() {
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off("exit", onExit);
      await stopServer("immediate").catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
