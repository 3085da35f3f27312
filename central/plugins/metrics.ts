// Feeds central's metrics (central/metrics.ts) from outside the routes they
// describe: every answer is counted by method, route pattern, status and
// error code (read from the error body, so a handler never reports
// anything), ingest batches and points from POST /api/v1/ingest's answer
// (the acknowledgement's `accepted`/`duplicate`, or the refusal's code and
// its `details.rejected` per point), open live feeds by their route, and
// the alarm evaluator's passes and the notifier's attempts from their
// diagnostics channels. The registry is
// served on a port of its own (server.ts), so this plugin adds no route.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { CentralDeps } from "../deps.ts";
import { type EvaluationMessage, evaluationChannel } from "../maintenance/evaluator.ts";
import { type PumpMessage, pumpChannel } from "../maintenance/notify/notifier.ts";
import { type CentralMetrics, sqliteFiles } from "../metrics.ts";
import { embeddedStoreFile } from "../stores/embedded.ts";

const INGEST_ROUTE = "/api/v1/ingest";
const LIVE_FEED_ROUTE = "/api/v1/alarms/stream";

/** What the answer's body said, kept from onSend (which sees it) to onResponse (which counts). */
interface Answer {
  code: string;
  ingest?: { accepted: number; duplicate: boolean } | { rejected: string[] };
}

interface ErrorBody {
  error?: { code?: unknown; details?: { rejected?: { code?: unknown }[] } };
}

const parse = (payload: unknown): unknown => {
  if (typeof payload !== "string" && !Buffer.isBuffer(payload)) return null;
  try {
    return JSON.parse(payload.toString());
  } catch {
    return null;
  }
};

const metrics: FastifyPluginAsync<CentralDeps & { metrics: CentralMetrics }> = async (app, deps) => {
  const m = deps.metrics;
  m.databases.set("metadata", deps.meta.db.gauges());
  const storeFile = embeddedStoreFile(deps.store);
  if (storeFile !== null) m.databases.set("timeseries", sqliteFiles(storeFile));

  const answers = new WeakMap<FastifyRequest, Answer>();
  const isIngest = (request: FastifyRequest) =>
    request.method === "POST" && request.routeOptions.url === INGEST_ROUTE;

  app.addHook("onSend", async (request, reply, payload) => {
    const failed = reply.statusCode >= 400;
    if (!failed && !isIngest(request)) return payload;
    const body = parse(payload);
    if (failed) {
      const error = (body as ErrorBody | null)?.error;
      const code = typeof error?.code === "string" ? error.code : "";
      const rejected = Array.isArray(error?.details?.rejected) ? error.details.rejected : [];
      answers.set(request, {
        code,
        ingest: { rejected: rejected.map((r) => (typeof r?.code === "string" ? r.code : "")) },
      });
    } else {
      const ack = body as { accepted?: unknown; duplicate?: unknown } | null;
      answers.set(request, {
        code: "",
        ingest: {
          accepted: typeof ack?.accepted === "number" ? ack.accepted : 0,
          duplicate: ack?.duplicate === true,
        },
      });
    }
    return payload;
  });

  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    const status = reply.statusCode;
    const answer = answers.get(request);
    m.httpRequests.inc({ method: request.method, route, status: String(status), code: answer?.code ?? "" });
    m.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    if (!isIngest(request) || !answer?.ingest) return;
    const ingest = answer.ingest;
    if ("rejected" in ingest) {
      m.ingestRefused.inc({ code: answer.code });
      for (const code of ingest.rejected) m.ingestPointsRefused.inc({ code });
    } else {
      m.ingestBatches.inc({ result: ingest.duplicate ? "duplicate" : "stored" });
      m.ingestPoints.inc(ingest.accepted);
    }
  });

  // After authentication (onRequest): a feed is counted once its handler is about to run, until its answer closes.
  app.addHook("preHandler", async (request, reply) => {
    if (request.routeOptions.url !== LIVE_FEED_ROUTE) return;
    m.liveFeedClients.inc();
    reply.raw.once("close", () => m.liveFeedClients.dec());
  });

  const onEvaluation = (message: unknown) => {
    const { evaluator, durationMs, outcome } = message as EvaluationMessage;
    if (evaluator !== app.service?.evaluator) return; // another central in this process
    m.evaluationDuration.observe({ result: outcome.kind }, durationMs / 1000);
  };
  subscribe(evaluationChannel.name, onEvaluation);
  const onPump = (message: unknown) => {
    const { notifier, result } = message as PumpMessage;
    if (notifier !== app.notifier) return; // another central in this process
    for (const outcome of ["sent", "retried", "failed"] as const)
      if (result[outcome] > 0) m.notificationAttempts.inc({ result: outcome }, result[outcome]);
  };
  subscribe(pumpChannel.name, onPump);
  app.addHook("onClose", async () => {
    unsubscribe(evaluationChannel.name, onEvaluation);
    unsubscribe(pumpChannel.name, onPump);
    m.notifications = null; // its database closes with the app
  });

  app.addHook("onReady", async () => {
    const notifier = app.notifier;
    if (notifier) m.notifications = () => notifier.outbox.counts();
  });
};

export default fp(metrics, { name: "vetra-metrics" });
