// Alarms: the list (filter, sort, page), one alarm with its history,
// acknowledge / assign / comment, and a live feed (Server-Sent Events).
// Alarms come from the alarm book (../maintenance/alarm-book.ts), which the
// evaluator keeps in step with the edge's data; a read right after ingest
// waits for the evaluation that covers it. A service company sees the alarms
// routed to it; an energy manager the alarms of its tenant's facilities
// (comfort, control, anomalies), read only; admin and the ministry see all.
import type { ServerResponse } from "node:http";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type TSchema, Type } from "@sinclair/typebox";
import type { CentralDeps } from "../deps.ts";
import { ApiError, canSeeAsset, errorResponses, pageLimit, principalOf } from "../http.ts";
import {
  type AlarmEvent,
  type AlarmRecord,
  AlarmSorts,
  type AlarmState,
  DEFAULT_PAGE,
} from "../maintenance/alarm-book.ts";
import { AlarmHealthSchema } from "./alarm-schemas.ts";
import { companiesOf } from "./service.ts";

const STATE_FILTERS: Record<string, readonly AlarmState[]> = {
  active: ["active"],
  acknowledged: ["acknowledged"],
  cleared: ["cleared"],
  open: ["active", "acknowledged"],
  all: ["active", "acknowledged", "cleared"],
};

const ALARMS_PAGE = pageLimit({ max: 5000, default: DEFAULT_PAGE });

const literals = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));

/**
 * Live feed: how often each replica looks for events written by others (besides being told by the
 * database, PostgreSQL; SQLite replicas sharing a file are not told), and the keep-alive.
 */
const STREAM_POLL_MS = 1000;
const STREAM_PING_MS = 15_000;
/** What one slow client may have waiting in the server's buffer before its stream is closed. */
const STREAM_MAX_BUFFERED_BYTES = 1 << 20;
/** Alarm-system health: the last day unless asked; at most a year and a day (a report's month fits). */
const HEALTH_DEFAULT_MS = 24 * 3_600_000;
const HEALTH_MAX_MS = 367 * 24 * 3_600_000;

/** How far back a reconnect (Last-Event-ID) is served: events older than this many are skipped. */
const STREAM_RESUME_MAX_EVENTS = 10_000;

/**
 * Which alarms a caller sees: by company (a service company's), by asset (an
 * energy manager's facilities; turbines never), or all (undefined in both).
 */
interface AlarmScope {
  companies: readonly string[] | undefined;
  assets: ReadonlySet<string> | undefined;
}

const inScope = (scope: AlarmScope, alarm: { company: string; asset: string }): boolean =>
  (!scope.companies || scope.companies.includes(alarm.company)) &&
  (!scope.assets || scope.assets.has(alarm.asset));

/** Who reads the alarm list, one alarm and the live feed (acting on one stays with admin and the company). */
const READERS = ["admin", "ministry", "service_company", "energy_manager"] as const;
/** Who acts on an alarm: an admin, or the alarm's company (checked per alarm). */
const ACTORS = ["admin", "service_company"] as const;

interface Subscriber {
  raw: ServerResponse;
  scope: AlarmScope;
  /** The last event id this stream has been served up to (sent, or not its company's). */
  after: number;
}

const alarms: FastifyPluginAsyncTypebox<CentralDeps> = async (app, deps) => {
  const { book, evaluator } = app.service;

  const scopeOf = async (request: Parameters<typeof principalOf>[0]): Promise<AlarmScope> => {
    const principal = principalOf(request);
    if (principal.role !== "energy_manager") return { companies: companiesOf(principal), assets: undefined };
    const now = app.service.clock();
    const fleet = await deps.meta.fleet.current();
    return {
      companies: undefined,
      assets: new Set(fleet.assets.filter((a) => canSeeAsset(principal, a, now)).map((a) => a.id)),
    };
  };

  const load = async (request: Parameters<typeof principalOf>[0], id: string): Promise<AlarmRecord> => {
    const scope = await scopeOf(request);
    await evaluator.ensureFresh();
    const alarm = await book.resolve(id);
    // 404 also for another company's (or facility's) alarm: existence is not revealed.
    if (!alarm || !inScope(scope, alarm)) throw new ApiError("NOT_FOUND", `No alarm "${id}"`);
    return alarm;
  };

  const actorOf = (request: Parameters<typeof principalOf>[0]): string => {
    const p = principalOf(request);
    return p.label || `${p.role}#${p.tokenId}`;
  };

  app.get(
    "/api/v1/alarms",
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ["alarms"],
        summary:
          "Alarms the caller may see (ISO 10816-21 zone C → warning, D → alarm; the edge's diagnoses; facility anomalies); default: open ones",
        querystring: Type.Object(
          {
            state: Type.Optional(literals(Object.keys(STATE_FILTERS))),
            severity: Type.Optional(literals(["warning", "alarm"])),
            asset: Type.Optional(Type.String({ maxLength: 128 })),
            site: Type.Optional(Type.String({ maxLength: 128 })),
            fault: Type.Optional(Type.String({ maxLength: 64 })),
            company: Type.Optional(Type.String({ maxLength: 128 })),
            q: Type.Optional(Type.String({ maxLength: 200, description: "text in asset, point or fault" })),
            from: Type.Optional(Type.String({ format: "date-time", description: "raised at or after" })),
            to: Type.Optional(Type.String({ format: "date-time", description: "raised before" })),
            sort: Type.Optional(literals(AlarmSorts)),
            order: Type.Optional(literals(["asc", "desc"])),
            limit: ALARMS_PAGE.query,
            offset: Type.Optional(Type.String({ pattern: "^[0-9]{1,9}$" })),
            after: Type.Optional(
              Type.String({
                maxLength: 1024,
                pattern: "^[A-Za-z0-9_-]+$",
                description:
                  "the `next` of the previous page (same filter, sort and order): the page after it",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            alarms: Type.Array(Type.Ref("Alarm")),
            total: Type.Integer(),
            next: Type.Optional(
              Type.String({ description: "when the page is full: `after` for the page that follows" }),
            ),
          }),
          ...errorResponses(400, 503),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const scope = await scopeOf(request);
      let companies = scope.companies;
      if (q.company) companies = companies ? companies.filter((c) => c === q.company) : [q.company];
      const assets = scope.assets
        ? [...scope.assets].filter((a) => q.asset === undefined || a === q.asset)
        : q.asset
          ? [q.asset]
          : undefined;
      if (q.after !== undefined && q.offset !== undefined)
        throw new ApiError(
          "VALIDATION_FAILED",
          "querystring.after: a page is either after a cursor or at an offset",
        );
      const limit = ALARMS_PAGE.of(q.limit);
      const time = (text: string | undefined, key: string) => {
        if (text === undefined) return undefined;
        const ms = Date.parse(text);
        if (!Number.isFinite(ms))
          throw new ApiError("VALIDATION_FAILED", `querystring.${key}: not a date-time`);
        return ms;
      };
      await evaluator.ensureFresh();
      return await book.list({
        ...(companies ? { companies } : {}),
        states: STATE_FILTERS[q.state ?? "open"]!,
        ...(q.severity ? { severity: q.severity as "warning" | "alarm" } : {}),
        ...(assets ? { assets } : {}),
        ...(q.site ? { site: q.site } : {}),
        ...(q.fault ? { fault: q.fault } : {}),
        ...(q.q ? { text: q.q } : {}),
        ...(q.from ? { raisedFromMs: time(q.from, "from")! } : {}),
        ...(q.to ? { raisedToMs: time(q.to, "to")! } : {}),
        ...(q.sort ? { sort: q.sort as (typeof AlarmSorts)[number] } : {}),
        ...(q.order ? { order: q.order as "asc" | "desc" } : {}),
        limit,
        offset: q.offset === undefined ? 0 : Number(q.offset),
        ...(q.after !== undefined ? { after: q.after } : {}),
      });
    },
  );

  app.get(
    "/api/v1/alarms/health",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["alarms"],
        summary:
          "Alarm-system health (EEMUA 191, ISA-18.2 §16.5): annunciations per operator (company) and turbine per 10 minutes, chattering and stale alarms, the top ten bad actors",
        description:
          "Over [from, to), default the last 24 hours; a period reaching past now counts up to now. A service company sees its own alarms; admin and the ministry all, or one `company`.",
        querystring: Type.Object(
          {
            company: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            asset: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            from: Type.Optional(Type.String({ format: "date-time" })),
            to: Type.Optional(Type.String({ format: "date-time" })),
          },
          { additionalProperties: false },
        ),
        response: { 200: AlarmHealthSchema, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const q = request.query;
      const mine = companiesOf(principalOf(request));
      // Another company's name answers like an unknown one: existence is not revealed.
      if (q.company && mine && !mine.includes(q.company))
        throw new ApiError("NOT_FOUND", `No company "${q.company}"`);
      if (q.company && !(await app.service.contracts.getCompany(q.company)))
        throw new ApiError("NOT_FOUND", `No company "${q.company}"`);
      const now = app.service.clock();
      const time = (text: string | undefined, key: string, fallback: number) => {
        if (text === undefined) return fallback;
        const ms = Date.parse(text);
        if (!Number.isFinite(ms))
          throw new ApiError("VALIDATION_FAILED", `querystring.${key}: not a date-time`);
        return ms;
      };
      const toMs = time(q.to, "to", now);
      const fromMs = time(q.from, "from", toMs - HEALTH_DEFAULT_MS);
      if (!(fromMs < toMs)) throw new ApiError("VALIDATION_FAILED", "querystring.from: must be before to");
      if (toMs - fromMs > HEALTH_MAX_MS)
        throw new ApiError("VALIDATION_FAILED", "querystring.from: the period may span at most 367 days");
      await evaluator.ensureFresh();
      const health = await book.health({
        ...(q.company ? { companies: [q.company] } : mine ? { companies: mine } : {}),
        ...(q.asset ? { assets: [q.asset] } : {}),
        fromMs,
        toMs,
        nowMs: now,
      });
      const names = new Map<string, string>();
      for (const c of health.companies)
        names.set(c.company, (await app.service.contracts.getCompany(c.company))?.name ?? c.company);
      return { ...health, companies: health.companies.map((c) => ({ ...c, name: names.get(c.company)! })) };
    },
  );

  app.get(
    "/api/v1/alarms/stream",
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ["alarms"],
        summary:
          "Live alarm changes as Server-Sent Events (`event: alarm`, data `{event, alarm}`); resumes after `Last-Event-ID`",
        response: {
          200: Type.String({ description: "text/event-stream" }),
        },
      },
    },
    async (request, reply) => {
      const scope = await scopeOf(request);
      const lastId = Number(request.headers["last-event-id"]);
      // The position first (a database away answers 503 here), so that once the client has its 200 the
      // stream is subscribed: an event committed after the answer's headers is never missed.
      const head = await book.lastEventId();
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        Connection: "keep-alive",
        "X-Accel-Buffering": "no", // no proxy buffering (nginx)
      });
      raw.write("retry: 3000\n\n");
      const sub: Subscriber = { raw, scope, after: 0 };
      let closed = false;
      // Revoking the token ends the stream at once (the client's reconnect then gets 401).
      const release = app.liveResponses.hold(request, () => {
        closed = true;
        subscribers.delete(sub);
        raw.end();
      });
      request.raw.on("close", () => {
        closed = true;
        release();
        subscribers.delete(sub);
        if (subscribers.size === 0) stopFeed();
      });
      // A reconnect gets what it missed (bounded), before the live events; a new stream starts now.
      sub.after =
        Number.isSafeInteger(lastId) && lastId >= 0
          ? Math.max(lastId, head - STREAM_RESUME_MAX_EVENTS)
          : head;
      if (closed) return;
      subscribers.add(sub);
      startFeed();
      void poll(); // a reconnect's backlog at once
    },
  );

  app.get(
    "/api/v1/alarms/:id",
    {
      config: { access: { roles: READERS } },
      schema: {
        tags: ["alarms"],
        summary: "One alarm (by id, or by key: the open occurrence) with its history",
        params: Type.Object({ id: Type.String() }),
        response: {
          200: Type.Object({ alarm: Type.Ref("Alarm"), events: Type.Array(Type.Ref("AlarmEvent")) }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const alarm = await load(request, request.params.id);
      return { alarm, events: await book.events({ alarm: alarm.id, limit: 5000 }) };
    },
  );

  const Comment = Type.String({ minLength: 1, maxLength: 2000 });

  /**
   * The options of an action on one alarm: by an admin or the alarm's company, answered with the
   * alarm as it stands after it.
   */
  const alarmAction = <B extends TSchema>(summary: string, body: B, errorStatuses: number[]) => ({
    config: { access: { roles: ACTORS } },
    schema: {
      tags: ["alarms"],
      summary,
      params: Type.Object({ id: Type.String() }),
      body,
      response: { 200: Type.Object({ alarm: Type.Ref("Alarm") }), ...errorResponses(...errorStatuses) },
    },
  });

  app.post(
    "/api/v1/alarms/:id/ack",
    alarmAction(
      "Acknowledge an alarm, optionally with a comment (admin or the alarm's company)",
      Type.Optional(
        Type.Union([
          Type.Object({ comment: Type.Optional(Comment) }, { additionalProperties: false }),
          Type.Null(),
        ]),
      ),
      [400, 404, 409],
    ),
    async (request) => {
      const alarm = await load(request, request.params.id);
      const comment = request.body?.comment ?? null;
      return { alarm: await book.acknowledge(alarm.id, actorOf(request), comment) };
    },
  );

  app.post(
    "/api/v1/alarms/:id/assign",
    alarmAction(
      "Assign an open alarm to a technician (null: unassign)",
      Type.Object(
        {
          assignee: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()]),
          comment: Type.Optional(Comment),
        },
        { additionalProperties: false },
      ),
      [400, 404, 409],
    ),
    async (request) => {
      const alarm = await load(request, request.params.id);
      const { assignee, comment } = request.body;
      return { alarm: await book.assign(alarm.id, assignee, actorOf(request), comment ?? null) };
    },
  );

  app.post(
    "/api/v1/alarms/:id/comment",
    alarmAction(
      "Add a note to an alarm's history",
      Type.Object({ comment: Comment }, { additionalProperties: false }),
      [400, 404],
    ),
    async (request) => {
      const alarm = await load(request, request.params.id);
      return { alarm: await book.comment(alarm.id, actorOf(request), request.body.comment) };
    },
  );

  // The live feed: one poller per replica while anyone listens; events written by this replica (and, on
  // PostgreSQL, by the others) wake it at once, and the poll finds what a lost announcement did not bring.
  // Each stream has its own position, so a reconnect catches up without a gap or a repeat; one poll at
  // a time reads the events after the lowest position and serves each stream what follows its own.
  const subscribers = new Set<Subscriber>();
  let poller: NodeJS.Timeout | null = null;
  let pinger: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;
  let polling: Promise<void> | null = null;
  let again = false;

  /**
   * A client that does not read (a stalled browser tab) would make the
   * server buffer without end: past the cap its stream is closed, and the
   * client's reconnect with Last-Event-ID gets what it missed.
   */
  function write(s: Subscriber, message: string): void {
    if (s.raw.writableLength > STREAM_MAX_BUFFERED_BYTES) {
      subscribers.delete(s);
      s.raw.end();
      return;
    }
    s.raw.write(message);
  }

  /** Serves one batch (every committed event after `from`, in order) to the streams positioned at or after `from`. */
  async function serve(from: number, events: AlarmEvent[]): Promise<void> {
    const alarmsById = await book.getMany([...new Set(events.map((e) => e.alarm))]);
    const ready = [...subscribers].filter((s) => s.after >= from);
    for (const event of events) {
      const message = `id: ${event.id}\nevent: alarm\ndata: ${JSON.stringify({ event, alarm: alarmsById.get(event.alarm) ?? null })}\n\n`;
      for (const s of ready) {
        if (event.id <= s.after) continue;
        if (inScope(s.scope, event)) write(s, message);
        s.after = event.id;
      }
    }
  }

  /** Serves every stream up to the newest event; one poll at a time, and one more if asked while it ran. */
  const poll = (): Promise<void> => {
    if (polling) {
      again = true;
      return polling;
    }
    polling = (async () => {
      try {
        do {
          again = false;
          while (subscribers.size > 0) {
            const from = Math.min(...[...subscribers].map((s) => s.after));
            const events = await book.events({ afterId: from, limit: 1000 });
            if (events.length === 0) break;
            await serve(from, events);
          }
        } while (again);
      } catch {
        // The metadata database away: the next poll serves what this one could not.
      } finally {
        polling = null;
      }
    })();
    return polling;
  };

  function startFeed(): void {
    if (poller) return;
    poller = setInterval(() => void poll(), STREAM_POLL_MS);
    pinger = setInterval(() => {
      for (const s of subscribers) write(s, ": ping\n\n");
    }, STREAM_PING_MS);
    unsubscribe = book.onChange(() => setImmediate(() => void poll()));
  }

  function stopFeed(): void {
    if (poller) clearInterval(poller);
    if (pinger) clearInterval(pinger);
    unsubscribe?.();
    poller = pinger = null;
    unsubscribe = null;
  }

  // Streams never end by themselves: close them first, or the server's close would wait for them.
  app.addHook("preClose", async () => {
    stopFeed();
    for (const s of subscribers) s.raw.end();
    subscribers.clear();
  });
};

export default alarms;
