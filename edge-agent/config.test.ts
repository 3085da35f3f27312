import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ScadaFields } from "../common/names.ts";
import { ConfigError, loadAgentConfig, parseAgentConfig } from "./config.ts";

// The shape the demo generates (see the agent config reference).
const valid = () => ({
  agent: { id: "wf1-agent", site: "wf1" },
  central: {
    url: "http://127.0.0.1:8080",
    token: "secret",
    batchMaxPoints: 5000,
    flushIntervalMs: 1000,
    timeoutMs: 10000,
    gzip: true,
  },
  queue: { dir: ".vetra/agents/wf1", maxBytes: 1073741824, maxAgeHours: 720 },
  metrics: { port: 0, host: "127.0.0.1" },
  healthIntervalMs: 10000,
  sources: [
    {
      kind: "modbus",
      id: "t01-modbus",
      host: "127.0.0.1",
      port: 5020,
      unitId: 1,
      intervalMs: 1000,
      timeoutMs: 1000,
      asset: "T01",
      registers: [
        {
          function: 3,
          address: 0,
          type: "float32",
          wordOrder: "high_first",
          measurement: "scada",
          field: "rotor_speed_rpm",
          scale: 1,
        },
        {
          function: 4,
          address: 0,
          type: "float32",
          wordOrder: "low_first",
          measurement: "vibration",
          field: "v_rms_mm_s",
          point: "main_bearing",
          unitId: 2,
        },
      ],
    },
    {
      kind: "opcua",
      id: "t01-opcua",
      endpoint: "opc.tcp://127.0.0.1:4840",
      asset: "T01",
      pkiDir: ".vetra/agents/wf1/pki",
      publishingIntervalMs: 1000,
      scalars: [{ nodeId: "ns=1;s=T01.Scada.RotorSpeedRpm", measurement: "scada", field: "rotor_speed_rpm" }],
      waveforms: [
        {
          point: "main_bearing",
          component: "main_bearing",
          waveformNodeId: "ns=1;s=T01.main_bearing.Waveform",
          sampleRateNodeId: "ns=1;s=T01.main_bearing.SampleRateHz",
          sequenceNodeId: "ns=1;s=T01.main_bearing.BlockSequence",
          speedNodeId: "ns=1;s=T01.main_bearing.SpeedRpm",
          unit: "g",
        },
      ],
    },
  ],
});

// biome-ignore lint/suspicious/noExplicitAny: tests poke arbitrary keys into the config
type Loose = any;
const errorOf = (mutate: (c: Loose) => void): string => {
  const c: Loose = valid();
  mutate(c);
  try {
    parseAgentConfig(c);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("agent config", () => {
  it("accepts the documented shape", () => {
    const cfg = parseAgentConfig(valid());
    expect(cfg.sources.map((s) => s.kind)).toEqual(["modbus", "opcua"]);
  });

  it("fills defaults from the schema", () => {
    const cfg = parseAgentConfig({
      agent: { id: "a", site: "s" },
      central: { url: "http://127.0.0.1:8080", token: "t" },
      queue: { dir: "q" },
      sources: [
        {
          kind: "modbus",
          id: "m",
          host: "127.0.0.1",
          port: 502,
          asset: "H01",
          registers: [{ address: 0, type: "uint16", measurement: "meter", field: "power_kw" }],
        },
      ],
    });
    expect(cfg.central).toMatchObject({
      batchMaxPoints: 5000,
      flushIntervalMs: 1000,
      timeoutMs: 10000,
      gzip: true,
    });
    expect(cfg.queue).toMatchObject({ kind: "sqlite", maxBytes: 1073741824, maxAgeHours: 720 });
    expect(cfg.healthIntervalMs).toBe(10000);
    expect(cfg.metrics).toBeUndefined();
    const m = cfg.sources[0]!;
    expect(m).toMatchObject({ unitId: 1, intervalMs: 1000, timeoutMs: 1000 });
    if (m.kind === "modbus")
      expect(m.registers[0]).toMatchObject({ function: 3, wordOrder: "high_first", scale: 1 });
  });

  it("names the key path of an unknown key", () => {
    expect(errorOf((c) => (c.central.tokn = "x"))).toBe("central.tokn: unknown key");
    expect(errorOf((c) => (c.sources[0].registers[1].colour = "red"))).toBe(
      "sources[0].registers[1].colour: unknown key",
    );
    expect(errorOf((c) => (c.extra = 1))).toBe("extra: unknown key");
  });

  it("names the key path of a wrong type or value", () => {
    expect(errorOf((c) => (c.sources[0].registers[1].type = "float64"))).toBe(
      "sources[0].registers[1].type: expected one of float32|uint16|int16|uint32|int32",
    );
    expect(errorOf((c) => (c.sources[0].port = "5020"))).toMatch(/^sources\[0\]\.port: expected integer/);
    expect(errorOf((c) => (c.sources[1].waveforms[0].component = "tower"))).toBe(
      "sources[1].waveforms[0].component: expected one of nacelle|main_bearing|gearbox|generator",
    );
    expect(errorOf((c) => (c.sources[0].kind = "bacnet"))).toBe(
      "sources[0].kind: expected one of modbus|opcua",
    );
    expect(errorOf((c) => (c.central.gzip = "yes"))).toMatch(/^central\.gzip: expected boolean/);
  });

  it("names the key path of a missing field", () => {
    expect(errorOf((c) => delete c.central.token)).toBe("central.token: required key is missing");
    expect(errorOf((c) => delete c.sources[1].waveforms[0].sampleRateNodeId)).toBe(
      "sources[1].waveforms[0].sampleRateNodeId: give exactly one of sampleRateNodeId and sampleRateHz",
    );
    expect(
      errorOf((c) => {
        delete c.sources[1].waveforms[0].sequenceNodeId;
        c.sources[1].waveforms[0].trigger = "sequence";
      }),
    ).toBe("sources[1].waveforms[0].sequenceNodeId: required key is missing (trigger sequence)");
    expect(errorOf((c) => delete c.agent)).toBe("agent: required key is missing");
  });

  it("refuses node ids that are not node ids, naming the key (IEC 62541-6 §5.3.1.10)", () => {
    const nodeIdError = (nodeId: unknown) =>
      errorOf((c) => {
        c.sources[1].scalars[0].nodeId = nodeId;
      });
    expect(nodeIdError("ns=3,s=x")).toBe(
      "sources[1].scalars[0].nodeId: \"ns=3,s=x\" is not a node id: the namespace index must be a number followed by ';' (expected [ns=<index>;|nsu=<namespace URI>;] then i=<number>, s=<text>, g=<guid> or b=<base64>)",
    );
    for (const bad of [
      "ns=1;x=5",
      "i=abc",
      "i=4294967296",
      "nsu=;i=5",
      "nsu=urn:x",
      "g=1234",
      "b=!!",
      " ns=1;i=5",
      "ns=1;s=",
      "svr=1;ns=1;i=5",
      "ns=70000;i=1",
      "ns=1;s=a\nb",
    ])
      expect(nodeIdError(bad)).toMatch(/^sources\[1\]\.scalars\[0\]\.nodeId: ".*" is not a node id: /);
    for (const good of [
      "i=2258",
      "ns=0;i=85",
      "ns=2;s=Line 1;Motor.Speed",
      "nsu=urn:vendor:cms;s=MB.Waveform",
      "nsu=http://x.org/UA/;i=1001",
      "ns=3;g=72962B91-FA75-4AE6-8D28-B404DC7DAF63",
      "ns=1;b=M/RbKBsRVkePCePcx24oRA==",
    ]) {
      const c: Loose = valid();
      c.sources[1].scalars[0].nodeId = good;
      expect(() => parseAgentConfig(c), good).not.toThrow();
    }
    expect(errorOf((c) => (c.sources[1].waveforms[0].waveformNodeId = "ns=1,s=T01.Waveform"))).toMatch(
      /^sources\[1\]\.waveforms\[0\]\.waveformNodeId: "ns=1,s=T01\.Waveform" is not a node id/,
    );
  });

  it("refuses field names that common/names.ts does not know, and measurements that are the agent's own", () => {
    expect(errorOf((c) => (c.sources[0].registers[0].field = "humidity_pct"))).toBe(
      `sources[0].registers[0].field: "humidity_pct" is not a field of measurement scada (known: ${Object.keys(ScadaFields).join(", ")}); add it to common/names.ts first`,
    );
    expect(errorOf((c) => (c.sources[1].scalars[0].field = "rotor_rpm"))).toMatch(
      /^sources\[1\]\.scalars\[0\]\.field: "rotor_rpm" is not a field of measurement scada/,
    );
    expect(errorOf((c) => (c.sources[0].registers[0].measurement = "diagnosis"))).toBe(
      "sources[0].registers[0].measurement: expected one of vibration|scada|meter|weather",
    );
  });

  it("checks the keys that go together: transports, triggers, buffers, speeds, plausible ranges", () => {
    expect(errorOf((c) => (c.sources[0].transport = "rtu"))).toBe(
      "sources[0].serial: required key is missing (transport rtu)",
    );
    expect(
      errorOf((c) => {
        c.sources[0].transport = "rtu";
        c.sources[0].serial = { path: "/dev/ttyUSB0" };
      }),
    ).toBe("sources[0].host: not used with transport rtu (the line is `serial`)");
    expect(errorOf((c) => (c.sources[0].serial = { path: "/dev/ttyUSB0" }))).toBe(
      "sources[0].serial: only with transport rtu, not tcp",
    );
    expect(errorOf((c) => delete c.sources[0].host)).toBe(
      "sources[0].host: required key is missing (transport tcp)",
    );
    const rtu = (id: string, baudRate: number) => ({
      kind: "modbus",
      id,
      transport: "rtu",
      serial: { path: "/dev/ttyUSB0", baudRate },
      asset: "H01",
      registers: [{ address: 0, type: "uint16", measurement: "meter", field: "power_kw" }],
    });
    expect(() => parseAgentConfig({ ...valid(), sources: [rtu("a", 9600), rtu("b", 9600)] })).not.toThrow();
    expect(() => parseAgentConfig({ ...valid(), sources: [rtu("a", 9600), rtu("b", 19200)] })).toThrow(
      "sources[1].serial: line /dev/ttyUSB0 is also used by sources[0] with other settings; one line has one set of settings",
    );
    expect(
      errorOf((c) => (c.sources[1].waveforms[0].buffer = { slots: [{ waveformNodeId: "ns=1;i=5" }] })),
    ).toBe(
      "sources[1].waveforms[0].buffer.slots[0].sequenceNodeId: required key is missing (trigger sequence)",
    );
    expect(
      errorOf((c) => {
        delete c.sources[1].waveforms[0].sequenceNodeId;
        c.sources[1].waveforms[0].buffer = { slots: [{ waveformNodeId: "ns=1;i=5" }] };
      }),
    ).toBe(
      "sources[1].waveforms[0].buffer: a buffer needs trigger sequence or timestamp (its slots are ordered by them)",
    );
    expect(
      errorOf(
        (c) => (c.sources[1].waveforms[0].speedFrom = { measurement: "scada", field: "rotor_speed_rpm" }),
      ),
    ).toBe("sources[1].waveforms[0].speedFrom: give speedNodeId or speedFrom, not both");
    expect(
      errorOf((c) => {
        delete c.sources[1].waveforms[0].speedNodeId;
        c.sources[1].waveforms[0].speedFrom = { measurement: "scada", field: "generator_speed_rpm" };
      }),
    ).toBe("sources[1].waveforms[0].speedFrom: no source of asset T01 delivers scada.generator_speed_rpm");
    expect(
      errorOf((c) => {
        c.sources[1].waveforms[0].counts = { voltsPerCount: 0.0003, sensitivityMvPerG: 100 };
        c.sources[1].waveforms[0].unit = "m/s2";
      }),
    ).toBe("sources[1].waveforms[0].unit: counts are scaled to g: leave unit at g");
    expect(errorOf((c) => (c.sources[0].registers[0].plausible = { min: 5, max: 1 }))).toBe(
      "sources[0].registers[0].plausible: min must be below max, got 5…1",
    );
    expect(errorOf((c) => (c.sources[0].registers[0].address = 65535))).toBe(
      "sources[0].registers[0].address: a float32 at 65535 runs past address 65535",
    );
  });

  it("rejects duplicate source ids", () => {
    expect(errorOf((c) => (c.sources[1].id = "t01-modbus"))).toBe(
      'sources[1].id: duplicate source id "t01-modbus"',
    );
  });

  describe("diagnostics", () => {
    const machine = {
      asset: "T01",
      point: "main_bearing",
      turbineType: "geared_2500kw",
      bearing: { balls: 26, ballDiameterMm: 90, pitchDiameterMm: 780, contactAngleDeg: 9 },
    };
    const withDiagnostics = (c: Loose) => {
      c.sources[1].waveforms[0].speedEndNodeId = "ns=1;s=T01.main_bearing.SpeedEndRpm";
      c.diagnostics = {
        turbineTypes: {
          geared_2500kw: { zones: { main_bearing: [{ quantity: "velocity", bandHz: [10, 1000], bc: 2.5 }] } },
        },
        machines: [structuredClone(machine)],
      };
    };

    it("fills its defaults, and takes machine data for configured waveform points", () => {
      expect(parseAgentConfig(valid()).diagnostics).toEqual({
        enabled: true,
        workers: Math.max(1, availableParallelism() - 1),
        persistence: { raiseAfter: 3, ofLast: 5, clearAfter: 5 },
        baselineBlocks: 20,
        snapshotIntervalMs: 600_000,
        reconfirmIntervalMs: 600_000,
        snapshotQueue: { maxFiles: 2000, maxBytes: 268_435_456 },
        turbineTypes: {},
        machines: [],
      });
      const c: Loose = valid();
      withDiagnostics(c);
      const cfg = parseAgentConfig(c);
      expect(cfg.diagnostics.machines).toEqual([machine]);
      const opcua = cfg.sources[1]!;
      if (opcua.kind === "opcua")
        expect(opcua.waveforms[0]?.speedEndNodeId).toBe("ns=1;s=T01.main_bearing.SpeedEndRpm");
    });

    it("names the key path of what is wrong", () => {
      const bad = (mutate: (c: Loose) => void) =>
        errorOf((c) => {
          withDiagnostics(c);
          mutate(c);
        });
      expect(bad((c) => (c.diagnostics.colour = 1))).toBe("diagnostics.colour: unknown key");
      expect(bad((c) => (c.diagnostics.machines[0].point = "gearbox_hss"))).toBe(
        'diagnostics.machines[0]: asset "T01" point "gearbox_hss" is not a waveform point of any source',
      );
      expect(bad((c) => c.diagnostics.machines.push(structuredClone(machine)))).toBe(
        'diagnostics.machines[1]: asset "T01" point "main_bearing" is described twice',
      );
      expect(bad((c) => (c.diagnostics.machines[0].turbineType = "other"))).toBe(
        'diagnostics.machines[0].turbineType: "other" is not a key of diagnostics.turbineTypes',
      );
      expect(bad((c) => (c.diagnostics.machines[0].bearing.ballDiameterMm = 800))).toBe(
        "diagnostics.machines[0].bearing.ballDiameterMm: must be smaller than pitchDiameterMm",
      );
      expect(bad((c) => (c.diagnostics.machines[0].bearing.balls = 2.5))).toMatch(
        /^diagnostics\.machines\[0\]\.bearing\.balls: expected integer/,
      );
      expect(bad((c) => (c.diagnostics.persistence = { raiseAfter: 6, ofLast: 5 }))).toBe(
        "diagnostics.persistence.raiseAfter: must be ≤ ofLast (5), got 6",
      );
      expect(bad((c) => (c.diagnostics.reconfirmIntervalMs = 3_600_000))).toMatch(
        /^diagnostics\.reconfirmIntervalMs: expected integer to be less or equal to 1800000/,
      );
      expect(bad((c) => (c.diagnostics.turbineTypes.geared_2500kw.zones.main_bearing[0].bc = 5))).toMatch(
        /^diagnostics\.turbineTypes\.geared_2500kw\.zones\.main_bearing\[0\]: boundaries must rise/,
      );
      expect(bad((c) => (c.diagnostics.baselineNotBefore = "yesterday"))).toMatch(
        /^diagnostics\.baselineNotBefore: /,
      );
      for (const workers of [-1, 1.5, "4", 65, null])
        expect(bad((c) => (c.diagnostics.workers = workers))).toMatch(/^diagnostics\.workers: /);
      expect(parseAgentConfig({ ...valid(), diagnostics: { workers: 0 } }).diagnostics.workers).toBe(0);
    });
  });

  describe("files", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "vetra-config-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("loads YAML and JSON", () => {
      writeFileSync(join(dir, "a.yaml"), stringify(valid()));
      writeFileSync(join(dir, "a.json"), JSON.stringify(valid()));
      expect(loadAgentConfig(join(dir, "a.yaml"))).toEqual(loadAgentConfig(join(dir, "a.json")));
    });

    it("reports unreadable and unparsable files as ConfigError", () => {
      expect(() => loadAgentConfig(join(dir, "missing.yaml"))).toThrow(ConfigError);
      writeFileSync(join(dir, "bad.yaml"), "agent: [unclosed");
      expect(() => loadAgentConfig(join(dir, "bad.yaml"))).toThrow(/cannot parse/);
    });
  });
});
