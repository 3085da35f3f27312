// The condition part of the monthly service report as the API shows it
// (see ../maintenance/service-condition.ts and ../maintenance/advisory.ts).
import { Type } from "@sinclair/typebox";

const Time = Type.String({ format: "date-time" });
const Zone = Type.Union([
  Type.Literal("A"),
  Type.Literal("B"),
  Type.Literal("C"),
  Type.Literal("D"),
  Type.Null(),
]);
const NumberOrNull = Type.Union([Type.Number(), Type.Null()]);

export const AdviceSchema = Type.Object({
  code: Type.String({ description: "a stable name of the action" }),
  // Spelt out (advisory.ts Urgencies): a literal union mapped from the list types as never.
  urgency: Type.Union([
    Type.Literal("immediate"),
    Type.Literal("urgent"),
    Type.Literal("soon"),
    Type.Literal("planned"),
    Type.Literal("routine"),
  ]),
  withinDays: Type.Union([Type.Integer(), Type.Null()]),
  ru: Type.String(),
  en: Type.String(),
});

export const AssetConditionSchema = Type.Union([
  Type.Object({
    condition: Type.Union([
      Type.Literal("alarm"),
      Type.Literal("warning"),
      Type.Literal("normal"),
      Type.Literal("unknown"),
    ]),
    points: Type.Array(
      Type.Object({
        point: Type.String(),
        component: Type.Union([Type.String(), Type.Null()]),
        isoZone: Zone,
        vRmsMmS: NumberOrNull,
      }),
    ),
    diagnoses: Type.Array(
      Type.Object({
        alarm: Type.String(),
        fault: Type.String(),
        point: Type.String(),
        severity: Type.Union([Type.Literal("warning"), Type.Literal("alarm")]),
        state: Type.String(),
        since: Time,
        evidence: Type.Union([
          Type.Object({
            confidence: Type.Optional(Type.Number()),
            frequencyHz: Type.Optional(Type.Number()),
            amplitude: Type.Optional(Type.Number()),
            snrDb: Type.Optional(Type.Number()),
            harmonics: Type.Optional(Type.Number()),
            isoZone: Type.Optional(Zone),
            vRmsMmS: Type.Optional(Type.Number()),
            boundaryMmS: Type.Optional(Type.Number()),
          }),
          Type.Null(),
        ]),
        advice: AdviceSchema,
      }),
    ),
    worstPoint: Type.Union([
      Type.Object({
        point: Type.String(),
        component: Type.Union([Type.String(), Type.Null()]),
        boundaries: Type.Union([Type.Object({ bc: Type.Number(), cd: Type.Number() }), Type.Null()]),
        maxVRmsMmS: Type.Number(),
        everyMs: Type.Integer(),
        points: Type.Array(Type.Object({ ts: Type.Number(), mean: Type.Number(), max: Type.Number() })),
      }),
      Type.Null(),
    ]),
    recommendation: AdviceSchema,
  }),
  Type.Null(),
]);
