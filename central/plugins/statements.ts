// The monthly statement of a company as data: JSON (amounts in integer
// kopecks, central/documents/statement.ts) and CSV (decimal roubles), priced
// from the contract terms at the time of the request and not registered.
// Its PDF is the statement the region issues into the register
// (POST /api/v1/documents/issue, then GET /api/v1/documents/:id), the one
// that is signed. The region and the company itself read it.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { CentralDeps } from "../deps.ts";
import { statementCsv } from "../documents/statement.ts";
import { ApiError, errorResponses, principalOf, sendFile } from "../http.ts";
import { checkCompany } from "./service.ts";
import { previousMonth } from "./work-orders.ts";

const statements: FastifyPluginAsyncTypebox<CentralDeps> = async (app) => {
  const { contracts, clock } = app.service;
  app.get(
    "/api/v1/statements",
    {
      config: { access: { roles: ["admin", "service_company"] } },
      schema: {
        tags: ["documents"],
        summary:
          "A company's monthly statement as data: monitored turbine-days × fee, SLA credits with the alarms that earned them, totals with VAT (JSON in kopecks, or CSV in roubles)",
        description:
          "Priced now and not registered; the signed PDF is the statement issued into the register. Admin names the `company`; a service company gets its own (another company's is 404). Month in the company's time zone; default the previous month.",
        querystring: Type.Object(
          {
            company: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_.:-]{1,128}$" })),
            month: Type.Optional(
              Type.String({ pattern: "^\\d{4}-(0[1-9]|1[0-2])$", description: "YYYY-MM" }),
            ),
            format: Type.Union([Type.Literal("json"), Type.Literal("csv")], { default: "json" }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Unknown({ description: "The statement (JSON) or its CSV" }),
          ...errorResponses(400, 404, 409, 503),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const q = request.query;
      const id = q.company ?? (principal.role === "service_company" ? principal.tenant : null);
      if (!id) throw new ApiError("VALIDATION_FAILED", "querystring.company: required for admin");
      checkCompany(request, id);
      const company = await contracts.getCompany(id);
      if (!company) throw new ApiError("NOT_FOUND", `No company "${id}"`);
      const month = q.month ?? previousMonth(clock(), company.timezone);
      const statement = await app.documents.statement(
        company.id,
        month,
        principal.label || `${principal.role}#${principal.tokenId}`,
      );
      if (q.format === "csv")
        return sendFile(reply, {
          contentType: "text/csv; charset=utf-8",
          filename: `statement-${company.id}-${month}.csv`,
          body: statementCsv(statement),
        });
      return statement;
    },
  );
};

export default statements;
