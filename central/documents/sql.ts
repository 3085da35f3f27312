// The register's tables and statements in plain SQL that SQLite and
// PostgreSQL both run (db-repository.ts): TEXT,
// BIGINT and BYTEA columns (SQLite keeps a BLOB in a BYTEA column as it is),
// `?` placeholders (numbered `$1, $2, …` for PostgreSQL by central/db),
// `INSERT … ON CONFLICT DO NOTHING` and `UPDATE … RETURNING` (SQLite 3.35+).
// Times are epoch ms UTC.
//
// Appends are serialised on the one row of `document_head`: an append's
// first statement increments its sequence number and returns it with the
// previous entry's hash, and it stores the new hash before it commits. That
// UPDATE takes PostgreSQL's row lock (a concurrent append waits for the
// commit, then reads the new head — READ COMMITTED re-reads the row) and
// SQLite's write lock, so concurrent appends from any number of connections
// or replicas extend one linear chain. The head row also makes removing the
// newest entries visible (the chain then ends before the head names).
//
// The database refuses to rewrite or delete entries, files and signatures
// (triggers, one form per dialect below); only the status columns change.
// Someone who drops the triggers can still change rows — the hash chain is
// what shows it (register.ts).

import { Where } from "../db/where.ts";
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
import type { DocumentFilter, StoredSignature } from "./repository.ts";

export const DOCUMENT_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS document (
  seq BIGINT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  period TEXT NOT NULL,
  parties TEXT NOT NULL,
  media_type TEXT NOT NULL,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  issued_at BIGINT NOT NULL,
  issued_by TEXT NOT NULL,
  first_signer TEXT NOT NULL,
  countersigner TEXT,
  subject TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  entry_hash TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL,
  status_reason TEXT,
  updated_at BIGINT NOT NULL
)`,
  "CREATE INDEX IF NOT EXISTS document_subject ON document (subject)",
  "CREATE INDEX IF NOT EXISTS document_type_period ON document (type, period)",
  `CREATE TABLE IF NOT EXISTS document_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  entry_hash TEXT NOT NULL
)`,
  // The head starts at the newest entry a register made before the head row already holds (or the genesis).
  // `WHERE true` keeps SQLite from reading ON CONFLICT as a join's ON (its documented upsert ambiguity).
  `INSERT INTO document_head (id, seq, entry_hash)
   SELECT 1, COALESCE((SELECT MAX(seq) FROM document), 0),
     COALESCE((SELECT entry_hash FROM document ORDER BY seq DESC LIMIT 1), '${GENESIS_HASH}')
   WHERE true ON CONFLICT (id) DO NOTHING`,
  `CREATE TABLE IF NOT EXISTS document_party (
  document TEXT NOT NULL, org TEXT NOT NULL, role TEXT NOT NULL,
  PRIMARY KEY (document, org, role)
)`,
  "CREATE INDEX IF NOT EXISTS document_party_org ON document_party (org)",
  "CREATE TABLE IF NOT EXISTS document_file (id TEXT PRIMARY KEY, bytes BYTEA NOT NULL)",
  `CREATE TABLE IF NOT EXISTS document_signature (
  document TEXT NOT NULL,
  n BIGINT NOT NULL,
  org TEXT NOT NULL,
  kind TEXT NOT NULL,
  signer TEXT NOT NULL,
  signed_at BIGINT NOT NULL,
  p7s BYTEA NOT NULL,
  certificate_sha256 TEXT NOT NULL,
  signed_pdf BYTEA,
  PRIMARY KEY (document, n)
)`,
] as const;

/** The columns of an entry the chain covers: never updated (the status columns are not among them). */
const CHAINED_COLUMNS = `seq, id, type, period, parties, media_type, file_name, sha256, size_bytes, issued_at,
  issued_by, first_signer, countersigner, subject, prev_hash, entry_hash`;

const APPEND_ONLY = "the document register is append-only";

/** What the database refuses, per table: every DELETE, and UPDATE of these columns (all when null). */
const GUARDED: readonly [table: string, columns: string | null][] = [
  ["document", CHAINED_COLUMNS],
  ["document_party", null],
  ["document_file", null],
  ["document_signature", null],
];

export const SQLITE_GUARDS: readonly string[] = GUARDED.flatMap(([table, columns]) => [
  `CREATE TRIGGER IF NOT EXISTS ${table}_no_delete BEFORE DELETE ON ${table}
   BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY}'); END`,
  `CREATE TRIGGER IF NOT EXISTS ${table}_no_rewrite BEFORE UPDATE${columns ? ` OF ${columns}` : ""} ON ${table}
   BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY}'); END`,
]);

export const POSTGRES_GUARDS: readonly string[] = [
  `CREATE OR REPLACE FUNCTION document_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN RAISE EXCEPTION '${APPEND_ONLY}'; END $$`,
  ...GUARDED.flatMap(([table, columns]) => [
    `CREATE OR REPLACE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
     FOR EACH ROW EXECUTE FUNCTION document_append_only()`,
    `CREATE OR REPLACE TRIGGER ${table}_no_rewrite BEFORE UPDATE${columns ? ` OF ${columns}` : ""} ON ${table}
     FOR EACH ROW EXECUTE FUNCTION document_append_only()`,
  ]),
];

/** The triggers' names, for the tests that play someone who removes them. */
export const GUARD_TRIGGERS: readonly { table: string; name: string }[] = GUARDED.flatMap(([table]) => [
  { table, name: `${table}_no_delete` },
  { table, name: `${table}_no_rewrite` },
]);

const COLUMNS = `${CHAINED_COLUMNS}, status, status_reason, updated_at`;

export const SQL = {
  /** Takes the append lock and the next number with the previous entry's hash. */
  nextHead: "UPDATE document_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, entry_hash",
  setHead: "UPDATE document_head SET entry_hash = ? WHERE id = 1 AND seq = ?",
  head: "SELECT seq, entry_hash FROM document_head WHERE id = 1",
  insert: `INSERT INTO document (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  insertParty: "INSERT INTO document_party (document, org, role) VALUES (?, ?, ?)",
  insertFile: "INSERT INTO document_file (id, bytes) VALUES (?, ?)",
  get: `SELECT ${COLUMNS} FROM document WHERE id = ?`,
  file: "SELECT bytes FROM document_file WHERE id = ?",
  chain: `SELECT ${COLUMNS} FROM document WHERE seq > ? ORDER BY seq LIMIT ?`,
  setStatus: "UPDATE document SET status = ?, status_reason = ?, updated_at = ? WHERE id = ? AND status = ?",
  nextSignature: "SELECT COUNT(*) AS n FROM document_signature WHERE document = ?",
  insertSignature: `INSERT INTO document_signature (document, n, org, kind, signer, signed_at, p7s, certificate_sha256, signed_pdf)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  signatures: `SELECT document, n, org, kind, signer, signed_at, p7s, certificate_sha256, signed_pdf
    FROM document_signature WHERE document = ? ORDER BY n`,
} as const;

/** The list and count statements of a filter, with their arguments (`?` placeholders). */
export function listQuery(filter: DocumentFilter): {
  list: string;
  listArgs: (string | number)[];
  count: string;
  countArgs: (string | number)[];
} {
  const where = new Where()
    .when("EXISTS (SELECT 1 FROM document_party p WHERE p.document = d.id AND p.org = ?)", filter.org)
    .equal({ "d.type": filter.type });
  if (filter.types !== undefined) where.in("d.type", filter.types);
  where.equal({ "d.period": filter.period, "d.status": filter.status, "d.subject": filter.subject });
  const clause = where.terms.length > 0 ? ` ${where.clause()}` : "";
  const args = where.args as (string | number)[];
  return {
    list: `SELECT ${COLUMNS} FROM document d${clause} ORDER BY d.seq DESC LIMIT ? OFFSET ?`,
    listArgs: [...args, filter.limit, filter.offset],
    count: `SELECT COUNT(*) AS n FROM document d${clause}`,
    countArgs: args,
  };
}

export interface DocumentRow {
  seq: number | string;
  id: string;
  type: string;
  period: string;
  parties: string;
  media_type: string;
  file_name: string;
  sha256: string;
  size_bytes: number | string;
  issued_at: number | string;
  issued_by: string;
  first_signer: string;
  countersigner: string | null;
  subject: string;
  prev_hash: string;
  entry_hash: string;
  status: string;
  status_reason: string | null;
  updated_at: number | string;
}

export interface SignatureRow {
  document: string;
  n: number | string;
  org: string;
  kind: string;
  signer: string;
  signed_at: number | string;
  p7s: Buffer | Uint8Array;
  certificate_sha256: string;
  signed_pdf: Buffer | Uint8Array | null;
}

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();
const buf = (b: Buffer | Uint8Array) => (Buffer.isBuffer(b) ? b : Buffer.from(b));

/** A register row as an entry (BIGINT columns come as strings from PostgreSQL). */
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

/** The entry numbered `seq` after the entry whose hash is `prevHash`. */
export function newEntry(
  doc: NewDocument,
  bytes: Buffer,
  seq: number,
  prevHash: string,
  nowMs: number,
): RegisterEntry {
  const base = {
    ...doc,
    seq,
    id: documentId(seq),
    sha256: sha256Hex(bytes),
    sizeBytes: bytes.length,
    issuedAt: iso(nowMs),
    prevHash,
  };
  return { ...base, entryHash: entryHash(base), status: "issued", statusReason: null, updatedAt: iso(nowMs) };
}

/** The INSERT arguments of an entry (SQL.insert's column order). */
export const insertArgs = (e: RegisterEntry, nowMs: number): (string | number | null)[] => [
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
];

/** Each (org, role) of the parties once. */
export const distinctParties = (parties: readonly Party[]): Party[] => {
  const seen = new Set<string>();
  return parties.filter((p) => {
    const key = `${p.org}\n${p.role}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};
