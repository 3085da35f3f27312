// Where a control point lives on its device: a Modbus register or coil, or an
// OPC UA Variable. The sources' write side (write.ts, modbus-write.ts,
// opcua-write.ts) takes these targets; control/schema.ts declares them in the
// `control` section of the config and re-exports them, so the arrow points
// from control to sources only.
import { type Static, Type } from "@sinclair/typebox";

/**
 * A Modbus target. Functions: 6 (write single register: 16-bit types), 16
 * (write multiple registers: every type), 5 (write single coil), 15 (write
 * multiple coils; one coil here). Read-back uses 3 (registers) or 1 (coils).
 */
export const ModbusWriteTargetSchema = Type.Object(
  {
    kind: Type.Literal("modbus"),
    source: Type.String({
      minLength: 1,
      description: "`id` of a `modbus` source: its link (TCP, RTU), unit id and timeout are used.",
    }),
    function: Type.Union([Type.Literal(5), Type.Literal(6), Type.Literal(15), Type.Literal(16)], {
      description: "6 write single register (16-bit types), 16 write multiple registers, 5/15 write a coil.",
    }),
    address: Type.Integer({ minimum: 0, maximum: 65535, description: "Zero-based protocol address." }),
    type: Type.Union(
      ["float32", "uint16", "int16", "uint32", "int32"].map((t) => Type.Literal(t)),
      { default: "uint16", description: "Data type of the register(s)." },
    ),
    wordOrder: Type.Union([Type.Literal("high_first"), Type.Literal("low_first")], {
      default: "high_first",
      description: "Word order of 32-bit types (bytes within a word big-endian).",
    }),
    scale: Type.Number({
      default: 1,
      description: "raw × scale = value, as on the read side: value / scale is written.",
    }),
    unitId: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 255, description: "Overrides the source's unit id." }),
    ),
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
    source: Type.String({
      minLength: 1,
      description: "`id` of an `opcua` source: its endpoint and security are used.",
    }),
    nodeId: Type.String({
      minLength: 1,
      description: "Node id of the Variable written.",
      examples: ["ns=2;s=Room1.Setpoint"],
    }),
    dataType: Type.Union(
      OpcuaWriteDataTypes.map((t) => Type.Literal(t)),
      { default: "Double", description: "Built-in data type of the Variable's value." },
    ),
  },
  { additionalProperties: false },
);
export type OpcuaWriteTarget = Static<typeof OpcuaWriteTargetSchema> & { dataType: OpcuaWriteDataType };
export type WriteTarget = ModbusWriteTarget | OpcuaWriteTarget;
export const WriteTargetSchemas = { modbus: ModbusWriteTargetSchema, opcua: OpcuaWriteTargetSchema } as const;
