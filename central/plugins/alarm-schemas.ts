// The alarm and alarm-event shapes of the API (see ../maintenance/alarm-book.ts),
// shared by the plugins that return them.
import { Type } from "@sinclair/typebox";
import { AlarmEventKinds } from "../maintenance/alarm-book.ts";

const Time = Type.String({ format: "date-time" });
const TimeOrNull = Type.Union([Time, Type.Null()]);
const TextOrNull = Type.Union([Type.String(), Type.Null()]);
/** An ISO 10816 zone or null. Spelt out: a literal union mapped from IsoZones types as never. */
export const IsoZoneOrNull = Type.Union([
  Type.Literal("A"),
  Type.Literal("B"),
  Type.Literal("C"),
  Type.Literal("D"),
  Type.Null(),
]);
const SeveritySchema = Type.Union([Type.Literal("warning"), Type.Literal("alarm")]);

export const AlarmSchema = Type.Object(
  {
    id: Type.String({ description: "<asset>:<point>:<fault>:<occurrence>" }),
    asset: Type.String(),
    point: Type.String(),
    fault: Type.String(),
    severity: SeveritySchema,
    state: Type.Union([Type.Literal("active"), Type.Literal("acknowledged"), Type.Literal("cleared")]),
    since: Type.String({ format: "date-time", description: "when the condition began" }),
    key: Type.String({ description: "<asset>:<point>:<fault>: the same for every occurrence" }),
    occurrence: Type.Integer(),
    site: Type.String(),
    company: Type.String({ description: "the service company it is routed to" }),
    maxSeverity: SeveritySchema,
    raisedAt: Time,
    clearedAt: TimeOrNull,
    // null: facility alarms.
    isoZone: IsoZoneOrNull,
    acknowledgedBy: TextOrNull,
    acknowledgedAt: TimeOrNull,
    ackComment: TextOrNull,
    assignee: TextOrNull,
    assignedAt: TimeOrNull,
    responseDueAt: TimeOrNull,
    escalatedAt: TimeOrNull,
  },
  { $id: "Alarm" },
);

export const AlarmEventSchema = Type.Object(
  {
    id: Type.Integer(),
    alarm: Type.String(),
    asset: Type.String(),
    company: Type.String(),
    at: Time,
    kind: Type.Union(AlarmEventKinds.map((k) => Type.Literal(k))),
    actor: Type.String(),
    from: TextOrNull,
    to: TextOrNull,
    comment: TextOrNull,
  },
  { $id: "AlarmEvent" },
);

const HealthFigures = {
  annunciations: Type.Integer({ description: "alarms raised, and open ones rising to alarm" }),
  averagePer10Min: Type.Number(),
  peakPer10Min: Type.Integer({ description: "most annunciations in one 10-minute interval" }),
  peakAt: TimeOrNull,
  chattering: Type.Integer({ description: "conditions with ≥ 3 annunciations within 60 s" }),
  stale: Type.Integer({ description: "alarms open for more than 24 h at the period's end" }),
};
const Condition = {
  key: Type.String(),
  asset: Type.String(),
  point: Type.String(),
  fault: Type.String(),
  company: Type.String(),
};

export const AlarmHealthSchema = Type.Object({
  from: Time,
  to: Time,
  totals: Type.Object(HealthFigures),
  companies: Type.Array(
    Type.Object({ company: Type.String(), name: Type.Optional(Type.String()), ...HealthFigures }),
    { description: "per operator position: each service company's console" },
  ),
  assets: Type.Array(Type.Object({ asset: Type.String(), company: Type.String(), ...HealthFigures })),
  chattering: Type.Array(
    Type.Object({ ...Condition, annunciations: Type.Integer(), maxPerMinute: Type.Integer() }),
  ),
  stale: Type.Array(
    Type.Object({
      id: Type.String(),
      ...Condition,
      severity: SeveritySchema,
      state: Type.Union([Type.Literal("active"), Type.Literal("acknowledged"), Type.Literal("cleared")]),
      raisedAt: Time,
      openHours: Type.Number(),
    }),
  ),
  badActors: Type.Array(
    Type.Object({
      ...Condition,
      annunciations: Type.Integer(),
      events: Type.Integer(),
      sharePct: Type.Number(),
    }),
  ),
  targets: Type.Object(
    {
      averagePer10Min: Type.Number(),
      peakPer10Min: Type.Number(),
      chattering: Type.Number(),
      stale: Type.Number(),
    },
    { description: "EEMUA 191 Table 10 and ISA-18.2 §16.5 figures to read these against" },
  ),
});
