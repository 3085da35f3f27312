// Simulated wind turbine: the turbine controller's SCADA registers over
// Modbus TCP, and a condition-monitoring unit serving acceleration waveforms
// of three measuring points plus SCADA values over OPC UA. Loopback only.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  type UAVariable,
  Variant,
  VariantArrayType,
} from "node-opcua";
import type { TurbinePointId } from "../../common/names.ts";
import { quietRsaPkcs1Check } from "../../common/opcua-warnings.ts";
import { freePort, type RunningModbusServer, startModbusServer } from "../modbus-server.ts";
import { type CmsOptions, type CmsUnit, createCmsUnit } from "./cms.ts";
import { TURBINE_MODBUS_MAP, TURBINE_MODBUS_UNIT_ID } from "./modbus-map.ts";
import { type ScadaValues, scadaFor, stepWindMps, TURBINE_RATINGS } from "./operation.ts";
import {
  defectFrequenciesHz,
  type FaultSpec,
  mulberry32,
  parseFaultSpec,
  synthesizeBlock,
  TURBINE_POINTS,
} from "./physics.ts";
import { type TransmitterValues, transmitterValues } from "./transmitter.ts";

// Node 20 prints a PKCS#1 v1.5 warning at load that never concerns Vetra (common/opcua-warnings.ts).
quietRsaPkcs1Check();

export type { CmsNodeIds, CmsOptions } from "./cms.ts";
export { cmsNodeIds } from "./cms.ts";
export { TURBINE_MODBUS_MAP, TURBINE_MODBUS_UNIT_ID } from "./modbus-map.ts";
export type { FaultSpec } from "./physics.ts";

const POINT_IDS = Object.keys(TURBINE_POINTS) as TurbinePointId[];

/** OPC UA browse names of the SCADA variables and the ScadaValues field each carries. */
export const SCADA_NODES = {
  RotorSpeedRpm: "rotor_speed_rpm",
  GeneratorSpeedRpm: "generator_speed_rpm",
  PowerKw: "power_kw",
  WindSpeedMps: "wind_speed_m_s",
  NacelleTempC: "nacelle_temp_c",
  MainBearingTempC: "main_bearing_temp_c",
  GearboxBearingTempC: "gearbox_bearing_temp_c",
  GeneratorBearingTempC: "generator_bearing_temp_c",
} as const satisfies Record<string, keyof ScadaValues>;
export type ScadaNodeName = keyof typeof SCADA_NODES;

export const POINT_NODES = [
  "Waveform",
  "SampleRateHz",
  "SpeedRpm",
  "SpeedEndRpm",
  "BlockSequence",
  "BlockTimestamp",
  "Unit",
] as const;
export type PointNodeName = (typeof POINT_NODES)[number];

export interface TurbineNodeIds {
  scada: Record<ScadaNodeName, string>;
  points: Record<TurbinePointId, Record<PointNodeName, string>>;
}

/** String node ids in the server's own namespace (index 1), e.g. `ns=1;s=T01.Scada.PowerKw`. */
export function turbineNodeIds(assetId: string): TurbineNodeIds {
  const scada = Object.fromEntries(
    (Object.keys(SCADA_NODES) as ScadaNodeName[]).map((n) => [n, `ns=1;s=${assetId}.Scada.${n}`]),
  ) as Record<ScadaNodeName, string>;
  const points = Object.fromEntries(
    POINT_IDS.map((p) => [p, Object.fromEntries(POINT_NODES.map((n) => [n, `ns=1;s=${assetId}.${p}.${n}`]))]),
  ) as Record<TurbinePointId, Record<PointNodeName, string>>;
  return { scada, points };
}

export interface TurbineSimOptions {
  assetId: string;
  /** 0 or absent: a free port. */
  modbusPort?: number;
  /** 0 or absent: a free port. */
  opcuaPort?: number;
  faults?: FaultSpec[];
  seed?: number;
  sampleRateHz?: number;
  /** Samples per waveform block; a power of two. */
  samples?: number;
  waveformRefreshMs?: number;
  scadaRefreshMs?: number;
  /** PKI folder of the OPC UA server; default a temp dir removed on stop. */
  pkiDir?: string;
  /**
   * OPC UA message security offered: `None` (default) and/or `Sign`,
   * `SignAndEncrypt`, each with SecurityPolicy Basic256Sha256.
   */
  opcuaSecurityModes?: readonly ("None" | "Sign" | "SignAndEncrypt")[];
  /** Client certificates: `auto` accepts any (default); `explicit` only those in `opcuaPki.trustedFolder`. */
  opcuaTrustClients?: "auto" | "explicit";
  /**
   * Answer CreateSubscription this much later, ms: a slow embedded unit, on
   * which a client that gives up on its session meanwhile gets the answer
   * after it closed (the race behind an agent crash, issue 19).
   */
  opcuaSlowSubscriptionMs?: number;
  /** Also serve a third-party condition-monitoring unit's dialect (cms.ts): own namespace, DateTime trigger, counts, a block buffer. */
  cms?: CmsOptions;
}

export interface PointTruth {
  shaft: "rotor" | "hss";
  /** Shaft speed at the start of the latest block (the speed at the block before). */
  shaftHz: number;
  speedRpm: number;
  /**
   * Shaft speed at the end of the latest block (the speed when it was put in
   * place): the speed ramps linearly from `shaftHz` to this within the block.
   */
  shaftHzEnd: number;
  speedRpmEnd: number;
  defectFrequenciesHz: { bpfo: number; bpfi: number; bsf: number; ftf: number };
  gearMeshHz?: number;
  resonanceHz: number;
  /** What the vibration transmitter reports for the latest block. */
  transmitter: TransmitterValues;
}

export interface TurbineTruth {
  assetId: string;
  /** Current SCADA values (refreshed every scadaRefreshMs). */
  scada: ScadaValues;
  /** Current shaft speeds, Hz. */
  speeds: { rotorHz: number; generatorHz: number };
  faults: FaultSpec[];
  /** Latest waveform block: sequence (1 after the first), when it was put in place. */
  block: { sequence: number; timestamp: Date; sampleRateHz: number; samples: number };
  points: Record<TurbinePointId, PointTruth>;
}

export interface TurbineSim {
  readonly modbusPort: number;
  readonly opcuaPort: number;
  /** `opc.tcp://127.0.0.1:PORT/vetra/turbine` */
  readonly opcuaEndpoint: string;
  readonly nodeIds: TurbineNodeIds;
  truth(): TurbineTruth;
  /** Replaces the injected faults; the next block and SCADA refresh use them. */
  setFaults(faults: FaultSpec[]): void;
  /** Synthesises and publishes a new block now (tests; also runs on its timer). */
  refreshWaveforms(): void;
  /** The OPC UA server's certificate store: its own certificate, and where trusted client certificates go. */
  readonly opcuaPki: { certificateFile: string; trustedFolder: string; rejectedFolder: string };
  /** Fault injection on the Modbus side (exceptions, delays, garbage, disappearing). */
  readonly modbus: ModbusFaultControl;
  /** The OPC UA server goes away (every session and subscription with it). */
  stopOpcua(): Promise<void>;
  /** A fresh OPC UA server on the same port (no session of the old one survives). */
  startOpcua(): Promise<void>;
  /** stopOpcua then startOpcua: a CMS unit rebooting (with `cmsNamespacesBefore`, its namespace index moves). */
  restartOpcua(o?: { cmsNamespacesBefore?: number }): Promise<void>;
  /** The third-party CMS dialect, when started with `cms`: its node ids and the acquisition times published (ms). */
  readonly cms?: Pick<CmsUnit, "nodeIds" | "acquisitions" | "gPerCount" | "namespaceIndex">;
  stop(): Promise<void>;
}

/** The fault-injection part of a running Modbus server. */
export type ModbusFaultControl = Pick<RunningModbusServer, "inject" | "disappear" | "reappear" | "present">;

const OPCUA_RESOURCE_PATH = "/vetra/turbine";

/** Same checks as the command line's `--fault` (throws naming the bad part). */
const validFaults = (faults: readonly FaultSpec[]): FaultSpec[] =>
  faults.map((f) => parseFaultSpec(`${f.point}:${f.fault}:${f.severity}`));

export async function start(opts: TurbineSimOptions): Promise<TurbineSim> {
  const assetId = opts.assetId;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(assetId))
    throw new Error(`assetId '${assetId}': letters, digits, _ and - only`);
  const sampleRateHz = opts.sampleRateHz ?? 25_600;
  const samples = opts.samples ?? 65_536;
  if (!Number.isInteger(Math.log2(samples)) || samples < 4)
    throw new Error(`samples ${samples}: a power of two`);
  const seed = opts.seed ?? 1;
  let faults = validFaults(opts.faults ?? []);
  const windRng = mulberry32(seed);
  const blockRng = mulberry32(seed ^ 0x5bd1e995);

  let wind = TURBINE_RATINGS.meanWindMps + (windRng() - 0.5) * 2;
  let scada = scadaFor(wind, faults);
  const speedsOf = (s: ScadaValues) => ({
    rotorHz: s.rotor_speed_rpm / 60,
    generatorHz: s.generator_speed_rpm / 60,
  });

  let sequence = 0;
  let blockTimestamp = new Date();
  let pointTruth = {} as Record<TurbinePointId, PointTruth>;
  /** Shaft speed of each point at the end of the block before: where the next block's ramp starts. */
  const lastShaftHz = new Map<TurbinePointId, number>();
  let transmitter: Record<string, number> = {};

  const nodeIds = turbineNodeIds(assetId);
  const opcuaVariables = new Map<string, UAVariable>();
  const ownPki = opts.pkiDir === undefined;
  const pkiDir = opts.pkiDir ?? (await mkdtemp(join(tmpdir(), "vetra-turbine-pki-")));

  let modbus: RunningModbusServer | undefined;
  let opcua: OPCUAServer | undefined;
  const managers: OPCUACertificateManager[] = [];
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;

  const cleanup = async (): Promise<void> => {
    for (const t of timers) clearInterval(t);
    await modbus?.stop().catch(() => undefined);
    await opcua?.shutdown(0).catch(() => undefined);
    for (const m of managers) await m.dispose().catch(() => undefined);
    if (ownPki) await rm(pkiDir, { recursive: true, force: true });
  };

  const modes = opts.opcuaSecurityModes ?? ["None"];
  if (modes.length === 0) throw new Error("opcuaSecurityModes: at least one mode");
  const securityModes = modes.map((m) => MessageSecurityMode[m]);
  const securityPolicies = [
    ...(modes.includes("None") ? [SecurityPolicy.None] : []),
    ...(modes.some((m) => m !== "None") ? [SecurityPolicy.Basic256Sha256] : []),
  ];
  let serverCertificateManager: OPCUACertificateManager | undefined;
  let userCertificateManager: OPCUACertificateManager | undefined;
  let opcuaPortInUse = 0;
  const cms: CmsUnit | undefined = opts.cms ? createCmsUnit(assetId, sampleRateHz, opts.cms) : undefined;
  let cmsNamespacesBefore: number | undefined;

  /** One OPC UA server on `requested` (0: a free port), address space built and values published. */
  async function startOpcua(requested: number): Promise<OPCUAServer> {
    for (let attempt = 0; ; attempt++) {
      // node-opcua does not report the port it got for 0, so pick one here.
      const port = requested > 0 ? requested : await freePort();
      const server = new OPCUAServer({
        port,
        host: "127.0.0.1",
        hostname: "127.0.0.1",
        resourcePath: OPCUA_RESOURCE_PATH,
        securityModes,
        securityPolicies,
        allowAnonymous: true,
        disableDiscovery: true,
        ...(serverCertificateManager ? { serverCertificateManager } : {}),
        ...(userCertificateManager ? { userCertificateManager } : {}),
        buildInfo: { productName: `Vetra turbine simulator ${assetId}`, manufacturerName: "Vetra" },
        // A 65536-sample Float array is 256 KiB; keep generous headroom.
        serverCapabilities: { maxArrayLength: 1 << 20, maxByteStringLength: 16 << 20 },
      });
      const slowMs = opts.opcuaSlowSubscriptionMs ?? 0;
      if (slowMs > 0) {
        // node-opcua dispatches service requests to `_on_<Request>` methods; this instance answers one late.
        const s = server as unknown as Record<string, (...args: unknown[]) => void>;
        const answer = s._on_CreateSubscriptionRequest!.bind(server);
        s._on_CreateSubscriptionRequest = (...args: unknown[]) => {
          setTimeout(() => answer(...args), slowMs).unref();
        };
      }
      try {
        await server.initialize();
        buildAddressSpace(server);
        cms?.attach(server, cmsNamespacesBefore);
        await server.start();
        return server;
      } catch (err) {
        await server.shutdown(0).catch(() => undefined);
        const message = String((err as Error)?.message ?? err);
        if (requested > 0 || !/EADDRINUSE/.test(message) || attempt >= 4) throw err;
      }
    }
  }

  try {
    // --- OPC UA ---------------------------------------------------------
    serverCertificateManager = new OPCUACertificateManager({
      rootFolder: join(pkiDir, "own"),
      automaticallyAcceptUnknownCertificate: (opts.opcuaTrustClients ?? "auto") === "auto",
    });
    userCertificateManager = new OPCUACertificateManager({
      rootFolder: join(pkiDir, "user"),
      automaticallyAcceptUnknownCertificate: true,
    });
    managers.push(serverCertificateManager, userCertificateManager);
    opcua = await startOpcua(opts.opcuaPort ?? 0);
    opcuaPortInUse = opcua.endpoints[0]?.port ?? 0;

    // --- Modbus ---------------------------------------------------------
    modbus = await startModbusServer({
      port: opts.modbusPort ?? 0,
      units: [
        {
          unitId: TURBINE_MODBUS_UNIT_ID,
          registers: TURBINE_MODBUS_MAP,
          snapshot: () => ({
            ...scada,
            power_w: scada.power_kw * 1000,
            ...transmitter,
          }),
        },
      ],
    });

    publishScada();
    refreshWaveforms();
    timers.push(
      setInterval(() => {
        const dtS = (opts.scadaRefreshMs ?? 1000) / 1000;
        wind = stepWindMps(wind, dtS, windRng);
        scada = scadaFor(wind, faults);
        publishScada();
      }, opts.scadaRefreshMs ?? 1000),
      setInterval(refreshWaveforms, opts.waveformRefreshMs ?? 5000),
    );
  } catch (err) {
    await cleanup();
    throw err;
  }

  function publishScada(): void {
    const vars = opcuaVariables;
    const now = new Date();
    for (const [name, field] of Object.entries(SCADA_NODES)) {
      vars
        .get(nodeIds.scada[name as ScadaNodeName])
        ?.setValueFromSource(
          new Variant({ dataType: DataType.Double, value: scada[field] }),
          StatusCodes.Good,
          now,
        );
    }
  }

  function refreshWaveforms(): void {
    if (stopped) return;
    const speeds = speedsOf(scada);
    const vars = opcuaVariables;
    const nextTruth = {} as Record<TurbinePointId, PointTruth>;
    const nextTransmitter: Record<string, number> = {};
    const blocks: [TurbinePointId, Float32Array, number, number][] = [];
    for (const id of POINT_IDS) {
      const point = TURBINE_POINTS[id];
      // The speed changes between blocks become a linear ramp within the block.
      const shaftHzEnd = point.shaft === "rotor" ? speeds.rotorHz : speeds.generatorHz;
      const shaftHz = lastShaftHz.get(id) ?? shaftHzEnd;
      lastShaftHz.set(id, shaftHzEnd);
      const out = new Float32Array(samples);
      synthesizeBlock({ point, shaftHz, shaftHzEnd, faults, sampleRateHz, rng: blockRng, out });
      const values = transmitterValues(out, sampleRateHz);
      nextTruth[id] = {
        shaft: point.shaft,
        shaftHz,
        speedRpm: shaftHz * 60,
        shaftHzEnd,
        speedRpmEnd: shaftHzEnd * 60,
        defectFrequenciesHz: defectFrequenciesHz(point.bearing, shaftHz),
        ...(point.gearTeeth === undefined ? {} : { gearMeshHz: point.gearTeeth * shaftHz }),
        resonanceHz: point.resonanceHz,
        transmitter: values,
      };
      nextTransmitter[`${id}.v_rms_mm_s`] = values.v_rms_mm_s;
      nextTransmitter[`${id}.a_rms_g`] = values.a_rms_g;
      nextTransmitter[`${id}.a_peak_g`] = values.a_peak_g;
      nextTransmitter[`${id}.reserved`] = 0;
      blocks.push([id, out, shaftHz, shaftHzEnd]);
    }
    const now = new Date();
    // Waveform, rate, speed and timestamp first; the sequence last, so a
    // client that sees a new sequence reads a complete block.
    for (const [id, out, shaftHz, shaftHzEnd] of blocks) {
      const ids = nodeIds.points[id];
      const set = (nodeId: string, variant: Variant) =>
        vars.get(nodeId)?.setValueFromSource(variant, StatusCodes.Good, now);
      set(
        ids.Waveform,
        new Variant({ dataType: DataType.Float, arrayType: VariantArrayType.Array, value: out }),
      );
      set(ids.SampleRateHz, new Variant({ dataType: DataType.Double, value: sampleRateHz }));
      set(ids.SpeedRpm, new Variant({ dataType: DataType.Double, value: shaftHz * 60 }));
      set(ids.SpeedEndRpm, new Variant({ dataType: DataType.Double, value: shaftHzEnd * 60 }));
      set(ids.BlockTimestamp, new Variant({ dataType: DataType.DateTime, value: now }));
    }
    sequence += 1;
    for (const id of POINT_IDS) {
      vars
        .get(nodeIds.points[id].BlockSequence)
        ?.setValueFromSource(
          new Variant({ dataType: DataType.UInt32, value: sequence }),
          StatusCodes.Good,
          now,
        );
    }
    cms?.publish(
      blocks.map(([point, g, _shaftHz, shaftHzEnd]) => ({ point, g, shaftHz: shaftHzEnd })),
      now,
    );
    pointTruth = nextTruth;
    transmitter = nextTransmitter;
    blockTimestamp = now;
  }

  function buildAddressSpace(server: OPCUAServer): void {
    opcuaVariables.clear();
    const addressSpace = server.engine.addressSpace;
    if (!addressSpace) throw new Error("OPC UA address space missing after initialize()");
    const ns = addressSpace.getOwnNamespace();
    if (ns.index !== 1) throw new Error(`own namespace has index ${ns.index}, node ids assume 1`);
    const turbine = ns.addObject({
      organizedBy: addressSpace.rootFolder.objects,
      browseName: assetId,
      nodeId: `s=${assetId}`,
    });
    const scadaFolder = ns.addObject({
      componentOf: turbine,
      browseName: "Scada",
      nodeId: `s=${assetId}.Scada`,
    });
    for (const name of Object.keys(SCADA_NODES) as ScadaNodeName[]) {
      const nodeId = nodeIds.scada[name];
      opcuaVariables.set(
        nodeId,
        ns.addVariable({
          componentOf: scadaFolder,
          browseName: name,
          nodeId: nodeId.replace(/^ns=1;/, ""),
          dataType: "Double",
          minimumSamplingInterval: 100,
        }),
      );
    }
    for (const id of POINT_IDS) {
      const folder = ns.addObject({ componentOf: turbine, browseName: id, nodeId: `s=${assetId}.${id}` });
      const ids = nodeIds.points[id];
      const add = (name: PointNodeName, dataType: string, extra: Record<string, unknown> = {}) => {
        const variable = ns.addVariable({
          componentOf: folder,
          browseName: name,
          nodeId: ids[name].replace(/^ns=1;/, ""),
          dataType,
          minimumSamplingInterval: 100,
          ...extra,
        });
        opcuaVariables.set(ids[name], variable);
        return variable;
      };
      add("Waveform", "Float", { valueRank: 1, arrayDimensions: [samples] });
      add("SampleRateHz", "Double");
      add("SpeedRpm", "Double");
      add("SpeedEndRpm", "Double");
      add("BlockSequence", "UInt32").setValueFromSource(new Variant({ dataType: DataType.UInt32, value: 0 }));
      add("BlockTimestamp", "DateTime");
      add("Unit", "String").setValueFromSource(new Variant({ dataType: DataType.String, value: "g" }));
    }
  }

  async function stopOpcua(): Promise<void> {
    const server = opcua;
    opcua = undefined;
    opcuaVariables.clear();
    cms?.detach();
    await server?.shutdown(0).catch(() => undefined);
  }
  async function restartOpcuaServer(): Promise<void> {
    if (opcua || stopped) return;
    opcua = await startOpcua(opcuaPortInUse);
    publishScada();
    refreshWaveforms();
  }

  const endpoint = `opc.tcp://127.0.0.1:${opcuaPortInUse}${OPCUA_RESOURCE_PATH}`;
  const modbusPort = modbus?.port ?? 0;

  return {
    modbusPort,
    opcuaPort: opcuaPortInUse,
    opcuaEndpoint: endpoint,
    nodeIds,
    truth: () => ({
      assetId,
      scada: { ...scada },
      speeds: speedsOf(scada),
      faults: faults.map((f) => ({ ...f })),
      block: { sequence, timestamp: blockTimestamp, sampleRateHz, samples },
      points: structuredClone(pointTruth),
    }),
    setFaults: (next) => {
      faults = validFaults(next);
    },
    refreshWaveforms,
    opcuaPki: {
      // node-opcua's default certificate file of a server, under its certificate manager's root.
      certificateFile: join(pkiDir, "own", "own", "certs", "certificate.pem"),
      trustedFolder: join(pkiDir, "own", "trusted", "certs"),
      rejectedFolder: join(pkiDir, "own", "rejected"),
    },
    modbus: modbus as RunningModbusServer,
    stopOpcua,
    startOpcua: restartOpcuaServer,
    restartOpcua: async (o) => {
      await stopOpcua();
      if (o?.cmsNamespacesBefore !== undefined) cmsNamespacesBefore = o.cmsNamespacesBefore;
      await restartOpcuaServer();
    },
    ...(cms ? { cms } : {}),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await cleanup();
    },
  };
}
