// The register on PostgreSQL (the `postgres` driver): the statements of
// sql.ts numbered `$1, $2, …`, each append one transaction that first
// updates the head row (its row lock serialises appends from every
// connection and replica; sql.ts says why that is enough under READ
// COMMITTED). The schema is created under a transaction-scoped advisory
// lock, so replicas starting together do not race on CREATE … IF NOT EXISTS.
import type postgres from "postgres";
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
  signatureOf,
  toNumbered,
} from "./sql.ts";

type Sql = postgres.Sql | postgres.TransactionSql;
type Param = string | number | Buffer | null;

/** Advisory lock key of the register's schema (any constant; "vdoc" in ASCII). */
const SCHEMA_LOCK = 0x76646f63;

const q = <T>(sql: Sql, text: string, args: Param[] = []): Promise<T[]> =>
  sql.unsafe(toNumbered(text), args as never[]) as unknown as Promise<T[]>;

export class PostgresDocumentRepository implements DocumentRepository {
  private constructor(private readonly sql: postgres.Sql) {}

  /** Creates the tables and guards (once, whoever comes first) and returns the repository. */
  static async open(sql: postgres.Sql): Promise<PostgresDocumentRepository> {
    await sql.begin(async (tx) => {
      await tx.unsafe(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`);
      for (const statement of [...DOCUMENT_SCHEMA, ...POSTGRES_GUARDS]) await tx.unsafe(statement);
    });
    return new PostgresDocumentRepository(sql);
  }

  async append(doc: NewDocument, bytes: Buffer, nowMs: number): Promise<RegisterEntry> {
    return (await this.sql.begin(async (tx) => {
      const [head] = await q<{ seq: string; entry_hash: string }>(tx, SQL.nextHead);
      const e = newEntry(doc, bytes, Number(head!.seq), head!.entry_hash, nowMs);
      await q(tx, SQL.insert, insertArgs(e, nowMs));
      for (const p of distinctParties(e.parties)) await q(tx, SQL.insertParty, [e.id, p.org, p.role]);
      await q(tx, SQL.insertFile, [e.id, bytes]);
      await q(tx, SQL.setHead, [e.entryHash, e.seq]);
      return e;
    })) as RegisterEntry;
  }

  async head(): Promise<RegisterHead> {
    const [r] = await q<{ seq: string; entry_hash: string }>(this.sql, SQL.head);
    return { seq: Number(r!.seq), entryHash: r!.entry_hash };
  }

  async get(id: string): Promise<RegisterEntry | null> {
    const [row] = await q<DocumentRow>(this.sql, SQL.get, [id]);
    return row ? entryOf(row) : null;
  }

  async file(id: string): Promise<Buffer | null> {
    const [row] = await q<{ bytes: Buffer }>(this.sql, SQL.file, [id]);
    return row ? Buffer.from(row.bytes) : null;
  }

  async list(filter: DocumentFilter): Promise<{ documents: RegisterEntry[]; total: number }> {
    const l = listQuery(filter);
    const [count] = await q<{ n: string }>(this.sql, l.count, l.countArgs);
    const rows = await q<DocumentRow>(this.sql, l.list, l.listArgs);
    return { documents: rows.map(entryOf), total: Number(count!.n) };
  }

  async chain(afterSeq: number, limit: number): Promise<RegisterEntry[]> {
    return (await q<DocumentRow>(this.sql, SQL.chain, [afterSeq, limit])).map(entryOf);
  }

  async addSignature(
    sig: Omit<StoredSignature, "n">,
    from: DocumentStatus,
    to: DocumentStatus,
    nowMs: number,
  ): Promise<StoredSignature | null> {
    return (await this.sql.begin(async (tx) => {
      // The status row's lock makes a concurrent signer wait, then find the status moved.
      const moved = await tx.unsafe(toNumbered(SQL.setStatus), [
        to,
        null,
        nowMs,
        sig.document,
        from,
      ] as never[]);
      if (moved.count === 0) return null;
      const [count] = await q<{ n: string }>(tx, SQL.nextSignature, [sig.document]);
      const n = Number(count!.n) + 1;
      await q(tx, SQL.insertSignature, [
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
    })) as StoredSignature | null;
  }

  async setStatus(
    id: string,
    from: DocumentStatus,
    to: DocumentStatus,
    reason: string | null,
    nowMs: number,
  ): Promise<boolean> {
    const r = await this.sql.unsafe(toNumbered(SQL.setStatus), [to, reason, nowMs, id, from] as never[]);
    return r.count > 0;
  }

  async signatures(id: string): Promise<StoredSignature[]> {
    return (await q<SignatureRow>(this.sql, SQL.signatures, [id])).map(signatureOf);
  }
}
