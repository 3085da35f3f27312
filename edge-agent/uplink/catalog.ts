// What central accepts from this agent's site (`GET /api/v1/ingest/catalog`,
// common/catalog.ts), kept fresh: fetched at start, every `refreshMs`
// (a conditional GET: an unchanged catalog costs a 304), and soon after
// central refused a batch. Without a catalog — central unreachable, an old
// central without the route — the agent checks nothing locally and central's
// per-point refusals still set the bad points aside: a fetch failure never
// stops acquisition. A catalog from an earlier run is never used, so a
// refusal always rests on what central said during this one. The catalog
// also lists the media types central's ingest reads (`ingestFormats`): the
// uplink sends the columnar body only to a central that lists it.
import { Value } from "@sinclair/typebox/value";
import {
  type CatalogIndex,
  type IngestCatalog,
  IngestCatalogSchema,
  indexCatalog,
} from "../../common/catalog.ts";
import { failure, type IoResult, retryable, success } from "../../common/result.ts";
import { INGEST_V1_MEDIA_TYPE, IngestFormatsSchema } from "../../common/wire-columns.ts";
import { DEFAULT_RETRY_MS, type HttpTransportOptions } from "./transport.ts";

/**
 * One conditional fetch: the catalog (and the media types central's ingest
 * reads; absent: version 1 only), or "unchanged" for the ETag given.
 */
export type CatalogFetch = (
  etag: string | null,
) => Promise<
  IoResult<{ catalog: IngestCatalog; etag: string | null; formats?: readonly string[] } | "unchanged">
>;

export function createHttpCatalogFetch(options: HttpTransportOptions): CatalogFetch {
  const endpoint = new URL("/api/v1/ingest/catalog", options.url).href;
  return async (etag) => {
    let res: Response;
    try {
      res = await fetch(endpoint, {
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: "application/json",
          ...(etag ? { "if-none-match": etag } : {}),
        },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      return retryable(
        "UPLINK_UNREACHABLE",
        `GET ${endpoint}: ${err.cause?.code ?? err.message}`,
        DEFAULT_RETRY_MS,
      );
    }
    if (res.status === 304) return success("unchanged");
    const text = await res.text().catch(() => "");
    if (res.status !== 200)
      return failure("UPLINK_REJECTED", `GET ${endpoint}: ${res.status} ${text.slice(0, 200)}`.trim());
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return failure("UPLINK_REJECTED", `GET ${endpoint}: not JSON`);
    }
    if (!Value.Check(IngestCatalogSchema, body))
      return failure("UPLINK_REJECTED", `GET ${endpoint}: not a catalog`);
    // A central that predates the key reads version 1 only; a malformed list counts as that too.
    const listed = (body as { ingestFormats?: unknown }).ingestFormats;
    const formats = Value.Check(IngestFormatsSchema, listed) ? listed : [INGEST_V1_MEDIA_TYPE];
    return success({ catalog: body, etag: res.headers.get("etag"), formats });
  };
}

export interface CatalogOptions {
  /** Conditional re-fetch period, ms. */
  readonly refreshMs: number;
  /** After a refusal, re-fetch at most this often, ms. */
  readonly minRefreshGapMs?: number;
  readonly log: (line: string) => void;
  /** A new catalog (another generation or content) arrived. */
  readonly onChange?: (catalog: IngestCatalog) => void;
}

export class CentralCatalog {
  private index: CatalogIndex | null = null;
  private formats: ReadonlySet<string> = new Set();
  private etag: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private lastFetchMs = 0;
  private lastProblem: string | null = null;
  private stopped = false;

  constructor(
    private readonly fetchCatalog: CatalogFetch,
    private readonly options: CatalogOptions,
  ) {}

  /** The catalog central gave during this run, or null (then nothing is refused locally). */
  current(): CatalogIndex | null {
    return this.index;
  }

  /** Whether central's ingest reads a body of this media type (per the catalog of this run; none without one). */
  accepts(mediaType: string): boolean {
    return this.index !== null && this.formats.has(mediaType);
  }

  /** Fetches now and then every refreshMs; resolves after the first fetch (whatever its outcome). */
  start(): Promise<void> {
    this.stopped = false;
    if (!this.timer) {
      this.timer = setInterval(() => void this.refresh(), this.options.refreshMs);
      this.timer.unref();
    }
    return this.refresh();
  }

  /** Central refused something: fetch again soon (a new asset or point may have been configured). */
  refreshSoon(): void {
    const gap = this.options.minRefreshGapMs ?? 5000;
    if (Date.now() - this.lastFetchMs >= gap) void this.refresh();
  }

  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.inFlight) return this.inFlight;
    this.lastFetchMs = Date.now();
    this.inFlight = this.fetchCatalog(this.etag)
      .then((r) => this.apply(r))
      .catch((e: unknown) => this.problem(`catalog: ${String(e)}`))
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  private apply(r: Awaited<ReturnType<CatalogFetch>>): void {
    if (r.kind !== "success") {
      this.problem(
        `catalog: ${r.code} ${r.message}; points are not checked before sending until it can be read`,
      );
      return;
    }
    if (this.lastProblem !== null) this.options.log("catalog: read from central again");
    this.lastProblem = null;
    if (r.value === "unchanged") return;
    const { catalog, etag, formats } = r.value;
    this.index = indexCatalog(catalog);
    this.formats = new Set(formats ?? [INGEST_V1_MEDIA_TYPE]);
    this.etag = etag;
    this.options.log(
      `catalog: central accepts ${catalog.assets.length} assets of site ${catalog.site} (generation ${catalog.generation})`,
    );
    this.options.onChange?.(catalog);
  }

  private problem(line: string): void {
    // One line per kind of trouble, not one per period.
    if (this.lastProblem !== line) this.options.log(line);
    this.lastProblem = line;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
  }
}
