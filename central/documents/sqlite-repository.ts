// The register on central's metadata SQLite (better-sqlite3, synchronous,
// durable commits): the statements of sql.ts, an IMMEDIATE transaction per
// append so replicas sharing the file extend one chain.
import type Database from "better-sqlite3";
import {
  type DocumentStatus,
  type DocumentType,
  entryHash,
  GENESIS_HASH,
  type NewDocument,
  type Party,
  type RegisterEntry,
  sha256Hex,
} from "./register.ts";
import type { DocumentFilter, DocumentRepository, StoredSignature } from "./repository.ts";
import { DOCUMENT_SCHEMA, type DocumentRow, type SignatureRow, SQL } from "./sql.ts";

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

/** A register row as an entry (shared with a PostgreSQL implementation: same columns). */
export const entryOf = (r: DocumentRow): RegisterEntry => ({
  seq: Number(r.seq),
  id: r.id,
  type: r.type as DocumentType,
  period: r.period,
  parties: JSON.parse(r.parties) as Party[],
  mediaType: r.media_type,
  fileName: r.file_name,
  sha256: r.sha256,
  sizeBytes: Number(r.size_bytes),
  issuedAt: iso(r.issued_at),
  issuedBy: r.issued_by,
  firstSigner: r.first_signer,
  countersigner: r.countersigner,
  subject: r.subject,
  prevHash: r.prev_hash,
  entryHash: r.entry_hash,
  status: r.status as DocumentStatus,
  statusReason: r.status_reason,
  updatedAt: iso(r.updated_at),
});

const buf = (b: Buffer | Uint8Array) => (Buffer.isBuffer(b) ? b : Buffer.from(b));

export const signatureOf = (r: SignatureRow): StoredSignature => ({
  document: r.document,
  n: Number(r.n),
  org: r.org,
  kind: r.kind as StoredSignature["kind"],
  signer: r.signer,
  signedAt: iso(r.signed_at),
  p7s: buf(r.p7s),
  certificateSha256: r.certificate_sha256,
  signedPdf: r.signed_pdf ? buf(r.signed_pdf) : null,
});

/** Register ids: "DOC-000042" (the chain's sequence number). */
export const documentId = (seq: number): string => `DOC-${String(seq).padStart(6, "0")}`;

/** Builds the new head entry (shared with a PostgreSQL implementation). */
export function newEntry(
  doc: NewDocument,
  bytes: Buffer,
  head: { seq: number; entryHash: string } | null,
  nowMs: number,
): RegisterEntry {
  const seq = (head?.seq ?? 0) + 1;
  const base = {
    ...doc,
    seq,
    id: documentId(seq),
    sha256: sha256Hex(bytes),
    sizeBytes: bytes.length,
    issuedAt: iso(nowMs),
    prevHash: head?.entryHash ?? GENESIS_HASH,
  };
  return {
    ...base,
    entryHash: entryHash(base),
    status: "issued",
    statusReason: null,
    updatedAt: iso(nowMs),
  };
}

export class SqliteDocumentRepository implements DocumentRepository {
  constructor(private readonly db: Database.Database) {
    for (const statement of DOCUMENT_SCHEMA) db.exec(statement);
  }

  async append(doc: NewDocument, bytes: Buffer, nowMs: number): Promise<RegisterEntry> {
    const run = this.db.transaction((): RegisterEntry => {
      const head = this.db.prepare(SQL.head).get() as { seq: number; entry_hash: string } | undefined;
      const e = newEntry(doc, bytes, head ? { seq: head.seq, entryHash: head.entry_hash } : null, nowMs);
      this.db
        .prepare(SQL.insert)
        .run(
          e.seq,
          e.id,
          e.type,
          e.period,
          JSON.stringify(e.parties),
          e.mediaType,
          e.fileName,
          e.sha256,
          e.sizeBytes,
          nowMs,
          e.issuedBy,
          e.firstSigner,
          e.countersigner,
          e.subject,
          e.prevHash,
          e.entryHash,
          e.status,
          null,
          nowMs,
        );
      const party = this.db.prepare(SQL.insertParty);
      const seen = new Set<string>();
      for (const p of e.parties) {
        const key = `${p.org}\n${p.role}`;
        if (seen.has(key)) continue;
        seen.add(key);
        party.run(e.id, p.org, p.role);
      }
      this.db.prepare(SQL.insertFile).run(e.id, bytes);
      return e;
    });
    return run.immediate();
  }

  async get(id: string): Promise<RegisterEntry | null> {
    const row = this.db.prepare(SQL.get).get(id) as DocumentRow | undefined;
    return row ? entryOf(row) : null;
  }

  async file(id: string): Promise<Buffer | null> {
    const row = this.db.prepare(SQL.file).get(id) as { bytes: Buffer } | undefined;
    return row ? row.bytes : null;
  }

  async list(filter: DocumentFilter): Promise<{ documents: RegisterEntry[]; total: number }> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.org !== undefined) {
      where.push(SQL.whereOrg);
      args.push(filter.org);
    }
    if (filter.type !== undefined) {
      where.push(SQL.whereType);
      args.push(filter.type);
    }
    if (filter.types !== undefined) {
      where.push(
        filter.types.length === 0 ? "1 = 0" : `(${filter.types.map(() => SQL.whereType).join(" OR ")})`,
      );
      args.push(...filter.types);
    }
    for (const [key, sql] of [
      ["period", SQL.wherePeriod],
      ["status", SQL.whereStatus],
      ["subject", SQL.whereSubject],
    ] as const) {
      const value = filter[key];
      if (value === undefined) continue;
      where.push(sql);
      args.push(value);
    }
    const clause = where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "";
    const total = (this.db.prepare(`${SQL.countSelect}${clause}`).get(...args) as { n: number }).n;
    const rows = this.db
      .prepare(`${SQL.listSelect}${clause} ${SQL.listOrder}`)
      .all(...args, filter.limit, filter.offset) as DocumentRow[];
    return { documents: rows.map(entryOf), total };
  }

  async chain(afterSeq: number, limit: number): Promise<RegisterEntry[]> {
    return (this.db.prepare(SQL.chain).all(afterSeq, limit) as DocumentRow[]).map(entryOf);
  }

  async addSignature(
    sig: Omit<StoredSignature, "n">,
    from: DocumentStatus,
    to: DocumentStatus,
    nowMs: number,
  ): Promise<StoredSignature | null> {
    const run = this.db.transaction((): StoredSignature | null => {
      const moved = this.db.prepare(SQL.setStatus).run(to, null, nowMs, sig.document, from).changes;
      if (moved === 0) return null;
      const n = (this.db.prepare(SQL.nextSignature).get(sig.document) as { n: number }).n + 1;
      this.db
        .prepare(SQL.insertSignature)
        .run(
          sig.document,
          n,
          sig.org,
          sig.kind,
          sig.signer,
          Date.parse(sig.signedAt),
          sig.p7s,
          sig.certificateSha256,
          sig.signedPdf,
        );
      return { ...sig, n };
    });
    return run.immediate();
  }

  async setStatus(
    id: string,
    from: DocumentStatus,
    to: DocumentStatus,
    reason: string | null,
    nowMs: number,
  ): Promise<boolean> {
    return this.db.prepare(SQL.setStatus).run(to, reason, nowMs, id, from).changes > 0;
  }

  async signatures(id: string): Promise<StoredSignature[]> {
    return (this.db.prepare(SQL.signatures).all(id) as SignatureRow[]).map(signatureOf);
  }
}
