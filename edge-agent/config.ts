// Edge agent configuration: YAML or JSON, validated once where it enters
// (TypeBox; defaults live in the schema; unknown keys are rejected) and
// reported as one line naming the key path, e.g.
// `sources[0].registers[2].type: expected one of float32|uint16|int16|uint32|int32`.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { extname, join } from "node:path";
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { parse as parseYaml } from "yaml";
import { ComponentClasses, Measurements } from "../common/names.ts";
import { DIAGNOSIS_ACTIVE_MS, MAX_POINTS_PER_BATCH } from "../common/wire.ts";
import {
  type ControlConfig,
  ControlConfigSchema,
  type ControlPointConfig,
  WriteTargetSchemas,
} from "./control/schema.ts";
import {
  DEFAULT_ZONE_TABLE,
  ZoneTableConfigSchema,
  zoneOverridesError,
  zoneTableWithOverrides,
} from "./diagnostics/zones.ts";

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
    /** Shaft speed during the block (at its start when the speed ramps), rpm. */
    speedNodeId: Type.Optional(Type.String({ minLength: 1 })),
    /** Shaft speed at the end of the block, rpm: the block's speed ramps linearly between the two. */
    speedEndNodeId: Type.Optional(Type.String({ minLength: 1 })),
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

/** Bearing geometry from the manufacturer's data sheet. */
export const BearingConfigSchema = Type.Object(
  {
    /** Rolling elements (balls or rollers) per row. */
    balls: Type.Integer({ minimum: 3, maximum: 200 }),
    ballDiameterMm: Type.Number({ exclusiveMinimum: 0 }),
    pitchDiameterMm: Type.Number({ exclusiveMinimum: 0 }),
    /** 0 for deep-groove ball and cylindrical roller bearings. */
    contactAngleDeg: Type.Number({ minimum: 0, maximum: 60, default: 0 }),
  },
  { additionalProperties: false },
);

/** An ISO 8601 UTC time, e.g. `2026-05-01T08:00:00Z`. */
const UtcTime = Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?Z$" });

/** What is known of the machine at one measuring point (a configured waveform point). */
export const MachineConfigSchema = Type.Object(
  {
    asset: TagValue,
    point: TagValue,
    /** A key of `diagnostics.turbineTypes`: its zone boundaries apply to this point. */
    turbineType: Type.Optional(Name),
    /** The bearing at this point; without it no bearing faults are scored. */
    bearing: Type.Optional(BearingConfigSchema),
    /** Teeth of the gear on this point's shaft (gear mesh = teeth × shaft speed). */
    gearTeeth: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** Relearn this point's baseline: one learnt before this UTC time is discarded (e.g. after maintenance). */
    baselineNotBefore: Type.Optional(UtcTime),
  },
  { additionalProperties: false },
);
export type MachineConfig = Static<typeof MachineConfigSchema>;

/**
 * Central treats a diagnosis not re-confirmed for DIAGNOSIS_ACTIVE_MS as
 * inactive; re-confirming at most every half of that keeps one lost or late
 * point from making an active diagnosis blink out.
 */
const MAX_RECONFIRM_MS = DIAGNOSIS_ACTIVE_MS / 2;

/** Default `diagnostics.workers`: the cores but one (left to acquisition and the queue), at least one. */
export const DEFAULT_ANALYSIS_WORKERS = Math.max(1, availableParallelism() - 1);

export const DiagnosticsConfigSchema = Type.Object(
  {
    /** Run the diagnostics engine on every waveform block (features and ISO zone are computed either way). */
    enabled: Type.Boolean({ default: true }),
    /**
     * Worker threads that analyse waveform blocks off the event loop (diagnostics/pool.ts); default the
     * cores but one, at least one; 0 analyses on the main thread (a one-core gateway).
     */
    workers: Type.Integer({ minimum: 0, maximum: 64, default: DEFAULT_ANALYSIS_WORKERS }),
    /** Alarm state machine: raise after `raiseAfter` of the last `ofLast` blocks, clear after `clearAfter` blocks without. */
    persistence: Type.Object(
      {
        raiseAfter: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
        ofLast: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
        clearAfter: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Healthy blocks (no finding) whose mean features become a point's baseline. */
    baselineBlocks: Type.Integer({ minimum: 1, maximum: 100_000, default: 20 }),
    /** Relearn every point's baseline: baselines learnt before this UTC time are discarded. */
    baselineNotBefore: Type.Optional(UtcTime),
    /** A spectrum snapshot per point at least this often (and whenever a diagnosis changes), ms. */
    snapshotIntervalMs: Millis(600_000, 1000),
    /** Active diagnoses are sent again this often so central keeps them active, ms. */
    reconfirmIntervalMs: Type.Integer({ minimum: 1000, maximum: MAX_RECONFIRM_MS, default: 600_000 }),
    /** Snapshots waiting for central on disk (`<queue.dir>/snapshots`); past the cap the oldest scheduled go first. */
    snapshotQueue: Type.Object(
      {
        maxFiles: Type.Integer({ minimum: 1, default: 2000 }),
        maxBytes: Type.Integer({ minimum: 65_536, default: 268_435_456 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Overrides of the ISO 10816-21 zone table for every point. */
    zones: Type.Optional(ZoneTableConfigSchema),
    /** Zone overrides per turbine type (on top of `zones`), e.g. from the manufacturer. */
    turbineTypes: Type.Record(
      Name,
      Type.Object({ zones: Type.Optional(ZoneTableConfigSchema) }, { additionalProperties: false }),
      { default: {}, additionalProperties: false },
    ),
    /** Machine data per measuring point (bearing geometry, gear teeth, turbine type). */
    machines: Type.Array(MachineConfigSchema, { default: [] }),
  },
  { additionalProperties: false, default: {} },
);
export type DiagnosticsConfig = Static<typeof DiagnosticsConfigSchema>;

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
    diagnostics: DiagnosticsConfigSchema,
    /** Writable points (control is off unless a point is declared here), control/schema.ts. */
    control: ControlConfigSchema,
    sources: Type.Array(Type.Unknown(), { default: [] }),
  },
  { additionalProperties: false },
);

export type AgentConfig = Omit<Static<typeof TopSchema>, "sources" | "control"> & {
  sources: SourceConfig[];
  control: ControlConfig;
};

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
  checkDiagnostics(top.diagnostics, sources);
  const control = checkControl(top.control as ControlConfig, sources);
  return { ...top, sources, control };
}

const TYPE_RANGE: Record<string, [number, number]> = {
  uint16: [0, 0xffff],
  int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffffffff],
  int32: [-0x80000000, 0x7fffffff],
  float32: [-3.4e38, 3.4e38],
};

/** What the schema cannot say about writable points: limits that agree, targets that exist and fit. */
function checkControl(c: ControlConfig, sources: readonly SourceConfig[]): ControlConfig {
  const seen = new Set<string>();
  const points = c.points.map((raw, i): ControlPointConfig => {
    const at = `control.points[${i}]`;
    const p = raw as ControlPointConfig;
    if (!(p.min < p.max))
      throw new ConfigError(`${at}.max`, `must be greater than min (${p.min}), got ${p.max}`);
    if (p.failSafe < p.min || p.failSafe > p.max)
      throw new ConfigError(`${at}.failSafe`, `must lie within [${p.min}, ${p.max}], got ${p.failSafe}`);
    if (p.states) {
      for (const k of Object.keys(p.states))
        if (Number(k) < p.min || Number(k) > p.max)
          throw new ConfigError(`${at}.states.${k}`, `state value outside [${p.min}, ${p.max}]`);
      if (!Object.hasOwn(p.states, String(p.failSafe)))
        throw new ConfigError(
          `${at}.failSafe`,
          `must be one of the states (${Object.keys(p.states).join("|")})`,
        );
    } else if (p.maxRatePerMinute === undefined)
      throw new ConfigError(
        `${at}.maxRatePerMinute`,
        "required key is missing (only enumerated points may omit it)",
      );
    const key = `${p.asset}\n${p.point}`;
    if (seen.has(key))
      throw new ConfigError(`${at}.point`, `asset "${p.asset}" point "${p.point}" is declared twice`);
    seen.add(key);
    const w = p.write as unknown;
    if (typeof w !== "object" || w === null || Array.isArray(w))
      throw new ConfigError(`${at}.write`, "expected a mapping (object)");
    const kind = (w as { kind?: unknown }).kind;
    if (kind === undefined) throw new ConfigError(`${at}.write.kind`, "required key is missing");
    if (typeof kind !== "string" || !(kind in WriteTargetSchemas))
      throw new ConfigError(`${at}.write.kind`, "expected one of modbus|opcua");
    const target = validate(
      WriteTargetSchemas[kind as "modbus" | "opcua"],
      w,
      `${at}.write`,
    ) as ControlPointConfig["write"];
    const source = sources.find((s) => s.id === target.source);
    if (!source || source.kind !== target.kind)
      throw new ConfigError(
        `${at}.write.source`,
        `"${target.source}" is not the id of a ${target.kind} source`,
      );
    if (target.kind === "modbus") {
      const coil = target.function === 5 || target.function === 15;
      if (coil && (p.min < 0 || p.max > 1))
        throw new ConfigError(
          `${at}.write.function`,
          "a coil holds 0 or 1: min and max must lie within [0, 1]",
        );
      if (target.function === 6 && wordsOf16(target.type) !== 1)
        throw new ConfigError(
          `${at}.write.type`,
          "function 6 writes one register: expected uint16|int16 (or use function 16)",
        );
      if (!coil) {
        const [lo, hi] = TYPE_RANGE[target.type] ?? [0, 0];
        const raws = [p.min / target.scale, p.max / target.scale];
        if (raws.some((r) => r < lo || r > hi))
          throw new ConfigError(`${at}.write.scale`, `min/max over scale leave the range of ${target.type}`);
      }
    }
    return { ...p, write: target };
  });
  return { ...c, points };
}
const wordsOf16 = (type: string): number => (type === "uint16" || type === "int16" ? 1 : 2);

/** What the schema cannot say: rules across keys of `diagnostics` and the sources. */
function checkDiagnostics(d: DiagnosticsConfig, sources: readonly SourceConfig[]): void {
  const p = d.persistence;
  if (p.raiseAfter > p.ofLast)
    throw new ConfigError(
      "diagnostics.persistence.raiseAfter",
      `must be ≤ ofLast (${p.ofLast}), got ${p.raiseAfter}`,
    );
  const zonesError = zoneOverridesError(DEFAULT_ZONE_TABLE, d.zones);
  if (zonesError)
    throw new ConfigError(
      `diagnostics.zones.${zonesError.split(":")[0]}`,
      zonesError.slice(zonesError.indexOf(":") + 2),
    );
  const base = zoneTableWithOverrides(DEFAULT_ZONE_TABLE, d.zones);
  for (const [type, t] of Object.entries(d.turbineTypes)) {
    const e = zoneOverridesError(base, t.zones);
    if (e)
      throw new ConfigError(
        `diagnostics.turbineTypes.${type}.zones.${e.split(":")[0]}`,
        e.slice(e.indexOf(":") + 2),
      );
  }
  const waveformPoints = new Set(
    sources.flatMap((s) => (s.kind === "opcua" ? s.waveforms.map((w) => `${s.asset}\n${w.point}`) : [])),
  );
  const seen = new Set<string>();
  d.machines.forEach((m, i) => {
    const key = `${m.asset}\n${m.point}`;
    if (!waveformPoints.has(key))
      throw new ConfigError(
        `diagnostics.machines[${i}]`,
        `asset "${m.asset}" point "${m.point}" is not a waveform point of any source`,
      );
    if (seen.has(key))
      throw new ConfigError(
        `diagnostics.machines[${i}]`,
        `asset "${m.asset}" point "${m.point}" is described twice`,
      );
    seen.add(key);
    if (m.turbineType !== undefined && !Object.hasOwn(d.turbineTypes, m.turbineType))
      throw new ConfigError(
        `diagnostics.machines[${i}].turbineType`,
        `"${m.turbineType}" is not a key of diagnostics.turbineTypes`,
      );
    if (m.bearing && !(m.bearing.ballDiameterMm < m.bearing.pitchDiameterMm))
      throw new ConfigError(
        `diagnostics.machines[${i}].bearing.ballDiameterMm`,
        "must be smaller than pitchDiameterMm",
      );
  });
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
