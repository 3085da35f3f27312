// docs/edge-config.md is generated from the schema: it must be the file the
// generator writes now, every key must say what it is, and every worked
// example must be a config the agent accepts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AgentConfigSchema, parseAgentConfig } from "./config.ts";
import { EDGE_CONFIG_DOC, renderEdgeConfigDoc, rowsOf, type Schema } from "./config-docs.ts";
import { CONFIG_EXAMPLES } from "./config-examples.ts";
import { ModbusSourceSchema, OpcuaSourceSchema } from "./config-sources.ts";

describe("docs/edge-config.md", () => {
  it("is what `npm run docs:config` generates from the schema (not stale)", () => {
    expect(readFileSync(EDGE_CONFIG_DOC, "utf8")).toBe(renderEdgeConfigDoc());
  });

  it("describes every key of the agent's and the sources' schemas", () => {
    const rows = [
      ...rowsOf(AgentConfigSchema as unknown as Schema, "").filter((r) => !/\.zones\./.test(r.key)),
      ...rowsOf(ModbusSourceSchema as unknown as Schema, "sources[]"),
      ...rowsOf(OpcuaSourceSchema as unknown as Schema, "sources[]"),
    ];
    expect(rows.length).toBeGreaterThan(80);
    expect(rows.filter((r) => r.description.trim() === "").map((r) => r.key)).toEqual([]);
    const doc = renderEdgeConfigDoc();
    for (const r of rows) expect(doc).toContain(`| \`${r.key}\` |`);
  });

  it("shows only worked examples the agent accepts", () => {
    expect(CONFIG_EXAMPLES.map((e) => e.title)).toEqual([
      expect.stringContaining("Eastron SDM630"),
      expect.stringContaining("4–20 mA temperature transmitter"),
      expect.stringContaining("OPC UA condition-monitoring unit"),
    ]);
    for (const ex of CONFIG_EXAMPLES) expect(() => parseAgentConfig(ex.config), ex.title).not.toThrow();
  });
});
