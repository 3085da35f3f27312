// The demo's fleet and the edge configurations that read it. Pure data and
// builders: the demo, the end-to-end tests and the docs use the same ones,
// so what a person sees with `npm start` is what the tests prove.

import type { CentralConfig } from "../central/config.ts";
import { type TurbinePointId, TurbinePoints } from "../common/names.ts";
import {
  BMS_UNIT_ID,
  SDM630_MAP,
  TEMPERATURE_MAP,
  TEMPERATURE_UNIT_ID,
} from "../simulators/facility/index.ts";
import type { RegisterEntry } from "../simulators/modbus-server.ts";
import { TURBINE_MODBUS_MAP, turbineNodeIds } from "../simulators/turbine/index.ts";
import { bearingDataSheet, type FaultSpec, TURBINE_POINTS } from "../simulators/turbine/physics.ts";

/**
 * A source as written in an agent config file: `parseAgentConfig` fills the
 * defaults and checks every key, so the builders below stay loose.
 */
export type SourceInput = Record<string, unknown> & { kind: "modbus" | "opcua"; id: string };

export interface DemoTurbine {
  id: string;
  name: string;
  tenant: string;
  faults: FaultSpec[];
}
export interface DemoFacility {
  id: string;
  name: string;
  kind: "hospital" | "clinic" | "school";
  site: string;
  lat: number;
  lon: number;
  /**
   * The energy-saving measure from the measure date (cli/demo-savings.ts):
   * `setback`, the kind's weekly heating schedule with its night, weekend
   * and holiday setback, run by the facility's agent and saving what the
   * building's thermal model says; or a retrofit, a fixed `savingFraction`
   * of the loads other than heating and cooling (lighting, drives).
   */
  measure: { kind: "setback" } | { kind: "retrofit"; savingFraction: number };
  /** The measure as the reports state it. */
  measureDescription: { ru: string; en: string };
}

export const DEMO_TENANTS = [
  { id: "sc-kavkaz", name: "ООО «Кавказ Ветросервис»" },
  { id: "sc-step", name: "АО «Степной Энергосервис»" },
  { id: "region", name: "Министерство энергетики региона" },
] as const;

/** Dagestan keeps Moscow time (UTC+3, no daylight saving). */
export const DEMO_TIME_ZONE = "Europe/Moscow";

export const DEMO_WIND_FARM = { id: "wf-caspian", name: "ВЭС «Каспийская»", lat: 42.35, lon: 47.8 };

/** Six turbines: T02 with a main-bearing outer-race defect, T05 with generator imbalance. */
// biome-ignore format: one turbine a line
export const DEMO_TURBINES: DemoTurbine[] = [
  { id: "T01", name: "ВЭУ-1", tenant: "sc-kavkaz", faults: [] },
  { id: "T02", name: "ВЭУ-2", tenant: "sc-kavkaz", faults: [{ point: "main_bearing", fault: "bearing_outer_race", severity: 0.6 }] },
  { id: "T03", name: "ВЭУ-3", tenant: "sc-kavkaz", faults: [] },
  { id: "T04", name: "ВЭУ-4", tenant: "sc-step", faults: [] },
  { id: "T05", name: "ВЭУ-5", tenant: "sc-step", faults: [{ point: "generator_de", fault: "imbalance", severity: 0.6 }] },
  { id: "T06", name: "ВЭУ-6", tenant: "sc-step", faults: [] },
];

export const DEMO_FACILITIES: DemoFacility[] = [
  {
    id: "H01",
    name: "Республиканская клиническая больница",
    kind: "hospital",
    site: "fac-h01",
    lat: 42.98,
    lon: 47.5,
    // In-patient heating is never set back (central/control/templates.ts).
    measure: { kind: "retrofit", savingFraction: 0.12 },
    measureDescription: {
      ru: "Светодиодное освещение и частотные приводы вентиляции (в демо: −12 % нагрузки, кроме отопления и охлаждения)",
      en: "LED lighting and variable-speed ventilation drives (in the demo: −12 % of the load other than heating and cooling)",
    },
  },
  {
    id: "C01",
    name: "Городская поликлиника № 2",
    kind: "clinic",
    site: "fac-c01",
    lat: 42.97,
    lon: 47.49,
    measure: { kind: "retrofit", savingFraction: 0.1 },
    measureDescription: {
      ru: "Светодиодное освещение (в демо: −10 % нагрузки, кроме отопления и охлаждения)",
      en: "LED lighting (in the demo: −10 % of the load other than heating and cooling)",
    },
  },
  {
    id: "S01",
    name: "Средняя школа № 5",
    kind: "school",
    site: "fac-s01",
    lat: 42.99,
    lon: 47.52,
    measure: { kind: "setback" },
    measureDescription: {
      ru: "Снижение температуры отопления ночью, в выходные, праздники и каникулы до 16 °C по расписанию (центральное управление)",
      en: "Heating set back to 16 °C at night, at weekends, on holidays and in vacations by a schedule (central control)",
    },
  },
];

const pointsOfTurbine = () =>
  (Object.keys(TurbinePoints) as TurbinePointId[]).map((id) => ({
    id,
    component: TurbinePoints[id].component,
  }));

/** Central's fleet section for the demo (tenants, sites, assets and their measuring points). */
export function demoFleet(): Pick<CentralConfig, "tenants" | "sites" | "assets"> {
  return {
    tenants: DEMO_TENANTS.map((t) => ({ ...t })),
    sites: [
      {
        id: DEMO_WIND_FARM.id,
        name: DEMO_WIND_FARM.name,
        kind: "wind_farm",
        lat: DEMO_WIND_FARM.lat,
        lon: DEMO_WIND_FARM.lon,
        timezone: DEMO_TIME_ZONE,
      },
      ...DEMO_FACILITIES.map((f) => ({
        id: f.site,
        name: f.name,
        kind: "facility" as const,
        tenant: "region",
        lat: f.lat,
        lon: f.lon,
        timezone: DEMO_TIME_ZONE,
      })),
    ],
    assets: [
      ...DEMO_TURBINES.map((t) => ({
        id: t.id,
        name: t.name,
        kind: "turbine" as const,
        site: DEMO_WIND_FARM.id,
        tenant: t.tenant,
        points: pointsOfTurbine(),
      })),
      ...DEMO_FACILITIES.map((f) => ({
        id: f.id,
        name: f.name,
        kind: f.kind,
        site: f.site,
        tenant: "region",
        // The controllable points: the agent reports their state as `control` points tagged with them.
        points: DEMO_CONTROL_POINTS.map((id) => ({ id })),
      })),
    ],
  };
}

/** The controllable points of every demo facility (SPEC.md: at least these three). */
export const DEMO_CONTROL_POINTS = ["heating_setpoint_c", "hvac_mode", "lighting"] as const;

/**
 * The writable points of a facility's building controller (the simulator's
 * `BMS_UNIT_ID`, `bmsMap`) as an agent config declares them: the heating setpoint
 * (float32, FC16), the HVAC mode (FC6; critical in a hospital, where it
 * keeps wards heated) and the first lighting zone (a coil, FC5). The limits
 * are the facility's, narrower than the controller's own (5–30 °C).
 */
export function facilityControlPoints(
  assetId: string,
  kind: DemoFacility["kind"],
  sourceId: string,
  opts: { maxRatePerMinute?: number; minWriteIntervalMs?: number } = {},
): Record<string, unknown>[] {
  const target = (rest: Record<string, unknown>) => ({
    kind: "modbus",
    source: sourceId,
    unitId: BMS_UNIT_ID,
    ...rest,
  });
  const every = opts.minWriteIntervalMs === undefined ? {} : { minWriteIntervalMs: opts.minWriteIntervalMs };
  return [
    {
      asset: assetId,
      point: "heating_setpoint_c",
      unit: "degC",
      min: 12,
      max: 26,
      maxRatePerMinute: opts.maxRatePerMinute ?? 2,
      failSafe: 21,
      critical: false,
      ...every,
      write: target({ function: 16, address: 0, type: "float32" }),
    },
    {
      asset: assetId,
      point: "hvac_mode",
      unit: "state",
      min: 0,
      max: 3,
      states: { "0": "off", "1": "heat", "2": "cool", "3": "auto" },
      failSafe: 1,
      critical: kind === "hospital",
      ...every,
      write: target({ function: 6, address: 4, type: "uint16" }),
    },
    {
      asset: assetId,
      point: "lighting",
      unit: "state",
      min: 0,
      max: 1,
      states: { "0": "off", "1": "on" },
      failSafe: 1,
      critical: false,
      ...every,
      write: target({ function: 5, address: 0 }),
    },
  ];
}

/** Response time (minutes) each demo company contracted for: an unacknowledged `alarm` escalates after it. */
export const DEMO_RESPONSE_MINUTES: Record<string, number> = { "sc-kavkaz": 240, "sc-step": 480 };

/** The service contracts of the demo: each company maintains its three turbines from the start of 2026. */
export function demoContracts(): CentralConfig["contracts"] {
  return Object.entries(DEMO_RESPONSE_MINUTES).map(([company, responseTimeMinutes]) => ({
    id: `${company}-2026`,
    company,
    assets: DEMO_TURBINES.filter((t) => t.tenant === company).map((t) => t.id),
    from: "2026-01-01",
    responseTimeMinutes,
  }));
}

/** One register of a simulator's map as an agent reads it into `measurement`. */
export const registerOf = (
  r: RegisterEntry,
  measurement: "scada" | "meter" | "weather",
  unitId?: number,
) => ({
  function: r.function,
  address: r.address,
  type: r.type,
  wordOrder: r.wordOrder,
  measurement,
  field: r.field,
  scale: r.scale ?? 1,
  ...(unitId === undefined ? {} : { unitId }),
});

const modbusSource = (
  id: string,
  assetId: string,
  modbus: { host: string; port: number },
  registers: ReturnType<typeof registerOf>[],
): SourceInput => ({
  kind: "modbus",
  id,
  host: modbus.host,
  port: modbus.port,
  unitId: 1,
  intervalMs: 1000,
  timeoutMs: 1000,
  asset: assetId,
  registers,
});

/**
 * Sources of one turbine as a nacelle gateway reads them: operational data
 * from the turbine controller over Modbus, temperatures and waveforms from
 * the condition-monitoring unit over OPC UA.
 */
export function turbineSources(
  assetId: string,
  modbus: { host: string; port: number },
  opcuaEndpoint: string,
  pkiDir: string,
): SourceInput[] {
  const nodes = turbineNodeIds(assetId);
  const scadaOverModbus = ["rotor_speed_rpm", "generator_speed_rpm", "power_kw", "wind_speed_m_s"];
  return [
    modbusSource(
      `${assetId.toLowerCase()}-controller`,
      assetId,
      modbus,
      TURBINE_MODBUS_MAP.filter((r) => scadaOverModbus.includes(r.field)).map((r) => registerOf(r, "scada")),
    ),
    {
      kind: "opcua",
      id: `${assetId.toLowerCase()}-cms`,
      endpoint: opcuaEndpoint,
      asset: assetId,
      pkiDir,
      // The demo keeps SecurityMode None (simulators on loopback, nothing to
      // protect, no certificates to exchange). Production: securityMode
      // SignAndEncrypt, securityPolicy Basic256Sha256, trust explicit (the
      // default), the CMS unit's certificate moved into <pkiDir>/trusted/certs.
      securityMode: "None",
      publishingIntervalMs: 1000,
      scalars: [
        { nodeId: nodes.scada.NacelleTempC, measurement: "scada", field: "nacelle_temp_c", scale: 1 },
        {
          nodeId: nodes.scada.MainBearingTempC,
          measurement: "scada",
          field: "main_bearing_temp_c",
          scale: 1,
        },
        {
          nodeId: nodes.scada.GearboxBearingTempC,
          measurement: "scada",
          field: "gearbox_bearing_temp_c",
          scale: 1,
        },
        {
          nodeId: nodes.scada.GeneratorBearingTempC,
          measurement: "scada",
          field: "generator_bearing_temp_c",
          scale: 1,
        },
      ],
      waveforms: (Object.keys(TurbinePoints) as TurbinePointId[]).map((point) => ({
        point,
        component: TurbinePoints[point].component,
        waveformNodeId: nodes.points[point].Waveform,
        sampleRateNodeId: nodes.points[point].SampleRateHz,
        sequenceNodeId: nodes.points[point].BlockSequence,
        speedNodeId: nodes.points[point].SpeedRpm,
        speedEndNodeId: nodes.points[point].SpeedEndRpm,
        unit: "g" as const,
      })),
    },
  ];
}

/** The turbine type of the demo fleet (a key of the agent's `diagnostics.turbineTypes`). */
export const DEMO_TURBINE_TYPE = "geared_2500kw";

/**
 * The agent's `diagnostics` section for the wind farm: the simulated
 * drive train's machine data (bearing geometry and gear teeth per measuring
 * point, as a turbine's documentation gives them) for every turbine.
 */
export function turbineDiagnostics(assetIds: readonly string[]): Record<string, unknown> {
  return {
    turbineTypes: { [DEMO_TURBINE_TYPE]: {} },
    machines: assetIds.flatMap((asset) =>
      (Object.keys(TurbinePoints) as TurbinePointId[]).map((point) => {
        const m = TURBINE_POINTS[point];
        return {
          asset,
          point,
          turbineType: DEMO_TURBINE_TYPE,
          bearing: bearingDataSheet(m),
          ...(m.gearTeeth === undefined ? {} : { gearTeeth: m.gearTeeth }),
        };
      }),
    ),
  };
}

/**
 * The switch-room gateway of a facility: the main meter (unit 1) and the
 * outdoor sensor (unit 2); with `indoor`, also the building controller's
 * indoor air temperature (unit 4, holding register 16), which central
 * watches against the room's comfort band.
 */
export function facilitySources(
  assetId: string,
  modbus: { host: string; port: number },
  opts: { indoor?: boolean } = {},
): SourceInput[] {
  return [
    modbusSource(`${assetId.toLowerCase()}-meter`, assetId, modbus, [
      ...SDM630_MAP.map((r) => registerOf(r, "meter")),
      ...TEMPERATURE_MAP.map((r) => registerOf(r, "weather", TEMPERATURE_UNIT_ID)),
      ...(opts.indoor ? [INDOOR_TEMP_REGISTER] : []),
    ]),
  ];
}

/** The building controller's indoor air temperature as an agent reads it (simulators/facility `bmsMap`). */
export const INDOOR_TEMP_REGISTER = {
  function: 3,
  address: 16,
  type: "float32",
  wordOrder: "high_first",
  measurement: "scada",
  field: "indoor_temp_c",
  scale: 1,
  unitId: BMS_UNIT_ID,
} as const;
