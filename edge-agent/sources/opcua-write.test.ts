// OPC UA Write with read-back against a real OPC UA server on loopback: the
// per-node StatusCode decides (BadOutOfRange, BadNotWritable → failure),
// and a server that is gone is retryable.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWritableOpcuaServer, type WritableOpcuaServer } from "../../test/helpers/opcua-writable.ts";
import { type OpcuaSourceConfig, parseAgentConfig } from "../config.ts";
import { createOpcuaWriteLink } from "./opcua-write.ts";
import type { WriteLink } from "./write.ts";
import type { OpcuaWriteTarget } from "./write-target.ts";

describe("OPC UA writes with read-back", () => {
  let server: WritableOpcuaServer;
  let pki: string;
  let link: WriteLink;
  let targets: Record<"setpoint" | "mode" | "enable" | "indoor", OpcuaWriteTarget>;

  beforeAll(async () => {
    pki = mkdtempSync(join(tmpdir(), "vetra-opcua-write-"));
    server = await startWritableOpcuaServer(pki);
    const ids = server.nodeIds;
    const config = parseAgentConfig({
      agent: { id: "edge-1", site: "site-1" },
      central: { url: "http://127.0.0.1:9", token: "t" },
      queue: { kind: "memory", dir: pki },
      sources: [
        {
          kind: "opcua",
          id: "room",
          endpoint: server.endpoint,
          asset: "clinic-2",
          trust: "auto",
          timeoutMs: 3000,
        },
      ],
      control: {
        points: [
          {
            asset: "clinic-2",
            point: "heating_setpoint_c",
            unit: "degC",
            min: 5,
            max: 30,
            maxRatePerMinute: 6,
            failSafe: 21,
            critical: false,
            write: { kind: "opcua", source: "room", nodeId: ids.setpoint },
          },
          {
            asset: "clinic-2",
            point: "hvac_mode",
            unit: "state",
            min: 0,
            max: 3,
            states: { "0": "off", "3": "auto" },
            failSafe: 3,
            critical: false,
            write: { kind: "opcua", source: "room", nodeId: ids.mode, dataType: "UInt16" },
          },
          {
            asset: "clinic-2",
            point: "lighting",
            unit: "state",
            min: 0,
            max: 1,
            states: { "0": "off", "1": "on" },
            failSafe: 1,
            critical: false,
            write: { kind: "opcua", source: "room", nodeId: ids.enable, dataType: "Boolean" },
          },
          {
            asset: "clinic-2",
            point: "indoor_temp_c",
            unit: "degC",
            min: 0,
            max: 40,
            maxRatePerMinute: 1,
            failSafe: 20,
            critical: false,
            write: { kind: "opcua", source: "room", nodeId: ids.indoor },
          },
        ],
      },
    });
    const [sp, mode, en, indoor] = config.control.points.map((p) => p.write as OpcuaWriteTarget);
    targets = { setpoint: sp!, mode: mode!, enable: en!, indoor: indoor! };
    link = createOpcuaWriteLink(config.sources[0] as OpcuaSourceConfig, {
      site: "site-1",
      agentId: "edge-1",
      pkiDir: join(pki, "client"),
      log: () => {},
    });
  });
  afterAll(async () => {
    await link?.close();
    await server?.stop();
    rmSync(pki, { recursive: true, force: true });
  });

  it("writes Double, UInt16 and Boolean values and reads each back", async () => {
    expect(await link.writer(targets.setpoint).write(19.5)).toEqual({ kind: "success", value: 19.5 });
    expect(server.values.setpoint).toBe(19.5);
    expect(await link.writer(targets.mode).write(0)).toEqual({ kind: "success", value: 0 });
    expect(server.values.mode).toBe(0);
    expect(await link.writer(targets.enable).write(0)).toEqual({ kind: "success", value: 0 });
    expect(server.values.enable).toBe(false);
    expect(await link.writer(targets.indoor).read()).toEqual({ kind: "success", value: 20.5 });
  });

  it("a Bad StatusCode of the write is a failure naming it; nothing changes on the server", async () => {
    const out = await link.writer(targets.setpoint).write(45);
    expect(out).toMatchObject({
      kind: "failure",
      code: "SOURCE_EXCEPTION",
      message: expect.stringMatching(/BadOutOfRange/),
    });
    expect(server.values.setpoint).toBe(19.5);
    const ro = await link.writer(targets.indoor).write(25);
    expect(ro).toMatchObject({
      kind: "failure",
      message: expect.stringMatching(/BadNotWritable|BadUserAccessDenied/),
    });
    expect(server.values.indoor).toBe(20.5);
    const unknown = await link.writer({ ...targets.setpoint, nodeId: "ns=1;s=Nope" }).write(20);
    expect(unknown).toMatchObject({ kind: "failure", message: expect.stringMatching(/BadNodeIdUnknown/) });
  });
});
