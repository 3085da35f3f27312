// The register on central's metadata SQLite (better-sqlite3: synchronous,
// durable commits): the statements of sql.ts, each append an IMMEDIATE
// transaction (the write lock from its first statement), so replicas that
// share the file extend one chain.
import type Database from "better-sqlite3";
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
  type SignatureRow,
  SQL,
  SQLITE_GUARDS,
  signatureOf,
} from "./sql.ts";

export class SqliteDocumentRepository implements DocumentRepository {
  constructor(private readonly db: Database.Database) {
    db.transaction(() => {
      for (const statement of [...DOCUMENT_SCHEMA, ...SQLITE_GUARDS]) db.exec(statement);
    }).immediate();
  }

  async append(doc: NewDocument, bytes: Buffer, nowMs: number): Promise<RegisterEntry> {
    const run = this.db.transaction((): RegisterEntry => {
      const head = this.db.prepare(SQL.nextHead).get() as { seq: number; entry_hash: string };
      const e = newEntry(doc, bytes, Number(head.seq), head.entry_hash, nowMs);
      this.db.prepare(SQL.insert).run(...insertArgs(e, nowMs));
      const party = this.db.prepare(SQL.insertParty);
      for (const p of distinctParties(e.parties)) party.run(e.id, p.org, p.role);
      this.db.prepare(SQL.insertFile).run(e.id, bytes);
      this.db.prepare(SQL.setHead).run(e.entryHash, e.seq);
      return e;
    });
    return run.immediate();
  }

  async head(): Promise<RegisterHead> {
    const r = this.db.prepare(SQL.head).get() as { seq: number; entry_hash: string };
    return { seq: Number(r.seq), entryHash: r.entry_hash };
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
    const q = listQuery(filter);
    const total = (this.db.prepare(q.count).get(...q.countArgs) as { n: number }).n;
    const rows = this.db.prepare(q.list).all(...q.listArgs) as DocumentRow[];
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
