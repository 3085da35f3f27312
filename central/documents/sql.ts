// The register's tables and statements in plain SQL that SQLite and
// PostgreSQL both run: TEXT, BIGINT and BYTEA columns (SQLite keeps a BLOB
// in a BYTEA column as it is), no AUTOINCREMENT (the chain's sequence number
// is taken from the head inside the appending transaction, and its primary
// key refuses a second entry with the same number), `?` placeholders (a
// PostgreSQL driver numbers them: `toNumbered`). Times are epoch ms UTC.
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

const COLUMNS = `seq, id, type, period, parties, media_type, file_name, sha256, size_bytes, issued_at, issued_by,
  first_signer, countersigner, subject, prev_hash, entry_hash, status, status_reason, updated_at`;

export const SQL = {
  head: "SELECT seq, entry_hash FROM document ORDER BY seq DESC LIMIT 1",
  insert: `INSERT INTO document (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  insertParty: "INSERT INTO document_party (document, org, role) VALUES (?, ?, ?)",
  insertFile: "INSERT INTO document_file (id, bytes) VALUES (?, ?)",
  get: `SELECT ${COLUMNS} FROM document WHERE id = ?`,
  file: "SELECT bytes FROM document_file WHERE id = ?",
  chain: `SELECT ${COLUMNS} FROM document WHERE seq > ? ORDER BY seq LIMIT ?`,
  /** The WHERE clause is built from these fragments; each adds one `?`. */
  listSelect: `SELECT ${COLUMNS} FROM document d`,
  countSelect: "SELECT COUNT(*) AS n FROM document d",
  whereOrg: "EXISTS (SELECT 1 FROM document_party p WHERE p.document = d.id AND p.org = ?)",
  whereType: "d.type = ?",
  wherePeriod: "d.period = ?",
  whereStatus: "d.status = ?",
  whereSubject: "d.subject = ?",
  listOrder: "ORDER BY d.seq DESC LIMIT ? OFFSET ?",
  setStatus: "UPDATE document SET status = ?, status_reason = ?, updated_at = ? WHERE id = ? AND status = ?",
  nextSignature: "SELECT COUNT(*) AS n FROM document_signature WHERE document = ?",
  insertSignature: `INSERT INTO document_signature (document, n, org, kind, signer, signed_at, p7s, certificate_sha256, signed_pdf)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  signatures: `SELECT document, n, org, kind, signer, signed_at, p7s, certificate_sha256, signed_pdf
    FROM document_signature WHERE document = ? ORDER BY n`,
} as const;

/** `?` → `$1, $2, …` for PostgreSQL drivers (no statement here has a `?` inside a literal). */
export const toNumbered = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

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
