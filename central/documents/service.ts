// The document flow: issue (render, register), sign, countersign, reject,
// verify. The region issues; the party whose turn it is signs: the executor
// (the company) first, the customer (the region) accepts by countersigning
// or rejects with a reason; the region's own reports (savings) need only its
// signature. Each signature is a detached CMS over the registered bytes and,
// for a PDF, also an embedded PAdES signature in an incremental update on
// top of the previous signed version. Every step is in the audit log.
import { CodedError } from "../../common/errors.ts";
import type { Role } from "../config.ts";
import type { Lang } from "../lib/format.ts";
import type { AlarmBook } from "../maintenance/alarm-book.ts";
import type { Company, Contracts } from "../maintenance/contracts.ts";
import { buildServiceReport } from "../maintenance/service-report.ts";
import { renderServiceReportPdf } from "../maintenance/service-report-pdf.ts";
import type { WorkOrders } from "../maintenance/work-orders.ts";
import type { MetaStore } from "../meta/meta.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import type { DocumentsConfig } from "./config.ts";
import {
  type PartyBlock,
  renderActPdf,
  renderCompletionActPdf,
  renderInvoicePdf,
  renderStatementPdf,
} from "./document-pdf.ts";
import { signPdf } from "./pades.ts";
import type { ChainReport, DocumentType, NewDocument, Party, RegisterEntry } from "./register.ts";
import { checkRegister, type DocumentRepository, type StoredSignature } from "./repository.ts";
import type { Requisites } from "./requisites.ts";
import type { Signer } from "./signers.ts";
import { buildStatement, type Statement } from "./statement.ts";
import { type VerifyResult, verifyDetached, verifyEmbedded } from "./verify.ts";

export interface DocumentServiceDeps {
  repo: DocumentRepository;
  meta: MetaStore;
  store: TimeSeriesStore;
  book: AlarmBook;
  contracts: Contracts;
  workOrders: WorkOrders;
  config: DocumentsConfig;
  /** Signers by organisation id. */
  signers: ReadonlyMap<string, Signer>;
  trustAnchors: readonly Buffer[];
  clock: () => number;
}

export interface Actor {
  /** The organisation acting: the region for admin, the company for a service company. */
  org: string;
  /** Who, for the audit log. */
  label: string;
  tokenId: number | null;
  role: Role;
}

const PDF = "application/pdf";

const NUMBER_SUFFIX: Record<DocumentType, string> = {
  statement: "S",
  act_of_services: "A",
  invoice: "I",
  completion_act: "C",
  service_report: "R",
  savings_report: "E",
};

export class DocumentService {
  constructor(private readonly d: DocumentServiceDeps) {}

  get region(): string {
    return this.d.config.region;
  }

  private async party(org: string): Promise<PartyBlock> {
    const requisites = (this.d.config.requisites[org] as Requisites | undefined) ?? null;
    const name = (await this.d.contracts.getCompany(org))?.name ?? org;
    return { id: org, name: requisites?.shortName ?? name, requisites };
  }

  private async company(id: string): Promise<Company> {
    const c = await this.d.contracts.getCompany(id);
    if (!c) throw new CodedError("NOT_FOUND", `No company "${id}"`);
    if (id === this.region)
      throw new CodedError("VALIDATION_FAILED", `"${id}" is the region, not a service company`);
    return c;
  }

  private async audit(actor: Actor, action: string, target: string, detail: string): Promise<void> {
    await this.d.meta.audit.append(
      {
        tokenId: actor.tokenId,
        actor: actor.label,
        role: actor.role,
        action,
        target,
        status: 200,
        detail,
      },
      this.d.clock(),
    );
  }

  /** A document of this subject that stands (not rejected), or null. */
  private async existing(subject: string): Promise<RegisterEntry | null> {
    const { documents } = await this.d.repo.list({ subject, limit: 10, offset: 0 });
    return documents.find((e) => e.status !== "rejected") ?? null;
  }

  private async register(doc: NewDocument, bytes: Buffer, actor: Actor): Promise<RegisterEntry> {
    const entry = await this.d.repo.append(doc, bytes, this.d.clock());
    await this.audit(
      actor,
      "document.issue",
      entry.id,
      `${entry.type} ${entry.period} sha256=${entry.sha256} chain head ${entry.entryHash}`,
    );
    return entry;
  }

  private async companyParties(company: string): Promise<Party[]> {
    return [
      { role: "executor", org: company, name: (await this.party(company)).name },
      { role: "customer", org: this.region, name: (await this.party(this.region)).name },
    ];
  }

  /** The monthly service report of a company, read from this service's stores. */
  private serviceReport(request: Parameters<typeof buildServiceReport>[1]) {
    const { store, meta, book, contracts, workOrders } = this.d;
    return buildServiceReport({ store, meta, book, contracts, workOrders }, request);
  }

  /** The month's statement of a company, priced (not registered). */
  async statement(companyId: string, month: string, generatedBy: string): Promise<Statement> {
    const company = await this.company(companyId);
    const now = this.d.clock();
    const r = await this.serviceReport({ company, month, generatedBy, nowMs: now });
    if (r.kind === "retryable") throw new CodedError("STORE_UNAVAILABLE", r.message);
    if (r.kind === "failure") throw new CodedError("QUERY_FAILED", r.message);
    const report = r.value;
    const { alarms } = await this.d.book.list({
      companies: [company.id],
      raisedFromMs: Date.parse(report.from),
      raisedToMs: Date.parse(report.to),
      sort: "raisedAt",
      order: "asc",
      limit: 1_000_000,
    });
    return buildStatement({
      report,
      region: { id: this.region, name: (await this.party(this.region)).name },
      contracts: await this.d.contracts.listContracts(company.id),
      alarms,
      defaultVatRatePercent: this.d.config.vatRatePercent,
      nowMs: now,
    });
  }

  /**
   * Issues the month of a company: the monthly service report, the statement,
   * the act of services and the invoice (each once: a standing document of
   * the same subject is returned instead), and a completion act per work
   * order done in the month.
   */
  async issueMonth(companyId: string, month: string, actor: Actor): Promise<RegisterEntry[]> {
    const company = await this.company(companyId);
    const lang = company.lang as Lang;
    const out: RegisterEntry[] = [];
    const statement = await this.statement(company.id, month, actor.label);
    const parties = await this.companyParties(company.id);
    const executor = await this.party(company.id);
    const customer = await this.party(this.region);
    const base = {
      period: month,
      parties,
      mediaType: PDF,
      issuedBy: actor.label,
      firstSigner: company.id,
      countersigner: this.region,
    };
    const kinds: [DocumentType, (n: string) => Promise<Buffer>][] = [
      [
        "service_report",
        async () => {
          const r = await this.serviceReport({
            company,
            month,
            generatedBy: actor.label,
            nowMs: this.d.clock(),
          });
          if (r.kind !== "success") throw new CodedError("STORE_UNAVAILABLE", r.message);
          return renderServiceReportPdf(r.value, lang);
        },
      ],
      ["statement", (n) => renderStatementPdf({ statement, executor, customer, number: n, lang })],
      ["act_of_services", (n) => renderActPdf({ statement, executor, customer, number: n, lang })],
      ["invoice", (n) => renderInvoicePdf({ statement, executor, customer, number: n, lang })],
    ];
    for (const [type, render] of kinds) {
      const subject = `${type}:${company.id}:${month}`;
      const found = await this.existing(subject);
      if (found) {
        out.push(found);
        continue;
      }
      // The printed number names the company and month (the register id is given on registration).
      const bytes = await render(`${month}/${company.id}/${NUMBER_SUFFIX[type]}`);
      out.push(
        await this.register(
          { ...base, type, subject, fileName: `${type}-${company.id}-${month}.pdf` },
          bytes,
          actor,
        ),
      );
    }
    const fromMs = Date.parse(statement.from);
    const toMs = Date.parse(statement.to);
    for (const order of await this.d.workOrders.list({ company: company.id, state: "done", limit: 1000 })) {
      const done = order.doneAt ? Date.parse(order.doneAt) : Number.NaN;
      if (done >= fromMs && done < toMs) out.push(await this.issueCompletionAct(order.id, actor));
    }
    return out;
  }

  /** The completion act of a done work order (once). */
  async issueCompletionAct(workOrderId: string, actor: Actor): Promise<RegisterEntry> {
    const order = await this.d.workOrders.get(workOrderId);
    if (!order) throw new CodedError("NOT_FOUND", `No work order "${workOrderId}"`);
    if (order.state !== "done") throw new CodedError("CONFLICT", `work order ${order.id} is not done`);
    const subject = `completion_act:${order.id}`;
    const found = await this.existing(subject);
    if (found) return found;
    const company = await this.company(order.company);
    const number = `${order.id}/${company.id}`;
    const photos: Buffer[] = [];
    for (const p of await this.d.workOrders.photos(order.id)) {
      const photo = await this.d.workOrders.photo(order.id, p.id);
      if (photo) photos.push(photo.bytes);
    }
    const bytes = await renderCompletionActPdf({
      order,
      assetName: (await this.d.meta.fleet.current()).assetById.get(order.asset)?.name ?? order.asset,
      photos,
      executor: await this.party(company.id),
      customer: await this.party(this.region),
      number,
      timeZone: company.timezone,
      lang: company.lang as Lang,
      fault: (await this.d.book.get(order.alarm))?.fault ?? null,
    });
    return this.register(
      {
        type: "completion_act",
        period: (order.doneAt ?? order.updatedAt).slice(0, 7),
        parties: await this.companyParties(company.id),
        mediaType: PDF,
        fileName: `completion-act-${order.id}.pdf`,
        issuedBy: actor.label,
        firstSigner: company.id,
        countersigner: this.region,
        subject,
      },
      bytes,
      actor,
    );
  }

  /** Registers a report made elsewhere (the savings report): the region issues and signs it alone. */
  async issueReport(
    args: { type: "savings_report"; period: string; subject: string; fileName: string; bytes: Buffer },
    actor: Actor,
  ): Promise<RegisterEntry> {
    return this.register(
      {
        type: args.type,
        period: args.period,
        parties: [{ role: "issuer", org: this.region, name: (await this.party(this.region)).name }],
        mediaType: PDF,
        fileName: args.fileName,
        issuedBy: actor.label,
        firstSigner: this.region,
        countersigner: null,
        subject: args.subject,
      },
      args.bytes,
      actor,
    );
  }

  private async entry(id: string): Promise<RegisterEntry> {
    const e = await this.d.repo.get(id);
    if (!e) throw new CodedError("NOT_FOUND", `No document "${id}"`);
    return e;
  }

  /**
   * Signs (`sign`: the first signer, issued → signed) or countersigns
   * (`countersign`: the countersigner, signed → accepted) for `actor.org`
   * with its configured signer.
   */
  async sign(id: string, kind: "sign" | "countersign", actor: Actor): Promise<StoredSignature> {
    const e = await this.entry(id);
    const [from, to, who] =
      kind === "sign"
        ? (["issued", "signed", e.firstSigner] as const)
        : (["signed", "accepted", e.countersigner] as const);
    if (who === null) throw new CodedError("CONFLICT", `${e.id} takes no countersignature`);
    if (who !== actor.org)
      throw new CodedError(
        "FORBIDDEN",
        `${kind === "sign" ? "signing" : "countersigning"} ${e.id} is for "${who}"`,
      );
    if (e.status !== from) throw new CodedError("CONFLICT", `${e.id} is ${e.status}; ${kind} needs ${from}`);
    const signer = this.d.signers.get(actor.org);
    if (!signer) throw new CodedError("CONFLICT", `no signer is configured for "${actor.org}"`);
    const bytes = (await this.d.repo.file(e.id))!;
    const now = new Date(this.d.clock());
    let p7s: Buffer;
    let signedPdf: Buffer | null = null;
    try {
      p7s = await signer.sign(bytes, { signingTime: now });
      if (e.mediaType === PDF) {
        const previous = (await this.d.repo.signatures(e.id)).at(-1)?.signedPdf ?? bytes;
        signedPdf = await signPdf(previous, signer, {
          name: (await this.party(actor.org)).name,
          reason: kind === "sign" ? `Signed by ${actor.org}` : `Accepted by ${actor.org}`,
          signingTime: now,
        });
      }
    } catch (error) {
      throw new CodedError("SIGNER_FAILED", `signer of "${actor.org}": ${(error as Error).message}`);
    }
    // A signature we could not verify ourselves is not stored (a wrong key, an untrusted certificate).
    const check = await verifyDetached(bytes, p7s, { trustAnchors: this.d.trustAnchors });
    if (!check.valid)
      throw new CodedError(
        "SIGNER_FAILED",
        `the signature of "${actor.org}" does not verify: ${check.reason}`,
      );
    const stored = await this.d.repo.addSignature(
      {
        document: e.id,
        org: actor.org,
        kind,
        signer: check.signers[0]!.subject,
        signedAt: now.toISOString(),
        p7s,
        certificateSha256: check.signers[0]!.certificateSha256,
        signedPdf,
      },
      from,
      to,
      this.d.clock(),
    );
    if (!stored) throw new CodedError("CONFLICT", `${e.id} changed while it was being signed`);
    await this.audit(actor, `document.${kind}`, e.id, `${from} → ${to} by ${actor.org} (${stored.signer})`);
    return stored;
  }

  /** Rejects with a reason: the party whose turn it is (the first signer while issued, the countersigner once signed). */
  async reject(id: string, reason: string, actor: Actor): Promise<RegisterEntry> {
    const e = await this.entry(id);
    const turn = e.status === "issued" ? e.firstSigner : e.status === "signed" ? e.countersigner : null;
    if (turn === null) throw new CodedError("CONFLICT", `${e.id} is ${e.status}; nothing to reject`);
    if (turn !== actor.org) throw new CodedError("FORBIDDEN", `rejecting ${e.id} now is for "${turn}"`);
    if (!(await this.d.repo.setStatus(e.id, e.status, "rejected", reason, this.d.clock())))
      throw new CodedError("CONFLICT", `${e.id} changed meanwhile`);
    await this.audit(actor, "document.reject", e.id, `${e.status} → rejected by ${actor.org}: ${reason}`);
    return this.entry(e.id);
  }

  /** Each stored signature verified again (detached), and the embedded PDF signatures of the newest signed PDF. */
  async verify(
    id: string,
  ): Promise<{ detached: (VerifyResult & { n: number })[]; embedded: VerifyResult[] }> {
    const e = await this.entry(id);
    const bytes = (await this.d.repo.file(e.id))!;
    const sigs = await this.d.repo.signatures(e.id);
    const detached = [];
    for (const s of sigs)
      detached.push({
        n: s.n,
        ...(await verifyDetached(bytes, s.p7s, { trustAnchors: this.d.trustAnchors })),
      });
    const pdf = sigs.at(-1)?.signedPdf;
    const embedded: VerifyResult[] = pdf
      ? await verifyEmbedded(pdf, { trustAnchors: this.d.trustAnchors })
      : [];
    return { detached, embedded };
  }

  /** The whole register's chain and files. */
  async verifyRegister(): Promise<ChainReport> {
    return checkRegister(this.d.repo);
  }
}
