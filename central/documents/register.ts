// The register of issued documents: an append-only hash chain. Each entry
// names the document (id, type, period, parties, media type, size, the
// SHA-256 of its bytes, who issued it and when) and the previous entry's
// hash; its own hash is SHA-256 over those fields in a fixed order. A
// changed entry no longer hashes to what the next entry names, a removed one
// leaves a gap in the sequence and a broken link, and a changed file no
// longer hashes to its entry's SHA-256. Removing the newest entries leaves a
// shorter valid chain that ends before the register's head row; whoever can
// rewrite the head row as well is caught only by a copy of the head kept
// elsewhere: the head hash is written to the audit log at every issue (and
// belongs published elsewhere; docs/documents.md).
//
// Status (issued → signed → accepted | rejected) is not part of the chain:
// it follows from the signatures, which prove themselves.
import { createHash } from "node:crypto";

export const DocumentTypes = [
  "statement",
  "act_of_services",
  "invoice",
  "completion_act",
  "service_report",
  "savings_report",
] as const;
export type DocumentType = (typeof DocumentTypes)[number];

export const DocumentStatuses = ["issued", "signed", "accepted", "rejected"] as const;
export type DocumentStatus = (typeof DocumentStatuses)[number];

export interface Party {
  /** executor (the service company), customer (the region), issuer (of a report). */
  role: "executor" | "customer" | "issuer" | "subject";
  org: string;
  name: string;
}

export interface NewDocument {
  type: DocumentType;
  /** "2026-11" for a month, "2026-01-01/2026-12-01" for a range, or the work order's month. */
  period: string;
  parties: Party[];
  mediaType: string;
  fileName: string;
  issuedBy: string;
  /** Signs first (the executor; the region for its own reports). */
  firstSigner: string;
  /** Accepts by countersigning, or rejects; null: one signature completes it. */
  countersigner: string | null;
  /** What the document is of, to find it again (e.g. "completion_act:WO-3"). */
  subject: string;
}

export interface RegisterEntry extends NewDocument {
  seq: number;
  id: string;
  sha256: string;
  sizeBytes: number;
  issuedAt: string;
  prevHash: string;
  entryHash: string;
  status: DocumentStatus;
  statusReason: string | null;
  updatedAt: string;
}

export const GENESIS_HASH = "0".repeat(64);

export const sha256Hex = (bytes: Buffer | string): string => createHash("sha256").update(bytes).digest("hex");

/** The entry's hash: SHA-256 of the JSON array of its chained fields, in this order. */
export function entryHash(
  e: Omit<RegisterEntry, "entryHash" | "status" | "statusReason" | "updatedAt">,
): string {
  return sha256Hex(
    JSON.stringify([
      e.seq,
      e.id,
      e.type,
      e.period,
      e.parties.map((p) => [p.role, p.org, p.name]),
      e.mediaType,
      e.fileName,
      e.sha256,
      e.sizeBytes,
      e.issuedAt,
      e.issuedBy,
      e.firstSigner,
      e.countersigner,
      e.subject,
      e.prevHash,
    ]),
  );
}

export interface ChainProblem {
  seq: number;
  id: string | null;
  problem: string;
}

export interface ChainReport {
  ok: boolean;
  entries: number;
  head: string;
  problems: ChainProblem[];
}

/**
 * Checks entries in sequence order: consecutive numbers from 1, each hash
 * recomputed, each link to the previous hash, (when `fileHash` is given)
 * each stored file against its SHA-256, and (when `head` is given) that the
 * chain ends where the register's head row says — removing the newest
 * entries leaves a chain that is valid in itself but ends early.
 */
export function verifyChain(
  entries: readonly RegisterEntry[],
  fileHash?: (id: string) => string | null,
  head?: { seq: number; entryHash: string },
): ChainReport {
  const problems: ChainProblem[] = [];
  let prev = GENESIS_HASH;
  let expected = 1;
  for (const e of entries) {
    if (e.seq !== expected)
      problems.push({ seq: expected, id: null, problem: `entries ${expected}–${e.seq - 1} are missing` });
    if (e.prevHash !== prev)
      problems.push({ seq: e.seq, id: e.id, problem: "does not link to the previous entry's hash" });
    if (entryHash(e) !== e.entryHash)
      problems.push({ seq: e.seq, id: e.id, problem: "its fields do not hash to its entry hash (altered)" });
    if (fileHash) {
      const actual = fileHash(e.id);
      if (actual === null) problems.push({ seq: e.seq, id: e.id, problem: "its file is missing" });
      else if (actual !== e.sha256)
        problems.push({ seq: e.seq, id: e.id, problem: "its file does not match its SHA-256 (altered)" });
    }
    prev = e.entryHash;
    expected = e.seq + 1;
  }
  if (head && (head.seq !== expected - 1 || head.entryHash !== prev))
    problems.push({
      seq: head.seq,
      id: null,
      problem:
        head.seq > expected - 1
          ? `the head names entry ${head.seq} but the chain ends at ${expected - 1}: entries were removed from the end`
          : `the head (entry ${head.seq}, ${head.entryHash.slice(0, 12)}…) is not the chain's end (entry ${expected - 1})`,
    });
  return { ok: problems.length === 0, entries: entries.length, head: prev, problems };
}
