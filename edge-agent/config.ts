// Edge agent configuration: YAML or JSON, validated once where it enters
// (TypeBox; defaults live in the schema; unknown keys are rejected) and
// reported as one line naming the key path, e.g.
// `sources[0].registers[2].type: expected one of float32|uint16|int16|uint32|int32`.
import { readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { parse as parseYaml } from "yaml";
import { ComponentClasses, Measurements } from "../common/names.ts";
import { MAX_POINTS_PER_BATCH } from "../common/wire.ts";

// A union of string literals, typed as the literal union (TypeBox infers
// `string` from a mapped array); the schema stays a plain `anyOf` of consts.
const Enum = <T extends string>(values: readonly T[], options: { default?: NoInfer<T> } = {}) =>
  Type.Unsafe<T>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      options,
    ),
  );
const Name = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z][a-z0-9_]*$" });
const TagValue = Type.String({ minLength: 1, maxLength: 128, pattern: "^[^\\n\\r]*$" });
const Port = Type.Integer({ minimum: 0, maximum: 65535 });
const Millis = (def: number, minimum = 1) => Type.Integer({ minimum, default: def });

export const RegisterTypes = ["float32", "uint16", "int16", "uint32", "int32"] as const;
export type RegisterType = (typeof RegisterTypes)[number];
export const WordOrders = ["high_first", "low_first"] as const;
export type WordOrder = (typeof WordOrders)[number];

export const ModbusRegisterSchema = Type.Object(
  {
    function: Type.Union([Type.Literal(3), Type.Literal(4)], { default: 3 }),
    address: Type.Integer({ minimum: 0, maximum: 65535 }),
    type: Enum(RegisterTypes),
    /** Word order of 32-bit types; bytes within a word are big-endian as Modbus defines. */
    wordOrder: Enum(WordOrders, { default: "high_first" }),
    measurement: Enum(Measurements),
    field: Name,
    scale: Type.Number({ default: 1 }),
    point: Type.Optional(TagValue),
    /** Overrides the source's unitId (several devices behind one gateway). */
    unitId: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  },
  { additionalProperties: false },
);
export type ModbusRegister = Static<typeof ModbusRegisterSchema>;

export const ModbusSourceSchema = Type.Object(
  {
    kind: Type.Literal("modbus"),
    id: TagValue,
    host: Type.String({ minLength: 1 }),
    port: Port,
    unitId: Type.Integer({ minimum: 0, maximum: 255, default: 1 }),
    intervalMs: Millis(1000, 10),
    timeoutMs: Millis(1000, 10),
    asset: TagValue,
    registers: Type.Array(ModbusRegisterSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type ModbusSourceConfig = Static<typeof ModbusSourceSchema>;

export const OpcuaScalarSchema = Type.Object(
  {
    nodeId: Type.String({ minLength: 1 }),
    measurement: Enum(Measurements),
    field: Name,
    scale: Type.Number({ default: 1 }),
    point: Type.Optional(TagValue),
  },
  { additionalProperties: false },
);
export type OpcuaScalar = Static<typeof OpcuaScalarSchema>;

export const OpcuaWaveformSchema = Type.Object(
  {
    point: TagValue,
    component: Enum(ComponentClasses),
    waveformNodeId: Type.String({ minLength: 1 }),
    sampleRateNodeId: Type.String({ minLength: 1 }),
    sequenceNodeId: Type.String({ minLength: 1 }),
    speedNodeId: Type.Optional(Type.String({ minLength: 1 })),
    unit: Enum(["g", "m/s2"] as const, { default: "g" }),
  },
  { additionalProperties: false },
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
    kind: Type.Literal("opcua"),
    id: TagValue,
    endpoint: Type.String({ pattern: "^opc\\.tcp://" }),
    asset: TagValue,
    /** Certificate store of the client; default `<queue.dir>/pki`. */
    pkiDir: Type.Optional(Type.String({ minLength: 1 })),
    publishingIntervalMs: Millis(1000, 10),
    /** Connect/request timeout, ms. */
    timeoutMs: Millis(10_000, 100),
    /** OPC UA message security (IEC 62541-4 §7.15); production: SignAndEncrypt. */
    securityMode: Enum(OpcuaSecurityModes, { default: "None" }),
    /** Used with Sign / SignAndEncrypt (with None, no policy applies). */
    securityPolicy: Enum(OpcuaSecurityPolicies, { default: "Basic256Sha256" }),
    /**
     * `explicit`: only server certificates already in `<pkiDir>/trusted/certs`
     * are accepted (an unknown one is refused, logged with its thumbprint and
     * saved in `<pkiDir>/rejected`); `auto` accepts any (tests, commissioning).
     */
    trust: Enum(["explicit", "auto"] as const, { default: "explicit" }),
    scalars: Type.Array(OpcuaScalarSchema, { default: [] }),
    waveforms: Type.Array(OpcuaWaveformSchema, { default: [] }),
  },
  { additionalProperties: false },
);
export type OpcuaSourceConfig = Static<typeof OpcuaSourceSchema>;

/** Source schemas by `kind` (the registry of source implementations mirrors this table). */
export const SourceSchemas = { modbus: ModbusSourceSchema, opcua: OpcuaSourceSchema } as const;
export type SourceKind = keyof typeof SourceSchemas;
export type SourceConfig = ModbusSourceConfig | OpcuaSourceConfig;

const TopSchema = Type.Object(
  {
    agent: Type.Object({ id: TagValue, site: TagValue }, { additionalProperties: false }),
    central: Type.Object(
      {
        url: Type.String({ pattern: "^https?://" }),
        token: Type.String({ minLength: 1 }),
        batchMaxPoints: Type.Integer({ minimum: 1, maximum: MAX_POINTS_PER_BATCH, default: 5000 }),
        flushIntervalMs: Millis(1000, 10),
        timeoutMs: Millis(10_000, 10),
        gzip: Type.Boolean({ default: true }),
        /** Send-rate ceiling while catching up on a backlog, points/s (spares central after an outage). */
        catchUpPointsPerS: Type.Integer({ minimum: 1, default: 20_000 }),
      },
      { additionalProperties: false },
    ),
    queue: Type.Object(
      {
        /** `sqlite` keeps points across restarts; `memory` is for tests and throwaway runs. */
        kind: Enum(["sqlite", "memory"] as const, { default: "sqlite" }),
        dir: Type.String({ minLength: 1 }),
        maxBytes: Type.Integer({ minimum: 1024, default: 1_073_741_824 }),
        maxAgeHours: Type.Number({ exclusiveMinimum: 0, default: 720 }),
      },
      { additionalProperties: false },
    ),
    metrics: Type.Optional(
      Type.Object(
        {
          port: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
          host: Type.String({ default: "127.0.0.1" }),
        },
        { additionalProperties: false },
      ),
    ),
    healthIntervalMs: Millis(10_000, 10),
    sources: Type.Array(Type.Unknown(), { default: [] }),
  },
  { additionalProperties: false },
);

export type AgentConfig = Omit<Static<typeof TopSchema>, "sources"> & { sources: SourceConfig[] };

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID" as const;
  constructor(
    readonly keyPath: string,
    readonly reason: string,
  ) {
    super(keyPath ? `${keyPath}: ${reason}` : reason);
    this.name = "ConfigError";
  }
}

/** `/sources/0/registers/2/type` → `sources[0].registers[2].type` */
function keyPathOf(pointer: string, prefix: string): string {
  let out = prefix;
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

function literalsOf(schema: TSchema): unknown[] | null {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (!Array.isArray(anyOf)) return null;
  const values = anyOf.map((s) => (s as { const?: unknown }).const);
  return values.every((v) => v !== undefined) ? values : null;
}

function firstError(schema: TSchema, value: unknown, prefix: string): ConfigError | null {
  for (const e of Value.Errors(schema, value)) {
    const literals = literalsOf(e.schema);
    const path = keyPathOf(e.path, prefix);
    if (literals) return new ConfigError(path, `expected one of ${literals.join("|")}`);
    if (e.value === undefined) return new ConfigError(path, "required key is missing");
    if (e.message.startsWith("Unexpected property")) return new ConfigError(path, "unknown key");
    const c = (e.schema as { const?: unknown }).const;
    if (c !== undefined) return new ConfigError(path, `expected ${JSON.stringify(c)}`);
    return new ConfigError(path, e.message.charAt(0).toLowerCase() + e.message.slice(1));
  }
  return null;
}

function validate<T extends TSchema>(schema: T, input: unknown, prefix: string): Static<T> {
  const value = Value.Default(schema, Value.Clone(input));
  const err = firstError(schema, value, prefix);
  if (err) throw err;
  return value as Static<T>;
}

/** Validates a parsed config object; throws `ConfigError` naming the first bad key. */
export function parseAgentConfig(input: unknown): AgentConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw new ConfigError("", "the configuration must be a mapping (object)");
  const top = validate(TopSchema, input, "");
  const kinds = Object.keys(SourceSchemas) as SourceKind[];
  const seen = new Set<string>();
  const sources = top.sources.map((raw, i): SourceConfig => {
    const at = `sources[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      throw new ConfigError(at, "expected a mapping (object)");
    const kind = (raw as { kind?: unknown }).kind;
    if (kind === undefined) throw new ConfigError(`${at}.kind`, "required key is missing");
    if (typeof kind !== "string" || !(kind in SourceSchemas))
      throw new ConfigError(`${at}.kind`, `expected one of ${kinds.join("|")}`);
    const source = validate(SourceSchemas[kind as SourceKind], raw, at) as SourceConfig;
    if (seen.has(source.id)) throw new ConfigError(`${at}.id`, `duplicate source id "${source.id}"`);
    seen.add(source.id);
    return source;
  });
  return { ...top, sources };
}

/** Reads and validates a YAML or JSON file; throws `ConfigError`. */
export function loadAgentConfig(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError("", `cannot read ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = extname(path).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError("", `cannot parse ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  return parseAgentConfig(parsed);
}

/** The PKI folder of an OPC UA source: its own, or `<queue.dir>/pki`. */
export const pkiDirOf = (config: AgentConfig, source: OpcuaSourceConfig): string =>
  source.pkiDir ?? join(config.queue.dir, "pki");
