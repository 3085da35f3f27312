// What central accepts from one site (`GET /api/v1/ingest/catalog`), and the
// one rule that checks a point or a spectrum snapshot against it. Central
// runs `checkPoint` on every point of `POST /api/v1/ingest` and
// `checkMeasuringPoint` on every snapshot of `POST /api/v1/ingest/spectrum`;
// the edge agent runs the same functions on what it acquires, against the
// catalog it fetched, so a source central would refuse is refused before it
// is queued (one log line naming the source) instead of at central.
//
// Names come from the site's configuration (assets and their measuring
// points) and from common/names.ts (fields per measurement, faults, tag
// keys): anything else would become a new series in the store, and series
// are what a time-series store's memory and read cost grow with.
import { type Static, Type } from "@sinclair/typebox";
import type { ErrorCode } from "./errors.ts";
import { Diagnoses, type Measurement, MeasurementFields, Measurements, TagKeys } from "./names.ts";
import type { WirePoint } from "./wire.ts";

export const IngestCatalogSchema = Type.Object(
  {
    site: Type.String(),
    /** Changes whenever central's fleet changes; an agent refetches when it sees a new one. */
    generation: Type.Integer(),
    assets: Type.Array(
      Type.Object({
        id: Type.String(),
        kind: Type.String(),
        /** Its configured measuring points: the only values its points' `point` tag may take. */
        points: Type.Array(Type.String()),
      }),
    ),
    /** Each measurement's fields (common/names.ts). */
    measurements: Type.Record(Type.String(), Type.Array(Type.String())),
    /** The faults a `diagnosis` point may name. */
    faults: Type.Array(Type.String()),
  },
  { $id: "IngestCatalog" },
);
export type IngestCatalog = Static<typeof IngestCatalogSchema>;

/** The catalog for lookups per point (sets and maps, built once per catalog). */
export interface CatalogIndex {
  readonly site: string;
  readonly generation: number;
  /** Asset id → its measuring points. */
  readonly points: ReadonlyMap<string, ReadonlySet<string>>;
  readonly fields: ReadonlyMap<string, ReadonlySet<string>>;
  readonly faults: ReadonlySet<string>;
}

/** Why a point is refused; `message` names the key (`tags.point: …`), the caller adds where (`points[3].`). */
export interface PointRefusal {
  readonly code: ErrorCode;
  readonly message: string;
}

/** The catalog of a site's assets, with the fields and faults of common/names.ts. */
export function buildCatalog(
  site: string,
  generation: number,
  assets: readonly { id: string; kind: string; points: readonly { id: string }[] }[],
): IngestCatalog {
  return {
    site,
    generation,
    assets: assets.map((a) => ({ id: a.id, kind: a.kind, points: a.points.map((p) => p.id) })),
    measurements: Object.fromEntries(Measurements.map((m) => [m, Object.keys(MeasurementFields[m])])),
    faults: [...Diagnoses],
  };
}

export function indexCatalog(catalog: IngestCatalog): CatalogIndex {
  return {
    site: catalog.site,
    generation: catalog.generation,
    points: new Map(catalog.assets.map((a) => [a.id, new Set(a.points)])),
    fields: new Map(Object.entries(catalog.measurements).map(([m, fields]) => [m, new Set(fields)])),
    faults: new Set(catalog.faults),
  };
}

const TAG_KEYS: ReadonlySet<string> = new Set(TagKeys);
/** Measurements whose points belong to a measuring point: without a `point` tag they mean nothing. */
const NEEDS_POINT: ReadonlySet<Measurement> = new Set(["vibration", "diagnosis"]);

const quoted = (text: string): string => JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);

/**
 * A measuring point of an asset of the site (spectrum snapshots, and the
 * `asset`/`point` tags of a point): UNKNOWN_ASSET, UNKNOWN_POINT or null.
 */
export function checkMeasuringPoint(
  index: CatalogIndex,
  asset: string,
  point: string | undefined,
  keys: { asset: string; point: string } = { asset: "tags.asset", point: "tags.point" },
): PointRefusal | null {
  const points = index.points.get(asset);
  if (!points)
    return {
      code: "UNKNOWN_ASSET",
      message: `${keys.asset}: ${quoted(asset)} is not an asset of site ${quoted(index.site)} in central's configuration`,
    };
  if (point !== undefined && !points.has(point))
    return {
      code: "UNKNOWN_POINT",
      message: `${keys.point}: ${quoted(point)} is not a measuring point of ${asset} in central's configuration`,
    };
  return null;
}

/**
 * The one rule for a point: its site is the catalog's, every tag key is a
 * known one, its asset is the site's (the `agent` measurement may name the
 * site itself: it describes the gateway), its `point` is one of the asset's
 * measuring points (required for vibration and diagnosis), a diagnosis names
 * a known fault (and only a diagnosis names one), and every field is one of
 * its measurement's. Null when the point is accepted.
 */
export function checkPoint(index: CatalogIndex, p: WirePoint): PointRefusal | null {
  return checkSeries(index, p.measurement, p.tags) ?? checkFieldNames(index, p.measurement, p.fields);
}

/**
 * The part of `checkPoint` that depends only on a point's series
 * (measurement and tags), so a batch checks each series once.
 */
export function checkSeries(
  index: CatalogIndex,
  measurement: WirePoint["measurement"],
  tags: WirePoint["tags"],
): PointRefusal | null {
  const site = tags.site;
  if (site !== index.site)
    return {
      code: "UNKNOWN_ASSET",
      message: `tags.site: ${quoted(site ?? "")} is not the site ${quoted(index.site)} this token writes for`,
    };
  for (const key in tags)
    if (!TAG_KEYS.has(key))
      return { code: "UNKNOWN_TAG", message: `tags.${key}: not a tag key (${TagKeys.join(", ")})` };
  const asset = tags.asset;
  const point = tags.point;
  const gatewayHealth = measurement === "agent" && (asset === undefined || asset === site);
  if (!gatewayHealth) {
    if (asset === undefined) return { code: "UNKNOWN_ASSET", message: "tags.asset: required" };
    const target = checkMeasuringPoint(index, asset, point);
    if (target) return target;
  } else if (point !== undefined)
    return {
      code: "UNKNOWN_POINT",
      message: `tags.point: ${quoted(point)}: the gateway has no measuring points`,
    };
  if (point === undefined && NEEDS_POINT.has(measurement))
    return { code: "UNKNOWN_POINT", message: `tags.point: required on ${measurement} points` };
  const fault = tags.fault;
  if (measurement === "diagnosis") {
    if (fault === undefined)
      return { code: "UNKNOWN_FAULT", message: "tags.fault: required on diagnosis points" };
    if (!index.faults.has(fault))
      return {
        code: "UNKNOWN_FAULT",
        message: `tags.fault: ${quoted(fault)} is not a diagnosis the edge names`,
      };
  } else if (fault !== undefined)
    return { code: "UNKNOWN_FAULT", message: `tags.fault: only diagnosis points name a fault` };
  return null;
}

/** The part of `checkPoint` about a point's field names: each one of its measurement's. */
export function checkFieldNames(
  index: CatalogIndex,
  measurement: string,
  fields: Readonly<Record<string, unknown>>,
): PointRefusal | null {
  const known = index.fields.get(measurement);
  for (const name in fields)
    if (!known?.has(name))
      return { code: "UNKNOWN_FIELD", message: `fields.${name}: not a field of ${measurement}` };
  return null;
}
