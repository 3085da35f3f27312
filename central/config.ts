// Central's configuration: validated once, where it enters (file or object),
// with defaults from the schema and unknown keys refused. Errors name the
// key path, e.g. `assets[2].site: unknown site "wf9"`.
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Value, type ValueError } from "@sinclair/typebox/value";
import { parse as parseYaml } from "yaml";
import { isTimeZone } from "../common/control-schedule.ts";
import { DEFAULT_ZONE_TABLE, ZoneTableConfigSchema, zoneOverridesError } from "../common/iso-zones.ts";
import { AssetKinds, ComponentClasses } from "../common/names.ts";
import { MAX_BATCH_BYTES } from "../common/wire.ts";
import { ComfortConfigSchema, comfortConfigError } from "./control/comfort-config.ts";
import { MetadataConfigSchema, PostgresMetadataSchema } from "./db/config.ts";
import { checkDocumentsConfig, DocumentsConfigSchema } from "./documents/config.ts";
import { PERCENT_PATTERN, RUB_PATTERN } from "./documents/money.ts";
import { checkVoltageClasses, GridConfigSchema } from "./grid/config.ts";
import { NotificationsConfigSchema } from "./maintenance/notify/config.ts";
import { allowEntryProblem } from "./maintenance/notify/receivers.ts";
import { SavingsConfigSchema } from "./savings/config.ts";

const literals = <T extends string>(values: readonly T[], options: object = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );

const Id = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" });

export const Roles = ["admin", "ministry", "service_company", "energy_manager", "agent"] as const;
export type Role = (typeof Roles)[number];
export const SiteKinds = ["wind_farm", "facility"] as const;

const ServerSchema = Type.Object(
  {
    host: Type.String({ default: "127.0.0.1" }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: MAX_BATCH_BYTES }),
    /**
     * Prometheus metrics on a listener of their own (`GET /metrics`, plain HTTP), apart from the API
     * port so the public ingress never reaches them; host defaults to `server.host`. Off when absent.
     */
    metrics: Type.Optional(
      Type.Object(
        {
          port: Type.Integer({ minimum: 0, maximum: 65535 }),
          host: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Which reverse proxies are believed about the client's address
     * (X-Forwarded-For) and protocol (fastify's `trustProxy`): false (default:
     * the socket's peer is the client), the proxies' addresses or CIDRs
     * (`"10.0.0.0/8"`, `["127.0.0.1", "fd00::/8"]`, or `loopback`,
     * `linklocal`, `uniquelocal`), or true (any peer — only when nothing but
     * the proxy can reach central). Behind an ingress or a compose proxy set
     * it, or every client shares the proxy's address for the rate limits. A
     * hop count is not offered: fastify cannot check the immediate peer with
     * one and trusts nothing then.
     */
    trustProxy: Type.Union(
      [
        Type.Boolean(),
        Type.String({ minLength: 1 }),
        Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
      ],
      { default: false },
    ),
    /** Serve HTTPS with this PEM certificate chain and key (see README, "Running central behind TLS"). */
    tls: Type.Optional(
      Type.Object(
        { certFile: Type.String({ minLength: 1 }), keyFile: Type.String({ minLength: 1 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, default: {} },
);

const EmbeddedStoreSchema = Type.Object(
  {
    kind: Type.Literal("embedded"),
    /** SQLite file; default `<dataDir>/timeseries.sqlite`. */
    path: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

const InfluxStoreSchema = Type.Object(
  {
    kind: Type.Literal("influx"),
    url: Type.String({ pattern: "^https?://" }),
    database: Type.String({ minLength: 1 }),
    token: Type.Optional(Type.String({ minLength: 1 })),
    username: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String()),
    timeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  },
  { additionalProperties: false },
);

const StoreSchema = Type.Union([EmbeddedStoreSchema, InfluxStoreSchema], { default: { kind: "embedded" } });

const TenantSchema = Type.Object(
  { id: Id, name: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);

const SiteSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1 }),
    kind: literals(SiteKinds),
    tenant: Type.Optional(Id),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    /** IANA zone, e.g. Europe/Moscow. */
    timezone: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

const MeasuringPointSchema = Type.Object(
  {
    id: Id,
    /** The ISO 10816-21 component class of a vibration measuring point; absent for others (e.g. a sub-meter). */
    component: Type.Optional(literals(ComponentClasses)),
  },
  { additionalProperties: false },
);

const AssetSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1 }),
    kind: literals(AssetKinds),
    site: Id,
    tenant: Id,
    points: Type.Array(MeasuringPointSchema, { default: [] }),
  },
  { additionalProperties: false },
);

const TokenSchema = Type.Object(
  {
    sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
    role: literals(Roles),
    tenant: Type.Optional(Id),
    site: Type.Optional(Id),
    label: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/**
 * Alarm-quality filtering of one kind of condition (ANSI/ISA-18.2-2016 §10.4 and IEC 62682:2014
 * §11.5: on-delay, off-delay, deadband). See maintenance/alarm-filter.ts.
 */
const AlarmFilterProperties = {
  /** A level (warning, alarm) is annunciated only once the condition has held it this long. */
  onDelayMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
  /** A level falls (alarm → warning, or to nothing) only once the condition has been below it this long. */
  offDelayMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
  /** An analog boundary (an ISO zone boundary) is crossed back only this many percent below it. */
  deadbandPct: Type.Number({ minimum: 0, maximum: 50 }),
};
const AlarmFilterOverrideSchema = Type.Object(
  {
    onDelayMs: Type.Optional(AlarmFilterProperties.onDelayMs),
    offDelayMs: Type.Optional(AlarmFilterProperties.offDelayMs),
    deadbandPct: Type.Optional(AlarmFilterProperties.deadbandPct),
  },
  { additionalProperties: false },
);

const AlarmsSchema = Type.Object(
  {
    /**
     * On-delay for every kind of condition unless `byKind` says otherwise. Time the edge's data
     * shows a level held counts (an hour of zone D ingested at once raises at once); what central
     * only sees from now on waits this long.
     */
    onDelayMs: Type.Integer({ ...AlarmFilterProperties.onDelayMs, default: 60_000 }),
    /** Off-delay: a level falls only after the condition has been below it this long (then `clearAfterMs` to clear). */
    offDelayMs: Type.Integer({ ...AlarmFilterProperties.offDelayMs, default: 60_000 }),
    /** Deadband on analog boundaries, percent of the boundary (ISO zone C/D: back below 0.9 × C/D with 10). */
    deadbandPct: Type.Number({ ...AlarmFilterProperties.deadbandPct, default: 10 }),
    /** Per kind of condition (`zone`, `diagnosis`, `facility`, `comfort`, `control`): keys that differ from the three above. */
    byKind: Type.Object(
      {
        zone: Type.Optional(AlarmFilterOverrideSchema),
        diagnosis: Type.Optional(AlarmFilterOverrideSchema),
        facility: Type.Optional(AlarmFilterOverrideSchema),
        /**
         * A room's air moves slowly and a door opened is not a failure: a comfort excursion is
         * annunciated once it has lasted 30 minutes (ISA-18.2 §10.4: delays suited to the process).
         */
        comfort: Type.Object(AlarmFilterOverrideSchema.properties, {
          additionalProperties: false,
          default: { onDelayMs: 1_800_000, offDelayMs: 600_000 },
        }),
        /** A write the edge reports failed is already decided there: annunciated at once. */
        control: Type.Object(AlarmFilterOverrideSchema.properties, {
          additionalProperties: false,
          default: { onDelayMs: 0 },
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Background evaluation period; 0: only after ingest and when asked (tests drive it by hand). */
    evaluateEveryMs: Type.Integer({ minimum: 0, default: 5000 }),
    /** After ingest, wait this long for more before evaluating (batches of many agents become one evaluation). */
    debounceMs: Type.Integer({ minimum: 0, default: 500 }),
    /** A condition absent this long clears its alarm (the edge's own hysteresis comes first). */
    clearAfterMs: Type.Integer({ minimum: 0, default: 300_000 }),
    /** Facility anomalies are hourly by nature: re-derived at most this often. */
    facilityEveryMs: Type.Integer({ minimum: 0, default: 60_000 }),
    /** Response time where no contract covers an asset (its owner maintains it). */
    defaultResponseTimeMinutes: Type.Integer({ minimum: 1, default: 240 }),
  },
  { additionalProperties: false, default: {} },
);

const IngestSchema = Type.Object(
  {
    /**
     * Distinct series (measurement + tag set) one site may write; a point that
     * would start one more is refused with SERIES_LIMIT. A turbine needs about
     * points × (1 + faults) + 3 (vibration, diagnoses, SCADA, the gateway's
     * health): 150 turbines with 3 points each about 4,600.
     */
    maxSeriesPerSite: Type.Integer({ minimum: 1, default: 10_000 }),
  },
  { additionalProperties: false, default: {} },
);

/** A date (`2026-01-01`, UTC midnight) or a date-time with a zone. */
const DateOrTime = Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}(T[\\d:.]+(Z|[+-]\\d{2}:?\\d{2}))?$" });

/** What the region pays a company under a contract (central/documents/statement.ts); amounts in RUB, excluding VAT. */
export const ContractTermsSchema = Type.Object(
  {
    fee: Type.Object(
      {
        /** Per monitored turbine-day, or per turbine-month (pro rata by monitored days). */
        per: Type.Union([Type.Literal("turbine_day"), Type.Literal("turbine_month")]),
        rub: Type.String({ pattern: RUB_PATTERN, description: 'e.g. "1500.00"' }),
      },
      { additionalProperties: false },
    ),
    /** Credit to the region per alarm not acknowledged within the response time. */
    creditPerBreachRub: Type.String({ pattern: RUB_PATTERN, default: "0" }),
    /** Credits in a month are capped at this share of the month's fee. */
    creditCapPercent: Type.String({ pattern: PERCENT_PATTERN, default: "100" }),
    /** Overrides documents.vatRatePercent. */
    vatRatePercent: Type.Optional(Type.String({ pattern: PERCENT_PATTERN })),
  },
  { additionalProperties: false },
);

const ContractSchema = Type.Object(
  {
    id: Id,
    company: Id,
    assets: Type.Array(Id, { minItems: 1 }),
    from: DateOrTime,
    /** Exclusive; absent: open-ended. */
    to: Type.Optional(DateOrTime),
    /** An `alarm` not acknowledged within this escalates. */
    responseTimeMinutes: Type.Integer({ minimum: 1 }),
    /** Fee, credits and VAT; a contract without terms is not billed. */
    terms: Type.Optional(ContractTermsSchema),
  },
  { additionalProperties: false },
);

export const CentralConfigSchema = Type.Object(
  {
    server: ServerSchema,
    dataDir: Type.String({ minLength: 1, default: ".vetra" }),
    /**
     * The region's time zone (IANA): the calendar days, months and clock
     * times of every report and PDF (savings, the grid answer) and the default
     * of a service company's zone. Dagestan keeps Moscow time (UTC+3, no DST).
     */
    timeZone: Type.String({ minLength: 1, default: "Europe/Moscow" }),
    store: StoreSchema,
    /** Where the metadata and the service model live: SQLite in the data dir, or PostgreSQL (see db/config.ts). */
    metadata: MetadataConfigSchema,
    tenants: Type.Array(TenantSchema, { default: [] }),
    sites: Type.Array(SiteSchema, { default: [] }),
    assets: Type.Array(AssetSchema, { default: [] }),
    tokens: Type.Array(TokenSchema, { default: [] }),
    /** Each asset is contracted to one service company for a period (see maintenance/contracts.ts). */
    contracts: Type.Array(ContractSchema, { default: [] }),
    /** What ingest accepts beyond the fleet's names (see plugins/ingest.ts). */
    ingest: IngestSchema,
    /** The alarm lifecycle (see maintenance/evaluator.ts). */
    alarms: AlarmsSchema,
    /** The grid-connection map: voltage classes, costs, basemap (see grid/config.ts). */
    grid: GridConfigSchema,
    /** Savings reports: tariff, emission factor, contracted peaks (see savings/config.ts). */
    savings: SavingsConfigSchema,
    /** Comfort bands of the facilities' rooms (see control/comfort-config.ts). */
    comfort: ComfortConfigSchema,
    /** Alarm notifications by webhook and e-mail: SMTP, timeouts, retries (see maintenance/notify/config.ts). */
    notifications: NotificationsConfigSchema,
    /** Requisites, signers and trust anchors of the document flow (see documents/config.ts). */
    documents: DocumentsConfigSchema,
    /**
     * Overrides of the ISO 10816-21 zone table (common/iso-zones.ts) whose boundaries the trends
     * draw and the zone alarms' deadband is judged against, per component class; keep them equal
     * to the agents' `diagnostics.zones`.
     */
    zones: Type.Optional(ZoneTableConfigSchema),
    /**
     * The key that seals webhook secrets in the metadata database (base64 of
     * 32 bytes; see lib/secret-box.ts). Default `<dataDir>/secrets.key`,
     * created 0600 at first start. Keep it out of database backups, or a
     * copied database reveals the secrets with it.
     */
    secretsKeyFile: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export type CentralConfig = Static<typeof CentralConfigSchema>;
export type TenantConfig = Static<typeof TenantSchema>;
export type SiteConfig = Static<typeof SiteSchema>;
export type AssetConfig = Static<typeof AssetSchema>;
export type TokenConfig = Static<typeof TokenSchema>;
export type ContractConfig = Static<typeof ContractSchema>;
export type ContractTerms = Static<typeof ContractTermsSchema>;

/** A config date or date-time as epoch ms (a bare date is UTC midnight). */
export const configTimeMs = (text: string): number =>
  Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
export type Fleet = Pick<CentralConfig, "tenants" | "sites" | "assets">;

export type ConfigResult = { ok: true; config: CentralConfig } | { ok: false; error: string };

/** A config that does not validate; the message names the key path. */
export class CentralConfigError extends Error {
  override readonly name = "CentralConfigError";
}

/** `/assets/2/site` → `assets[2].site`. */
const keyPath = (pointer: string): string =>
  pointer
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), "");

/** The first error, explained; unions of literals list their choices, tagged unions pick the variant by `kind`. */
function describeError(schema: TSchema, value: unknown, prefix = ""): string | null {
  const first: ValueError | undefined = Value.Errors(schema, value).First();
  if (!first) return null;
  const path = `${prefix}${first.path}`;
  const variants = (first.schema as { anyOf?: TSchema[] }).anyOf;
  if (variants) {
    const consts = variants.map((v) => (v as { const?: unknown }).const);
    if (consts.every((c) => typeof c === "string")) {
      return `${keyPath(path) || "(root)"}: expected one of ${consts.join("|")}`;
    }
    const kinds = variants.map(
      (v) => (v as { properties?: { kind?: { const?: unknown } } }).properties?.kind?.const,
    );
    if (kinds.every((k) => typeof k === "string")) {
      const kind = (first.value as { kind?: unknown } | undefined)?.kind;
      const variant = variants[kinds.indexOf(kind as string)];
      if (!variant) return `${keyPath(`${path}/kind`)}: expected one of ${kinds.join("|")}`;
      return describeError(variant, first.value, path);
    }
    const types = variants.map((v) => (v as { type?: unknown }).type);
    if (types.every((t) => typeof t === "string"))
      return `${keyPath(path) || "(root)"}: expected ${types.join("|")}`;
  }
  const message =
    first.message === "Unexpected property" ? "unknown key" : first.message.replace(/^Expected/, "expected");
  return `${keyPath(path) || "(root)"}: ${message}`;
}

const INFLUX_ENV: Record<string, string> = {
  url: "INFLUX_URL",
  database: "INFLUX_DB",
  token: "INFLUX_TOKEN",
  username: "INFLUX_USER",
  password: "INFLUX_PASSWORD",
};

const METADATA_ENV: Record<string, string> = {
  url: "DATABASE_URL",
};

/**
 * Validates a parsed config object and fills defaults. For `store.kind:
 * influx`, keys missing from the file are taken from INFLUX_URL, INFLUX_DB,
 * INFLUX_TOKEN, INFLUX_USER and INFLUX_PASSWORD in `env`; for
 * `metadata.kind: postgres`, the URL from DATABASE_URL.
 */
export function checkCentralConfig(
  input: unknown,
  env: Record<string, string | undefined> = {},
): ConfigResult {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return { ok: false, error: "(root): expected an object" };
  }
  const value = structuredClone(input) as Record<string, unknown>;
  const store = value.store as Record<string, unknown> | undefined;
  if (store && typeof store === "object" && store.kind === "influx") {
    for (const [key, name] of Object.entries(INFLUX_ENV)) {
      if (store[key] === undefined && env[name]) store[key] = env[name];
    }
  }
  const metadata = value.metadata as Record<string, unknown> | undefined;
  if (metadata && typeof metadata === "object" && metadata.kind === "postgres") {
    for (const [key, name] of Object.entries(METADATA_ENV)) {
      if (metadata[key] === undefined && env[name]) metadata[key] = env[name];
    }
    // The variant's defaults here: a union's are not filled while the value does not match it yet,
    // and the error would then name a defaulted key instead of the wrong one.
    value.metadata = Value.Default(PostgresMetadataSchema, metadata);
  }
  const withDefaults = Value.Default(CentralConfigSchema, value);
  const error = describeError(CentralConfigSchema, withDefaults);
  if (error) {
    const noUrl =
      error.startsWith("metadata.url: ") && metadata?.kind === "postgres" && metadata.url === undefined;
    return {
      ok: false,
      error: noUrl ? "metadata.url: required for kind postgres (or set DATABASE_URL)" : error,
    };
  }
  const config = withDefaults as CentralConfig;
  const crossError = checkReferences(config);
  if (crossError) return { ok: false, error: crossError };
  return { ok: true, config };
}

/** Names proxy-addr accepts for address ranges (fastify's trustProxy). */
const PROXY_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);

/** An IP address, an address with a prefix length or netmask, or a range name. */
const isProxyAddress = (text: string): boolean => {
  if (PROXY_RANGES.has(text)) return true;
  const [address = "", prefix, ...more] = text.split("/");
  if (more.length > 0) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (prefix === undefined) return true;
  if (isIP(prefix) === 4 && version === 4) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
};

function checkTrustProxy(value: CentralConfig["server"]["trustProxy"]): string | null {
  if (typeof value === "boolean") return null;
  const list = typeof value === "string" ? value.split(",").map((s) => s.trim()) : value;
  const i = list.findIndex((a) => !isProxyAddress(a));
  if (i < 0) return null;
  const at = typeof value === "string" ? "server.trustProxy" : `server.trustProxy[${i}]`;
  return `${at}: "${list[i]}" is not an IP address, CIDR, or one of loopback|linklocal|uniquelocal`;
}

function checkReferences(config: CentralConfig): string | null {
  const proxyError = checkTrustProxy(config.server.trustProxy);
  if (proxyError) return proxyError;
  const gridError = checkVoltageClasses(config.grid.voltageClasses);
  if (gridError) return gridError;
  const zonesError = zoneOverridesError(DEFAULT_ZONE_TABLE, config.zones);
  if (zonesError) return `zones.${zonesError}`;
  for (const [i, entry] of config.notifications.webhookAllowList.entries()) {
    const problem = allowEntryProblem(entry);
    if (problem) return `notifications.webhookAllowList[${i}]: ${problem}`;
  }
  if (!isTimeZone(config.timeZone)) return `timeZone: unknown time zone "${config.timeZone}"`;
  const facilityIds = new Set(
    config.assets
      .filter((a) => a.kind === "hospital" || a.kind === "clinic" || a.kind === "school")
      .map((a) => a.id),
  );
  for (const id of Object.keys(config.savings.facilities))
    if (!facilityIds.has(id))
      return `savings.facilities.${id}: not a facility asset (hospital, clinic or school)`;
  const comfortError = comfortConfigError(config.comfort, facilityIds);
  if (comfortError) return comfortError;
  for (const [i, s] of config.sites.entries())
    if (s.timezone !== undefined && !isTimeZone(s.timezone))
      return `sites[${i}].timezone: unknown time zone "${s.timezone}"`;
  const duplicate = (ids: string[]): number => ids.findIndex((id, i) => ids.indexOf(id) !== i);
  const lists = { tenants: config.tenants, sites: config.sites, assets: config.assets } as const;
  for (const [key, list] of Object.entries(lists)) {
    const i = duplicate(list.map((x) => x.id));
    if (i >= 0) return `${key}[${i}].id: duplicate id "${list[i]!.id}"`;
  }
  const tenants = new Set(config.tenants.map((t) => t.id));
  const sites = new Set(config.sites.map((s) => s.id));
  for (const [i, s] of config.sites.entries()) {
    if (s.tenant !== undefined && !tenants.has(s.tenant))
      return `sites[${i}].tenant: unknown tenant "${s.tenant}"`;
  }
  for (const [i, a] of config.assets.entries()) {
    if (!sites.has(a.site)) return `assets[${i}].site: unknown site "${a.site}"`;
    if (!tenants.has(a.tenant)) return `assets[${i}].tenant: unknown tenant "${a.tenant}"`;
    const p = duplicate(a.points.map((x) => x.id));
    if (p >= 0) return `assets[${i}].points[${p}].id: duplicate point "${a.points[p]!.id}"`;
  }
  const assets = new Set(config.assets.map((a) => a.id));
  const cid = duplicate(config.contracts.map((c) => c.id));
  if (cid >= 0) return `contracts[${cid}].id: duplicate id "${config.contracts[cid]!.id}"`;
  for (const [i, c] of config.contracts.entries()) {
    if (!tenants.has(c.company)) return `contracts[${i}].company: unknown tenant "${c.company}"`;
    const from = configTimeMs(c.from);
    if (!Number.isFinite(from)) return `contracts[${i}].from: not a valid date`;
    const to = c.to === undefined ? null : configTimeMs(c.to);
    if (to !== null && !(to > from)) return `contracts[${i}].to: must be a valid date after from`;
    for (const [j, a] of c.assets.entries()) {
      if (!assets.has(a)) return `contracts[${i}].assets[${j}]: unknown asset "${a}"`;
      for (const [k, other] of config.contracts.entries()) {
        if (k >= i || !other.assets.includes(a)) continue;
        const oFrom = configTimeMs(other.from);
        const oTo = other.to === undefined ? Number.POSITIVE_INFINITY : configTimeMs(other.to);
        if (from < oTo && oFrom < (to ?? Number.POSITIVE_INFINITY))
          return `contracts[${i}].assets[${j}]: "${a}" is also under contract "${other.id}" in that period`;
      }
    }
  }
  const documentsError = checkDocumentsConfig(config.documents, tenants);
  if (documentsError) return documentsError;
  for (const [i, t] of config.tokens.entries()) {
    if ((t.role === "service_company" || t.role === "energy_manager") && t.tenant === undefined)
      return `tokens[${i}].tenant: required for ${t.role}`;
    if (t.role === "agent" && t.site === undefined) return `tokens[${i}].site: required for agent`;
    if (t.tenant !== undefined && !tenants.has(t.tenant))
      return `tokens[${i}].tenant: unknown tenant "${t.tenant}"`;
    if (t.site !== undefined && !sites.has(t.site)) return `tokens[${i}].site: unknown site "${t.site}"`;
  }
  return null;
}

const configOrThrow = (r: ConfigResult): CentralConfig => {
  if (!r.ok) throw new CentralConfigError(r.error);
  return r.config;
};

/** Like checkCentralConfig, but returns the config or throws CentralConfigError. */
export function parseCentralConfig(
  input: unknown,
  env: Record<string, string | undefined> = {},
): CentralConfig {
  return configOrThrow(checkCentralConfig(input, env));
}

/** Reads a YAML or JSON file (JSON is YAML) and validates it; throws CentralConfigError naming the key. */
export function loadCentralConfig(
  path: string,
  env: Record<string, string | undefined> = process.env,
): CentralConfig {
  return configOrThrow(checkCentralConfigFile(path, env));
}

/** Reads a YAML or JSON file (JSON is YAML) and validates it. */
export function checkCentralConfigFile(
  path: string,
  env: Record<string, string | undefined> = process.env,
): ConfigResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return { ok: false, error: `${path}: ${(error as Error).message}` };
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    return { ok: false, error: `${path}: not valid YAML/JSON: ${(error as Error).message.split("\n")[0]}` };
  }
  return checkCentralConfig(parsed ?? {}, env);
}
