// The central HTTP service as a fastify plugin: error shape, auth, docs and
// one plugin per domain. `createCentralApp` builds a fastify instance with
// the validator settings the plugin relies on (see below).
import { dirname } from "node:path";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync } from "fastify";
import fp from "fastify-plugin";
import { apiError, CodedError, type ErrorCode, ErrorCodes } from "../common/errors.ts";
import control from "./control/plugin.ts";
import type { CentralDeps } from "./deps.ts";
import { ApiError, ErrorBodySchema } from "./http.ts";
import { redactingLogger } from "./lib/redact.ts";
import { isStorageFull, STORAGE_FULL_RETRY_S, StorageHealth } from "./lib/storage.ts";
import admin from "./plugins/admin.ts";
import alarms from "./plugins/alarms.ts";
import assets from "./plugins/assets.ts";
import auth from "./plugins/auth.ts";
import docs from "./plugins/docs.ts";
import documents from "./plugins/documents.ts";
import grid from "./plugins/grid.ts";
import health from "./plugins/health.ts";
import ingest from "./plugins/ingest.ts";
import metrics from "./plugins/metrics.ts";
import notifications from "./plugins/notifications.ts";
import savings from "./plugins/savings.ts";
import security from "./plugins/security.ts";
import series from "./plugins/series.ts";
import service from "./plugins/service.ts";
import spectrum from "./plugins/spectrum.ts";
import statements from "./plugins/statements.ts";
import ui from "./plugins/ui.ts";
import views from "./plugins/views.ts";
import workOrders from "./plugins/work-orders.ts";

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `body` + `/points/0/ts` → `body.points[0].ts`. */
const fieldPath = (context: string | undefined, pointer: string): string =>
  pointer
    .split("/")
    .slice(1)
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part}`), context ?? "request");

export const describeValidation = (context: string | undefined, error: AjvError): string => {
  const path = fieldPath(context, error.instancePath);
  if (error.keyword === "additionalProperties")
    return `${path}.${String(error.params.additionalProperty)}: unknown key`;
  if (error.keyword === "required") return `${path}.${String(error.params.missingProperty)}: required`;
  return `${path}: ${error.message ?? error.keyword}`;
};

const codeOfStatus = (status: number): ErrorCode =>
  status === 413
    ? "BATCH_TOO_LARGE"
    : status === 415
      ? "UNSUPPORTED_ENCODING"
      : status === 404
        ? "NOT_FOUND"
        : status === 401
          ? "UNAUTHENTICATED"
          : status === 403
            ? "FORBIDDEN"
            : status === 429
              ? "RATE_LIMITED"
              : status < 500
                ? "BAD_REQUEST"
                : "INTERNAL";

declare module "fastify" {
  interface FastifyInstance {
    /** Whether central can write (full disks); /readyz reads it, background work notes failures. */
    storage: StorageHealth;
  }
}

/** The folders central writes to: the data dir, and the embedded store's folder when it is elsewhere. */
export const storageDirs = (config: CentralDeps["config"]): string[] => {
  const dirs = [config.dataDir];
  if (config.store.kind === "embedded" && config.store.path) dirs.push(dirname(config.store.path));
  return [...new Set(dirs)];
};

const central: FastifyPluginAsync<CentralDeps> = async (app, deps) => {
  app.addSchema(ErrorBodySchema);
  app.decorate("storage", new StorageHealth(storageDirs(deps.config), app.log));

  app.setErrorHandler((error: FastifyError & { vetraCode?: ErrorCode }, request, reply) => {
    // A write that failed for lack of space, wherever it was (store, metadata, files): 503, retry later.
    if (isStorageFull(error) || (error instanceof CodedError && error.code === "STORAGE_FULL")) {
      // A file system error names its file; SQLite's do not (the metadata file is the one written in requests).
      const path = (error as { path?: unknown }).path;
      const where =
        typeof path === "string" ? path : error instanceof CodedError ? "time-series store" : deps.meta.file;
      app.storage.noteFull(where, error);
      reply.header("Retry-After", String(STORAGE_FULL_RETRY_S));
      if (error instanceof ApiError)
        for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      request.log.warn({ code: "STORAGE_FULL", msg: error.message }, "request failed: storage full");
      return reply.code(503).send(apiError("STORAGE_FULL"));
    }
    // ApiError from a route, or a domain refusal (a state that forbids the change): the code's status.
    if (error instanceof CodedError) {
      if (error instanceof ApiError)
        for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      // A store away (the metadata database restarting): come back shortly.
      if (error.code === "STORE_UNAVAILABLE" && !reply.hasHeader("retry-after"))
        reply.header("Retry-After", "2");
      const status = ErrorCodes[error.code].status;
      if (status >= 500) {
        // What failed inside (a store's or a server's words, addresses, queries) goes to the log, not to the caller.
        request.log.warn({ code: error.code, msg: error.message }, "request failed");
        return reply.code(status).send(apiError(error.code));
      }
      return reply.code(status).send(apiError(error.code, error.message, error.details));
    }
    if (error.validation) {
      const first = error.validation[0] as AjvError | undefined;
      const message = first ? describeValidation(error.validationContext, first) : error.message;
      return reply.code(400).send(apiError("VALIDATION_FAILED", message));
    }
    const status = typeof error.statusCode === "number" && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, "unhandled error");
      return reply.code(500).send(apiError("INTERNAL"));
    }
    const code = error.vetraCode ?? codeOfStatus(status);
    return reply.code(ErrorCodes[code].status).send(apiError(code, error.message));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(apiError("NOT_FOUND", `No route ${request.method} ${request.url.split("?")[0]}`)),
  );

  await app.register(security);
  // Auth before any route: its onRoute hook must see every route to check its declared audience.
  await app.register(auth, { meta: deps.meta });
  await app.register(docs);
  if (deps.metrics) await app.register(metrics, { ...deps, metrics: deps.metrics });
  await app.register(admin, deps);
  await app.register(health, deps);
  await app.register(ingest, deps);
  await app.register(assets, deps);
  await app.register(spectrum, deps);
  await app.register(series, deps);
  await app.register(service, deps);
  await app.register(notifications, deps);
  await app.register(workOrders, deps);
  await app.register(documents, deps);
  await app.register(statements, deps);
  await app.register(alarms, deps);
  await app.register(views, deps);
  await app.register(grid, deps);
  await app.register(savings, deps);
  await app.register(control, deps);
  await app.register(ui, deps);
};

/**
 * The plugin. The host fastify instance must not coerce types nor strip
 * unknown keys in validation (ajv `coerceTypes: false`, `removeAdditional:
 * false`), or a string for a number and an extra key would be silently
 * "fixed" instead of refused; `createCentralApp` sets that up.
 */
const centralPlugin = fp(central, { name: "vetra-central", fastify: "5.x" });
export default centralPlugin;

export interface CentralAppOptions extends CentralDeps {
  /** false: no log; true or pino options (level, stream, …): logs with credentials redacted. */
  logger?: boolean | object;
  /** PEM key and certificate: serve HTTPS. */
  https?: { key: Buffer; cert: Buffer };
}

export function createCentralApp(options: CentralAppOptions): FastifyInstance {
  const { logger, https, ...deps } = options;
  const app = Fastify({
    ...(https ? { https } : {}),
    logger: logger ? redactingLogger(logger === true ? {} : logger) : false,
    // The client's address for rate limits and logs: the socket's peer unless proxies are configured.
    trustProxy: deps.config.server.trustProxy,
    bodyLimit: deps.config.server.bodyLimitBytes,
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false },
    },
    // Let in-flight requests finish on close; idle keep-alive sockets are dropped.
    forceCloseConnections: "idle",
    // Registering the plugins writes the metadata (the config's contracts, the notification rules'
    // check): on PostgreSQL, with several replicas starting at once on a busy node, that outlasts
    // avvio's 10 s default; the database's own start wait is `metadata.startTimeoutMs` (60 s).
    pluginTimeout: 60_000,
  });
  app.register(centralPlugin, deps);
  return app;
}
