// Builds stores, metadata and the app from a validated config and listens.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { createCentralApp } from "./app.ts";
import type { CentralConfig } from "./config.ts";
import { META_FILE, MetaStore } from "./meta/meta.ts";
import { createStore } from "./stores/registry.ts";
import type { TimeSeriesStore } from "./stores/types.ts";

export interface RunningCentral {
  url: string;
  app: FastifyInstance;
  meta: MetaStore;
  store: TimeSeriesStore;
  /** Plaintext of the admin token created at this start (none existed), else undefined. Shown once. */
  adminToken?: string;
  close(): Promise<void>;
}

export async function startCentral(
  config: CentralConfig,
  opts: { logger?: boolean | object } = {},
): Promise<RunningCentral> {
  const meta = new MetaStore(join(config.dataDir, META_FILE));
  const store = createStore(config.store, config.dataDir);
  let closed = false;
  const closeStores = async () => {
    await store.close();
    meta.close();
  };
  try {
    meta.replaceFleet(config);
    meta.importTokens(config.tokens);
    const adminToken = meta.hasActiveToken("admin")
      ? undefined
      : meta.createToken({ role: "admin", label: "initial admin" });
    const tls = config.server.tls;
    const https = tls ? { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) } : undefined;
    const app = createCentralApp({
      store,
      meta,
      config,
      logger: opts.logger ?? false,
      ...(https ? { https } : {}),
    });
    await app.listen({ host: config.server.host, port: config.server.port });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.server.port;
    const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
    return {
      url: `${https ? "https" : "http"}://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
      app,
      meta,
      store,
      ...(adminToken !== undefined ? { adminToken } : {}),
      async close() {
        if (closed) return;
        closed = true;
        // Stop accepting, let in-flight requests finish, then close the stores they use.
        await app.close();
        await closeStores();
      },
    };
  } catch (error) {
    await closeStores();
    throw error;
  }
}
