// Builds stores, metadata and the app from a validated config and listens.
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { type MetricsServer, serveMetrics } from "../common/metrics-server.ts";
import { createCentralApp } from "./app.ts";
import type { CentralConfig } from "./config.ts";
import { isStorageFull } from "./lib/storage.ts";
import { META_FILE, MetaStore } from "./meta/meta.ts";
import { type CentralMetrics, createCentralMetrics } from "./metrics.ts";
import { instrumentStore } from "./stores/instrumented.ts";
import { createStore, EMBEDDED_STORE_FILE } from "./stores/registry.ts";
import type { TimeSeriesStore } from "./stores/types.ts";

export interface RunningCentral {
  url: string;
  app: FastifyInstance;
  meta: MetaStore;
  store: TimeSeriesStore;
  /** With `server.metrics` in the config: the registry and where Prometheus scrapes it. */
  metrics?: CentralMetrics;
  metricsUrl?: string;
  /** Plaintext of the admin token created at this start (none existed), else undefined. Shown once. */
  adminToken?: string;
  close(): Promise<void>;
}

/**
 * A start-up step that writes `file`: on a full disk it fails with one line
 * naming the file and the cause (the CLI prints it), not a stack trace.
 */
const fullDiskError = (file: string, error: unknown): Error =>
  new Error(
    `cannot write ${file}: the disk is full (${(error as { code?: string }).code ?? "ENOSPC"}); free space on its file system and start again`,
    { cause: error },
  );
function writing<T>(file: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw isStorageFull(error) ? fullDiskError(file, error) : error;
  }
}
async function writingAsync<T>(file: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw isStorageFull(error) ? fullDiskError(file, error) : error;
  }
}

export async function startCentral(
  config: CentralConfig,
  opts: { logger?: boolean | object } = {},
): Promise<RunningCentral> {
  const log =
    opts.logger === false || opts.logger === undefined ? undefined : (m: string) => console.error(m);
  // Named in the one line a full disk at start-up gives (PostgreSQL's own disk is its server's concern).
  const metaFile =
    config.metadata.kind === "sqlite"
      ? (config.metadata.path ?? join(config.dataDir, META_FILE))
      : "the metadata database (PostgreSQL)";
  const meta = await writingAsync(metaFile, () => MetaStore.open(config, log ? { log } : {}));
  const metrics = config.server.metrics ? createCentralMetrics() : undefined;
  let store: TimeSeriesStore;
  try {
    const opened = writing(
      config.store.kind === "embedded"
        ? (config.store.path ?? join(config.dataDir, EMBEDDED_STORE_FILE))
        : metaFile,
      () => createStore(config.store, config.dataDir),
    );
    store = metrics ? instrumentStore(opened, metrics) : opened;
  } catch (error) {
    await meta.close();
    throw error;
  }
  let metricsServer: MetricsServer | null = null;
  let app: FastifyInstance | null = null;
  let closed = false;
  const closeStores = async () => {
    await metricsServer?.close();
    await store.close();
    await meta.close();
  };
  try {
    const adminToken = await writingAsync(metaFile, async () => {
      await meta.fleet.replace(config);
      await meta.tokens.importConfig(config.tokens);
      return (await meta.tokens.ensureAdmin("initial admin")) ?? undefined;
    });
    const tls = config.server.tls;
    const https = tls ? { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } : undefined;
    app = createCentralApp({
      store,
      meta,
      config,
      ...(metrics ? { metrics } : {}),
      logger: opts.logger ?? false,
      ...(https ? { https } : {}),
    });
    // Registering the plugins writes the metadata too (the config's contracts).
    const listening = app;
    await writingAsync(metaFile, () =>
      listening.listen({ host: config.server.host, port: config.server.port }),
    );
    if (metrics && config.server.metrics) {
      const { host, port } = config.server.metrics;
      metricsServer = await serveMetrics(metrics.registry, host ?? config.server.host, port);
    }
    const running = app;
    // Connections, so that a close can end those that never sent a request (a browser's speculative
    // preconnect): the server counts them as open, not idle, until Node's request timeout.
    const connections = new Set<Socket>();
    running.server.on("connection", (socket: Socket) => {
      connections.add(socket);
      socket.once("close", () => connections.delete(socket));
    });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.server.port;
    const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
    return {
      url: `${https ? "https" : "http"}://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
      app: running,
      meta,
      store,
      ...(metrics && metricsServer ? { metrics, metricsUrl: metricsServer.url } : {}),
      ...(adminToken !== undefined ? { adminToken } : {}),
      async close() {
        if (closed) return;
        closed = true;
        // Stop accepting, let in-flight requests finish, then close the stores they use. A connection
        // that turns idle, or never sends a request, would hold the close until Node's request
        // timeout: those are closed until the server has closed.
        const idle = setInterval(() => {
          running.server.closeIdleConnections();
          for (const socket of connections) if (socket.bytesRead === 0) socket.destroy();
        }, 500);
        try {
          await running.close();
        } finally {
          clearInterval(idle);
        }
        await closeStores();
      },
    };
  } catch (error) {
    await app?.close();
    await closeStores();
    throw error;
  }
}
