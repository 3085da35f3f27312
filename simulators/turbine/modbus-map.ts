// The simulated turbine's Modbus register map (see simulators/turbine/README.md):
// the turbine controller's SCADA holding registers and a vibration
// transmitter block per measuring point in input registers.
import type { TurbinePointId } from "../../common/names.ts";
import type { RegisterEntry } from "../modbus-server.ts";
import { TURBINE_POINTS } from "./physics.ts";

const POINT_IDS = Object.keys(TURBINE_POINTS) as TurbinePointId[];

const scadaHolding = (field: keyof typeof SCADA_NODES_BY_FIELD, address: number): RegisterEntry => ({
  name: field,
  field,
  function: 3,
  address,
  type: "float32",
  wordOrder: "high_first",
  unit: SCADA_NODES_BY_FIELD[field],
  description: `turbine controller: ${field}`,
});
const SCADA_NODES_BY_FIELD = {
  rotor_speed_rpm: "rpm",
  generator_speed_rpm: "rpm",
  power_kw: "kW",
  wind_speed_m_s: "m/s",
  nacelle_temp_c: "°C",
  main_bearing_temp_c: "°C",
  gearbox_bearing_temp_c: "°C",
  generator_bearing_temp_c: "°C",
} as const;

const transmitterInput = (point: TurbinePointId, index: number): RegisterEntry[] => {
  const base = index * 8;
  const entry = (field: string, offset: number, unit: string, description: string): RegisterEntry => ({
    name: `${point}.${field}`,
    field,
    function: 4,
    address: base + offset,
    type: "float32",
    wordOrder: "low_first",
    unit,
    point,
    description: `vibration transmitter ${point}: ${description}`,
  });
  return [
    entry("v_rms_mm_s", 0, "mm/s", "velocity RMS 10–1000 Hz of the latest block"),
    entry("a_rms_g", 2, "g", "acceleration RMS of the latest block"),
    entry("a_peak_g", 4, "g", "acceleration peak (absolute) of the latest block"),
    entry("reserved", 6, "", "reserved, reads 0"),
  ];
};

/**
 * The turbine's Modbus map, unit id 1 (see simulators/turbine/README.md).
 * Holding registers (function 3): SCADA as float32 high word first at 0..14,
 * operating state uint16 at 100, power in W as int32 high word first at
 * 101–102. Input registers (function 4): a vibration transmitter block,
 * float32 low word first, 8 registers per point.
 */
export const TURBINE_MODBUS_MAP: readonly RegisterEntry[] = [
  scadaHolding("rotor_speed_rpm", 0),
  scadaHolding("generator_speed_rpm", 2),
  scadaHolding("power_kw", 4),
  scadaHolding("wind_speed_m_s", 6),
  scadaHolding("nacelle_temp_c", 8),
  scadaHolding("main_bearing_temp_c", 10),
  scadaHolding("gearbox_bearing_temp_c", 12),
  scadaHolding("generator_bearing_temp_c", 14),
  {
    name: "operating_state",
    field: "operating_state",
    function: 3,
    address: 100,
    type: "uint16",
    wordOrder: "high_first",
    unit: "",
    description: "operating state: 0 stopped (not producing), 1 running",
  },
  {
    name: "power_w",
    field: "power_w",
    function: 3,
    address: 101,
    type: "int32",
    wordOrder: "high_first",
    unit: "W",
    description: "active power, signed (negative while consuming from the grid)",
  },
  ...POINT_IDS.flatMap((p, i) => transmitterInput(p, i)),
];
export const TURBINE_MODBUS_UNIT_ID = 1;
