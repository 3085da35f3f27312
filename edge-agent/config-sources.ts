// Schemas of the agent's sources (Modbus TCP/RTU, OPC UA) and the rules
// the schemas cannot say: node ids that parse, field names that exist,
// keys that go together, serial lines shared with the same settings.
// Every refusal names the key path (`sources[2].scalars[0].nodeId: …`).
import { type Static, Type } from "@sinclair/typebox";
import { type RegisterType, RegisterTypes, type WordOrder, WordOrders } from "../common/modbus-words.ts";
import {
  ComponentClasses,
  FieldsOf,
  type PhysicalRange,
  physicalRangeOf,
  type SourceMeasurement,
  SourceMeasurements,
} from "../common/names.ts";
import { ConfigError, doc, Enum, Millis, Name, Port, TagValue } from "./config-error.ts";
import { isNodeIdError, parseNodeId } from "./sources/opcua-nodeid.ts";

export type { RegisterType, WordOrder };
export { RegisterTypes, WordOrders };

const NodeId = (description: string, examples: readonly string[]) =>
  Type.String({ minLength: 1, ...doc(description, examples) });
const OptionalNodeId = (description: string, examples: readonly string[]) =>
  Type.Optional(NodeId(description, examples));

const MeasurementKey = Enum(SourceMeasurements, {
  description:
    "Measurement the value is stored in (common/names.ts); `diagnosis` and `agent` are the agent's own and not for devices.",
  examples: ["meter"],
});
const FieldKey = Name({
  description:
    "Field of that measurement, unit in the name (common/names.ts); an unknown field is refused at config load.",
  examples: ["voltage_l1_v"],
});
const PointKey = TagValue({
  description: "Measuring point the value belongs to (tag `point`), when an asset has several.",
  examples: ["main_bearing"],
});
const Scale = Type.Number({
  default: 1,
  ...doc("Stored value = raw × scale + offset (e.g. W → kW: 0.001; Hz → rpm: 60).", [0.1]),
});
const Offset = Type.Number({
  default: 0,
  ...doc("Added after scaling (e.g. a 4–20 mA transmitter's lower range value).", [-40]),
});
const Plausible = Type.Optional(
  Type.Object(
    {
      min: Type.Number({ description: "Lowest plausible value (unit of the field)." }),
      max: Type.Number({ description: "Highest plausible value." }),
    },
    {
      additionalProperties: false,
      ...doc(
        "Where this value can physically lie, when it differs from the field's default range in common/names.ts (e.g. primary voltages of a medium-voltage meter). Values outside are warned about once per point and flagged by `vetra edge check`.",
        [{ min: 0, max: 25_000 }],
      ),
    },
  ),
);
const Decimals = Type.Optional(
  Type.Integer({
    minimum: 0,
    maximum: 12,
    ...doc(
      "Round the stored value to this many decimals (the register's resolution). Without it the value is rounded to the decimals of raw × scale + offset, so 786 × 0.1 is stored as 78.6, not 78.60000000000001.",
      [2],
    ),
  }),
);

/** How a register's or a scalar's raw value becomes a stored one, and where it is stored. */
const StoredValueKeys = {
  measurement: MeasurementKey,
  field: FieldKey,
  scale: Scale,
  offset: Offset,
  decimals: Decimals,
  plausible: Plausible,
  point: Type.Optional(PointKey),
};

export const ModbusRegisterSchema = Type.Object(
  {
    function: Type.Union([Type.Literal(3), Type.Literal(4)], {
      default: 3,
      ...doc("3 = holding registers, 4 = input registers.", [4]),
    }),
    address: Type.Integer({
      minimum: 0,
      maximum: 65535,
      ...doc(
        "Protocol address, 0-based. Manuals that number registers from 1 (30001 = first input register, 40001 = first holding register) need 1 subtracted and the 3xxxx/4xxxx prefix dropped: Eastron's 30053 is input register address 52. `vetra edge check` hints at this.",
        [52],
      ),
    }),
    type: Enum(RegisterTypes, { description: "Register data type.", examples: ["float32"] }),
    wordOrder: Enum(WordOrders, {
      default: "high_first",
      description:
        "Word order of 32-bit types (high_first = ABCD, low_first = CDAB); bytes within a word are big-endian as Modbus defines. Devices may differ per register block.",
    }),
    ...StoredValueKeys,
    unitId: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 255,
        ...doc(
          "Overrides the source's unitId (several devices behind one gateway or on one RS-485 line).",
          [2],
        ),
      }),
    ),
  },
  { additionalProperties: false, description: "One value read from a Modbus device." },
);
export type ModbusRegister = Static<typeof ModbusRegisterSchema>;

export const ModbusTransports = ["tcp", "rtu", "rtu_over_tcp"] as const;
export type ModbusTransport = (typeof ModbusTransports)[number];
export const Parities = ["none", "even", "odd"] as const;

export const SerialLineSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, ...doc("Serial device of the RS-485 adapter.", ["/dev/ttyUSB0"]) }),
    baudRate: Type.Integer({
      minimum: 300,
      maximum: 921_600,
      default: 19_200,
      ...doc("Bits per second (Modbus over Serial Line V1.02 §2.5.1: 19200 is the default).", [9600]),
    }),
    parity: Enum(Parities, {
      default: "even",
      description: "Parity; the Modbus serial line default is even, many meters ship with none.",
    }),
    stopBits: Type.Union([Type.Literal(1), Type.Literal(2)], { default: 1, ...doc("Stop bits.") }),
    dataBits: Type.Union([Type.Literal(7), Type.Literal(8)], {
      default: 8,
      ...doc("Data bits (RTU framing uses 8)."),
    }),
    interFrameDelayMs: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1000,
        ...doc(
          "Silence kept on the line between an answer and the next request, ms. Default: 3.5 character times at the baud rate (Modbus over Serial Line V1.02 §2.5.1.1), 1.75 ms above 19200 baud; slow devices may need more.",
          [20],
        ),
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      "RS-485 line settings (transport `rtu`). Sources naming the same path share the line: requests of all of them run one after another, and their settings must agree.",
  },
);
export type SerialLineConfig = Static<typeof SerialLineSchema>;

export const ModbusSourceSchema = Type.Object(
  {
    kind: Type.Literal("modbus", { description: "Modbus TCP, RTU over a serial line, or RTU over TCP." }),
    id: TagValue({ description: "Name of the source in logs and metrics; unique.", examples: ["h01-meter"] }),
    transport: Enum(ModbusTransports, {
      default: "tcp",
      description:
        "`tcp`: Modbus TCP (MBAP framing). `rtu`: RTU frames on the serial line of `serial`. `rtu_over_tcp`: RTU frames through a serial device server at host:port (one TCP connection per server, requests serialised).",
    }),
    host: Type.Optional(
      Type.String({
        minLength: 1,
        ...doc("Device or gateway address (tcp, rtu_over_tcp).", ["192.168.10.21"]),
      }),
    ),
    port: Type.Optional(Port({ description: "TCP port (tcp: usually 502).", examples: [502] })),
    serial: Type.Optional(SerialLineSchema),
    unitId: Type.Integer({
      minimum: 0,
      maximum: 255,
      default: 1,
      description: "Unit identifier (slave address on a serial line).",
    }),
    intervalMs: Millis(1000, 10, "Poll period, ms."),
    timeoutMs: Millis(1000, 10, "Answer timeout of one request (and of connecting), ms."),
    asset: TagValue({ description: "Asset the values belong to (tag `asset`).", examples: ["H01"] }),
    registers: Type.Array(ModbusRegisterSchema, { minItems: 1, description: "The values to read." }),
  },
  { additionalProperties: false },
);
export type ModbusSourceConfig = Static<typeof ModbusSourceSchema>;

export const OpcuaScalarSchema = Type.Object(
  {
    nodeId: NodeId("Node of a numeric variable (monitored).", [
      "nsu=urn:vendor:cms;s=T01.Scada.PowerKw",
      "ns=2;i=1021",
    ]),
    ...StoredValueKeys,
  },
  { additionalProperties: false, description: "One monitored numeric variable." },
);
export type OpcuaScalar = Static<typeof OpcuaScalarSchema>;

export const WaveformTriggers = ["sequence", "timestamp", "value"] as const;
export type WaveformTrigger = (typeof WaveformTriggers)[number];

export const BufferSlotSchema = Type.Object(
  {
    waveformNodeId: NodeId("The slot's waveform array.", ["nsu=urn:vendor:cms;s=MB.Buffer[0].Waveform"]),
    sequenceNodeId: OptionalNodeId("The slot's block counter (trigger `sequence`).", ["ns=2;i=2001"]),
    timestampNodeId: OptionalNodeId("The slot's acquisition time, DateTime (trigger `timestamp`).", [
      "nsu=urn:vendor:cms;s=MB.Buffer[0].AcquisitionTime",
    ]),
    speedNodeId: OptionalNodeId("The slot's shaft speed (same unit and scale as the point's).", [
      "ns=2;i=2003",
    ]),
  },
  { additionalProperties: false },
);
export type BufferSlot = Static<typeof BufferSlotSchema>;

export const OpcuaWaveformSchema = Type.Object(
  {
    point: TagValue({ description: "Measuring point (tag `point`).", examples: ["main_bearing"] }),
    component: Enum(ComponentClasses, {
      description: "ISO 10816-21 component class of the point (its zone table).",
      examples: ["main_bearing"],
    }),
    waveformNodeId: NodeId("The acceleration array of the latest block.", [
      "nsu=urn:vendor:cms;s=MB.Waveform",
    ]),
    sampleRateNodeId: OptionalNodeId("Sample rate of the block, Hz (or give `sampleRateHz`).", [
      "ns=2;i=1002",
    ]),
    sampleRateHz: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        ...doc("Fixed sample rate, Hz, when the device publishes none.", [25_600]),
      }),
    ),
    trigger: Type.Optional(
      Enum(WaveformTriggers, {
        description:
          "What says a new block is there: `sequence` (a block counter changes), `timestamp` (an acquisition DateTime changes) or `value` (the array itself changes). Default: sequence when sequenceNodeId is given, else timestamp when timestampNodeId is given, else value.",
        examples: ["timestamp"],
      }),
    ),
    sequenceNodeId: OptionalNodeId("The device's block counter.", ["ns=1;s=T01.main_bearing.BlockSequence"]),
    timestampNodeId: OptionalNodeId("Acquisition time of the block, DateTime: stamps the block.", [
      "nsu=urn:vendor:cms;i=1001",
    ]),
    clock: Enum(["device", "agent"] as const, {
      default: "device",
      description:
        "`device`: a block is stamped with the device's time — timestampNodeId, else the waveform's DataValue sourceTimestamp — and with the agent's only when the device gives none or one more than 5 minutes ahead of the agent's clock. `agent`: the time the agent read it.",
    }),
    speedNodeId: OptionalNodeId("Shaft speed during the block (at its start when it ramps).", [
      "ns=2;i=1003",
    ]),
    speedEndNodeId: OptionalNodeId(
      "Shaft speed at the end of the block: the speed ramps linearly in between.",
      ["ns=2;i=1004"],
    ),
    speedUnit: Enum(["rpm", "Hz"] as const, {
      default: "rpm",
      description: "Unit of the speed nodes (after speedScale).",
    }),
    speedScale: Type.Number({
      exclusiveMinimum: 0,
      default: 1,
      ...doc("Speed node value × speedScale = speed in speedUnit."),
    }),
    speedFrom: Type.Optional(
      Type.Object(
        {
          measurement: MeasurementKey,
          field: FieldKey,
          point: Type.Optional(PointKey),
          maxAgeMs: Millis(10_000, 10, "A value older than this when the block arrives is not used, ms."),
        },
        {
          additionalProperties: false,
          ...doc(
            "Take the shaft speed from the latest value another configured point of the same asset delivered (e.g. a Modbus register of the turbine controller), in rpm (the field's unit).",
            [{ measurement: "scada", field: "rotor_speed_rpm" }],
          ),
        },
      ),
    ),
    unit: Enum(["g", "m/s2"] as const, {
      default: "g",
      description: "Unit of the samples (after `counts` scaling, which gives g).",
    }),
    counts: Type.Optional(
      Type.Object(
        {
          voltsPerCount: Type.Number({
            exclusiveMinimum: 0,
            ...doc("ADC scale: volts per count (e.g. ±10 V over 16 bits: 20/65536).", [0.000305176]),
          }),
          sensitivityMvPerG: Type.Number({
            exclusiveMinimum: 0,
            ...doc("Accelerometer sensitivity from its calibration sheet, mV/g.", [100]),
          }),
          offsetCounts: Type.Number({ default: 0, ...doc("Counts at 0 g (ADC offset).") }),
        },
        {
          additionalProperties: false,
          description:
            "The array holds raw ADC counts: g = (count − offsetCounts) × voltsPerCount × 1000 / sensitivityMvPerG.",
        },
      ),
    ),
    buffer: Type.Optional(
      Type.Object(
        {
          slots: Type.Array(BufferSlotSchema, {
            minItems: 1,
            maxItems: 1000,
            description: "Every slot of the device's ring buffer, in any order.",
          }),
        },
        {
          additionalProperties: false,
          description:
            "The device keeps its recent blocks in a ring buffer: after a reconnect (or an agent restart) the blocks published meanwhile are read from it, oldest first. Needs trigger sequence or timestamp; each slot gives that trigger's node.",
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: "One vibration measuring point whose blocks are read as arrays.",
  },
);
export type OpcuaWaveform = Static<typeof OpcuaWaveformSchema>;

export const OpcuaSecurityModes = ["None", "Sign", "SignAndEncrypt"] as const;
export const OpcuaSecurityPolicies = [
  "Basic256Sha256",
  "Aes128_Sha256_RsaOaep",
  "Aes256_Sha256_RsaPss",
] as const;

export const OpcuaSourceSchema = Type.Object(
  {
    kind: Type.Literal("opcua", {
      description: "OPC UA client (monitored items; waveforms read as arrays).",
    }),
    id: TagValue({ description: "Name of the source in logs and metrics; unique.", examples: ["t01-cms"] }),
    endpoint: Type.String({
      pattern: "^opc\\.tcp://",
      ...doc("Endpoint URL.", ["opc.tcp://10.0.5.20:4840"]),
    }),
    asset: TagValue({ description: "Asset the values belong to (tag `asset`).", examples: ["T01"] }),
    pkiDir: Type.Optional(
      Type.String({
        minLength: 1,
        description: "Certificate store of the client; default `<queue.dir>/pki`.",
      }),
    ),
    publishingIntervalMs: Millis(1000, 10, "Subscription publishing and sampling interval, ms."),
    timeoutMs: Millis(10_000, 100, "Connect/request timeout, ms."),
    securityMode: Enum(OpcuaSecurityModes, {
      default: "None",
      description: "OPC UA message security (IEC 62541-4 §7.15); production: SignAndEncrypt.",
    }),
    securityPolicy: Enum(OpcuaSecurityPolicies, {
      default: "Basic256Sha256",
      description: "Used with Sign / SignAndEncrypt (with None, no policy applies).",
    }),
    trust: Enum(["explicit", "auto"] as const, {
      default: "explicit",
      description:
        "`explicit`: only server certificates already in `<pkiDir>/trusted/certs` are accepted (an unknown one is refused, logged with its thumbprint and saved in `<pkiDir>/rejected`); `auto` accepts any (tests, commissioning).",
    }),
    scalars: Type.Array(OpcuaScalarSchema, { default: [], description: "Monitored numeric variables." }),
    waveforms: Type.Array(OpcuaWaveformSchema, { default: [], description: "Vibration measuring points." }),
  },
  { additionalProperties: false },
);
export type OpcuaSourceConfig = Static<typeof OpcuaSourceSchema>;

/** Source schemas by `kind` (the registry of source implementations mirrors this table). */
export const SourceSchemas = { modbus: ModbusSourceSchema, opcua: OpcuaSourceSchema } as const;
export type SourceKind = keyof typeof SourceSchemas;
export type SourceConfig = ModbusSourceConfig | OpcuaSourceConfig;

/** The trigger a waveform point uses (its own, or the default its keys imply). */
/** The keys of a waveform that name a node, in the order their errors are reported. */
export const WaveformNodeKeys = [
  "waveformNodeId",
  "sampleRateNodeId",
  "sequenceNodeId",
  "timestampNodeId",
  "speedNodeId",
  "speedEndNodeId",
] as const satisfies readonly (keyof OpcuaWaveform)[];
/** The keys of a buffer slot that name a node. */
export const BufferSlotNodeKeys = [
  "waveformNodeId",
  "sequenceNodeId",
  "timestampNodeId",
  "speedNodeId",
] as const satisfies readonly (keyof BufferSlot)[];

export const triggerOf = (w: OpcuaWaveform): WaveformTrigger =>
  w.trigger ?? (w.sequenceNodeId ? "sequence" : w.timestampNodeId ? "timestamp" : "value");

/** Default silence between frames on a serial line: 3.5 characters of 11 bits, ≥ 1.75 ms (Modbus over Serial Line §2.5.1.1). */
export const interFrameDelayMsOf = (line: SerialLineConfig): number =>
  line.interFrameDelayMs ?? (line.baudRate > 19_200 ? 1.75 : (3.5 * 11 * 1000) / line.baudRate);

function checkPlausible(p: { min: number; max: number } | undefined, at: string): void {
  if (p && !(p.min < p.max))
    throw new ConfigError(`${at}.plausible`, `min must be below max, got ${p.min}…${p.max}`);
}

/** The plausible range of a configured value: its own, else its field's (null: none known). */
export function plausibleRangeOf(r: {
  measurement: string;
  field: string;
  plausible?: { min: number; max: number } | undefined;
}): PhysicalRange | null {
  const base = physicalRangeOf(r.measurement, r.field);
  if (!r.plausible) return base;
  return { min: r.plausible.min, max: r.plausible.max, unit: base?.unit ?? "" };
}

function checkField(measurement: SourceMeasurement, field: string, at: string): void {
  const known = FieldsOf[measurement] as Readonly<Record<string, string>>;
  if (!Object.hasOwn(known, field))
    throw new ConfigError(
      `${at}.field`,
      `"${field}" is not a field of measurement ${measurement} (known: ${Object.keys(known).join(", ")}); add it to common/names.ts first`,
    );
}

function checkNodeId(text: string | undefined, at: string): void {
  if (text === undefined) return;
  const r = parseNodeId(text);
  if (isNodeIdError(r)) throw new ConfigError(at, r.error);
}

function checkModbus(s: ModbusSourceConfig, at: string): void {
  if (s.transport === "rtu") {
    if (!s.serial) throw new ConfigError(`${at}.serial`, "required key is missing (transport rtu)");
    for (const k of ["host", "port"] as const)
      if (s[k] !== undefined)
        throw new ConfigError(`${at}.${k}`, "not used with transport rtu (the line is `serial`)");
  } else {
    for (const k of ["host", "port"] as const)
      if (s[k] === undefined)
        throw new ConfigError(`${at}.${k}`, `required key is missing (transport ${s.transport})`);
    if (s.serial) throw new ConfigError(`${at}.serial`, `only with transport rtu, not ${s.transport}`);
  }
  s.registers.forEach((r, j) => {
    const ra = `${at}.registers[${j}]`;
    checkField(r.measurement, r.field, ra);
    checkPlausible(r.plausible, ra);
    const words = r.type === "uint16" || r.type === "int16" ? 1 : 2;
    if (r.address + words - 1 > 65535)
      throw new ConfigError(`${ra}.address`, `a ${r.type} at ${r.address} runs past address 65535`);
  });
}

function checkOpcua(s: OpcuaSourceConfig, at: string): void {
  s.scalars.forEach((sc, j) => {
    checkNodeId(sc.nodeId, `${at}.scalars[${j}].nodeId`);
    checkField(sc.measurement, sc.field, `${at}.scalars[${j}]`);
    checkPlausible(sc.plausible, `${at}.scalars[${j}]`);
  });
  const points = new Set<string>();
  s.waveforms.forEach((w, j) => {
    const wa = `${at}.waveforms[${j}]`;
    if (points.has(w.point)) throw new ConfigError(`${wa}.point`, `point "${w.point}" is given twice`);
    points.add(w.point);
    for (const k of WaveformNodeKeys) checkNodeId(w[k], `${wa}.${k}`);
    if ((w.sampleRateNodeId === undefined) === (w.sampleRateHz === undefined))
      throw new ConfigError(
        `${wa}.sampleRateNodeId`,
        "give exactly one of sampleRateNodeId and sampleRateHz",
      );
    const trigger = triggerOf(w);
    if (trigger === "sequence" && !w.sequenceNodeId)
      throw new ConfigError(`${wa}.sequenceNodeId`, "required key is missing (trigger sequence)");
    if (trigger === "timestamp" && !w.timestampNodeId)
      throw new ConfigError(`${wa}.timestampNodeId`, "required key is missing (trigger timestamp)");
    if (w.speedEndNodeId && !w.speedNodeId)
      throw new ConfigError(
        `${wa}.speedEndNodeId`,
        "needs speedNodeId (the speed at the start of the block)",
      );
    if (w.speedFrom && w.speedNodeId)
      throw new ConfigError(`${wa}.speedFrom`, "give speedNodeId or speedFrom, not both");
    if (w.speedFrom) checkField(w.speedFrom.measurement, w.speedFrom.field, `${wa}.speedFrom`);
    if (w.counts && w.unit !== "g")
      throw new ConfigError(`${wa}.unit`, "counts are scaled to g: leave unit at g");
    if (w.buffer) {
      if (trigger === "value")
        throw new ConfigError(
          `${wa}.buffer`,
          "a buffer needs trigger sequence or timestamp (its slots are ordered by them)",
        );
      const key = trigger === "sequence" ? "sequenceNodeId" : "timestampNodeId";
      w.buffer.slots.forEach((slot, k) => {
        const sa = `${wa}.buffer.slots[${k}]`;
        for (const n of BufferSlotNodeKeys) checkNodeId(slot[n], `${sa}.${n}`);
        if (!slot[key]) throw new ConfigError(`${sa}.${key}`, `required key is missing (trigger ${trigger})`);
      });
    }
  });
}

/** What the schemas cannot say about the sources, alone and together. */
export function checkSources(sources: readonly SourceConfig[]): void {
  const lines = new Map<string, { at: string; line: SerialLineConfig }>();
  sources.forEach((s, i) => {
    const at = `sources[${i}]`;
    if (s.kind === "modbus") {
      checkModbus(s, at);
      if (s.serial) {
        const seen = lines.get(s.serial.path);
        if (seen && JSON.stringify(seen.line) !== JSON.stringify(s.serial))
          throw new ConfigError(
            `${at}.serial`,
            `line ${s.serial.path} is also used by ${seen.at} with other settings; one line has one set of settings`,
          );
        lines.set(s.serial.path, { at, line: s.serial });
      }
    } else checkOpcua(s, at);
  });
  // A waveform's speed taken from another point must be one the agent acquires.
  const delivered = new Set<string>();
  for (const s of sources) {
    const regs =
      s.kind === "modbus"
        ? s.registers.map((r) => ({ measurement: r.measurement, field: r.field, point: r.point }))
        : s.scalars.map((r) => ({ measurement: r.measurement, field: r.field, point: r.point }));
    for (const r of regs) delivered.add(`${s.asset}\n${r.measurement}\n${r.field}\n${r.point ?? ""}`);
  }
  sources.forEach((s, i) => {
    if (s.kind !== "opcua") return;
    s.waveforms.forEach((w, j) => {
      const f = w.speedFrom;
      if (f && !delivered.has(`${s.asset}\n${f.measurement}\n${f.field}\n${f.point ?? ""}`))
        throw new ConfigError(
          `sources[${i}].waveforms[${j}].speedFrom`,
          `no source of asset ${s.asset} delivers ${f.measurement}.${f.field}${f.point ? ` (point ${f.point})` : ""}`,
        );
    });
  });
}
