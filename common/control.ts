// Control of a facility's points: the contract between central (which decides
// and keeps the history) and the edge agent (which holds schedules and limits,
// arbitrates by priority and writes to the device: the authority on safety).
//
// Arbitration follows BACnet's command priority array (ASHRAE 135, clause 19.2):
// the effective value is that of the highest-priority level holding the point;
// relinquishing a level lets the next one act; with no level, the point's
// relinquish default (`default`). Our levels, highest first:
//   safety > manual (a change made at the device) > operator > demand_limit > schedule > default.
//
// Central never opens a connection to an agent: the agent calls
// `POST /api/v1/control/agent/sync` over its authenticated channel (long poll),
// sending its declarations and reports, and receives the site's desired state
// (active operator commands, schedules, demand limits) whenever its revision
// moves past the one the agent holds.
import { type Static, Type } from "@sinclair/typebox";
import { closedObject, literals } from "./schema.ts";

export const ControlPriorities = [
  "safety",
  "manual",
  "operator",
  "demand_limit",
  "schedule",
  "default",
] as const;
export type ControlPriority = (typeof ControlPriorities)[number];
/** Rank of a level: lower is stronger (BACnet numbers its 16 levels the same way). */
export const priorityRank = (p: ControlPriority): number => ControlPriorities.indexOf(p);

export const CommandStates = [
  "requested",
  "delivered",
  "applied",
  "confirmed",
  "failed",
  "refused",
  "expired",
  "relinquished",
] as const;
export type CommandState = (typeof CommandStates)[number];
/** States after which a command changes no more. */
export const FINAL_COMMAND_STATES: readonly CommandState[] = ["failed", "refused", "expired", "relinquished"];

const Name = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z][a-z0-9_]{0,63}$" });
const Id = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" });
const Ms = Type.Integer({ minimum: 0 });
const HourMinute = Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$" });
const IsoDate = Type.String({ pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" });

/** A controllable point as the agent's config declares it (the agent is the authority on these limits). */
export const ControlPointDeclSchema = closedObject({
  asset: Id,
  point: Name,
  /** SI unit or "state" for an enumerated value (°C as "degC"). */
  unit: Type.String({ minLength: 1, maxLength: 16 }),
  min: Type.Number(),
  max: Type.Number(),
  /** For enumerated points: value → label (e.g. hvac_mode 0 off, 1 heat, 2 cool, 3 auto). */
  states: Type.Optional(Type.Record(Type.String({ pattern: "^-?[0-9]+$" }), Type.String({ maxLength: 32 }))),
  /** Largest change per minute the device accepts (wear, comfort, process limits). */
  maxRatePerMinute: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** Value written when control is lost or relinquished entirely. */
  failSafe: Type.Number(),
  /** Operating theatres, intensive care, vaccine fridges: never scheduled or shed; commands need override. */
  critical: Type.Boolean(),
});
export type ControlPointDecl = Static<typeof ControlPointDeclSchema>;

/** An operator command as central issues it and the agent receives it. */
export const ControlCommandSchema = closedObject({
  id: Id,
  asset: Id,
  point: Name,
  value: Type.Number(),
  /** Epoch ms; absent = until relinquished. */
  until: Type.Optional(Ms),
  reason: Type.String({ minLength: 1, maxLength: 500 }),
  /** Required to command a critical point. */
  override: Type.Optional(Type.Boolean()),
  requestedAt: Ms,
  requestedBy: Type.String({ maxLength: 128 }),
});
export type ControlCommand = Static<typeof ControlCommandSchema>;

export const ScheduleEntrySchema = closedObject({
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
    minItems: 1,
    maxItems: 7,
    uniqueItems: true,
  }),
  from: HourMinute,
  to: HourMinute,
  value: Type.Number(),
});
export type ScheduleEntry = Static<typeof ScheduleEntrySchema>;

/** A weekly schedule per point, in the facility's time zone, with exception periods (holidays, vacations). */
export const ScheduleSchema = closedObject({
  /** IANA zone the times are read in (e.g. Europe/Moscow). */
  timeZone: Type.String({ minLength: 1, maxLength: 64 }),
  template: Type.Optional(Type.String({ maxLength: 64 })),
  points: Type.Array(
    closedObject({
      point: Name,
      entries: Type.Array(ScheduleEntrySchema, { maxItems: 64 }),
      /** Value outside every entry (the setback). */
      otherwise: Type.Number(),
    }),
    { maxItems: 64 },
  ),
  /** Days (inclusive ranges) when the weekly entries do not apply: `otherwise` holds all day. */
  exceptions: Type.Array(
    closedObject({ from: IsoDate, to: IsoDate, name: Type.String({ maxLength: 200 }) }),
    { maxItems: 400 },
  ),
  /** Epoch ms the schedule takes effect (the measure date for M&V). */
  effectiveFrom: Type.Optional(Ms),
});
export type Schedule = Static<typeof ScheduleSchema>;

/** A facility's demand limit: shed non-critical loads in order, restore with hysteresis. */
export const DemandLimitSchema = closedObject({
  limitKw: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 }),
  /** The tariff's demand interval the forecast is made over. */
  intervalMinutes: Type.Union([Type.Literal(15), Type.Literal(30), Type.Literal(60)]),
  /** Restore a shed load only when the forecast falls below limit × (1 − restoreBelowFraction). */
  restoreBelowFraction: Type.Number({ minimum: 0, maximum: 0.5, default: 0.1 }),
  sheds: Type.Array(closedObject({ point: Name, shedValue: Type.Number() }), {
    maxItems: 32,
  }),
});
export type DemandLimit = Static<typeof DemandLimitSchema>;

/** What the agent tells central about a command. */
export const CommandReportSchema = closedObject({
  id: Id,
  state: literals(CommandStates),
  at: Ms,
  reason: Type.Optional(Type.String({ maxLength: 500 })),
  /** The value read back from the device, when there is one. */
  actual: Type.Optional(Type.Number()),
});
export type CommandReport = Static<typeof CommandReportSchema>;

/** A point's state as the agent last saw it. */
export const PointStateSchema = closedObject({
  asset: Id,
  point: Name,
  effective: closedObject({
    value: Type.Number(),
    holder: Type.String({ maxLength: 128 }),
    priority: literals(ControlPriorities),
  }),
  actual: Type.Optional(Type.Number()),
  at: Ms,
});
export type PointState = Static<typeof PointStateSchema>;

/** An event of the edge's control (schedule transition, shed, restore, manual override, write failure). */
export const ControlEventSchema = closedObject({
  asset: Id,
  point: Name,
  kind: literals([
    "transition",
    "shed",
    "restore",
    "manual_override",
    "write_failed",
    "refused",
    "interlock",
    "write_restored",
  ]),
  at: Ms,
  value: Type.Optional(Type.Number()),
  detail: Type.Optional(Type.String({ maxLength: 500 })),
});
export type ControlEvent = Static<typeof ControlEventSchema>;

/** POST /api/v1/control/agent/sync — the agent's half. */
export const AgentSyncRequestSchema = closedObject({
  /** The desired-state revision the agent holds (0 at first start). */
  revision: Type.Integer({ minimum: 0 }),
  /** How long central may hold the request open waiting for a newer revision. */
  waitMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 25_000 }),
  declarations: Type.Array(ControlPointDeclSchema, { maxItems: 1000 }),
  reports: Type.Array(CommandReportSchema, { maxItems: 10_000 }),
  states: Type.Array(PointStateSchema, { maxItems: 1000 }),
  events: Type.Array(ControlEventSchema, { maxItems: 10_000 }),
});
export type AgentSyncRequest = Static<typeof AgentSyncRequestSchema>;

/** …and central's answer: the site's whole desired state (level-triggered, so a lost answer loses nothing). */
export const AgentSyncResponseSchema = closedObject({
  revision: Type.Integer({ minimum: 0 }),
  /** The site's active operator commands; one the agent holds that is absent here was relinquished. */
  commands: Type.Array(ControlCommandSchema),
  schedules: Type.Record(Type.String(), ScheduleSchema),
  limits: Type.Record(Type.String(), DemandLimitSchema),
});
export type AgentSyncResponse = Static<typeof AgentSyncResponseSchema>;
