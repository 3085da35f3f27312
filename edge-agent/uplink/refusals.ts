// Points central's catalog says central would refuse, refused before they
// are queued: kept as dead letters (for `vetra edge dead-letters resend`
// once central's configuration is fixed), counted per source and code, and
// logged once per source and reason until the catalog changes — one line
// for a mistyped asset polled every second, not one per poll.
import { checkMeasuringPoint, checkPoint, type PointRefusal } from "../../common/catalog.ts";
import type { ErrorCode } from "../../common/errors.ts";
import type { SpectrumUpload } from "../../common/spectrum.ts";
import type { Point } from "../../common/wire.ts";
import type { PointQueue } from "../queue/queue.ts";
import type { CentralCatalog } from "./catalog.ts";

export interface LocalRefusalsOptions {
  readonly catalog: Pick<CentralCatalog, "current">;
  readonly queue: Pick<PointQueue, "refuse">;
  readonly log: (line: string) => void;
  /** `points` of `origin` refused with `code` (0 for a spectrum snapshot, which is not a point). */
  readonly onRefused: (origin: string, code: ErrorCode, points: number) => void;
}

export class LocalRefusals {
  private readonly logged = new Set<string>();

  constructor(private readonly o: LocalRefusalsOptions) {}

  /** The catalog changed: a reason still refused is logged once more. */
  catalogChanged(): void {
    this.logged.clear();
  }

  /** The points central's catalog accepts (all of them without a catalog); the others become dead letters. */
  admit(points: Point[], origin: string): Point[] {
    const index = this.o.catalog.current();
    if (!index) return points;
    let kept: Point[] | null = null;
    let refused: Map<string, { refusal: PointRefusal; what: string; points: Point[] }> | null = null;
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      const refusal = checkPoint(index, p);
      if (!refusal) {
        kept?.push(p);
        continue;
      }
      kept ??= points.slice(0, i);
      refused ??= new Map();
      const key = `${refusal.code}\n${refusal.message}`;
      const group = refused.get(key) ?? { refusal, what: describe(p), points: [] };
      group.points.push(p);
      refused.set(key, group);
    }
    if (!refused) return points;
    for (const g of refused.values()) {
      this.o.queue.refuse(g.points, `local:${origin}`, g.refusal.code, g.refusal.message);
      this.note(origin, g.what, g.refusal, g.points.length);
    }
    return kept ?? [];
  }

  /** True when central would refuse the snapshot (its point's features are refused with the same line). */
  refusesSnapshot(upload: SpectrumUpload, origin: string): boolean {
    const index = this.o.catalog.current();
    const refusal = index ? checkMeasuringPoint(index, upload.asset, upload.point) : null;
    if (!refusal) return false;
    this.note(origin, `vibration of ${upload.asset}/${upload.point}`, refusal, 0);
    return true;
  }

  private note(origin: string, what: string, refusal: PointRefusal, points: number): void {
    this.o.onRefused(origin, refusal.code, points);
    const key = `${origin}\n${refusal.code}\n${refusal.message}`;
    if (this.logged.has(key)) return;
    this.logged.add(key);
    this.o.log(
      `source ${origin}: ${what}: ${refusal.code} ${refusal.message}; central does not accept it, so it is not sent (kept as dead letters: vetra edge dead-letters list)`,
    );
  }
}

const describe = (p: Point): string =>
  `${p.measurement} of ${p.tags.asset ?? "-"}${p.tags.point === undefined ? "" : `/${p.tags.point}`}`;
