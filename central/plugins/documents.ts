// The document register and flow (central/documents/): the list, the file,
// its signatures (detached CMS, DER) and their verification, and the
// region's issue, each party's sign / countersign / reject. Who sees what:
// admin (the region) everything; a service company the documents it is a
// party to (anything else is 404); the ministry the savings reports.
// Changes are audited by the admin plugin's hook and, with the transition,
// by the document service.
import { readFileSync } from "node:fs";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { CentralDeps } from "../deps.ts";
import { pemBlocks } from "../documents/cms.ts";
import { DbDocumentRepository } from "../documents/db-repository.ts";
import {
  DocumentStatuses,
  type DocumentType,
  DocumentTypes,
  type RegisterEntry,
} from "../documents/register.ts";
import type { DocumentFilter, StoredSignature } from "../documents/repository.ts";
import { type Actor, DocumentService } from "../documents/service.ts";
import { openSigner, type Signer, SignerError } from "../documents/signers.ts";

import { ApiError, errorResponses, pageLimit, parseTime, principalOf, sendFile } from "../http.ts";
import { WorkOrders } from "../maintenance/work-orders.ts";
import type { Principal } from "../meta/meta.ts";
import { renderPdf } from "../savings/pdf.ts";
import { buildReport, defaultPeriods, type FacilityRef } from "../savings/report.ts";
import { facilityRefs } from "./savings.ts";

declare module "fastify" {
  interface FastifyInstance {
    documents: DocumentService;
  }
}

/** Loose on purpose: an id that is no register id is a 404 like an unknown one (nothing about ids is revealed). */
const DocId = Type.String({ minLength: 1, maxLength: 64, description: "DOC-<n>" });
const Lit = <T extends string>(values: readonly T[]) =>
  Type.Unsafe<T>(Type.Union(values.map((v) => Type.Literal(v))));

const DocumentSchema = Type.Object(
  {
    id: Type.String(),
    seq: Type.Integer(),
    type: Lit(DocumentTypes),
    mediaType: Type.String(),
    fileName: Type.String(),
    period: Type.String(),
    parties: Type.Array(Type.Object({ role: Type.String(), org: Type.String(), name: Type.String() })),
    sha256: Type.String(),
    sizeBytes: Type.Integer(),
    issuedAt: Type.String({ format: "date-time" }),
    issuedBy: Type.String(),
    firstSigner: Type.String(),
    countersigner: Type.Union([Type.String(), Type.Null()]),
    status: Lit(DocumentStatuses),
    statusReason: Type.Union([Type.String(), Type.Null()]),
    prevHash: Type.String(),
    entryHash: Type.String(),
    subject: Type.String(),
    updatedAt: Type.String({ format: "date-time" }),
  },
  { $id: "Document" },
);

const SignatureSchema = Type.Object({
  n: Type.Integer(),
  org: Type.String(),
  kind: Type.Union([Type.Literal("sign"), Type.Literal("countersign")]),
  signer: Type.String(),
  signedAt: Type.String({ format: "date-time" }),
  certificateSha256: Type.String(),
  p7s: Type.String({ description: "detached CMS over the document's bytes, DER, base64" }),
  url: Type.String({ description: "the .p7s as a file" }),
});

const VerifySchema = Type.Object(
  {
    valid: Type.Boolean(),
    code: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
    signers: Type.Array(Type.Unknown()),
  },
  { additionalProperties: true },
);

const DOCUMENTS_PAGE = pageLimit({ max: 1000, default: 200 });

const SMALL_BODY = 16 * 1024;

/** A signature as the API shows it (SignatureSchema): the CMS in base64 and where to download it. */
const signatureView = (documentId: string, s: StoredSignature) => ({
  n: s.n,
  org: s.org,
  kind: s.kind,
  signer: s.signer,
  signedAt: s.signedAt,
  certificateSha256: s.certificateSha256,
  p7s: s.p7s.toString("base64"),
  url: `/api/v1/documents/${documentId}/signatures/${s.n}`,
});

/** The organisation a principal acts for: the region for admin, its company for a service company. */
const orgOf = (p: Principal, region: string): string | null =>
  p.role === "admin" ? region : p.role === "service_company" ? p.tenant : null;

const actorOf = (p: Principal, region: string): Actor => {
  const org = orgOf(p, region);
  if (!org) throw new ApiError("FORBIDDEN", `A ${p.role} token acts for no organisation`);
  return { org, label: p.label || `${p.role}#${p.tokenId}`, tokenId: p.tokenId, role: p.role };
};

const documents: FastifyPluginAsyncTypebox<CentralDeps> = async (app, deps) => {
  const { meta, store, config } = deps;
  const { book, contracts, clock } = app.service;
  const docsConfig = config.documents;
  const signers = new Map<string, Signer>();
  for (const [org, sc] of Object.entries(docsConfig.signers)) {
    try {
      signers.set(org, await openSigner(sc));
    } catch (error) {
      const why = error instanceof SignerError ? error.message : String(error);
      throw new Error(`documents.signers.${org}: ${why}`);
    }
  }
  const trustAnchors = docsConfig.trustAnchors.flatMap((file, i) => {
    try {
      const found = pemBlocks(readFileSync(file, "utf8"), "CERTIFICATE");
      if (found.length === 0) throw new Error("no PEM certificate in it");
      return found;
    } catch (error) {
      throw new Error(`documents.trustAnchors[${i}]: ${file}: ${(error as Error).message}`);
    }
  });
  const repo = await DbDocumentRepository.open(meta.db);
  const service = new DocumentService({
    repo,
    meta,
    store,
    book,
    contracts,
    workOrders: new WorkOrders(meta.db, clock),
    config: docsConfig,
    signers,
    trustAnchors,
    clock,
  });
  app.decorate("documents", service);
  app.addSchema(DocumentSchema);

  /** What a principal may list: admin all, a company its own, the ministry the savings reports. */
  const scope = (p: Principal): Pick<DocumentFilter, "org" | "types"> => {
    if (p.role === "admin") return {};
    if (p.role === "ministry") return { types: ["savings_report"] };
    if (p.role === "service_company" && p.tenant) return { org: p.tenant };
    return { types: [] };
  };

  const visible = async (request: FastifyRequest, id: string): Promise<RegisterEntry> => {
    const p = principalOf(request);
    const e = /^DOC-[0-9]{6,12}$/.test(id) ? await repo.get(id) : null;
    const s = scope(p);
    const ok =
      e !== null &&
      (s.types === undefined || s.types.includes(e.type)) &&
      (s.org === undefined || e.parties.some((x) => x.org === s.org));
    if (!e || !ok) throw new ApiError("NOT_FOUND", `No document "${id}"`);
    return e;
  };

  const Params = Type.Object({ id: DocId });

  app.get(
    "/api/v1/documents",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["documents"],
        summary: "The register of issued documents the caller may see, newest first",
        querystring: Type.Object(
          {
            type: Type.Optional(Lit(DocumentTypes)),
            status: Type.Optional(Lit(DocumentStatuses)),
            period: Type.Optional(Type.String({ pattern: "^[0-9]{4}-[0-9]{2}([0-9/-]{0,30})$" })),
            company: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_.:-]{1,128}$" })),
            limit: DOCUMENTS_PAGE.query,
            offset: Type.Optional(Type.String({ pattern: "^[0-9]{1,9}$" })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            documents: Type.Array(Type.Ref("Document")),
            total: Type.Integer(),
            actingFor: Type.Union([Type.String(), Type.Null()], {
              description:
                "The organisation the caller signs and rejects for (the region for admin, its company for a service company; null for the ministry): a document's turn is its firstSigner while issued, its countersigner once signed",
            }),
          }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query;
      const limit = DOCUMENTS_PAGE.of(q.limit);
      const s = scope(p);
      const actingFor = orgOf(p, service.region);
      if (q.company !== undefined && s.org !== undefined && q.company !== s.org)
        return { documents: [], total: 0, actingFor };
      const filter: DocumentFilter = {
        limit,
        offset: Number(q.offset ?? "0"),
        ...s,
        ...(q.company !== undefined && s.org === undefined ? { org: q.company } : {}),
        ...(q.type !== undefined ? { type: q.type as DocumentType } : {}),
        ...(q.status !== undefined ? { status: q.status as DocumentFilter["status"] } : {}),
        ...(q.period !== undefined ? { period: q.period } : {}),
      };
      return { ...(await repo.list(filter)), actingFor };
    },
  );

  app.get(
    "/api/v1/documents/:id",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["documents"],
        summary:
          "The document's file, exactly the registered bytes (or, with `signed=pdf`, the PDF with its embedded signatures)",
        description:
          "The registered bytes hash to the entry's sha256; every .p7s signs them. `signed=pdf`: the newest PAdES version (the registered bytes are its prefix).",
        params: Params,
        querystring: Type.Object(
          { signed: Type.Optional(Type.Literal("pdf")) },
          { additionalProperties: false },
        ),
        response: { ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const e = await visible(request, request.params.id);
      let bytes = await repo.file(e.id);
      let name = e.fileName;
      if (request.query.signed === "pdf") {
        const signed = (await repo.signatures(e.id)).at(-1)?.signedPdf ?? null;
        if (!signed) throw new ApiError("NOT_FOUND", `${e.id} has no signed PDF yet`);
        bytes = signed;
        name = e.fileName.replace(/\.pdf$/, ".signed.pdf");
      }
      if (!bytes) throw new ApiError("NOT_FOUND", `No file of "${e.id}"`);
      reply.header("X-Vetra-Document-SHA256", e.sha256).header("Cache-Control", "private, no-store");
      return sendFile(reply, { contentType: e.mediaType, filename: name, body: bytes });
    },
  );

  app.get(
    "/api/v1/documents/:id/signatures",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["documents"],
        summary:
          "The document's signatures: detached CMS (.p7s, DER, base64), first signer then countersigner",
        params: Params,
        response: {
          200: Type.Object({ signatures: Type.Array(SignatureSchema) }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const e = await visible(request, request.params.id);
      return {
        signatures: (await repo.signatures(e.id)).map((s) => signatureView(e.id, s)),
      };
    },
  );

  app.get(
    "/api/v1/documents/:id/signatures/:n",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["documents"],
        summary: "One signature as a .p7s file (application/pkcs7-signature, DER)",
        params: Type.Object({ id: DocId, n: Type.String({ minLength: 1, maxLength: 8 }) }),
        response: { ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const e = await visible(request, request.params.id);
      const s = (await repo.signatures(e.id)).find((x) => x.n === Number(request.params.n));
      if (!s) throw new ApiError("NOT_FOUND", `${e.id} has no signature ${request.params.n}`);
      return sendFile(reply, {
        contentType: "application/pkcs7-signature",
        filename: `${e.fileName}.${s.n}.p7s`,
        body: s.p7s,
      });
    },
  );

  app.get(
    "/api/v1/documents/:id/verification",
    {
      config: { access: { roles: ["admin", "ministry", "service_company"] } },
      schema: {
        tags: ["documents"],
        summary:
          "Central's verification of the document's signatures (detached and embedded) against the trust anchors",
        params: Params,
        response: {
          200: Type.Object({ detached: Type.Array(VerifySchema), embedded: Type.Array(VerifySchema) }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const e = await visible(request, request.params.id);
      return service.verify(e.id);
    },
  );

  app.get(
    "/api/v1/documents/register/verification",
    {
      config: { access: { roles: ["admin"] } },
      schema: {
        tags: ["documents"],
        summary: "Checks the register's hash chain and every file against its SHA-256 (admin)",
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            entries: Type.Integer(),
            head: Type.String(),
            problems: Type.Array(
              Type.Object({
                seq: Type.Integer(),
                id: Type.Union([Type.String(), Type.Null()]),
                problem: Type.String(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      if (principalOf(request).role !== "admin")
        throw new ApiError("FORBIDDEN", "The register check is for admin");
      return service.verifyRegister();
    },
  );

  app.post(
    "/api/v1/documents/issue",
    {
      config: { access: { roles: ["admin"] } },
      bodyLimit: SMALL_BODY,
      schema: {
        tags: ["documents"],
        summary:
          "Issue documents (admin: the region): a company's month, a work order's completion act, or the savings reports",
        description:
          '`{kind: "month", company, month}`: the monthly service report, statement, act of services, invoice and a completion act per work order done in the month. `{kind: "completion_act", workOrder}`. `{kind: "savings", from?, to?}`: a savings report per facility and the portfolio report resting on them. A document of the same subject that is not rejected is returned, not issued again.',
        body: Type.Union([
          Type.Object(
            {
              kind: Type.Literal("month"),
              company: Type.String({ pattern: "^[A-Za-z0-9_.:-]{1,128}$" }),
              month: Type.String({ pattern: "^\\d{4}-(0[1-9]|1[0-2])$" }),
            },
            { additionalProperties: false },
          ),
          Type.Object(
            { kind: Type.Literal("completion_act"), workOrder: Type.String({ pattern: "^WO-[0-9]{1,12}$" }) },
            { additionalProperties: false },
          ),
          Type.Object(
            {
              kind: Type.Literal("savings"),
              from: Type.Optional(Type.String({ maxLength: 40 })),
              to: Type.Optional(Type.String({ maxLength: 40 })),
            },
            { additionalProperties: false },
          ),
        ]),
        response: {
          201: Type.Object({ documents: Type.Array(Type.Ref("Document")) }),
          ...errorResponses(400, 404, 409, 503),
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      if (p.role !== "admin") throw new ApiError("FORBIDDEN", "Only the region (admin) issues documents");
      const actor = actorOf(p, service.region);
      const b = request.body;
      let out: RegisterEntry[];
      if (b.kind === "month") out = await service.issueMonth(b.company, b.month, actor);
      else if (b.kind === "completion_act") out = [await service.issueCompletionAct(b.workOrder, actor)];
      else out = await issueSavings(b.from, b.to, actor);
      reply.code(201);
      return { documents: out };
    },
  );

  /** A savings report per facility, then the portfolio report naming their register ids and hashes. */
  const issueSavings = async (from: string | undefined, to: string | undefined, actor: Actor) => {
    const time = (name: string, text: string | undefined) => {
      if (text === undefined) return undefined;
      const ms = parseTime(text);
      if (ms === null)
        throw new ApiError("VALIDATION_FAILED", `body.${name}: expected ISO 8601 with a zone or epoch ms`);
      return ms;
    };
    const nowMs = clock();
    const periods = defaultPeriods({ fromMs: time("from", from), toMs: time("to", to), nowMs });
    if (periods.reportingToMs <= periods.reportingFromMs)
      throw new ApiError("VALIDATION_FAILED", "body: the period must end after it starts");
    const facilities = facilityRefs(await meta.fleet.current());
    const period = `${new Date(periods.reportingFromMs).toISOString().slice(0, 10)}/${new Date(periods.reportingToMs).toISOString().slice(0, 10)}`;
    const build = async (list: FacilityRef[], scopeKind: "facility" | "portfolio") => {
      const r = await buildReport({
        store,
        facilities: list,
        scope: scopeKind,
        periods,
        model: "auto",
        config: config.savings,
        nowMs,
      });
      if (r.kind === "retryable") throw new ApiError("STORE_UNAVAILABLE", r.message);
      if (r.kind === "failure") throw new ApiError("QUERY_FAILED", r.message);
      return r.value;
    };
    const out: RegisterEntry[] = [];
    for (const f of facilities) {
      const report = await build([f], "facility");
      const tz = f.timezone ?? undefined;
      const bytes = await renderPdf(report, "ru", {
        generatedBy: actor.label,
        ...(tz ? { timeZone: tz } : {}),
      });
      out.push(
        await service.issueReport(
          {
            type: "savings_report",
            period,
            subject: `savings:${f.id}:${period}:${nowMs}`,
            fileName: `savings-${f.id}-${period.replace("/", "_")}.pdf`,
            bytes,
          },
          actor,
        ),
      );
    }
    const portfolio = await build(facilities, "portfolio");
    const bytes = await renderPdf(portfolio, "ru", {
      generatedBy: actor.label,
      basis: out.map((e, i) => ({ facility: facilities[i]!.name, document: e.id, sha256: e.sha256 })),
    });
    out.push(
      await service.issueReport(
        {
          type: "savings_report",
          period,
          subject: `savings:portfolio:${period}:${nowMs}`,
          fileName: `savings-portfolio-${period.replace("/", "_")}.pdf`,
          bytes,
        },
        actor,
      ),
    );
    return out;
  };

  for (const kind of ["sign", "countersign"] as const)
    app.post(
      `/api/v1/documents/:id/${kind}`,
      {
        config: { access: { roles: ["admin", "service_company"] } },
        bodyLimit: SMALL_BODY,
        schema: {
          tags: ["documents"],
          summary:
            kind === "sign"
              ? "Sign as the first signer (the company for its acts and invoices; the region for its reports): issued → signed"
              : "Countersign as the counterparty (the region): signed → accepted",
          description:
            "Signed with the organisation's configured signer: a detached CMS (CAdES-BES) over the registered bytes and, for a PDF, an embedded PAdES signature in an incremental update.",
          params: Params,
          response: {
            200: Type.Object({ document: Type.Ref("Document"), signature: SignatureSchema }),
            ...errorResponses(400, 404, 409, 502),
          },
        },
      },
      async (request) => {
        const e = await visible(request, request.params.id);
        const s = await service.sign(e.id, kind, actorOf(principalOf(request), service.region));
        return {
          document: (await repo.get(e.id))!,
          signature: signatureView(e.id, s),
        };
      },
    );

  app.post(
    "/api/v1/documents/:id/reject",
    {
      config: { access: { roles: ["admin", "service_company"] } },
      bodyLimit: SMALL_BODY,
      schema: {
        tags: ["documents"],
        summary: "Reject with a reason (the party whose turn it is): → rejected",
        params: Params,
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ document: Type.Ref("Document") }),
          ...errorResponses(400, 404, 409),
        },
      },
    },
    async (request) => {
      const e = await visible(request, request.params.id);
      const reason = request.body.reason.trim();
      if (!reason) throw new ApiError("VALIDATION_FAILED", "body.reason: required");
      return { document: await service.reject(e.id, reason, actorOf(principalOf(request), service.region)) };
    },
  );
};

// fastify-plugin, so `app.documents` is visible to the app (the demo issues through it).
export default fp(documents, { name: "vetra-documents" });
