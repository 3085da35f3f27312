// Where the register, the documents' bytes and their signatures are kept:
// one small interface, implemented on SQLite (sqlite-repository.ts, central's
// metadata file) and PostgreSQL (postgres-repository.ts) with the same plain
// SQL (sql.ts). Every implementation passes
// test/documents/repository.conformance.ts: a linear chain under concurrent
// appends from other connections and processes, entries the database
// refuses to rewrite or delete, and tampering past that shown by the chain.
import {
  type ChainReport,
  type DocumentStatus,
  type DocumentType,
  type NewDocument,
  type RegisterEntry,
  sha256Hex,
  verifyChain,
} from "./register.ts";

export interface StoredSignature {
  document: string;
  /** 1 for the first signature, 2 for the countersignature. */
  n: number;
  org: string;
  kind: "sign" | "countersign";
  /** The signer as its certificate names it. */
  signer: string;
  signedAt: string;
  /** Detached CMS over the document's bytes, DER. */
  p7s: Buffer;
  certificateSha256: string;
  /** For PDFs: the document with every embedded signature so far (PAdES, incremental updates). */
  signedPdf: Buffer | null;
}

export interface DocumentFilter {
  /** Documents one of whose parties is this organisation. */
  org?: string;
  type?: DocumentType;
  types?: readonly DocumentType[];
  period?: string;
  status?: DocumentStatus;
  subject?: string;
  limit: number;
  offset: number;
}

/** The newest entry's number and hash as the register's head row keeps them (seq 0: empty). */
export interface RegisterHead {
  seq: number;
  entryHash: string;
}

export interface DocumentRepository {
  /** Appends a document at the head of the chain (atomically: concurrent appends stay one chain). */
  append(doc: NewDocument, bytes: Buffer, nowMs: number): Promise<RegisterEntry>;
  head(): Promise<RegisterHead>;
  get(id: string): Promise<RegisterEntry | null>;
  file(id: string): Promise<Buffer | null>;
  /** Newest first, with the total matching. */
  list(filter: DocumentFilter): Promise<{ documents: RegisterEntry[]; total: number }>;
  /** Entries in chain order from `afterSeq` (exclusive), at most `limit`. */
  chain(afterSeq: number, limit: number): Promise<RegisterEntry[]>;
  /**
   * Stores a signature and moves the status from `from` to `to` in one step;
   * null (nothing stored) when the status is no longer `from`.
   */
  addSignature(
    sig: Omit<StoredSignature, "n">,
    from: DocumentStatus,
    to: DocumentStatus,
    nowMs: number,
  ): Promise<StoredSignature | null>;
  /** Moves the status (a rejection, with its reason); false when it is no longer `from`. */
  setStatus(
    id: string,
    from: DocumentStatus,
    to: DocumentStatus,
    reason: string | null,
    nowMs: number,
  ): Promise<boolean>;
  signatures(id: string): Promise<StoredSignature[]>;
}

/**
 * The whole register checked (register.ts verifyChain): the head first,
 * then the entries up to it page by page with their files — appends made
 * meanwhile are past the head and wait for the next check.
 */
export async function checkRegister(repo: DocumentRepository, pageSize = 500): Promise<ChainReport> {
  const head = await repo.head();
  const entries: RegisterEntry[] = [];
  const files = new Map<string, string>();
  for (let after = 0; ; ) {
    const page = (await repo.chain(after, pageSize)).filter((e) => e.seq <= head.seq);
    for (const e of page) {
      entries.push(e);
      const bytes = await repo.file(e.id);
      if (bytes) files.set(e.id, sha256Hex(bytes));
    }
    if (page.length < pageSize) break;
    after = page.at(-1)!.seq;
  }
  return verifyChain(entries, (id) => files.get(id) ?? null, head);
}
