// Where central keeps control state: the points each agent declared, operator
// commands and their lifecycle, schedules and demand limits per facility, the
// points' last seen state and the edge's control events, and a revision per
// site that moves with every change of its desired state. One small
// interface, asynchronous; `DbControlRepository` (db-repository.ts) keeps it
// on central's metadata database, SQLite or PostgreSQL. The conformance
// suite every implementation passes, on each engine:
// test/conformance/control-repository.ts.
import type {
  CommandState,
  ControlCommand,
  ControlEvent,
  ControlPointDecl,
  DemandLimit,
  PointState,
  Schedule,
} from "../../common/control.ts";

/** One step of a command's lifecycle. */
export interface CommandTransition {
  state: CommandState;
  /** Epoch ms. */
  at: number;
  reason?: string;
  /** The value read back from the device, when the step has one. */
  actual?: number;
}

/** A command as central keeps it: what was asked, where it is now, and how it got there. */
export interface StoredCommand extends ControlCommand {
  site: string;
  state: CommandState;
  /** When the current state was reached. */
  stateAt: number;
  /** Why the current state (a refusal's or failure's reason, `superseded by …`). */
  stateReason: string | null;
  /** The last value read back for this command. */
  actual: number | null;
  /** Every step, oldest first. */
  history: CommandTransition[];
}

export interface CommandFilter {
  asset?: string;
  site?: string;
  /** Only commands not yet in a final state. */
  active?: boolean;
  /** Newest first, at most this many (default 100). */
  limit?: number;
}

export interface StoredEvent extends ControlEvent {
  site: string;
}

/** A point's newest write failure and newest write restored, epoch ms (null: none). */
export interface WriteOutcomes {
  point: string;
  failedAt: number | null;
  restoredAt: number | null;
}

export interface ControlRepository {
  /** The site's desired-state revision (0 before any change). */
  revision(site: string): Promise<number>;
  /** Moves the site's revision on; returns the new one. */
  bumpRevision(site: string): Promise<number>;

  /** Replaces what the site's agent declares (the edge is the authority on these). */
  putDeclarations(site: string, declarations: readonly ControlPointDecl[], atMs: number): Promise<void>;
  /** The points last declared for an asset, by point name. */
  declarations(asset: string): Promise<ControlPointDecl[]>;

  /** Stores a new command in state `requested` (its first history step). */
  createCommand(command: ControlCommand & { site: string }): Promise<StoredCommand>;
  getCommand(id: string): Promise<StoredCommand | null>;
  listCommands(filter: CommandFilter): Promise<StoredCommand[]>;
  /** Active commands whose `until` is at or before `nowMs`. */
  dueToExpire(nowMs: number): Promise<StoredCommand[]>;
  /**
   * Appends a step and makes it the current state, if the lifecycle lets the
   * command's state at that moment move there (lifecycle.ts `mayMove`),
   * decided atomically: null when there is no such command or it may not
   * move (already final, or further on), so two replicas making the same
   * step at once record it once.
   */
  addTransition(id: string, step: CommandTransition): Promise<StoredCommand | null>;

  putSchedule(site: string, asset: string, schedule: Schedule, byActor: string, atMs: number): Promise<void>;
  getSchedule(asset: string): Promise<{ schedule: Schedule; updatedAt: number; updatedBy: string } | null>;
  /** The site's schedules by asset. */
  schedulesOfSite(site: string): Promise<Record<string, Schedule>>;

  putLimit(site: string, asset: string, limit: DemandLimit, byActor: string, atMs: number): Promise<void>;
  getLimit(asset: string): Promise<{ limit: DemandLimit; updatedAt: number; updatedBy: string } | null>;
  limitsOfSite(site: string): Promise<Record<string, DemandLimit>>;

  /** Keeps each point's newest state (an older one than stored is ignored). */
  putStates(states: readonly PointState[]): Promise<void>;
  states(asset: string): Promise<PointState[]>;

  /** Appends events; one already stored (same asset, point, kind and time: a re-send) is not doubled. */
  addEvents(site: string, events: readonly ControlEvent[]): Promise<number>;
  /** An asset's events, newest first. */
  events(asset: string, limit: number): Promise<StoredEvent[]>;
  /**
   * For each point of the asset with a `write_failed` or `write_restored`
   * event, when its newest of each happened (null: none), by point. Read
   * through the events' key (asset, point, kind, at), a few index lookups per
   * point, however many events the asset has.
   */
  lastWriteOutcomes(asset: string): Promise<WriteOutcomes[]>;
}
