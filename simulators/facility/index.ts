// Simulated facility switch room: a three-phase energy meter modelled on the
// Eastron SDM630 (unit 1), an outdoor temperature transmitter (unit 2), a
// sub-meter of another make (unit 3) and, when the facility is
// controllable, a building controller (unit 4, writable setpoints, HVAC
// mode, lighting and ventilation by zone) behind one Modbus gateway on loopback,
// served over Modbus TCP and, when asked, as Modbus RTU on a serial line and
// RTU over TCP (a serial device server).
import { type RunningRtuLine, startModbusRtuSerial } from "../modbus-rtu.ts";
import { type RegisterEntry, type RunningModbusServer, startModbusServer } from "../modbus-server.ts";
import { Building, type BuildingControls, type BuildingParams, type BuildingState } from "./building.ts";
import { otherLoadsKw } from "./metered.ts";
import {
  DEFAULT_UTC_OFFSET_HOURS,
  type EnergyMeasure,
  FACILITY_KINDS,
  FACILITY_PROFILES,
  type FacilityKind,
  facilityLoadKw,
  outdoorTempC,
  smoothNoise,
} from "./model.ts";
import { Realism, type RealismOptions } from "./realism.ts";

export type { EnergyMeasure, FacilityKind, HourlyRow } from "./model.ts";
export {
  FACILITY_KINDS,
  FACILITY_PROFILES,
  facilityLoadKw,
  hourlyHistory,
  occupancy,
  outdoorTempC,
} from "./model.ts";

/** An input register (function 4) of a meter on the gateway. */
const inputRegister = (
  name: string,
  field: string,
  address: number,
  type: RegisterEntry["type"],
  wordOrder: RegisterEntry["wordOrder"],
  unit: string,
  description: string,
  scale?: number,
) =>
  ({
    name,
    field,
    function: 4,
    address,
    type,
    wordOrder,
    unit,
    ...(scale === undefined ? {} : { scale }),
    description,
  }) as const satisfies RegisterEntry;

/** The SDM630's registers are all float32, high word first. */
const sdm = (
  name: string,
  field: string,
  address: number,
  unit: string,
  description: string,
  scale?: number,
) => inputRegister(name, field, address, "float32", "high_first", unit, description, scale);

/**
 * Input registers (function 4) of the SDM630 subset served, unit id 1,
 * float32 high word first (as the Eastron SDM630 Modbus protocol document).
 */
export const SDM630_MAP: readonly RegisterEntry[] = [
  sdm("phase_1_voltage_v", "voltage_l1_v", 0x0000, "V", "phase 1 line to neutral volts"),
  sdm("phase_2_voltage_v", "voltage_l2_v", 0x0002, "V", "phase 2 line to neutral volts"),
  sdm("phase_3_voltage_v", "voltage_l3_v", 0x0004, "V", "phase 3 line to neutral volts"),
  sdm("phase_1_current_a", "current_l1_a", 0x0006, "A", "phase 1 current"),
  sdm("phase_2_current_a", "current_l2_a", 0x0008, "A", "phase 2 current"),
  sdm("phase_3_current_a", "current_l3_a", 0x000a, "A", "phase 3 current"),
  sdm("total_system_power_w", "power_kw", 0x0034, "W", "total system power", 0.001),
  sdm("total_system_power_factor", "power_factor", 0x003e, "", "total system power factor"),
  sdm("frequency_hz", "frequency_hz", 0x0046, "Hz", "frequency of supply voltages"),
  sdm("import_active_energy_kwh", "import_energy_kwh", 0x0048, "kWh", "import active energy (total)"),
  sdm("total_active_energy_kwh", "energy_kwh", 0x0156, "kWh", "total active energy (import + export)"),
];
export const SDM630_UNIT_ID = 1;

/** Outdoor temperature transmitter, unit id 2, input register 0, float32 high word first, °C. */
export const TEMPERATURE_MAP: readonly RegisterEntry[] = [
  {
    name: "outdoor_temp_c",
    field: "temp_c",
    function: 4,
    address: 0x0000,
    type: "float32",
    wordOrder: "high_first",
    unit: "°C",
    description: "outdoor air temperature",
  },
];
export const TEMPERATURE_UNIT_ID = 2;

/**
 * A sub-meter of another make on the same gateway (unit 3), the way such
 * meters are documented and encoded: its manual numbers input registers
 * from 1 (30001 is protocol address 0; README.md shows both), and the word
 * order differs per register block — voltages float32 low word first
 * (CDAB), power int32 high word first in W, energies uint32 high word first
 * in 0.01 kWh, frequency uint16 in 0.01 Hz.
 */
export const SUBMETER_MAP: readonly RegisterEntry[] = [
  inputRegister("u1_v", "voltage_l1_v", 0, "float32", "low_first", "V", "30001 phase 1 voltage"),
  inputRegister("u2_v", "voltage_l2_v", 2, "float32", "low_first", "V", "30003 phase 2 voltage"),
  inputRegister("u3_v", "voltage_l3_v", 4, "float32", "low_first", "V", "30005 phase 3 voltage"),
  inputRegister("p_w", "power_kw", 12, "int32", "high_first", "W", "30013 total active power", 0.001),
  inputRegister("f_centihz", "frequency_hz", 20, "uint16", "high_first", "0.01 Hz", "30021 frequency", 0.01),
  inputRegister(
    "ea_import_centikwh",
    "import_energy_kwh",
    100,
    "uint32",
    "high_first",
    "0.01 kWh",
    "30101 import energy",
    0.01,
  ),
  inputRegister(
    "ea_export_centikwh",
    "export_energy_kwh",
    102,
    "uint32",
    "high_first",
    "0.01 kWh",
    "30103 export energy",
    0.01,
  ),
];
export const SUBMETER_UNIT_ID = 3;
/** The sub-meter's share of the facility's load (a wing on its own meter). */
const SUBMETER_SHARE = 0.25;

/**
 * Building controller, unit id 4: holding registers (function 3) and coils
 * (function 1). Writable ones carry the range the controller accepts (raw
 * units); the others are read-only and refuse writes with exception 02.
 */
export const BMS_UNIT_ID = 4;
export function bmsMap(zones: number): RegisterEntry[] {
  const map: RegisterEntry[] = [
    {
      name: "heating_setpoint_c",
      field: "heating_setpoint_c",
      function: 3,
      address: 0,
      type: "float32",
      wordOrder: "high_first",
      unit: "°C",
      description: "heating setpoint",
      writable: { min: 5, max: 30 },
    },
    {
      name: "cooling_setpoint_c",
      field: "cooling_setpoint_c",
      function: 3,
      address: 2,
      type: "float32",
      wordOrder: "high_first",
      unit: "°C",
      description: "cooling setpoint",
      writable: { min: 16, max: 32 },
    },
    {
      name: "hvac_mode",
      field: "hvac_mode",
      function: 3,
      address: 4,
      type: "uint16",
      wordOrder: "high_first",
      unit: "",
      description: "0 off, 1 heat, 2 cool, 3 auto",
      writable: { min: 0, max: 3 },
    },
    {
      name: "indoor_temp_c",
      field: "indoor_temp_c",
      function: 3,
      address: 16,
      type: "float32",
      wordOrder: "high_first",
      unit: "°C",
      description: "indoor air temperature (read-only)",
    },
    {
      name: "hvac_power_w",
      field: "hvac_power_kw",
      function: 3,
      address: 18,
      type: "float32",
      wordOrder: "high_first",
      unit: "W",
      scale: 0.001,
      description: "electric power of heating and cooling (read-only)",
    },
  ];
  for (let z = 0; z < zones; z++) {
    map.push({
      name: `ventilation_zone_${z + 1}_pct`,
      field: `ventilation_zone_${z + 1}_pct`,
      function: 3,
      address: 5 + z,
      type: "uint16",
      wordOrder: "high_first",
      unit: "%",
      description: `ventilation fan speed, zone ${z + 1}`,
      writable: { min: 0, max: 100 },
    });
    map.push({
      name: `lighting_zone_${z + 1}`,
      field: `lighting_zone_${z + 1}`,
      function: 1,
      address: z,
      type: "uint16",
      wordOrder: "high_first",
      unit: "",
      description: `lighting, zone ${z + 1}: 1 on (follows occupancy), 0 off`,
      writable: { min: 0, max: 1 },
    });
  }
  return map;
}

export interface FacilitySimOptions {
  assetId: string;
  kind: FacilityKind;
  /** 0 or absent: a free port. */
  modbusPort?: number;
  seed?: number;
  measure?: EnergyMeasure;
  nominalPeakKw?: number;
  /** Epoch ms; default Date.now. Lets tests move time. */
  clock?: () => number;
  utcOffsetHours?: number;
  /** How often values are recomputed and energy integrated, ms (reads also integrate). */
  updateMs?: number;
  /**
   * Also serve the same units as Modbus RTU: on a serial line (`serial`, e.g.
   * one end of a socat PTY pair) and/or over TCP as a serial device server
   * does (`tcpPort`, 0 = a free port). Faults injected apply to all.
   */
  rtu?: {
    serial?: {
      path: string;
      baudRate?: number;
      parity?: "none" | "even" | "odd";
      stopBits?: 1 | 2;
      dataBits?: 7 | 8;
    };
    tcpPort?: number;
  };
  /**
   * A controllable facility: the building controller (unit 3) is served and
   * heating/cooling, lighting and ventilation follow its registers (building.ts).
   */
  control?: boolean | Partial<BuildingParams>;
  /** An extra load the simulator adds at each instant, kW (a ramp for demand-limiting tests). */
  extraKw?: (timeMs: number) => number;
  /** Holidays, irregular days, unexplained variation, weather spells (realism.ts); needs `control`. Off by default. */
  realism?: RealismOptions;
}

export interface FacilityTruth {
  assetId: string;
  kind: FacilityKind;
  timestamp: Date;
  /** Raw register values by register name (units as in the maps). */
  registers: Record<string, number>;
  /** Modelled load without the measure, kW. */
  baselineKw: number;
  /** Load with the measure (equals baseline before it), kW. */
  actualKw: number;
  measureActive: boolean;
  tempC: number;
  /** Controllable facility only: indoor temperature, the loads by use and the controls as written. */
  building?: BuildingState & { controls: BuildingControls };
  /** Controllable facility only: energy of heating/cooling since start, kWh. */
  hvacEnergyKwh?: number;
  /** Total active energy register, kWh. */
  energyKwh: number;
}

export interface FacilitySim {
  readonly modbusPort: number;
  /** Port of the RTU-over-TCP server, when asked for (`rtu.tcpPort`). */
  readonly rtuTcpPort?: number;
  /** Fault injection on the gateway: exceptions, delays, garbage (per unit id or all), disappearing. */
  readonly modbus: Pick<RunningModbusServer, "inject" | "disappear" | "reappear" | "present">;
  truth(): FacilityTruth;
  stop(): Promise<void>;
}

export async function start(opts: FacilitySimOptions): Promise<FacilitySim> {
  if (!FACILITY_KINDS.includes(opts.kind)) {
    throw new Error(`kind '${opts.kind}': expected one of ${FACILITY_KINDS.join("|")}`);
  }
  const f = opts.measure?.savingFraction;
  if (f !== undefined && !(f >= 0 && f < 1))
    throw new Error(`measure.savingFraction ${f}: expected 0 ≤ f < 1`);
  if (opts.measure && Number.isNaN(opts.measure.from.getTime()))
    throw new Error("measure.from: invalid date");
  const clock = opts.clock ?? Date.now;
  const seed = opts.seed ?? 1;
  const kind = opts.kind;
  const utcOffsetHours = opts.utcOffsetHours ?? DEFAULT_UTC_OFFSET_HOURS;
  const nominalPeakKw = opts.nominalPeakKw ?? FACILITY_PROFILES[kind].nominalPeakKw;

  // A meter reading at start, kWh: small enough that float32 registers
  // still resolve a few Wh (float32 has 24 significant bits).
  let energyKwh = Math.round(1000 + 4500 * (smoothNoise(seed, 0, 1) + 1));
  let hvacEnergyKwh = 0;
  if (opts.realism && !opts.control)
    throw new Error("realism: acts through the building model, needs control");
  const realism = opts.realism ? new Realism(kind, opts.realism, utcOffsetHours) : null;
  const building = opts.control
    ? new Building(
        kind,
        {
          nominalPeakKw,
          utcOffsetHours,
          ...(realism ? { occupancyAt: (d: Date) => realism.occupancy(d) } : {}),
        },
        opts.control === true ? {} : opts.control,
      )
    : null;
  const metered = { kind, seed, nominalPeakKw, measure: opts.measure, realism };
  /** Outdoor temperature at an instant: the climate of the seed and, with realism, its spells. */
  const outdoorAt = (t: number) =>
    outdoorTempC(new Date(t), seed, utcOffsetHours) + (realism?.tempOffsetC(t) ?? 0);
  let last = clock();
  let state = compute(last);

  /** The controllable facility's load: always-on base, plug load, lighting, ventilation and HVAC, kW. */
  function controlledLoadKw(date: Date, tempC: number, b: Building): { kw: number; parts: BuildingState } {
    const parts = b.state(date, tempC);
    const factor = realism?.loadFactor(date.getTime()) ?? 1;
    return { kw: (otherLoadsKw(parts, date, metered) + parts.hvacKw) * factor, parts };
  }

  function compute(t: number) {
    const date = new Date(t);
    const tempC = outdoorAt(t);
    const model = { seed, nominalPeakKw, utcOffsetHours };
    const baselineKw = facilityLoadKw(kind, date, tempC, model);
    const controlled = building ? controlledLoadKw(date, tempC, building) : null;
    const extraKw = Math.max(0, opts.extraKw?.(t) ?? 0);
    const actualKw =
      (controlled
        ? controlled.kw
        : facilityLoadKw(kind, date, tempC, opts.measure ? { ...model, measure: opts.measure } : model)) +
      extraKw;
    // Electrical quantities around the load: 230 V ± ~1 %, 50 Hz ± 0.05 Hz,
    // power factor improving with load, a few % phase imbalance.
    const v = [0, 1, 2].map((i) => 230 + 2.3 * smoothNoise(seed + 31 + i, t, 90_000));
    const share = [1.04, 0.97, 0.99];
    const pf = Math.min(
      0.99,
      0.9 + 0.06 * (actualKw / nominalPeakKw) + 0.01 * smoothNoise(seed + 41, t, 60_000),
    );
    const perPhaseW = (actualKw * 1000) / 3;
    const current = [0, 1, 2].map((i) => (perPhaseW * (share[i] ?? 1)) / ((v[i] ?? 230) * pf));
    return {
      date,
      tempC,
      parts: controlled?.parts ?? null,
      baselineKw,
      actualKw,
      measureActive: opts.measure !== undefined && t >= opts.measure.from.getTime(),
      v,
      current,
      pf,
      frequencyHz: 50 + 0.05 * smoothNoise(seed + 51, t, 30_000),
    };
  }

  /** Integrates energy up to now with the power held since the last update, then recomputes. */
  function advance(): void {
    const now = clock();
    if (now <= last) return;
    if (!building) {
      energyKwh += (state.actualKw * (now - last)) / 3_600_000;
    } else {
      // The thermal state moves in sub-steps; the other loads are held per sub-step of ≤ 1 min.
      for (let t = last; t < now; ) {
        const dt = Math.min(60_000, now - t);
        const s = compute(t);
        const hvacKwh = building.advance(t, dt, outdoorAt);
        const factor = realism?.loadFactor(t) ?? 1;
        hvacEnergyKwh += hvacKwh;
        energyKwh += ((s.actualKw - (s.parts?.hvacKw ?? 0) * factor) * dt) / 3_600_000 + hvacKwh * factor;
        t += dt;
      }
    }
    last = now;
    state = compute(now);
  }

  const registers = (): Record<string, number> => ({
    phase_1_voltage_v: state.v[0] ?? 0,
    phase_2_voltage_v: state.v[1] ?? 0,
    phase_3_voltage_v: state.v[2] ?? 0,
    phase_1_current_a: state.current[0] ?? 0,
    phase_2_current_a: state.current[1] ?? 0,
    phase_3_current_a: state.current[2] ?? 0,
    total_system_power_w: state.actualKw * 1000,
    total_system_power_factor: state.pf,
    frequency_hz: state.frequencyHz,
    // No export: import and total active energy advance together.
    import_active_energy_kwh: energyKwh,
    total_active_energy_kwh: energyKwh,
    outdoor_temp_c: state.tempC,
    // The sub-meter, in its own units (counts of 0.01 kWh and 0.01 Hz, W).
    u1_v: state.v[0] ?? 0,
    u2_v: state.v[1] ?? 0,
    u3_v: state.v[2] ?? 0,
    p_w: Math.round(state.actualKw * SUBMETER_SHARE * 1000),
    f_centihz: Math.round(state.frequencyHz * 100),
    ea_import_centikwh: Math.floor(energyKwh * SUBMETER_SHARE * 100),
    ea_export_centikwh: 0,
    ...(building ? bmsRegisters(building) : {}),
  });

  function bmsRegisters(b: Building): Record<string, number> {
    const c = b.controls;
    const out: Record<string, number> = {
      heating_setpoint_c: c.heatingSetpointC,
      cooling_setpoint_c: c.coolingSetpointC,
      hvac_mode: c.hvacMode,
      indoor_temp_c: b.indoorC,
      hvac_power_w: (state.parts?.hvacKw ?? 0) * 1000,
    };
    c.lighting.forEach((v, z) => {
      out[`lighting_zone_${z + 1}`] = v;
    });
    c.ventilationPct.forEach((v, z) => {
      out[`ventilation_zone_${z + 1}_pct`] = v;
    });
    return out;
  }

  /** A write the controller accepted (the server has checked address, writability and range). */
  function writeBms(b: Building, name: string, value: number): void {
    advance(); // the old value held until now
    const c = b.controls;
    const zone = /_zone_(\d+)/.exec(name);
    const z = zone ? Number(zone[1]) - 1 : -1;
    if (name === "heating_setpoint_c") c.heatingSetpointC = value;
    else if (name === "cooling_setpoint_c") c.coolingSetpointC = value;
    else if (name === "hvac_mode") c.hvacMode = value;
    else if (name.startsWith("lighting_zone_")) c.lighting[z] = value;
    else if (name.startsWith("ventilation_zone_")) c.ventilationPct[z] = value;
    else throw new Error(`${name} is not writable`);
    state = compute(last);
  }

  const modbus: RunningModbusServer = await startModbusServer({
    port: opts.modbusPort ?? 0,
    units: [
      {
        unitId: SDM630_UNIT_ID,
        registers: SDM630_MAP,
        snapshot: () => {
          advance();
          return registers();
        },
      },
      {
        unitId: TEMPERATURE_UNIT_ID,
        registers: TEMPERATURE_MAP,
        snapshot: () => {
          advance();
          return registers();
        },
      },
      {
        unitId: SUBMETER_UNIT_ID,
        registers: SUBMETER_MAP,
        snapshot: () => {
          advance();
          return registers();
        },
      },
      ...(building
        ? [
            {
              unitId: BMS_UNIT_ID,
              registers: bmsMap(building.params.zones),
              snapshot: () => {
                advance();
                return registers();
              },
              write: (name: string, value: number) => writeBms(building, name, value),
            },
          ]
        : []),
    ],
  });
  let rtuTcp: RunningModbusServer | undefined;
  let rtuLine: RunningRtuLine | undefined;
  try {
    if (opts.rtu?.tcpPort !== undefined)
      rtuTcp = await startModbusServer({
        port: opts.rtu.tcpPort,
        units: [],
        framing: "rtu",
        device: modbus.device,
      });
    if (opts.rtu?.serial) rtuLine = await startModbusRtuSerial({ ...opts.rtu.serial, device: modbus.device });
  } catch (e) {
    await rtuTcp?.stop();
    await modbus.stop();
    throw e;
  }
  const timer = setInterval(advance, opts.updateMs ?? 1000);

  return {
    modbusPort: modbus.port,
    ...(rtuTcp ? { rtuTcpPort: rtuTcp.port } : {}),
    modbus,
    truth: () => {
      advance();
      return {
        assetId: opts.assetId,
        kind,
        timestamp: state.date,
        registers: registers(),
        baselineKw: state.baselineKw,
        actualKw: state.actualKw,
        measureActive: state.measureActive,
        tempC: state.tempC,
        energyKwh,
        ...(building && state.parts
          ? {
              building: { ...state.parts, controls: structuredClone(building.controls) },
              hvacEnergyKwh,
            }
          : {}),
      };
    },
    stop: async () => {
      clearInterval(timer);
      await rtuLine?.stop();
      await rtuTcp?.stop();
      await modbus.stop();
    },
  };
}
