// `vetra edge check --config FILE`: what an integrator runs before
// starting an agent. Loads the config (a bad key is one line and exit 2),
// connects to every source once, reads every configured point, and prints a
// table: point, where it is read, what the device sent, the decoded value
// and unit, and whether it is physically plausible — with what to try when
// it is not (word order, a 1-based address from the manual, a node the
// server does not have). Exit 0 when every point is fine, 1 otherwise.
import { command, parseCommand, usageLine } from "../common/cli.ts";
import {
  type AgentConfig,
  ConfigError,
  loadAgentConfig,
  type OpcuaSourceConfig,
  pkiDirOf,
} from "./config.ts";
import { probeSource } from "./sources/registry.ts";
import type { ProbeRow } from "./sources/source.ts";

export const EDGE_CHECK_COMMAND = command({
  name: "vetra edge check",
  synopsis: ["vetra edge check --config FILE [--json]"],
  options: {
    config: { type: "string", short: "c", arg: "FILE", help: "the agent configuration to check" },
    json: { type: "boolean", help: "one JSON row per point instead of a table" },
  },
});

export interface CheckOptions {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
}

/** Reads every source of a config once; a source that hangs or throws becomes an error row, never a crash. */
export async function checkConfig(
  config: AgentConfig,
  log: (line: string) => void = () => {},
): Promise<ProbeRow[]> {
  const rows: ProbeRow[] = [];
  for (const sc of config.sources) {
    const pkiDir = sc.kind === "opcua" ? pkiDirOf(config, sc as OpcuaSourceConfig) : config.queue.dir;
    const limitMs = Math.max(
      15_000,
      4 * sc.timeoutMs * Math.max(1, sc.kind === "modbus" ? sc.registers.length : 1),
    );
    let timer: NodeJS.Timeout | undefined;
    try {
      const probed = await Promise.race([
        probeSource(sc, { site: config.agent.site, agentId: config.agent.id, pkiDir, log }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no result within ${limitMs} ms`)), limitMs);
        }),
      ]);
      rows.push(...probed);
    } catch (e) {
      rows.push({
        source: sc.id,
        point: "(source)",
        at: sc.kind === "opcua" ? sc.endpoint : `${sc.transport} ${sc.host ?? sc.serial?.path ?? ""}`,
        raw: "",
        value: null,
        unit: "",
        verdict: "error",
        note: (e as Error)?.message ?? String(e),
      });
    } finally {
      clearTimeout(timer);
    }
  }
  return rows;
}

const fmtValue = (v: number | null): string => (v === null ? "—" : String(v));

/** The rows as a plain-text table (fixed columns, the note last). */
export function renderTable(rows: readonly ProbeRow[]): string[] {
  const header = ["source", "point", "read at", "raw", "value", "unit", "check"];
  const cells = rows.map((r) => [
    r.source,
    r.point,
    r.at,
    r.raw,
    fmtValue(r.value),
    r.unit,
    r.verdict === "ok" ? `ok${r.note ? ` (${r.note})` : ""}` : `${r.verdict.toUpperCase()}: ${r.note}`,
  ]);
  const widths = header.map((h, i) =>
    i === header.length - 1 ? 0 : Math.min(48, Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length))),
  );
  const line = (c: string[]) =>
    c
      .map((x, i) =>
        i === c.length - 1
          ? x
          : (x.length > widths[i]! ? `${x.slice(0, widths[i]! - 1)}…` : x).padEnd(widths[i]!),
      )
      .join("  ")
      .trimEnd();
  return [
    line(header),
    line(widths.map((w, i) => "-".repeat(i === widths.length - 1 ? 5 : w))),
    ...cells.map(line),
  ];
}

export async function runEdgeCheck(argv: string[], options: CheckOptions = {}): Promise<number> {
  const stdout = options.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stderr = options.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const parsed = parseCommand(argv, EDGE_CHECK_COMMAND, { stdout, stderr });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  if (!values.config) {
    stderr(usageLine("vetra edge check", "--config is required"));
    return 2;
  }
  let config: AgentConfig;
  try {
    config = loadAgentConfig(values.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      stderr(`vetra edge check: ${values.config}: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const logs: string[] = [];
  const rows = await checkConfig(config, (line) => logs.push(line));
  const bad = rows.filter((r) => r.verdict !== "ok");
  if (values.json) stdout(JSON.stringify({ ok: bad.length === 0, rows }, null, 2));
  else {
    for (const line of renderTable(rows)) stdout(line);
    stdout("");
    stdout(
      bad.length === 0
        ? `${rows.length} points read, all plausible`
        : `${bad.length} of ${rows.length} points need attention`,
    );
    for (const l of logs) stderr(l);
  }
  return bad.length === 0 ? 0 : 1;
}
