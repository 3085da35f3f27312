// The audit log: who acknowledged, changed or exported what, appended once
// the answer's status is known and before it is sent (plugins/admin.ts),
// durable like every commit of the metadata database.
import type { Role } from "../config.ts";
import type { MetaDb } from "../db/types.ts";

/** One line of the audit log. */
export interface AuditEntry {
  id: number;
  at: number;
  tokenId: number | null;
  actor: string;
  role: Role | null;
  /** e.g. `POST /api/v1/alarms/:id/ack`, `token.create`. */
  action: string;
  /** The concrete URL or object acted on. */
  target: string;
  status: number;
  detail: string;
}

export type NewAuditEntry = Omit<AuditEntry, "id" | "at" | "detail"> & { detail?: string };

export interface AuditLog {
  append(entry: NewAuditEntry, nowMs?: number): Promise<void>;
  /** The newest entries first. */
  list(limit?: number): Promise<AuditEntry[]>;
}

export class AuditStore implements AuditLog {
  constructor(private readonly db: MetaDb) {}

  async append(entry: NewAuditEntry, nowMs = Date.now()): Promise<void> {
    await this.db.run(
      "INSERT INTO audit (at, token_id, actor, role, action, target, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      [
        nowMs,
        entry.tokenId,
        entry.actor,
        entry.role,
        entry.action,
        entry.target,
        entry.status,
        entry.detail ?? "",
      ],
    );
  }

  async list(limit = 1000): Promise<AuditEntry[]> {
    // The columns under the entry's own names, so a row is an AuditEntry as read.
    return this.db.all<AuditEntry>(
      `SELECT id, at, token_id AS "tokenId", actor, role, action, target, status, detail
         FROM audit ORDER BY id DESC LIMIT ?`,
      [limit],
    );
  }
}
