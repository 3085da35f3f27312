// GET /api/v1/savings/report (JSON, CSV or PDF) and the /reports page.
// Reports are for the ministry: admin and ministry tokens read them,
// service companies and agents get 403.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type Static, Type } from "@sinclair/typebox";
import type { CentralDeps } from "../deps.ts";
import { ApiError, errorResponses, parseTime, principalOf, sendFile } from "../http.ts";
import type { FleetIndex } from "../meta/fleet.ts";
import { withContexts } from "../savings/intensity.ts";
import { reportsPage } from "../savings/page.ts";
import { renderPdf } from "../savings/pdf.ts";
import {
  buildReport,
  defaultPeriods,
  type FacilityRef,
  jsonSafe,
  portfolioCsv,
  type SavingsReport,
} from "../savings/report.ts";
import { intervalsCsv } from "../savings/savings.ts";

const FACILITY_KINDS = new Set(["hospital", "clinic", "school"]);

/** The fleet's facilities (hospitals, clinics, schools) as a savings report takes them, each with its site's time zone. */
export const facilityRefs = (fleet: FleetIndex): FacilityRef[] =>
  fleet.assets
    .filter((a) => FACILITY_KINDS.has(a.kind))
    .map((a) => ({
      id: a.id,
      name: a.name,
      kind: a.kind,
      site: a.site,
      timezone: fleet.siteById.get(a.site)?.timezone ?? null,
    }));

const ReportQuery = Type.Object(
  {
    facility: Type.Optional(
      Type.String({ minLength: 1, description: "Facility asset id; without it, the portfolio" }),
    ),
    from: Type.Optional(
      Type.String({
        description: "Reporting period start (ISO 8601 with zone, or epoch ms); default 1 January",
      }),
    ),
    to: Type.Optional(Type.String({ description: "Reporting period end, exclusive; default now" })),
    baseline_from: Type.Optional(
      Type.String({ description: "Baseline start; default 365 days before baseline_to" }),
    ),
    baseline_to: Type.Optional(
      Type.String({ description: "Baseline end, exclusive; default the reporting start" }),
    ),
    format: Type.Union([Type.Literal("json"), Type.Literal("csv"), Type.Literal("pdf")], { default: "json" }),
    lang: Type.Union([Type.Literal("ru"), Type.Literal("en")], { default: "ru" }),
    model: Type.Union([Type.Literal("auto"), Type.Literal("daily"), Type.Literal("hourly")], {
      default: "auto",
    }),
  },
  { additionalProperties: false },
);

const Totals = Type.Object(
  {
    facilities: Type.Integer(),
    baseline_kwh: Type.Number(),
    actual_kwh: Type.Number(),
    avoided_kwh: Type.Number(),
    savings_pct: Type.Number(),
    uncertainty_kwh: Type.Number(),
    fsu_pct: Type.Union([Type.Number(), Type.Null()]),
    significant: Type.Boolean(),
    money_rub: Type.Number(),
    co2_kg: Type.Number(),
  },
  { additionalProperties: true },
);

const ReportSchema = Type.Object(
  {
    scope: Type.Union([Type.Literal("facility"), Type.Literal("portfolio")]),
    generated_at: Type.String(),
    baseline_from: Type.String(),
    baseline_to: Type.String(),
    reporting_from: Type.String(),
    reporting_to: Type.String(),
    facilities: Type.Array(Type.Object({ id: Type.String() }, { additionalProperties: true })),
    portfolio: Totals,
  },
  { additionalProperties: true },
);

const savings: FastifyPluginAsyncTypebox<CentralDeps> = async (app, { store, meta, config }) => {
  const time = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const ms = parseTime(text);
    if (ms === null) throw new ApiError("BAD_REQUEST", `${name}: expected ISO 8601 with a zone or epoch ms`);
    return ms;
  };

  app.get(
    "/api/v1/savings/report",
    {
      config: { access: { roles: ["admin", "ministry"] } },
      schema: {
        tags: ["savings"],
        summary:
          "Savings report of one facility or the portfolio (IPMVP Option C, ASHRAE Guideline 14), JSON, CSV or PDF",
        description:
          "CSV: for a facility one row per reporting interval `timestamp,actual_kwh,baseline_kwh`; for the portfolio one row per facility. PDF: Russian by default, `lang=en` for English.",
        querystring: ReportQuery,
        response: { 200: ReportSchema, ...errorResponses(400, 404, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role !== "admin" && principal.role !== "ministry") {
        throw new ApiError("FORBIDDEN", "Savings reports are for admin and ministry tokens");
      }
      const q = request.query;
      const all = facilityRefs(await meta.fleet.current());
      let facilities = all;
      if (q.facility !== undefined) {
        facilities = all.filter((f) => f.id === q.facility);
        if (facilities.length === 0) throw new ApiError("NOT_FOUND", `No facility "${q.facility}"`);
      }
      const nowMs = Date.now();
      const periods = defaultPeriods({
        fromMs: time("from", q.from),
        toMs: time("to", q.to),
        baselineFromMs: time("baseline_from", q.baseline_from),
        baselineToMs: time("baseline_to", q.baseline_to),
        nowMs,
        timeZone: config.timeZone,
      });
      if (periods.reportingToMs <= periods.reportingFromMs || periods.baselineToMs <= periods.baselineFromMs)
        throw new ApiError("BAD_REQUEST", "Each period must end after it starts");
      if (periods.baselineToMs > periods.reportingFromMs)
        throw new ApiError("BAD_REQUEST", "The baseline must end before the reporting period starts");
      if (periods.reportingToMs - periods.baselineFromMs > 5 * 366 * 86_400_000)
        throw new ApiError("BAD_REQUEST", "Baseline and reporting together may span at most five years");
      const r = await buildReport({
        store,
        facilities,
        scope: q.facility === undefined ? "portfolio" : "facility",
        periods,
        model: q.model,
        config: config.savings,
        nowMs,
      });
      if (r.kind === "retryable") throw new ApiError("STORE_UNAVAILABLE", r.message);
      if (r.kind === "failure") throw new ApiError("QUERY_FAILED", r.message);
      const report = withContexts(r.value, config.savings.facilities);
      const stem = `savings-${q.facility ?? "portfolio"}-${report.reporting_from.slice(0, 10)}_${report.reporting_to.slice(0, 10)}`;
      if (q.format === "csv") {
        const body =
          report.scope === "facility" ? intervalsCsv(report.facilities[0]!.intervals) : portfolioCsv(report);
        return sendFile(reply, { contentType: "text/csv; charset=utf-8", filename: `${stem}.csv`, body });
      }
      if (q.format === "pdf") {
        // The report names who asked for it; its dates and days are the region's (config timeZone).
        const principal = principalOf(request);
        const pdf = await renderPdf(report, q.lang, {
          generatedBy: principal.label ? `${principal.label} (${principal.role})` : principal.role,
          timeZone: config.timeZone,
          signOff: config.savings.signOff,
        });
        return sendFile(reply, { contentType: "application/pdf", filename: `${stem}.pdf`, body: pdf });
      }
      return jsonReport(report);
    },
  );

  app.get(
    "/reports",
    { config: { access: { public: true } }, schema: { hide: true } },
    async (_request, reply) =>
      reply
        .type("text/html; charset=utf-8")
        .header("Cache-Control", "no-store")
        .send(reportsPage({ timeZone: config.timeZone })),
  );
};

/** JSON body: intervals left out (the CSV carries them); a facility report also has its figures at the top. */
export function jsonReport(report: SavingsReport): Static<typeof ReportSchema> {
  // Copied key by key: reading `intervals` (even to leave it out by
  // destructuring) would make each facility's interval objects.
  const facilities = report.facilities.map((f) => {
    const out: { id: string; [key: string]: unknown } = { id: f.id };
    for (const key of Object.keys(f)) if (key !== "intervals") out[key] = f[key as keyof typeof f];
    return out;
  });
  const top = report.scope === "facility" && facilities[0] ? { ...facilities[0], id: undefined } : {};
  return jsonSafe({ ...top, ...report, facilities });
}

export default savings;
