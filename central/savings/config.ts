// The `savings` key of central's configuration: tariff and grid emission
// factor for money and CO2 of avoided energy, and contracted peaks for
// demand alarms. Defaults are placeholders the ministry must set.
import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

const TimeOfDayRate = Type.Object(
  {
    /** Local hour the rate starts, 0..23. */
    fromHour: Type.Integer({ minimum: 0, maximum: 23 }),
    /** Local hour the rate ends (exclusive), 1..24; a band may wrap midnight (fromHour > toHour). */
    toHour: Type.Integer({ minimum: 1, maximum: 24 }),
    rubPerKwh: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const SavingsConfigSchema = Type.Object(
  {
    tariff: Type.Object(
      {
        /**
         * Flat rate, RUB/kWh, for hours no time-of-day band covers. Default: a
         * placeholder of the order of regional non-residential tariffs; to be
         * set by the ministry.
         */
        rubPerKwh: Type.Number({ minimum: 0, default: 7 }),
        timeOfDay: Type.Array(TimeOfDayRate, { default: [] }),
      },
      { additionalProperties: false, default: {} },
    ),
    /**
     * Grid emission factor, kg CO2 per kWh. Default 0.35: the order of the
     * average grid factor of the Russian power system in the IEA "Emissions
     * Factors" database (about 0.3–0.4 kg/kWh in recent editions). A default
     * only — the ministry sets the factor it reports with.
     */
    emissionFactorKgCo2PerKwh: Type.Number({ minimum: 0, default: 0.35 }),
    /** Contracted peak demand per facility asset id, kW (for the demand alarm). */
    contractedPeakKw: Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 }), { default: {} }),
    /**
     * What the reports say about each facility (by asset id): its heated floor
     * area (energy per m² and the comparison with facilities of the same kind)
     * and the energy-saving measure whose effect is reported.
     */
    facilities: Type.Record(
      Type.String(),
      Type.Object(
        {
          floorAreaM2: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10_000_000 })),
          measure: Type.Optional(
            Type.Object(
              {
                /** When the measure took effect (a local date). */
                from: Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }),
                description: Type.Object(
                  {
                    ru: Type.String({ minLength: 1, maxLength: 500 }),
                    en: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
                  },
                  { additionalProperties: false },
                ),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
      { default: {} },
    ),
    /** Who signs the PDF report (position and name); without it, three blank rows: prepared, checked, approved. */
    signOff: Type.Array(
      Type.Object(
        {
          role: Type.Object(
            {
              ru: Type.String({ minLength: 1, maxLength: 120 }),
              en: Type.Optional(Type.String({ maxLength: 120 })),
            },
            { additionalProperties: false },
          ),
          name: Type.Optional(Type.String({ maxLength: 120 })),
        },
        { additionalProperties: false },
      ),
      { default: [], maxItems: 6 },
    ),
    /** Confidence level of the savings uncertainty. */
    confidence: Type.Number({ exclusiveMinimum: 0.5, exclusiveMaximum: 1, default: 0.9 }),
  },
  { additionalProperties: false, default: {} },
);

export type SavingsConfig = Static<typeof SavingsConfigSchema>;
export type FacilityInfoConfig = SavingsConfig["facilities"][string];

/** Defaults for callers without a central config (offline CLI, tests). */
export const defaultSavingsConfig = (): SavingsConfig =>
  Value.Default(SavingsConfigSchema, {}) as SavingsConfig;

/** Tariff of the local hour 0..23, RUB/kWh. */
export function rateAt(config: SavingsConfig["tariff"], localHour: number): number {
  for (const band of config.timeOfDay) {
    const inside =
      band.fromHour < band.toHour
        ? localHour >= band.fromHour && localHour < band.toHour
        : localHour >= band.fromHour || localHour < band.toHour;
    if (inside) return band.rubPerKwh;
  }
  return config.rubPerKwh;
}

/** Mean of the 24 hourly rates (for daily intervals). */
export const dailyMeanRate = (config: SavingsConfig["tariff"]): number =>
  Array.from({ length: 24 }, (_, h) => rateAt(config, h)).reduce((s, v) => s + v, 0) / 24;
