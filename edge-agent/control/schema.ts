// The `control` section of the agent's config: which points the agent may
// write, their limits and where they live. Control is off unless a point is
// declared here; the agent enforces these limits whatever central sends
// (the edge is the authority on safety). Wired into config.ts, which
// validates once where the config enters and names the key path of an error.
import { type Static, Type } from "@sinclair/typebox";

const Name = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z][a-z0-9_]{0,63}$" });
const Id = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" });

/**
 * A Modbus target. Functions: 6 (write single register: 16-bit types), 16
 * (write multiple registers: every type), 5 (write single coil), 15 (write
 * multiple coils; one coil here). Read-back uses 3 (registers) or 1 (coils).
 */
export const ModbusWriteTargetSchema = Type.Object(
  {
    kind: Type.Literal("modbus"),
    /** `id` of a `modbus` source: host, port, unit id and timeout come from it. */
    source: Type.String({ minLength: 1 }),
    function: Type.Union([Type.Literal(5), Type.Literal(6), Type.Literal(15), Type.Literal(16)]),
    address: Type.Integer({ minimum: 0, maximum: 65535 }),
    type: Type.Union(
      ["float32", "uint16", "int16", "uint32", "int32"].map((t) => Type.Literal(t)),
      { default: "uint16" },
    ),
    wordOrder: Type.Union([Type.Literal("high_first"), Type.Literal("low_first")], { default: "high_first" }),
    /** raw × scale = value (as on the read side): the agent writes value / scale. */
    scale: Type.Number({ default: 1 }),
    unitId: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  },
  { additionalProperties: false },
);
export type ModbusWriteTarget = Static<typeof ModbusWriteTargetSchema> & {
  type: "float32" | "uint16" | "int16" | "uint32" | "int32";
  wordOrder: "high_first" | "low_first";
};

export const OpcuaWriteDataTypes = [
  "Double",
  "Float",
  "Int16",
  "UInt16",
  "Int32",
  "UInt32",
  "Boolean",
] as const;
export type OpcuaWriteDataType = (typeof OpcuaWriteDataTypes)[number];

/** An OPC UA target: a Variable node written through its Value attribute (IEC 62541-4 §5.10.4). */
export const OpcuaWriteTargetSchema = Type.Object(
  {
    kind: Type.Literal("opcua"),
    /** `id` of an `opcua` source: endpoint and security come from it. */
    source: Type.String({ minLength: 1 }),
    nodeId: Type.String({ minLength: 1 }),
    dataType: Type.Union(
      OpcuaWriteDataTypes.map((t) => Type.Literal(t)),
      { default: "Double" },
    ),
  },
  { additionalProperties: false },
);
export type OpcuaWriteTarget = Static<typeof OpcuaWriteTargetSchema> & { dataType: OpcuaWriteDataType };
export type WriteTarget = ModbusWriteTarget | OpcuaWriteTarget;
export const WriteTargetSchemas = { modbus: ModbusWriteTargetSchema, opcua: OpcuaWriteTargetSchema } as const;

export const ControlPointConfigSchema = Type.Object(
  {
    asset: Id,
    point: Name,
    /** SI unit, or `state` for an enumerated value (°C as `degC`). */
    unit: Type.String({ minLength: 1, maxLength: 16 }),
    min: Type.Number(),
    max: Type.Number(),
    /** Enumerated points: value → label (e.g. `"0": off`); only these values are accepted. */
    states: Type.Optional(
      Type.Record(Type.String({ pattern: "^-?[0-9]+$" }), Type.String({ minLength: 1, maxLength: 32 })),
    ),
    /** Largest change per minute written to the device, unit/min; required unless `states` is given. */
    maxRatePerMinute: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** Written when no level holds the point (BACnet's relinquish default) and when control is lost. */
    failSafe: Type.Number(),
    /** Never scheduled or shed; operator commands need `override`. */
    critical: Type.Boolean(),
    /** At most one write per this many ms (device memories wear out). */
    minWriteIntervalMs: Type.Integer({ minimum: 100, default: 5000 }),
    /** A read-back within this of the written value confirms it; default: half a raw step, or 1e-4 relative for float32. */
    tolerance: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** How long a change made at the device is held as `manual` before the agent acts again; default `control.manualHoldMinutes`. */
    manualHoldMinutes: Type.Optional(Type.Number({ minimum: 0 })),
    /** Where the point lives: `{kind: modbus, …}` or `{kind: opcua, …}`. */
    write: Type.Unknown(),
  },
  { additionalProperties: false },
);
export type ControlPointConfig = Omit<Static<typeof ControlPointConfigSchema>, "write"> & {
  write: WriteTarget;
};

export const ControlConfigSchema = Type.Object(
  {
    points: Type.Array(ControlPointConfigSchema, { default: [], maxItems: 1000 }),
    /** How often arbitration, schedules and demand limiting are evaluated, ms. */
    tickMs: Type.Integer({ minimum: 100, default: 1000 }),
    /** How often each point is read back to notice changes made at the device, ms. */
    readBackIntervalMs: Type.Integer({ minimum: 500, default: 10_000 }),
    /** How long a change made at the device is held (priority `manual`), minutes. */
    manualHoldMinutes: Type.Number({ minimum: 0, default: 60 }),
    /** How long central may hold a sync request open, ms (long poll). */
    syncWaitMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 25_000 }),
    /** The desired state and undelivered reports, SQLite; default `<queue.dir>/control.sqlite`. */
    stateFile: Type.Optional(Type.String({ minLength: 1 })),
    /** IANA zone of the facility, used when a schedule names none. */
    timeZone: Type.String({ minLength: 1, default: "Europe/Moscow" }),
    /** Demand limiting: the meter whose power is forecast over the tariff interval. */
    demand: Type.Optional(
      Type.Object(
        {
          asset: Id,
          /** Field of the `meter` measurement, kW. */
          field: Type.String({ default: "power_kw" }),
          /** Least time between two shed/restore steps, ms (each step's effect is seen before the next). */
          stepMs: Type.Integer({ minimum: 1000, default: 60_000 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
);
export type ControlConfig = Omit<Static<typeof ControlConfigSchema>, "points"> & {
  points: ControlPointConfig[];
};
