// The `control` section of the agent's config: which points the agent may
// write, their limits and where they live. Control is off unless a point is
// declared here; the agent enforces these limits whatever central sends
// (the edge is the authority on safety). Wired into config.ts, which
// validates once where the config enters and names the key path of an error.
import { type Static, Type } from "@sinclair/typebox";
import type { WriteTarget } from "../sources/write-target.ts";

export * from "../sources/write-target.ts";

const Name = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z][a-z0-9_]{0,63}$" });
const Id = Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_.:-]+$" });

export const ControlPointConfigSchema = Type.Object(
  {
    asset: {
      ...Id,
      description: "Asset the point belongs to (as central knows it).",
      examples: ["school-17"],
    },
    point: { ...Name, description: "Name of the point.", examples: ["heating_setpoint_c"] },
    unit: Type.String({
      minLength: 1,
      maxLength: 16,
      description: "SI unit, or `state` for an enumerated value.",
      examples: ["degC"],
    }),
    min: Type.Number({ description: "Lowest value the agent writes; commands below are refused." }),
    max: Type.Number({ description: "Highest value the agent writes; commands above are refused." }),
    states: Type.Optional(
      Type.Record(Type.String({ pattern: "^-?[0-9]+$" }), Type.String({ minLength: 1, maxLength: 32 }), {
        description: "Enumerated points: value → label; only these values are accepted.",
        examples: [{ "0": "off", "1": "heat", "2": "cool", "3": "auto" }],
      }),
    ),
    maxRatePerMinute: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          "Largest change written per minute, unit/min (ramps); required unless `states` is given.",
      }),
    ),
    failSafe: Type.Number({
      description: "Written when no level holds the point (BACnet's relinquish default).",
    }),
    critical: Type.Boolean({
      description:
        "Operating theatres, intensive care, vaccine fridges: never scheduled or shed; commands need `override`.",
    }),
    minWriteIntervalMs: Type.Integer({
      minimum: 100,
      default: 5000,
      description: "At most one write per this many ms (device memories wear out).",
    }),
    tolerance: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          "A read-back this close to the written value confirms it; default half a raw step (1e-4 relative for float32).",
      }),
    ),
    manualHoldMinutes: Type.Optional(
      Type.Number({
        minimum: 0,
        description: "How long a change made at the device is held; default `control.manualHoldMinutes`.",
      }),
    ),
    write: Type.Unknown({
      description: "Where the point lives: a Modbus or OPC UA target (tables below).",
    }),
  },
  { additionalProperties: false },
);
export type ControlPointConfig = Omit<Static<typeof ControlPointConfigSchema>, "write"> & {
  write: WriteTarget;
};

/**
 * An interlock: when an acquired value crosses a threshold, a point is
 * forced to a value at the `safety` level, above every other (frost
 * protection, a fire damper, a chiller's high-pressure trip). Evaluated at
 * every tick on the newest value the sources delivered; when the condition
 * is gone (past the threshold by `deadband`) the level is relinquished and
 * the next level acts again.
 */
export const InterlockSchema = Type.Object(
  {
    id: {
      ...Name,
      description: "Name of the interlock (events, the holder `safety:<id>`).",
      examples: ["frost_protection"],
    },
    when: Type.Object(
      {
        asset: { ...Id, description: "Asset of the value watched.", examples: ["school-17"] },
        measurement: Type.String({
          minLength: 1,
          description: "Measurement a source stores the value in (common/names.ts).",
          examples: ["scada"],
        }),
        field: { ...Name, description: "Field of that measurement.", examples: ["indoor_temp_c"] },
        point: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 128,
            description: "The value's `point` tag, when it has one.",
          }),
        ),
        above: Type.Optional(Type.Number({ description: "Acts while the value is above this." })),
        below: Type.Optional(Type.Number({ description: "Acts while the value is below this." })),
        equals: Type.Optional(
          Type.Number({ description: "Acts while the value equals this (a digital input)." }),
        ),
        deadband: Type.Number({
          minimum: 0,
          default: 0,
          description:
            "With `above`/`below`: released only once the value is back past the threshold by this much (no chatter).",
        }),
      },
      {
        additionalProperties: false,
        description: "The condition: exactly one of `above`, `below`, `equals`.",
      },
    ),
    force: Type.Object(
      {
        asset: { ...Id, description: "Asset of the point forced." },
        point: { ...Name, description: "A point of `control.points`." },
        value: Type.Number({ description: "Value held at the `safety` level while the condition lasts." }),
      },
      {
        additionalProperties: false,
        description: "What the interlock does while its condition holds: the point it forces and the value.",
      },
    ),
  },
  { additionalProperties: false },
);
export type InterlockConfig = Static<typeof InterlockSchema>;

export const ControlConfigSchema = Type.Object(
  {
    points: Type.Array(ControlPointConfigSchema, {
      default: [],
      maxItems: 1000,
      description: "Writable points; control is off unless a point is declared here.",
    }),
    interlocks: Type.Array(InterlockSchema, {
      default: [],
      maxItems: 100,
      description:
        "Safety interlocks, evaluated every tick; strongest level (`safety`). The first active one naming a point holds it.",
    }),
    tickMs: Type.Integer({
      minimum: 100,
      default: 1000,
      description: "How often priorities, schedules and demand limiting are evaluated, ms.",
    }),
    readBackIntervalMs: Type.Integer({
      minimum: 500,
      default: 10_000,
      description: "How often each point is read back to notice changes made at the device, ms.",
    }),
    manualHoldMinutes: Type.Number({
      minimum: 0,
      default: 60,
      description: "How long a change made at the device is held (level `manual`), minutes; 0: not held.",
    }),
    syncWaitMs: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      default: 25_000,
      description: "How long central may hold a sync request open (long poll), ms.",
    }),
    syncIntervalMs: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      default: 1000,
      description:
        "How often the control state file is synced to disk, ms. Each change reaches the operating system at once (a killed agent loses nothing) and the disk within this time, synced off the event loop; a power cut loses at most the last interval, which the agent makes good on restart (a write it lost the record of is recognised, lost reports are sent again). 0: every change is synced before the agent goes on (a few ms per command, on the event loop).",
    }),
    stateFile: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "SQLite file of the desired state and undelivered reports; default `<queue.dir>/control.sqlite`.",
      }),
    ),
    timeZone: Type.String({
      minLength: 1,
      default: "Europe/Moscow",
      description: "IANA time zone of the facility, used when a schedule names none.",
    }),
    demand: Type.Optional(
      Type.Object(
        {
          asset: { ...Id, description: "Asset whose `meter` power is forecast (the facility's main meter)." },
          field: Type.String({ default: "power_kw", description: "Field of the `meter` measurement, kW." }),
          stepMs: Type.Integer({
            minimum: 1000,
            default: 60_000,
            description:
              "Least time between two shed/restore steps, ms (each step's effect is metered first).",
          }),
        },
        {
          additionalProperties: false,
          description: "Demand limiting: the meter forecast over the tariff interval.",
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: "Control of writable points (docs/control.md); off unless `points` declares some.",
  },
);
export type ControlConfig = Omit<Static<typeof ControlConfigSchema>, "points"> & {
  points: ControlPointConfig[];
};
