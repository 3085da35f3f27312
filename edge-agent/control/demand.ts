// Demand limiting: the tariff bills the mean power over fixed intervals
// (15, 30 or 60 min, aligned to the clock). The agent forecasts the current
// interval's mean by the predictive method of demand controllers: energy
// metered so far in the interval plus the present power held to the end,
// over the interval's length. Above the limit it sheds the configured loads
// one at a time, in order, waiting `stepMs` between steps so each step's
// effect is metered before the next; it restores them in reverse order
// only when the forecast *with the load back* stays below
// limit × (1 − restoreBelowFraction) — the hysteresis keeps a load from
// chattering between shed and restored at the limit.
import type { DemandLimit } from "../../common/control.ts";

export interface DemandStep {
  readonly action: "shed" | "restore";
  readonly point: string;
  readonly value?: number;
  readonly forecastKw: number;
}

export class DemandLimiter {
  private intervalStart = -1;
  private energyKwh = 0;
  private lastTs = -1;
  private lastKw = 0;
  private lastStepAt = Number.NEGATIVE_INFINITY;
  /** Shed points in shed order, with the power they were seen to take. */
  private readonly shed: { point: string; kwBefore: number; kw: number | null; at: number }[] = [];

  constructor(
    public limit: DemandLimit,
    private readonly stepMs: number,
  ) {}

  private get intervalMs(): number {
    return this.limit.intervalMinutes * 60_000;
  }

  /** A metered power sample, kW at `ts` (held until the next sample). */
  observe(ts: number, kw: number): void {
    if (!Number.isFinite(kw) || ts < this.lastTs) return;
    const start = Math.floor(ts / this.intervalMs) * this.intervalMs;
    if (this.lastTs >= 0) {
      // Integrate the held power up to this sample, splitting at an interval boundary.
      const from = Math.max(this.lastTs, start);
      if (start === this.intervalStart) this.energyKwh += (this.lastKw * (ts - from)) / 3_600_000;
      else this.energyKwh = (this.lastKw * (ts - start)) / 3_600_000;
    }
    this.intervalStart = start;
    this.lastTs = ts;
    this.lastKw = kw;
    // What a shed load took: the drop in power seen after shedding it.
    for (const s of this.shed)
      if (s.kw === null && ts - s.at >= this.stepMs / 2) s.kw = Math.max(0, s.kwBefore - kw);
  }

  /** Forecast mean power of the interval containing `now`, kW (null before any sample). */
  forecastKw(now: number): number | null {
    if (this.lastTs < 0) return null;
    const start = Math.floor(now / this.intervalMs) * this.intervalMs;
    const sameInterval = start === this.intervalStart;
    const soFar = sameInterval
      ? this.energyKwh + (this.lastKw * (now - this.lastTs)) / 3_600_000
      : (this.lastKw * (now - start)) / 3_600_000;
    const remainingH = (start + this.intervalMs - now) / 3_600_000;
    return (soFar + this.lastKw * remainingH) / (this.intervalMs / 3_600_000);
  }

  shedPoints(): string[] {
    return this.shed.map((s) => s.point);
  }

  /** One decision at `now`: shed the next load, restore the last shed one, or nothing. */
  step(now: number, canShed: (point: string) => boolean): DemandStep | null {
    const forecast = this.forecastKw(now);
    if (forecast === null || now - this.lastStepAt < this.stepMs) return null;
    if (forecast > this.limit.limitKw) {
      const next = this.limit.sheds.find(
        (s) => !this.shed.some((x) => x.point === s.point) && canShed(s.point),
      );
      if (!next) return null;
      this.shed.push({ point: next.point, kwBefore: this.lastKw, kw: null, at: now });
      this.lastStepAt = now;
      return { action: "shed", point: next.point, value: next.shedValue, forecastKw: forecast };
    }
    const last = this.shed[this.shed.length - 1];
    if (!last) return null;
    const remainingFraction =
      (Math.floor(now / this.intervalMs) * this.intervalMs + this.intervalMs - now) / this.intervalMs;
    const withLoadBack = forecast + (last.kw ?? 0) * remainingFraction;
    if (withLoadBack < this.limit.limitKw * (1 - this.limit.restoreBelowFraction)) {
      this.shed.pop();
      this.lastStepAt = now;
      return { action: "restore", point: last.point, forecastKw: forecast };
    }
    return null;
  }

  /** Every shed load, last shed first (the limit was removed or changed). */
  releaseAll(): string[] {
    const out = this.shed.map((s) => s.point).reverse();
    this.shed.length = 0;
    return out;
  }
}
