// Spectrum snapshots: the newest SNAPSHOTS_KEPT_PER_POINT per measuring
// point (velocity and envelope spectra with their fault frequencies, see
// common/spectrum.ts), bodies over 16 KiB gzip'd.
import { gunzipSync, gzipSync } from "node:zlib";
import type { MetaDb } from "../db/types.ts";

/** Spectrum snapshots kept per measuring point (the newest). */
export const SNAPSHOTS_KEPT_PER_POINT = 50;
/** Snapshot bodies larger than this are stored gzip'd. */
const SNAPSHOT_GZIP_ABOVE_BYTES = 16 * 1024;

/** A stored spectrum snapshot: where and when, and its JSON (see common/spectrum.ts). */
export interface StoredSnapshot {
  asset: string;
  point: string;
  ts: number;
  reason: string;
  json: string;
}

export interface SnapshotRepository {
  /**
   * Stores snapshots (the same asset + point + ts again replaces it: a
   * re-send after a lost acknowledgement) and keeps the newest `keep` per
   * point, in one transaction. A `baseline` snapshot replaces the point's
   * baseline unless that one is newer, and is not one of the `keep`.
   */
  put(snapshots: readonly StoredSnapshot[], keep?: number, nowMs?: number): Promise<void>;
  /** The newest snapshot of a point (the newest `count` of it), or of each point of the asset when `point` is absent. */
  latest(asset: string, point?: string, count?: number): Promise<StoredSnapshot[]>;
  /** The point's baseline snapshot (its healthy reference spectra), or null before the edge sent one. */
  baseline(asset: string, point: string): Promise<StoredSnapshot | null>;
}

type Row = { asset: string; point: string; ts: number; reason: string; encoding: string; body: Buffer };

export class SnapshotStore implements SnapshotRepository {
  constructor(private readonly db: MetaDb) {}

  async put(
    snapshots: readonly StoredSnapshot[],
    keep = SNAPSHOTS_KEPT_PER_POINT,
    nowMs = Date.now(),
  ): Promise<void> {
    const points = new Map<string, [string, string]>();
    const locks = new Set<string>();
    for (const s of snapshots) {
      locks.add(`${s.asset}\n${s.point}`);
      if (s.reason !== "baseline") points.set(`${s.asset}\n${s.point}`, [s.asset, s.point]);
    }
    await this.db.transaction(async (tx) => {
      // Replicas storing snapshots of one point at once keep exactly `keep` (locks in one order: no deadlock).
      for (const key of [...locks].sort()) await tx.lock(`vetra.snapshots\n${key}`);
      for (const s of snapshots) {
        const raw = Buffer.from(s.json, "utf8");
        const zipped = raw.length > SNAPSHOT_GZIP_ABOVE_BYTES;
        if (s.reason === "baseline") {
          await tx.run(
            `INSERT INTO baseline_spectrum (asset, point, ts, received_at, encoding, body) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (asset, point) DO UPDATE SET ts = excluded.ts, received_at = excluded.received_at,
               encoding = excluded.encoding, body = excluded.body
             WHERE excluded.ts >= baseline_spectrum.ts`,
            [s.asset, s.point, s.ts, nowMs, zipped ? "gzip" : "identity", zipped ? gzipSync(raw) : raw],
          );
          continue;
        }
        await tx.run(
          `INSERT INTO spectrum_snapshot (asset, point, ts, reason, received_at, encoding, body) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (asset, point, ts) DO UPDATE SET reason = excluded.reason, received_at = excluded.received_at,
             encoding = excluded.encoding, body = excluded.body`,
          [
            s.asset,
            s.point,
            s.ts,
            s.reason,
            nowMs,
            zipped ? "gzip" : "identity",
            zipped ? gzipSync(raw) : raw,
          ],
        );
      }
      for (const [asset, point] of points.values())
        await tx.run(
          `DELETE FROM spectrum_snapshot WHERE asset = ? AND point = ? AND ts < (
             SELECT ts FROM spectrum_snapshot WHERE asset = ? AND point = ? ORDER BY ts DESC LIMIT 1 OFFSET ?)`,
          [asset, point, asset, point, keep - 1],
        );
    });
  }

  async latest(asset: string, point?: string, count = 1): Promise<StoredSnapshot[]> {
    const rows =
      point === undefined
        ? await this.db.all<Row>(
            `SELECT s.asset, s.point, s.ts, s.reason, s.encoding, s.body FROM spectrum_snapshot s
             JOIN (SELECT point, MAX(ts) AS ts FROM spectrum_snapshot WHERE asset = ? GROUP BY point) m
               ON s.point = m.point AND s.ts = m.ts
             WHERE s.asset = ? ORDER BY s.point`,
            [asset, asset],
          )
        : await this.db.all<Row>(
            `SELECT asset, point, ts, reason, encoding, body FROM spectrum_snapshot
             WHERE asset = ? AND point = ? ORDER BY ts DESC LIMIT ?`,
            [asset, point, count],
          );
    return rows.map((r) => ({
      asset: r.asset,
      point: r.point,
      ts: r.ts,
      reason: r.reason,
      json: (r.encoding === "gzip" ? gunzipSync(r.body) : r.body).toString("utf8"),
    }));
  }

  async baseline(asset: string, point: string): Promise<StoredSnapshot | null> {
    const row = await this.db.get<Omit<Row, "reason">>(
      "SELECT asset, point, ts, encoding, body FROM baseline_spectrum WHERE asset = ? AND point = ?",
      [asset, point],
    );
    if (!row) return null;
    return {
      asset: row.asset,
      point: row.point,
      ts: row.ts,
      reason: "baseline",
      json: (row.encoding === "gzip" ? gunzipSync(row.body) : row.body).toString("utf8"),
    };
  }
}
