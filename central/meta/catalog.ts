// Each site's ingest catalog (common/catalog.ts) as central's fleet defines
// it, built once per fleet generation: ingest checks every point against
// it, and agents fetch it (`GET /api/v1/ingest/catalog`) to refuse locally
// what central would refuse.
import { createHash } from "node:crypto";
import { buildCatalog, type CatalogIndex, type IngestCatalog, indexCatalog } from "../../common/catalog.ts";
import type { MetaStore } from "./meta.ts";

export interface SiteCatalog {
  readonly catalog: IngestCatalog;
  readonly index: CatalogIndex;
  /** A strong HTTP validator of the catalog's content (RFC 9110 §8.8.3). */
  readonly etag: string;
}

// Keyed by the fleet copy, which MetaStore replaces when the generation changes.
const catalogs = new WeakMap<object, Map<string, SiteCatalog>>();

/** The catalog of a site, or null when central's configuration has no such site. */
export function siteCatalog(meta: MetaStore, site: string): SiteCatalog | null {
  const fleet = meta.fleetIndex();
  let perSite = catalogs.get(fleet);
  if (!perSite) {
    perSite = new Map();
    catalogs.set(fleet, perSite);
  }
  const cached = perSite.get(site);
  if (cached) return cached;
  if (!fleet.siteById.has(site)) return null;
  const catalog = buildCatalog(
    site,
    fleet.gen,
    fleet.assets.filter((a) => a.site === site),
  );
  const etag = `"${createHash("sha256").update(JSON.stringify(catalog)).digest("base64url").slice(0, 22)}"`;
  const entry: SiteCatalog = { catalog, index: indexCatalog(catalog), etag };
  perSite.set(site, entry);
  return entry;
}
