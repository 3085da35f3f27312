// What the log says about a source's trouble. An outage is the time a
// device does not answer (the source says so through `sink.link`): its
// start is logged with the error that began it, its end with the duration,
// the errors by code and the polls that brought nothing — every outage, a
// short one 30 s after another of the same kind too. A flapping device
// cannot flood the log: past `maxOutageLines` lines in `windowMs` a source's
// outages are counted and summarised in the next line that is written.
// Errors while the device answers (one register refused, one node
// missing) are logged once per distinct message and window, with how often
// they recurred. A source reports errors, then its link state for the poll
// or connection attempt they belong to: the errors before a `link(false)`
// are the outage's beginning, those before a `link(true)` are logged as they are.

export interface OutageLogOptions {
  readonly sourceId: string;
  /** The source's nominal poll or publishing period, ms (missed polls = outage / period). */
  readonly intervalMs: number;
  readonly log: (line: string) => void;
  readonly now?: () => number;
  /** Outage lines (starts and ends) per source per window before they are summarised. */
  readonly maxOutageLines?: number;
  readonly windowMs?: number;
  /** Called at every outage's start and end (metrics). */
  readonly onOutageStart?: () => void;
  readonly onOutageEnd?: (o: { durationMs: number; errors: number; missedPolls: number }) => void;
}

export interface OutageState {
  readonly down: boolean;
  readonly outages: number;
  /** Since when the current outage lasts, epoch ms (null while up). */
  readonly downSince: number | null;
}

const fmtS = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export class OutageLog {
  private down = false;
  private since = 0;
  private outages = 0;
  private errorsByCode = new Map<string, number>();
  private lastError: { code: string; message: string } | null = null;
  /** Errors since the last link report while up: they start an outage, or are logged as they are. */
  private pending: { code: string; message: string }[] = [];
  private readonly lineTimes: number[] = [];
  private suppressed = { outages: 0, downMs: 0 };
  private readonly seen = new Map<string, { at: number; repeats: number }>();
  private readonly now: () => number;
  private readonly maxLines: number;
  private readonly windowMs: number;

  constructor(private readonly o: OutageLogOptions) {
    this.now = o.now ?? Date.now;
    this.maxLines = o.maxOutageLines ?? 10;
    this.windowMs = o.windowMs ?? 10 * 60_000;
  }

  state(): OutageState {
    return { down: this.down, outages: this.outages, downSince: this.down ? this.since : null };
  }

  error(code: string, message: string): void {
    this.lastError = { code, message };
    if (this.down) {
      this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
      return;
    }
    // Whether this begins an outage is known at the source's next link report.
    if (this.pending.length < 100) this.pending.push({ code, message });
  }

  /** While the device answers: each distinct message once per window, then how often it came back. */
  private logError(code: string, message: string): void {
    const key = `${code} ${message}`;
    const t = this.now();
    const seen = this.seen.get(key);
    if (seen && t - seen.at < this.windowMs) {
      seen.repeats++;
      return;
    }
    const again =
      seen && seen.repeats > 0
        ? ` (${seen.repeats} more times in the last ${Math.round((t - seen.at) / 60_000)} min)`
        : "";
    this.seen.set(key, { at: t, repeats: 0 });
    if (this.seen.size > 500) this.seen.delete(this.seen.keys().next().value as string);
    this.o.log(`source ${this.o.sourceId}: ${code} ${message}${again}`);
  }

  link(up: boolean): void {
    const t = this.now();
    const pending = this.pending;
    this.pending = [];
    if (up) for (const e of pending) this.logError(e.code, e.message);
    if (!up && !this.down) {
      this.down = true;
      this.since = t;
      this.outages++;
      this.errorsByCode = new Map();
      for (const e of pending) this.errorsByCode.set(e.code, (this.errorsByCode.get(e.code) ?? 0) + 1);
      const first = pending[0] ?? this.lastError;
      this.o.onOutageStart?.();
      this.line(
        t,
        `source ${this.o.sourceId}: outage ${this.outages} started${first ? `: ${first.code} ${first.message}` : ""}`,
      );
    } else if (up && this.down) {
      this.down = false;
      const durationMs = t - this.since;
      const errors = [...this.errorsByCode.values()].reduce((a, b) => a + b, 0);
      const missedPolls = Math.floor(durationMs / this.o.intervalMs);
      this.o.onOutageEnd?.({ durationMs, errors, missedPolls });
      const byCode = [...this.errorsByCode.entries()].map(([c, n]) => `${c} ${n}`).join(", ");
      const ok = this.line(
        t,
        `source ${this.o.sourceId}: outage ${this.outages} ended after ${fmtS(durationMs)}: ${errors} errors${byCode ? ` (${byCode})` : ""}, ${missedPolls} missed polls`,
      );
      if (!ok) this.suppressed.downMs += durationMs;
      this.lastError = null;
    }
  }

  /** Writes an outage line unless the window is full; says what was left out when it writes again. */
  private line(t: number, text: string): boolean {
    while (this.lineTimes.length > 0 && t - this.lineTimes[0]! >= this.windowMs) this.lineTimes.shift();
    if (this.lineTimes.length >= this.maxLines) {
      if (text.includes(" started")) this.suppressed.outages++;
      return false;
    }
    this.lineTimes.push(t);
    const s = this.suppressed;
    const note =
      s.outages > 0
        ? ` [${s.outages} outages (${fmtS(s.downMs)} down) not logged one by one: more than ${this.maxLines} outage lines in ${Math.round(this.windowMs / 60_000)} min]`
        : "";
    this.suppressed = { outages: 0, downMs: 0 };
    this.o.log(text + note);
    return true;
  }
}
