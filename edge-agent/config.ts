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
import { DIAGNOSIS_ACTIVE_MS, MAX_POINTS_PER_BATCH } from "../common/wire.ts";
import { ConfigError, doc, Enum, literalsOf, Millis, Name, TagValue } from "./config-error.ts";
import {
  checkSources,
  type OpcuaSourceConfig,
  type SourceConfig,
  type SourceKind,
  SourceSchemas,
} from "./config-sources.ts";
import { checkControl } from "./control/config-check.ts";
import { type ControlConfig, ControlConfigSchema } from "./control/schema.ts";
import {
  DEFAULT_ZONE_TABLE,
  ZoneTableConfigSchema,
  zoneOverridesError,
  zoneTableWithOverrides,
} from "./diagnostics/zones.ts";

export { ConfigError } from "./config-error.ts";
export * from "./config-sources.ts";

/** Bearing geometry from the manufacturer's data sheet. */
export const BearingConfigSchema = Type.Object(
  {
    balls: Type.Integer({
      minimum: 3,
      maximum: 200,
      ...doc("Rolling elements (balls or rollers) per row.", [20]),
    }),
    ballDiameterMm: Type.Number({ exclusiveMinimum: 0, ...doc("Rolling element diameter, mm.", [32]) }),
    pitchDiameterMm: Type.Number({ exclusiveMinimum: 0, ...doc("Pitch diameter, mm.", [240]) }),
    contactAngleDeg: Type.Number({
      minimum: 0,
      maximum: 60,
      default: 0,
      ...doc("Contact angle, degrees; 0 for deep-groove ball and cylindrical roller bearings."),
    }),
  },
  {
    additionalProperties: false,
    description: "The bearing at this point; without it no bearing faults are scored.",
  },
);

/** An ISO 8601 UTC time, e.g. `2026-05-01T08:00:00Z`. */
const UtcTime = (description: string) =>
  Type.String({
    pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?Z$",
    ...doc(description, ["2026-05-01T08:00:00Z"]),
  });

/** What is known of the machine at one measuring point (a configured waveform point). */
export const MachineConfigSchema = Type.Object(
  {
    asset: TagValue({ description: "Asset of the waveform point.", examples: ["T01"] }),
    point: TagValue({
      description: "A configured waveform point of that asset.",
      examples: ["main_bearing"],
    }),
    turbineType: Type.Optional(
      Name({ description: "A key of `diagnostics.turbineTypes`: its zone boundaries apply to this point." }),
    ),
    bearing: Type.Optional(BearingConfigSchema),
    gearTeeth: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        ...doc("Teeth of the gear on this point's shaft (gear mesh = teeth × shaft speed).", [23]),
      }),
    ),
    baselineNotBefore: Type.Optional(
      UtcTime(
        "Relearn this point's baseline: one learnt before this UTC time is discarded (e.g. after maintenance).",
      ),
    ),
  },
  { additionalProperties: false, description: "Machine data of one measuring point." },
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
    enabled: Type.Boolean({
      default: true,
      description:
        "Run the diagnostics engine on every waveform block (features and ISO zone are computed either way).",
    }),
    workers: Type.Integer({
      minimum: 0,
      maximum: 64,
      default: DEFAULT_ANALYSIS_WORKERS,
      description:
        "Worker threads that analyse waveform blocks off the event loop; default the cores but one, at least one; 0 analyses on the main thread (a one-core gateway).",
    }),
    persistence: Type.Object(
      {
        raiseAfter: Type.Integer({
          minimum: 1,
          maximum: 100,
          default: 3,
          description: "Blocks that must find it…",
        }),
        ofLast: Type.Integer({
          minimum: 1,
          maximum: 100,
          default: 5,
          description: "…of the last this many blocks.",
        }),
        clearAfter: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 5,
          description: "Blocks without it that clear it.",
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description:
          "Alarm state machine: raise after `raiseAfter` of the last `ofLast` blocks, clear after `clearAfter` blocks without.",
      },
    ),
    baselineBlocks: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 20,
      description: "Healthy blocks (no finding) whose mean features become a point's baseline.",
    }),
    baselineNotBefore: Type.Optional(
      UtcTime("Relearn every point's baseline: baselines learnt before this UTC time are discarded."),
    ),
    snapshotIntervalMs: Millis(
      600_000,
      1000,
      "A spectrum snapshot per point at least this often (and whenever a diagnosis changes), ms.",
    ),
    reconfirmIntervalMs: Type.Integer({
      minimum: 1000,
      maximum: MAX_RECONFIRM_MS,
      default: 600_000,
      description: "Active diagnoses are sent again this often so central keeps them active, ms.",
    }),
    snapshotQueue: Type.Object(
      {
        maxFiles: Type.Integer({ minimum: 1, default: 2000, description: "Snapshot files kept at most." }),
        maxBytes: Type.Integer({
          minimum: 65_536,
          default: 268_435_456,
          description: "Bytes of snapshot files at most.",
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description:
          "Snapshots waiting for central on disk (`<queue.dir>/snapshots`); past the cap the oldest scheduled go first.",
      },
    ),
    zones: Type.Optional(
      Type.Unsafe<Static<typeof ZoneTableConfigSchema>>({
        ...ZoneTableConfigSchema,
        description:
          "Overrides of the ISO 10816-21 zone table for every point, per component class (see docs/diagnostics.md).",
      }),
    ),
    turbineTypes: Type.Record(
      Name(),
      Type.Object(
        {
          zones: Type.Optional(
            Type.Unsafe<Static<typeof ZoneTableConfigSchema>>({
              ...ZoneTableConfigSchema,
              description: "This type's zone overrides, per component class (see docs/diagnostics.md).",
            }),
          ),
        },
        { additionalProperties: false },
      ),
      {
        default: {},
        additionalProperties: false,
        description: "Zone overrides per turbine type (on top of `zones`), e.g. from the manufacturer.",
      },
    ),
    machines: Type.Array(MachineConfigSchema, {
      default: [],
      description: "Machine data per measuring point (bearing geometry, gear teeth, turbine type).",
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'The diagnostics engine (README, "Diagnoses at the edge").',
  },
);
export type DiagnosticsConfig = Static<typeof DiagnosticsConfigSchema>;

/** The agent's configuration file (YAML or JSON); `docs/edge-config.md` is generated from it. */
export const AgentConfigSchema = Type.Object(
  {
    agent: Type.Object(
      {
        id: TagValue({
          description: "Name of this agent (tag `agent` of its health points).",
          examples: ["wf1-agent"],
        }),
        site: TagValue({
          description: "Site the agent's token may write (tag `site`).",
          examples: ["wf-caspian"],
        }),
      },
      { additionalProperties: false, description: "Who this agent is." },
    ),
    central: Type.Object(
      {
        url: Type.String({
          pattern: "^https?://",
          ...doc("Central's base URL.", ["https://central.example:8443"]),
        }),
        token: Type.String({
          minLength: 1,
          description: "The agent's bearer token (role agent, this site).",
        }),
        batchMaxPoints: Type.Integer({
          minimum: 1,
          maximum: MAX_POINTS_PER_BATCH,
          default: 5000,
          description: "Points per request at most.",
        }),
        flushIntervalMs: Millis(1000, 10, "Send what is queued at least this often, ms."),
        timeoutMs: Millis(10_000, 10, "Request timeout, ms."),
        gzip: Type.Boolean({ default: true, description: "Compress request bodies." }),
        catchUpPointsPerS: Type.Integer({
          minimum: 1,
          default: 20_000,
          description:
            "Send-rate ceiling while catching up on a backlog, points/s (spares central after an outage). Catch-up after an outage takes at most the outage's own length when this is at least twice the rate the agent acquires.",
        }),
        backoffMaxMs: Type.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 30_000,
          description:
            "Cap of the retry back-off (exponential with full jitter from 500 ms) while central refuses or cannot be reached, ms. Between retries the agent probes `GET /readyz` and sends at once when central is back.",
        }),
        readyProbeMs: Type.Integer({
          minimum: 100,
          maximum: 60_000,
          default: 1000,
          description:
            "While backing off: probe `/readyz` this often once central answers at all (e.g. 503 while its store is down), ms, so its recovery is noticed within about this long.",
        }),
        readyProbeMaxMs: Type.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 5000,
          description:
            "While central cannot be reached at all: the probe interval doubles from readyProbeMs up to this, ms.",
        }),
      },
      { additionalProperties: false, description: "Where and how points go." },
    ),
    queue: Type.Object(
      {
        kind: Enum(["sqlite", "memory"] as const, {
          default: "sqlite",
          description: "`sqlite` keeps points across restarts; `memory` is for tests and throwaway runs.",
        }),
        dir: Type.String({
          minLength: 1,
          ...doc("The agent's data folder: queue, snapshots, baselines, block cursors, PKI.", [
            "/var/lib/vetra-edge",
          ]),
        }),
        maxBytes: Type.Integer({
          minimum: 1024,
          default: 1_073_741_824,
          description:
            "Cap of the queue, bytes; past it the oldest points of the lowest priority are dropped.",
        }),
        maxAgeHours: Type.Number({
          exclusiveMinimum: 0,
          default: 720,
          description: "Points older than this are dropped, hours.",
        }),
        syncIntervalMs: Type.Integer({
          minimum: 0,
          maximum: 60_000,
          default: 1000,
          description:
            "`sqlite`: how often queued points are synced to disk, ms. Each enqueue reaches the operating system at once (a killed agent loses nothing) and the disk within this time, synced off the event loop; a power cut loses at most the last interval. 0: every enqueue is synced before it returns (nothing is lost to a power cut, at an fsync per acquisition on the event loop).",
        }),
      },
      { additionalProperties: false, description: "The durable queue of points waiting for central." },
    ),
    metrics: Type.Optional(
      Type.Object(
        {
          port: Type.Integer({
            minimum: 0,
            maximum: 65535,
            default: 0,
            description: "Port of /metrics (0: a free one).",
          }),
          host: Type.String({ default: "127.0.0.1", description: "Address to listen on." }),
        },
        { additionalProperties: false, description: "Prometheus text metrics on `GET /metrics`." },
      ),
    ),
    healthIntervalMs: Millis(10_000, 10, "The agent's own `agent` health point this often, ms."),
    diagnostics: DiagnosticsConfigSchema,
    control: ControlConfigSchema,
    sources: Type.Array(Type.Unknown(), {
      default: [],
      description: "Devices to read: each a `modbus` or `opcua` source (below).",
    }),
  },
  { additionalProperties: false },
);

export type AgentConfig = Omit<Static<typeof AgentConfigSchema>, "sources" | "control"> & {
  sources: SourceConfig[];
  control: ControlConfig;
};

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
  const top = validate(AgentConfigSchema, input, "");
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
  checkSources(sources);
  checkDiagnostics(top.diagnostics, sources);
  const control = checkControl(top.control as ControlConfig, sources, validate);
  return { ...top, sources, control };
}

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
