// Work orders: what a service company does about an alarm. One order is
// created from an alarm (routed to the alarm's company) and moves
// open → in_progress → done; `done` is final. An order may also go straight
// from open to done: a small job found and fixed in one visit is recorded
// after the fact, and its `started_at` stays empty (no separate start was
// reported). Nothing moves backwards; a change the state forbids is a
// WorkOrderConflict (HTTP 409).
//
// Tables beside the service model's in the metadata database (shared by
// replicas): the order, its photos (bytes in the row: a few per order, at
// most 5 MB each) and its history. Every change is a history row with actor
// and time, written in the same transaction as the change, which holds the
// order's row (or, for a new order, the numbering lock) against other
// replicas. Times are epoch ms UTC.
import { CodedError } from "../../common/errors.ts";
import { type IoResult, success } from "../../common/result.ts";
import { forUpdate, type MetaDb, type SqlRunner, type SqlTx } from "../db/types.ts";
import { detectImageType } from "../lib/image-check.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import type { AlarmRecord } from "./alarm-book.ts";

export const WorkOrderStates = ["open", "in_progress", "done"] as const;
export type WorkOrderState = (typeof WorkOrderStates)[number];

export const WorkOrderEventKinds = ["created", "state", "assigned", "findings", "parts", "photo"] as const;
export type WorkOrderEventKind = (typeof WorkOrderEventKinds)[number];

export const PhotoTypes = ["image/jpeg", "image/png"] as const;
export type PhotoType = (typeof PhotoTypes)[number];

export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
export const MAX_PHOTOS_PER_ORDER = 20;

export interface WorkOrderPart {
  name: string;
  partNumber?: string;
  quantity: number;
}

export interface WorkOrder {
  id: string;
  alarm: string;
  asset: string;
  company: string;
  state: WorkOrderState;
  title: string;
  description: string | null;
  assignee: string | null;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  doneAt: string | null;
  findings: string | null;
  parts: WorkOrderPart[];
  updatedAt: string;
}

export interface WorkOrderEvent {
  id: number;
  workOrder: string;
  at: string;
  kind: WorkOrderEventKind;
  actor: string;
  from: string | null;
  to: string | null;
}

export interface WorkOrderPhoto {
  id: number;
  workOrder: string;
  contentType: PhotoType;
  sizeBytes: number;
  createdAt: string;
  by: string;
}

export interface WorkOrderFilter {
  asset?: string;
  state?: WorkOrderState;
  company?: string;
  alarm?: string;
  /** Newest first; default 200. */
  limit?: number;
}

export interface WorkOrderChange {
  state?: WorkOrderState;
  assignee?: string | null;
  findings?: string | null;
  parts?: WorkOrderPart[];
}

/** A change the order's state forbids; the message says which. */
export class WorkOrderConflict extends CodedError {
  override readonly name = "WorkOrderConflict";
  constructor(message: string) {
    super("CONFLICT", message);
  }
}

const NEXT: Readonly<Record<WorkOrderState, readonly WorkOrderState[]>> = {
  open: ["in_progress", "done"],
  in_progress: ["done"],
  done: [],
};

/** Whether an order may move from one state to another (staying is not a move). */
export const canTransition = (from: WorkOrderState, to: WorkOrderState): boolean => NEXT[from].includes(to);

export { detectImageType };

/** Held while a new order takes the next number (WO-<n>). */
const NUMBERING_LOCK = "vetra.work-orders.numbering";

type OrderRow = Pick<
  WorkOrder,
  "id" | "alarm" | "asset" | "company" | "state" | "title" | "description" | "assignee" | "findings"
> & {
  created_by: string;
  created_at: number;
  started_at: number | null;
  done_at: number | null;
  parts: string;
  updated_at: number;
};

interface EventRow {
  id: number;
  work_order: string;
  at: number;
  kind: WorkOrderEventKind;
  actor: string;
  from_value: string | null;
  to_value: string | null;
}

interface PhotoRow {
  id: number;
  work_order: string;
  content_type: PhotoType;
  size_bytes: number;
  created_at: number;
  created_by: string;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const orderOf = (r: OrderRow): WorkOrder => ({
  id: r.id,
  alarm: r.alarm,
  asset: r.asset,
  company: r.company,
  state: r.state,
  title: r.title,
  description: r.description,
  assignee: r.assignee,
  createdBy: r.created_by,
  createdAt: iso(r.created_at)!,
  startedAt: iso(r.started_at),
  doneAt: iso(r.done_at),
  findings: r.findings,
  parts: JSON.parse(r.parts) as WorkOrderPart[],
  updatedAt: iso(r.updated_at)!,
});

/** Parts as stored: trimmed names, no empty part numbers. */
const normalParts = (parts: readonly WorkOrderPart[]): WorkOrderPart[] =>
  parts.map((p) => ({
    name: p.name.trim(),
    ...(p.partNumber?.trim() ? { partNumber: p.partNumber.trim() } : {}),
    quantity: p.quantity,
  }));

export class WorkOrders {
  constructor(
    private readonly db: MetaDb,
    private readonly clock: () => number = Date.now,
  ) {}

  private async insertEvent(
    tx: SqlTx,
    id: string,
    at: number,
    kind: WorkOrderEventKind,
    actor: string,
    from: string | null,
    to: string | null,
  ): Promise<void> {
    await tx.run(
      "INSERT INTO work_order_event (work_order, at, kind, actor, from_value, to_value) VALUES (?, ?, ?, ?, ?, ?)",
      [id, at, kind, actor, from, to],
    );
  }

  /**
   * Opens an order for an alarm. `also` runs inside the same transaction
   * with the new order (e.g. to note it in the alarm's history), so both are
   * written or neither.
   */
  async create(
    input: {
      alarm: { id: string; asset: string; company: string };
      title: string;
      description?: string | null;
      assignee?: string | null;
      actor: string;
    },
    also?: (order: WorkOrder, tx: SqlTx) => Promise<void>,
  ): Promise<WorkOrder> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      // The next number is read and taken under one lock, also across replicas.
      await tx.lock(NUMBERING_LOCK);
      const n = ((await tx.get<{ n: number | null }>("SELECT MAX(seq) AS n FROM work_order"))?.n ?? 0) + 1;
      const id = `WO-${n}`;
      await tx.run(
        `INSERT INTO work_order (seq, id, alarm, asset, company, state, title, description, assignee,
           created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)`,
        [
          n,
          id,
          input.alarm.id,
          input.alarm.asset,
          input.alarm.company,
          input.title,
          input.description ?? null,
          input.assignee ?? null,
          input.actor,
          now,
          now,
        ],
      );
      await this.insertEvent(tx, id, now, "created", input.actor, null, "open");
      if (input.assignee) await this.insertEvent(tx, id, now, "assigned", input.actor, null, input.assignee);
      const order = (await this.getIn(tx, id))!;
      await also?.(order, tx);
      return order;
    });
  }

  private async getIn(db: SqlRunner, id: string): Promise<WorkOrder | null> {
    const row = await db.get<OrderRow>("SELECT * FROM work_order WHERE id = ?", [id]);
    return row ? orderOf(row) : null;
  }

  get(id: string): Promise<WorkOrder | null> {
    return this.getIn(this.db, id);
  }

  async list(filter: WorkOrderFilter = {}): Promise<WorkOrder[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    for (const key of ["asset", "state", "company", "alarm"] as const) {
      const value = filter[key];
      if (value === undefined) continue;
      where.push(`${key} = ?`);
      args.push(value);
    }
    const sql = `SELECT * FROM work_order ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY created_at DESC, seq DESC LIMIT ?`;
    return (await this.db.all<OrderRow>(sql, [...args, filter.limit ?? 200])).map(orderOf);
  }

  /**
   * Applies a change: state (forward only), assignee, findings, parts. Fields
   * equal to the current ones are no change and leave no history; any change
   * to a done order is a WorkOrderConflict. Null when there is no such order.
   */
  update(id: string, change: WorkOrderChange, actor: string): Promise<WorkOrder | null> {
    return this.db.transaction(async (tx): Promise<WorkOrder | null> => {
      const row = await tx.get<OrderRow>(`SELECT * FROM work_order WHERE id = ?${forUpdate(tx)}`, [id]);
      if (!row) return null;
      const now = this.clock();
      const sets: string[] = [];
      const args: (string | number | null)[] = [];
      const events: [WorkOrderEventKind, string | null, string | null][] = [];
      const set = (column: string, value: string | number | null) => {
        sets.push(`${column} = ?`);
        args.push(value);
      };
      if (change.state !== undefined && change.state !== row.state) {
        if (!canTransition(row.state, change.state))
          throw new WorkOrderConflict(
            row.state === "done"
              ? `work order ${id} is done; done is final`
              : `work order ${id}: no transition ${row.state} → ${change.state} (only open → in_progress → done)`,
          );
        set("state", change.state);
        if (change.state === "in_progress") set("started_at", now);
        if (change.state === "done") set("done_at", now);
        events.push(["state", row.state, change.state]);
      }
      if (change.assignee !== undefined && change.assignee !== row.assignee) {
        set("assignee", change.assignee);
        events.push(["assigned", row.assignee, change.assignee]);
      }
      if (change.findings !== undefined && change.findings !== row.findings) {
        set("findings", change.findings);
        events.push(["findings", row.findings, change.findings]);
      }
      if (change.parts !== undefined) {
        const parts = JSON.stringify(normalParts(change.parts));
        if (parts !== row.parts) {
          set("parts", parts);
          events.push(["parts", row.parts, parts]);
        }
      }
      if (sets.length === 0) return orderOf(row);
      // The state check covers every field: the same request that closes an order may still fill it in.
      if (row.state === "done") throw new WorkOrderConflict(`work order ${id} is done; done is final`);
      set("updated_at", now);
      await tx.run(`UPDATE work_order SET ${sets.join(", ")} WHERE id = ?`, [...args, id]);
      for (const [kind, from, to] of events) await this.insertEvent(tx, id, now, kind, actor, from, to);
      return this.getIn(tx, id);
    });
  }

  async events(id: string): Promise<WorkOrderEvent[]> {
    return (
      await this.db.all<EventRow>("SELECT * FROM work_order_event WHERE work_order = ? ORDER BY id", [id])
    ).map((r) => ({
      id: r.id,
      workOrder: r.work_order,
      at: iso(r.at)!,
      kind: r.kind,
      actor: r.actor,
      from: r.from_value,
      to: r.to_value,
    }));
  }

  /**
   * Stores a photo whose bytes are a JPEG or PNG (by magic bytes, not by the
   * declared type). Null when there is no such order; WorkOrderConflict for a
   * done order or one that has the maximum of photos; RangeError for bytes
   * that are no image or too large (a caller's bug: the route checks first).
   */
  async addPhoto(id: string, bytes: Uint8Array, actor: string): Promise<WorkOrderPhoto | null> {
    const type = detectImageType(bytes);
    if (type === null) throw new RangeError("photo: neither JPEG nor PNG");
    if (bytes.length > MAX_PHOTO_BYTES) throw new RangeError(`photo: more than ${MAX_PHOTO_BYTES} bytes`);
    return this.db.transaction(async (tx): Promise<WorkOrderPhoto | null> => {
      // The order's row held: two replicas adding photos at once count each other's.
      const order = await tx.get<OrderRow>(`SELECT * FROM work_order WHERE id = ?${forUpdate(tx)}`, [id]);
      if (!order) return null;
      if (order.state === "done") throw new WorkOrderConflict(`work order ${id} is done; done is final`);
      const count =
        (await tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM work_order_photo WHERE work_order = ?", [id]))
          ?.n ?? 0;
      if (count >= MAX_PHOTOS_PER_ORDER)
        throw new WorkOrderConflict(`work order ${id} has ${MAX_PHOTOS_PER_ORDER} photos already`);
      const now = this.clock();
      const inserted = await tx.get<{ id: number }>(
        "INSERT INTO work_order_photo (work_order, content_type, bytes, created_at, created_by) VALUES (?, ?, ?, ?, ?) RETURNING id",
        [id, type, bytes, now, actor],
      );
      const photoId = inserted!.id;
      await this.insertEvent(tx, id, now, "photo", actor, null, String(photoId));
      await tx.run("UPDATE work_order SET updated_at = ? WHERE id = ?", [now, id]);
      return {
        id: photoId,
        workOrder: id,
        contentType: type,
        sizeBytes: bytes.length,
        createdAt: iso(now)!,
        by: actor,
      };
    });
  }

  /** The order's photos without their bytes, oldest first. */
  async photos(id: string): Promise<WorkOrderPhoto[]> {
    return (
      await this.db.all<PhotoRow>(
        `SELECT id, work_order, content_type, octet_length(bytes) AS size_bytes, created_at, created_by
         FROM work_order_photo WHERE work_order = ? ORDER BY id`,
        [id],
      )
    ).map((r) => ({
      id: r.id,
      workOrder: r.work_order,
      contentType: r.content_type,
      sizeBytes: r.size_bytes,
      createdAt: iso(r.created_at)!,
      by: r.created_by,
    }));
  }

  /** One photo's bytes, if it belongs to that order. */
  async photo(id: string, photoId: number): Promise<{ contentType: PhotoType; bytes: Buffer } | null> {
    const row = await this.db.get<{ content_type: PhotoType; bytes: Buffer }>(
      "SELECT content_type, bytes FROM work_order_photo WHERE work_order = ? AND id = ?",
      [id, photoId],
    );
    return row ? { contentType: row.content_type, bytes: row.bytes } : null;
  }

  /** Per asset, a company's orders opened and done in [fromMs, toMs) (the monthly service report). */
  async countsByAsset(
    company: string,
    fromMs: number,
    toMs: number,
  ): Promise<Map<string, { opened: number; done: number }>> {
    const rows = await this.db.all<{ asset: string; opened: number; done: number }>(
      `SELECT asset,
         SUM(CASE WHEN created_at >= ? AND created_at < ? THEN 1 ELSE 0 END) AS opened,
         SUM(CASE WHEN done_at IS NOT NULL AND done_at >= ? AND done_at < ? THEN 1 ELSE 0 END) AS done
       FROM work_order WHERE company = ?
         AND ((created_at >= ? AND created_at < ?) OR (done_at >= ? AND done_at < ?))
       GROUP BY asset`,
      [fromMs, toMs, fromMs, toMs, company, fromMs, toMs, fromMs, toMs],
    );
    return new Map(rows.map((r) => [r.asset, { opened: r.opened, done: r.done }]));
  }
}

/** What the alarm's evidence was when the order was shown or printed: the newest diagnosis or vibration row. */
export interface Evidence {
  source: "diagnosis" | "vibration";
  at: string;
  fields: Record<string, number>;
}

/**
 * The evidence behind an alarm, for its work order: the newest diagnosis row
 * of its point and fault, else (a zone alarm) the point's newest vibration
 * row; null when the store has neither.
 */
export async function alarmEvidence(
  store: TimeSeriesStore,
  alarm: AlarmRecord,
): Promise<IoResult<Evidence | null>> {
  const tags = { asset: alarm.asset, point: alarm.point };
  const diagnosis = await store.latest({
    measurement: "diagnosis",
    tags: { ...tags, fault: alarm.fault },
    groupBy: ["asset"],
  });
  if (diagnosis.kind !== "success") return diagnosis;
  const d = diagnosis.value[0];
  if (d) return success({ source: "diagnosis", at: new Date(d.ts).toISOString(), fields: d.fields });
  if (!alarm.isoZone) return success(null);
  const vibration = await store.latest({ measurement: "vibration", tags, groupBy: ["asset"] });
  if (vibration.kind !== "success") return vibration;
  const v = vibration.value[0];
  return success(v ? { source: "vibration", at: new Date(v.ts).toISOString(), fields: v.fields } : null);
}
