// Starts the edge's control when the config declares writable points: the
// store, a write link per source named by a point, the controller ticking
// every `control.tickMs`, and the sync client over the agent's channel.
import { join } from "node:path";
import type { Point } from "../../common/wire.ts";
import { type AgentConfig, type OpcuaSourceConfig, pkiDirOf } from "../config.ts";
import { createWriteLink, type PointWriter, type WriteLink } from "../sources/write.ts";
import { Controller, pointKey } from "./controller.ts";
import { type ControlStore, openControlStore } from "./store.ts";
import { createSyncClient, type SyncClient } from "./sync.ts";

export interface RunningControl {
  readonly controller: Controller;
  readonly sync: SyncClient;
  /** The control state file (tests read its outbox). */
  readonly store: ControlStore;
  observe(points: readonly Point[]): void;
  stop(): Promise<void>;
}

export interface ControlStartOptions {
  readonly log: (line: string) => void;
  /** `control` points into the agent's queue. */
  readonly emit: (points: Point[]) => void;
  readonly now?: () => number;
  /** Start the tick timer and the sync loop (tests drive them by hand). */
  readonly autostart?: boolean;
}

export const controlStateFile = (config: AgentConfig): string =>
  config.control.stateFile ?? join(config.queue.dir, "control.sqlite");

export async function startControl(
  config: AgentConfig,
  opts: ControlStartOptions,
): Promise<RunningControl | null> {
  const c = config.control;
  if (c.points.length === 0) return null;
  const store = openControlStore(controlStateFile(config), {
    syncIntervalMs: c.syncIntervalMs,
    onSyncError: opts.log,
  });
  const links = new Map<string, WriteLink>();
  const writers = new Map<string, PointWriter>();
  try {
    for (const p of c.points) {
      let link = links.get(p.write.source);
      if (!link) {
        const sc = config.sources.find((s) => s.id === p.write.source)!;
        const pkiDir = sc.kind === "opcua" ? pkiDirOf(config, sc as OpcuaSourceConfig) : config.queue.dir;
        link = await createWriteLink(sc, {
          site: config.agent.site,
          agentId: config.agent.id,
          pkiDir,
          log: opts.log,
        });
        links.set(p.write.source, link);
      }
      writers.set(pointKey(p.asset, p.point), link.writer(p.write));
    }
  } catch (e) {
    await Promise.all([...links.values()].map((l) => l.close()));
    store.close();
    throw e;
  }
  let sync: SyncClient | null = null;
  // A write its point's minimum interval held back goes when the interval ends, not at the next regular tick.
  let deferred: NodeJS.Timeout | null = null;
  let stopped = false;
  const runTick = (readBacks = true): void => {
    controller
      .tick({ readBacks })
      .then(() => {
        const at = controller.deferredWriteAt;
        if (at === null || stopped || deferred) return;
        deferred = setTimeout(
          () => {
            deferred = null;
            runTick();
          },
          Math.max(1, Math.min(c.tickMs, at - (opts.now ?? Date.now)())),
        );
      })
      .catch((e) => opts.log(`control: tick failed: ${(e as Error).stack ?? e}`));
  };
  const controller = new Controller({
    config: c,
    site: config.agent.site,
    store,
    writers,
    log: opts.log,
    emit: opts.emit,
    onReport: () => sync?.wake(),
    ...(opts.now ? { now: opts.now } : {}),
  });
  sync = createSyncClient(controller, store, {
    url: config.central.url,
    token: config.central.token,
    timeoutMs: config.central.timeoutMs,
    gzip: config.central.gzip,
    waitMs: c.syncWaitMs,
    log: opts.log,
    // A new command is written now, not up to a tick later (the command-to-device time of issue 14's bench).
    ...(opts.autostart !== false ? { onApplied: () => runTick(false) } : {}),
  });
  let timer: NodeJS.Timeout | null = null;
  if (opts.autostart !== false) {
    timer = setInterval(() => runTick(), c.tickMs);
    sync.start();
  }
  opts.log(`control: ${c.points.length} writable points; desired state revision ${controller.revision}`);
  const s = sync;
  return {
    controller,
    sync: s,
    store,
    observe: (points) => controller.observe(points),
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (deferred) clearTimeout(deferred);
      await controller.idle().catch(() => {});
      await s.stop();
      await Promise.all([...links.values()].map((l) => l.close()));
      store.close();
    },
  };
}
