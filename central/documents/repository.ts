// Where the register, the documents' bytes and their signatures are kept:
// one small interface, implemented on central's metadata SQLite
// (sqlite-repository.ts) and meant for PostgreSQL too — the statements in
// sql.ts are plain SQL both run. Every implementation passes
// test/documents/repository.conformance.ts.
import type { DocumentStatus, DocumentType, NewDocument, RegisterEntry } from "./register.ts";

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

export interface DocumentRepository {
  /** Appends a document at the head of the chain (atomically: concurrent appends stay one chain). */
  append(doc: NewDocument, bytes: Buffer, nowMs: number): Promise<RegisterEntry>;
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
