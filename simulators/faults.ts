// Fault schedules for `vetra sim`: a Modbus fault switched on and off in a
// cycle, a device that disappears and returns in a cycle, an OPC UA server
// that restarts every so often. Tests drive the same controls directly
// (RunningModbusServer.inject/disappear/reappear, TurbineSim.restartOpcua).
import type { ModbusFault, RunningModbusServer } from "./modbus-server.ts";

export interface ScheduledModbusFault {
  readonly fault: ModbusFault;
  /** Only answers of this unit id; absent: every unit. */
  readonly unitId?: number;
}

/**
 * `exception:CODE`, `delay:MS`, `garbage` or `short`, optionally `@UNIT`
 * (e.g. `delay:3000@2`). Throws an Error naming the bad part.
 */
export function parseModbusFault(text: string): ScheduledModbusFault {
  const m = /^(exception|delay|garbage|short)(?::(\d+))?(?:@(\d+))?$/.exec(text.trim());
  if (!m)
    throw new Error(`'${text}': expected exception:CODE | delay:MS | garbage | short, optionally @UNIT`);
  const [, kind, arg, unit] = m;
  const unitId = unit === undefined ? undefined : Number(unit);
  if (unitId !== undefined && unitId > 255) throw new Error(`'${text}': unit id 0..255`);
  const scoped = (fault: ModbusFault): ScheduledModbusFault =>
    unitId === undefined ? { fault } : { fault, unitId };
  if (kind === "exception") {
    const code = Number(arg);
    if (arg === undefined || !(code >= 1 && code <= 255)) throw new Error(`'${text}': exception code 1..255`);
    return scoped({ kind: "exception", code });
  }
  if (kind === "delay") {
    const ms = Number(arg);
    if (arg === undefined || !(ms >= 1)) throw new Error(`'${text}': delay in ms ≥ 1`);
    return scoped({ kind: "delay", ms });
  }
  if (arg !== undefined) throw new Error(`'${text}': ${kind} takes no argument`);
  return scoped({ kind: kind as "garbage" | "short" });
}

/** `ON/OFF` seconds, e.g. `20/10` (fault on 20 s, off 10 s). */
export function parseCycle(text: string): { onS: number; offS: number } {
  const m = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(text.trim());
  const onS = Number(m?.[1]);
  const offS = Number(m?.[2]);
  if (!m || !(onS > 0) || !(offS > 0)) throw new Error(`'${text}': expected ON/OFF seconds, e.g. 20/10`);
  return { onS, offS };
}

export interface FaultScheduleOptions {
  modbusFaults?: readonly ScheduledModbusFault[];
  /** Faults on for onS, off for offS, repeating; absent: on all the time. */
  faultCycle?: { onS: number; offS: number };
  /** Device present for onS, gone for offS, repeating. */
  outageCycle?: { onS: number; offS: number };
  /** Restart the OPC UA server every so many seconds. */
  opcuaRestartEveryS?: number;
  restartOpcua?: () => Promise<void>;
  log?: (line: string) => void;
}

/** Runs the schedule until the returned stop() (which leaves the device present and fault-free). */
export function startFaultSchedule(
  modbus: Pick<RunningModbusServer, "inject" | "disappear" | "reappear">,
  opts: FaultScheduleOptions,
): { stop(): Promise<void> } {
  const log = opts.log ?? (() => {});
  const timers: NodeJS.Timeout[] = [];
  const faults = opts.modbusFaults ?? [];
  const setFaults = (on: boolean): void => {
    for (const f of faults) modbus.inject(on ? f.fault : null, f.unitId);
  };
  /** Calls `on`, then after onS `off`, then after offS again, … */
  const cycle = (c: { onS: number; offS: number }, on: () => unknown, off: () => unknown): void => {
    let timer: NodeJS.Timeout;
    const phaseOn = (): void => {
      void on();
      timer = setTimeout(phaseOff, c.onS * 1000);
      timers[idx] = timer;
    };
    const phaseOff = (): void => {
      void off();
      timer = setTimeout(phaseOn, c.offS * 1000);
      timers[idx] = timer;
    };
    const idx = timers.length;
    timers.push(setTimeout(() => {}, 0));
    phaseOn();
  };
  if (faults.length > 0) {
    if (opts.faultCycle)
      cycle(
        opts.faultCycle,
        () => {
          setFaults(true);
          log("fault: Modbus faults on");
        },
        () => {
          setFaults(false);
          log("fault: Modbus faults off");
        },
      );
    else setFaults(true);
  }
  if (opts.outageCycle) {
    // The device is present first, then goes away.
    cycle(
      opts.outageCycle,
      () =>
        modbus.reappear().then(
          () => log("fault: device back"),
          (e: Error) => log(`fault: device could not return: ${e.message}`),
        ),
      () => modbus.disappear().then(() => log("fault: device gone")),
    );
  }
  const restart = opts.restartOpcua;
  if (opts.opcuaRestartEveryS && restart) {
    const every = opts.opcuaRestartEveryS * 1000;
    timers.push(
      setInterval(() => {
        restart().then(
          () => log("fault: OPC UA server restarted"),
          (e: Error) => log(`fault: OPC UA restart failed: ${e.message}`),
        );
      }, every),
    );
  }
  return {
    async stop() {
      for (const t of timers) clearTimeout(t);
      setFaults(false);
      await modbus.reappear();
    },
  };
}
