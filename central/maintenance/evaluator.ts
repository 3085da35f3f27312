// Turns what the edge reports into alarm occurrences: derives the conditions
// that hold now (ISO zones, the edge's diagnoses, facility anomalies, rooms
// out of their comfort band, writes the edge cannot make) and
// reconciles the alarm book with them — periodically, shortly after ingest,
// and before a read that must see the latest ingest. The edge's persistence
// rules decide when a diagnosis is raised; central only follows, so it does
// not re-raise per block. Every condition then passes the alarm book's
// filter (on-delay, off-delay, deadband; ./alarm-filter.ts) with the
// parameters of its kind (`alarms` in the config).
//
// Replicas each run an evaluator on the shared metadata database; the book
// applies an observation only if it is not older than the last one applied,
// and applies one reconcile at a time (its lock), so they never undo each
// other and a condition raises one occurrence whichever replica saw it. A store that cannot be read changes
// nothing: no alarm clears because data could not be fetched.
import { channel } from "node:diagnostics_channel";
import { CodedError } from "../../common/errors.ts";
import {
  DEFAULT_ZONE_TABLE,
  type ZoneTableConfig,
  zoneBoundaryRows,
  zoneTableWithOverrides,
} from "../../common/iso-zones.ts";
import type { IoResult } from "../../common/result.ts";
import type { CentralConfig } from "../config.ts";
import type { FleetIndex, MetaStore } from "../meta/meta.ts";
import { deriveFacilityConditions } from "../savings/alarms.ts";
import type { SavingsConfig } from "../savings/config.ts";
import type { TimeSeriesStore } from "../stores/types.ts";
import type { AlarmBook, Condition, ReconcileResult, Route } from "./alarm-book.ts";
import { type AlarmFilterParams, type ConditionKind, filterParamsOf } from "./alarm-filter.ts";
import type { ComfortDeps } from "./comfort.ts";
import { deriveConditions } from "./conditions.ts";
import { contractAt, responsibleCompany } from "./contracts.ts";
import { deriveControlConditions } from "./control-conditions.ts";

export interface EvaluatorOptions {
  store: TimeSeriesStore;
  meta: MetaStore;
  book: AlarmBook;
  alarms: CentralConfig["alarms"];
  savings: SavingsConfig;
  /** Central's overrides of the ISO zone table (config `zones`): the boundaries the zone deadband is judged against. */
  zones?: ZoneTableConfig;
  /** Control's conditions: rooms' comfort, writes that fail (./control-conditions.ts); absent: not watched. */
  control?: Omit<ComfortDeps, "store" | "meta">;
  clock?: () => number;
  log?: (message: string) => void;
  /** An evaluation that threw (e.g. SQLITE_FULL writing the book): it is skipped, never an unhandled rejection. */
  onError?: (error: unknown) => void;
}

/** Where a new occurrence goes in one copy of the fleet (null: the asset is gone). */
export const routeIn =
  (fleet: FleetIndex, defaultResponseTimeMs: number) =>
  (assetId: string, atMs: number): Route | null => {
    const asset = fleet.assetById.get(assetId);
    if (!asset) return null;
    return {
      company: responsibleCompany(asset, atMs),
      site: asset.site,
      responseTimeMs: contractAt(asset, atMs)?.responseTimeMs ?? defaultResponseTimeMs,
    };
  };

export type EvaluationOutcome = IoResult<ReconcileResult & { conditions: number }>;

/** What `evaluationChannel` publishes after each evaluation pass. */
export interface EvaluationMessage {
  evaluator: AlarmEvaluator;
  durationMs: number;
  outcome: EvaluationOutcome;
}

/**
 * Every finished pass (central/plugins/metrics.ts times them). A diagnostics
 * channel costs nothing while nobody subscribes.
 */
export const evaluationChannel = channel("vetra.central.alarm-evaluation");

export class AlarmEvaluator {
  private readonly clock: () => number;
  private running: Promise<EvaluationOutcome> | null = null;
  private again: Promise<EvaluationOutcome> | null = null;
  /**
   * Bumped by ingest; an evaluation started at seq n covers everything
   * ingested before it. Starts dirty: after a (re)start the first read waits
   * for an evaluation of what the store holds.
   */
  private dirtySeq = 1;
  private evaluatedSeq = 0;
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private facility: { atMs: number; conditions: Condition[] } | null = null;
  private stopped = false;
  /** The zone boundaries in force (the defaults with central's `zones` overrides). */
  private readonly zoneBoundaries: ReturnType<typeof zoneBoundaryRows>;

  constructor(private readonly o: EvaluatorOptions) {
    this.clock = o.clock ?? Date.now;
    this.zoneBoundaries = zoneBoundaryRows(zoneTableWithOverrides(DEFAULT_ZONE_TABLE, o.zones));
  }

  /**
   * Where a new occurrence of an asset's alarm goes — the contract covering
   * the time, else the owner — in the fleet as it is now (a function of that
   * copy: the book calls it inside its transaction).
   */
  async routes(): Promise<(assetId: string, atMs: number) => Route | null> {
    return routeIn(await this.o.meta.fleet.current(), this.o.alarms.defaultResponseTimeMinutes * 60_000);
  }

  /** On-delay, off-delay and deadband of a kind of condition (`alarms` and `alarms.byKind`). */
  filterOf = (kind: ConditionKind | undefined): AlarmFilterParams => filterParamsOf(this.o.alarms, kind);

  start(): void {
    this.stopped = false;
    const every = this.o.alarms.evaluateEveryMs;
    if (every > 0 && !this.timer) {
      this.timer = setInterval(() => void this.evaluate(), every);
      this.timer.unref();
    }
  }

  /** Stops the timers and waits for an evaluation in flight (before the stores close). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.timer = null;
    this.debounce = null;
    await this.again?.catch(() => undefined);
    await this.running?.catch(() => undefined);
  }

  /** New data arrived: evaluate soon (debounced), and make the next read wait for it. */
  markDirty(): void {
    this.dirtySeq++;
    if (this.stopped || this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.evaluate();
    }, this.o.alarms.debounceMs);
    this.debounce.unref();
  }

  /** Resolves once the book reflects everything ingested before this call (a read-your-writes read). */
  async ensureFresh(): Promise<void> {
    if (this.evaluatedSeq >= this.dirtySeq) return;
    const target = this.dirtySeq;
    while (this.evaluatedSeq < target && !this.stopped) {
      const r = await this.evaluate();
      if (r.kind !== "success") return; // the read shows the book as it is; the store's error is logged
    }
  }

  /**
   * One evaluation; concurrent callers share it, and a call while one runs
   * queues exactly one more (so it sees data the running one may have missed).
   */
  evaluate(): Promise<EvaluationOutcome> {
    if (!this.running) {
      const startedMs = performance.now();
      this.running = this.runOnceSafely()
        .then((outcome) => this.published(outcome, startedMs))
        .finally(() => {
          this.running = null;
        });
      return this.running;
    }
    if (!this.again) {
      this.again = this.running.then(() => {
        this.again = null;
        return this.evaluate();
      });
    }
    return this.again;
  }

  private published(outcome: EvaluationOutcome, startedMs: number): EvaluationOutcome {
    if (evaluationChannel.hasSubscribers) {
      const message: EvaluationMessage = {
        evaluator: this,
        durationMs: performance.now() - startedMs,
        outcome,
      };
      evaluationChannel.publish(message);
    }
    return outcome;
  }

  /** The timers call evaluate() without awaiting it: a throw (a full disk, a locked file) becomes a failed outcome. */
  private async runOnceSafely(): Promise<EvaluationOutcome> {
    try {
      return await this.runOnce();
    } catch (error) {
      this.o.onError?.(error);
      const message = error instanceof Error ? error.message : String(error);
      return this.failed({ kind: "retryable", code: "INTERNAL", message, retryInMillis: 0 });
    }
  }

  private async runOnce(): Promise<EvaluationOutcome> {
    try {
      return await this.pass();
    } catch (error) {
      // The metadata database away (PostgreSQL restarting): nothing changed; the next pass tries again.
      if (error instanceof CodedError && error.code === "STORE_UNAVAILABLE")
        return this.failed({
          kind: "retryable",
          code: error.code,
          message: error.message,
          retryInMillis: this.o.alarms.evaluateEveryMs,
        });
      throw error;
    }
  }

  private async pass(): Promise<EvaluationOutcome> {
    const seq = this.dirtySeq;
    const observedAtMs = this.clock();
    const known = await this.o.book.knownConditions();
    const vibration = await deriveConditions(
      this.o.store,
      this.o.meta,
      observedAtMs,
      (key) => known.get(key),
      () => this.zoneBoundaries,
    );
    if (vibration.kind !== "success") return this.failed(vibration);
    const facility = await this.facilityConditions(observedAtMs);
    if (facility.kind !== "success") return this.failed(facility);
    const control = this.o.control
      ? await deriveControlConditions(
          { ...this.o.control, store: this.o.store, meta: this.o.meta },
          observedAtMs,
          (key) => known.get(key),
        )
      : ({ kind: "success", value: [] } as const);
    if (control.kind !== "success") return this.failed(control);
    const conditions = [
      ...vibration.value,
      ...facility.value.map((c) => ({ ...c, kind: "facility" as const })),
      ...control.value,
    ];
    const result = await this.o.book.reconcile(conditions, observedAtMs, {
      clearAfterMs: this.o.alarms.clearAfterMs,
      routeOf: await this.routes(),
      filter: this.filterOf,
    });
    this.evaluatedSeq = Math.max(this.evaluatedSeq, seq);
    return { kind: "success", value: { ...result, conditions: conditions.length } };
  }

  private failed(r: Exclude<IoResult<unknown>, { kind: "success" }>): EvaluationOutcome {
    this.o.log?.(`alarm evaluation skipped: ${r.message}`);
    return r;
  }

  private async facilityConditions(nowMs: number): Promise<IoResult<Condition[]>> {
    const cached = this.facility;
    if (cached && nowMs - cached.atMs < this.o.alarms.facilityEveryMs && nowMs >= cached.atMs)
      return { kind: "success", value: cached.conditions };
    const r = await deriveFacilityConditions(this.o.store, this.o.meta, this.o.savings, nowMs);
    if (r.kind === "success") this.facility = { atMs: nowMs, conditions: r.value };
    return r;
  }
}
