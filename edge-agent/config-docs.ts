// docs/edge-config.md, generated from the TypeBox schema of the agent's
// config (every key with its type, default, description and example) and
// the worked examples in config-examples.ts. `npm run docs:config` writes
// it; config-docs.test.ts fails when the committed file is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { AgentConfigSchema } from "./config.ts";
import { CONFIG_EXAMPLES } from "./config-examples.ts";
import { ModbusSourceSchema, OpcuaSourceSchema } from "./config-sources.ts";
import { ModbusWriteTargetSchema, OpcuaWriteTargetSchema } from "./sources/write-target.ts";

export const EDGE_CONFIG_DOC = join(import.meta.dirname, "..", "docs", "edge-config.md");

export interface Schema {
  type?: string;
  anyOf?: Schema[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  patternProperties?: Record<string, Schema>;
  default?: unknown;
  description?: string;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (v: unknown): string => `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;

function bounds(s: Schema): string {
  const lo =
    s.exclusiveMinimum !== undefined
      ? `> ${s.exclusiveMinimum}`
      : s.minimum !== undefined
        ? `≥ ${s.minimum}`
        : "";
  const hi = s.maximum !== undefined ? `≤ ${s.maximum}` : "";
  if (s.minimum !== undefined && s.maximum !== undefined) return ` ${s.minimum}…${s.maximum}`;
  return [lo, hi].filter(Boolean).length ? ` ${[lo, hi].filter(Boolean).join(", ")}` : "";
}

/** A short human name of a schema's type. */
function typeOf(s: Schema): string {
  if (s.anyOf) {
    if (s.anyOf.every((x) => x.const !== undefined)) return s.anyOf.map((x) => code(x.const)).join(" | ");
    return s.anyOf.map(typeOf).join(" or ");
  }
  if (s.const !== undefined) return code(s.const);
  switch (s.type) {
    case "integer":
    case "number":
      return `${s.type}${bounds(s)}`;
    case "string":
      return s.pattern === "^[a-z][a-z0-9_]*$" ? "name (a-z, 0-9, _)" : "string";
    case "boolean":
      return "boolean";
    case "array": {
      const n = s.minItems || s.maxItems ? ` (${s.minItems ?? 0}…${s.maxItems ?? "∞"})` : "";
      return `list${n} of ${s.items ? typeOf(s.items) : "any"}`;
    }
    case "object":
      return s.patternProperties ? "map of name → object" : "object";
    default:
      return "any";
  }
}

export interface Row {
  key: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
  example?: unknown;
}

/** Every key of an object schema, depth first (`a.b`, `list[].c`). */
export function rowsOf(schema: Schema, prefix: string, skip: ReadonlySet<string> = new Set()): Row[] {
  const rows: Row[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, s] of Object.entries(schema.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (skip.has(key)) continue;
    rows.push({
      key,
      type: typeOf(s),
      required: required.has(name),
      ...(s.default !== undefined ? { default: s.default } : {}),
      description: s.description ?? "",
      ...(s.examples?.length ? { example: s.examples[0] } : {}),
    });
    if (s.type === "object" && s.properties) rows.push(...rowsOf(s, key, skip));
    if (s.type === "array" && s.items?.type === "object") rows.push(...rowsOf(s.items, `${key}[]`, skip));
    if (s.type === "object" && s.patternProperties) {
      const inner = Object.values(s.patternProperties)[0];
      if (inner?.properties) rows.push(...rowsOf(inner, `${key}.<name>`, skip));
    }
  }
  return rows;
}

function table(rows: readonly Row[]): string[] {
  const out = ["| key | type | default | description | example |", "| --- | --- | --- | --- | --- |"];
  for (const r of rows) {
    const def = r.default !== undefined ? code(r.default) : r.required ? "**required**" : "—";
    const example = r.example !== undefined ? code(r.example) : "";
    out.push(`| \`${r.key}\` | ${cell(r.type)} | ${cell(def)} | ${cell(r.description)} | ${cell(example)} |`);
  }
  return out;
}

/** A section of the reference: its heading, what it says first, and the table of one schema's keys. */
function section(heading: string, schema: unknown, prefix: string, intro: readonly string[] = []): string[] {
  const said = intro.length > 0 ? [...intro, ""] : [];
  return [`## ${heading}`, "", ...said, ...table(rowsOf(schema as Schema, prefix)), ""];
}

/** The whole reference as Markdown. */
export function renderEdgeConfigDoc(): string {
  const top = AgentConfigSchema as unknown as Schema;
  const zoneRows = new Set(
    rowsOf(top, "")
      .map((r) => r.key)
      .filter((k) => /^diagnostics\.(zones|turbineTypes\.<name>\.zones)\./.test(k)),
  );
  const lines: string[] = [
    "# Edge agent configuration",
    "",
    "<!-- Generated by `npm run docs:config` from the schema in edge-agent/config.ts, edge-agent/config-sources.ts",
    "     and the examples in edge-agent/config-examples.ts; edit those, not this file. -->",
    "",
    "`vetra edge --config FILE` reads one YAML or JSON file. It is checked once, at start: an unknown key, a",
    "value of the wrong type, a node id that is not one or a field name `common/names.ts` does not know is",
    'refused with one line naming the key path (`sources[2].scalars[0].nodeId: "ns=3,s=x" is not a node id: …`),',
    "and the agent does not start. `vetra edge check --config FILE` then connects to every source once and",
    "prints each configured point with its raw value, decoded value, unit and plausibility (exit 1 when",
    "something needs attention). Keys with a default may be left out.",
    "",
    "Stored values are `raw × scale + offset`, rounded to `decimals` when given, else to the decimals that",
    "product has (`786 × 0.1` is stored as `78.6`); float32 registers are taken at the shortest decimal that",
    "is the same float32 (`231.2`, not `231.1999969482422`).",
    "",
    "## Top level",
    "",
    ...table(rowsOf(top, "", zoneRows)),
    "",
    "`diagnostics.zones` and `diagnostics.turbineTypes.<name>.zones` override rows of the ISO 10816-21 zone",
    "table per component class; their keys are described in [diagnostics.md](diagnostics.md).",
    "",
    ...section("Modbus source (`kind: modbus`)", ModbusSourceSchema, "sources[]"),
    ...section("OPC UA source (`kind: opcua`)", OpcuaSourceSchema, "sources[]"),
    ...section(
      "Write target of a control point, Modbus (`write.kind: modbus`)",
      ModbusWriteTargetSchema,
      "control.points[].write",
      [
        "What the agent may write is declared under `control.points` (above; [control.md](control.md) explains",
        "priorities, schedules and demand limiting). Each point names where it lives:",
      ],
    ),
    ...section(
      "Write target of a control point, OPC UA (`write.kind: opcua`)",
      OpcuaWriteTargetSchema,
      "control.points[].write",
    ),
    "## Worked examples",
    "",
  ];
  for (const ex of CONFIG_EXAMPLES) {
    lines.push(`### ${ex.title}`, "", ex.intro, "", "```yaml", stringify(ex.config).trimEnd(), "```", "");
    if (ex.notes) lines.push(ex.notes, "");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}

function main(): number {
  const text = renderEdgeConfigDoc();
  if (process.argv.includes("--check")) {
    const current = (() => {
      try {
        return readFileSync(EDGE_CONFIG_DOC, "utf8");
      } catch {
        return "";
      }
    })();
    if (current === text) return 0;
    console.error("docs/edge-config.md is stale: run `npm run docs:config`");
    return 1;
  }
  writeFileSync(EDGE_CONFIG_DOC, text);
  console.log(`wrote ${EDGE_CONFIG_DOC}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) process.exitCode = main();
