// The `comfort` section of central's config: the band of indoor air
// temperature each type of room must stay within while the facility is
// occupied, and which type each room is. Central raises the condition
// `comfort` (central/maintenance/comfort.ts) when a room leaves its band during
// the occupied hours of its facility's schedule: a setback that saves
// energy must not cost the children or the patients their comfort.
//
// The default bands are the admissible air temperatures of the sanitary
// norms, SanPiN 1.2.3685-21 ("Hygienic standards and requirements for the
// safety of environmental factors for humans", in force since 1 March 2021):
// - table 5.34 (educational organisations): classrooms, laboratories,
//   assembly hall, library, canteen 18–24 °C; sports hall and workshops
//   17–20 °C;
// - table 5.30 (medical organisations, by room and cleanliness class):
//   wards for adults (class В) 20–26 °C; post-operative and intensive care
//   wards (class А) 21–24 °C.
// A clinic's consulting rooms take the wards' 20–26 °C here (the table
// lists them by cleanliness class: check the class of the rooms watched).
import { type Static, Type } from "@sinclair/typebox";

const RoomType = Type.String({ minLength: 1, maxLength: 64, pattern: "^[a-z][a-z0-9_]{0,63}$" });

const BandSchema = Type.Object(
  {
    minC: Type.Number({ minimum: -50, maximum: 60, description: "Lowest admissible air temperature, °C." }),
    maxC: Type.Number({ minimum: -50, maximum: 60, description: "Highest admissible air temperature, °C." }),
  },
  { additionalProperties: false },
);

export const DEFAULT_COMFORT_BANDS: Readonly<Record<string, { minC: number; maxC: number }>> = {
  /** SanPiN 1.2.3685-21 table 5.34: учебные помещения, кабинеты, лаборатории. */
  classroom: { minC: 18, maxC: 24 },
  /** Table 5.34: спортивный зал, мастерские. */
  sports_hall: { minC: 17, maxC: 20 },
  /** Table 5.30: палаты для взрослых больных (class В). */
  ward: { minC: 20, maxC: 26 },
  /** Table 5.30: послеоперационные палаты, палаты интенсивной терапии (class А). */
  intensive_care: { minC: 21, maxC: 24 },
  /** A clinic's consulting rooms: the wards' band of table 5.30. */
  consulting_room: { minC: 20, maxC: 26 },
};

export const ComfortConfigSchema = Type.Object(
  {
    bands: Type.Record(RoomType, BandSchema, {
      default: DEFAULT_COMFORT_BANDS,
      description:
        "Admissible indoor air temperature by room type (SanPiN 1.2.3685-21 tables 5.30 and 5.34 by default); the types given are added to the defaults or replace them.",
    }),
    roomTypeOfKind: Type.Object(
      { school: RoomType, clinic: RoomType, hospital: RoomType },
      {
        additionalProperties: false,
        default: { school: "classroom", clinic: "consulting_room", hospital: "ward" },
        description: "The room type of a facility's rooms that `rooms` does not name.",
      },
    ),
    rooms: Type.Array(
      Type.Object(
        {
          asset: Type.String({ minLength: 1 }),
          /** The `point` tag of the room's indoor temperature; absent: the reading without one. */
          point: Type.Optional(Type.String({ minLength: 1 })),
          roomType: RoomType,
        },
        { additionalProperties: false },
      ),
      { default: [], description: "Rooms of another type than their facility kind's." },
    ),
    /** Out of band by this many kelvin or more: `alarm` (less: `warning`). */
    alarmBeyondK: Type.Number({ exclusiveMinimum: 0, maximum: 20, default: 2 }),
    /** A reading older than this is not judged (the sensor or its link is down, not the room). */
    staleAfterMs: Type.Integer({ minimum: 1000, default: 900_000 }),
  },
  {
    additionalProperties: false,
    default: {},
    description: "Comfort watched in facilities: the `comfort` alarm (docs/control.md).",
  },
);
export type ComfortConfig = Static<typeof ComfortConfigSchema>;

/** What the schema cannot say: bands that are bands, room types that exist, assets that are facilities. */
export function comfortConfigError(c: ComfortConfig, facilityIds: ReadonlySet<string>): string | null {
  for (const [type, band] of Object.entries(c.bands))
    if (!(band.minC < band.maxC))
      return `comfort.bands.${type}.maxC: must be above minC (${band.minC}), got ${band.maxC}`;
  for (const [kind, type] of Object.entries(c.roomTypeOfKind))
    if (!Object.hasOwn(c.bands, type))
      return `comfort.roomTypeOfKind.${kind}: no band for room type "${type}" in comfort.bands`;
  for (const [i, r] of c.rooms.entries()) {
    if (!Object.hasOwn(c.bands, r.roomType))
      return `comfort.rooms[${i}].roomType: no band for room type "${r.roomType}" in comfort.bands`;
    if (!facilityIds.has(r.asset))
      return `comfort.rooms[${i}].asset: "${r.asset}" is not a facility asset (hospital, clinic or school)`;
  }
  return null;
}
