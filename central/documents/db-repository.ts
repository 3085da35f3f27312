// The register on central's metadata database (central/db/: SQLite or
// PostgreSQL), with the statements of sql.ts. Each append is one
// transaction whose first statement moves the head row: SQLite's writer
// lock (BEGIN IMMEDIATE) or PostgreSQL's row lock (sql.ts says why that is
// enough under READ COMMITTED) serialises appends from every connection,
// process and replica, so they extend one chain. The tables and their
// append-only triggers are created at open, under a named lock, so replicas
// starting together do not race on CREATE … IF NOT EXISTS; they are not a
// numbered migration because the statements are idempotent and a register
// made before the head row is taken over by them (the head starts at its
// newest entry).
import type { MetaDb } from "../db/types.ts";
import type { DocumentStatus, NewDocument, RegisterEntry } from "./register.ts";
import type { DocumentFilter, DocumentRepository, RegisterHead, StoredSignature } from "./repository.ts";
import {
  DOCUMENT_SCHEMA,
  type DocumentRow,
  distinctParties,
  entryOf,
  insertArgs,
  listQuery,
  newEntry,
  POSTGRES_GUARDS,
  type SignatureRow,
  SQL,
  SQLITE_GUARDS,
  signatureOf,
} from "./sql.ts";

/** Held while the register's tables and triggers are created. */
const SCHEMA_LOCK = "vetra.documents.schema";

export class DbDocumentRepository implements DocumentRepository {
  private constructor(private readonly db: MetaDb) {}

  /** Creates the tables and guards where they are missing (whoever comes first) and returns the repository. */
  static async open(db: MetaDb): Promise<DbDocumentRepository> {
    const guards = db.dialect === "postgres" ? POSTGRES_GUARDS : SQLITE_GUARDS;
    await db.transaction(async (tx) => {
      await tx.lock(SCHEMA_LOCK);
      for (const statement of [...DOCUMENT_SCHEMA, ...guards]) await tx.run(statement);
    });
    return new DbDocumentRepository(db);
  }

  append(doc: NewDocument, bytes: Buffer, nowMs: number): Promise<RegisterEntry> {
    return this.db.transaction(async (tx) => {
      const head = await tx.get<{ seq: number | string; entry_hash: string }>(SQL.nextHead);
      if (!head) throw new Error("the document register has no head row");
      const e = newEntry(doc, bytes, Number(head.seq), head.entry_hash, nowMs);
      await tx.run(SQL.insert, insertArgs(e, nowMs));
      for (const p of distinctParties(e.parties)) await tx.run(SQL.insertParty, [e.id, p.org, p.role]);
      await tx.run(SQL.insertFile, [e.id, bytes]);
      await tx.run(SQL.setHead, [e.entryHash, e.seq]);
      return e;
    });
  }

  async head(): Promise<RegisterHead> {
    const r = await this.db.get<{ seq: number | string; entry_hash: string }>(SQL.head);
    if (!r) throw new Error("the document register has no head row");
    return { seq: Number(r.seq), entryHash: r.entry_hash };
  }

  async get(id: string): Promise<RegisterEntry | null> {
    const row = await this.db.get<DocumentRow>(SQL.get, [id]);
    return row ? entryOf(row) : null;
  }

  async file(id: string): Promise<Buffer | null> {
    const row = await this.db.get<{ bytes: Uint8Array }>(SQL.file, [id]);
    return row ? (Buffer.isBuffer(row.bytes) ? row.bytes : Buffer.from(row.bytes)) : null;
  }

  async list(filter: DocumentFilter): Promise<{ documents: RegisterEntry[]; total: number }> {
    const q = listQuery(filter);
    const count = await this.db.get<{ n: number | string }>(q.count, q.countArgs);
    const rows = await this.db.all<DocumentRow>(q.list, q.listArgs);
    return { documents: rows.map(entryOf), total: Number(count?.n ?? 0) };
  }

  async chain(afterSeq: number, limit: number): Promise<RegisterEntry[]> {
    return (await this.db.all<DocumentRow>(SQL.chain, [afterSeq, limit])).map(entryOf);
  }

  addSignature(
    sig: Omit<StoredSignature, "n">,
    from: DocumentStatus,
    to: DocumentStatus,
    nowMs: number,
  ): Promise<StoredSignature | null> {
    return this.db.transaction(async (tx) => {
      // The status row's lock (PostgreSQL) or the writer lock (SQLite) makes a concurrent signer wait, then
      // find the status moved.
      const moved = await tx.run(SQL.setStatus, [to, null, nowMs, sig.document, from]);
      if (moved === 0) return null;
      const count = await tx.get<{ n: number | string }>(SQL.nextSignature, [sig.document]);
      const n = Number(count?.n ?? 0) + 1;
      await tx.run(SQL.insertSignature, [
        sig.document,
        n,
        sig.org,
        sig.kind,
        sig.signer,
        Date.parse(sig.signedAt),
        sig.p7s,
        sig.certificateSha256,
        sig.signedPdf,
      ]);
      return { ...sig, n };
    });
  }

  async setStatus(
    id: string,
    from: DocumentStatus,
    to: DocumentStatus,
    reason: string | null,
    nowMs: number,
  ): Promise<boolean> {
    return (await this.db.run(SQL.setStatus, [to, reason, nowMs, id, from])) > 0;
  }

  async signatures(id: string): Promise<StoredSignature[]> {
    return (await this.db.all<SignatureRow>(SQL.signatures, [id])).map(signatureOf);
  }
}
