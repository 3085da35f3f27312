// `vetra sim turbine …` / `vetra sim facility …`: one simulated device on
// loopback until SIGINT/SIGTERM.
import { parseCommand, UsageError, usageLine } from "../common/cli.ts";
import { SIM_COMMANDS, SIM_HELP } from "./cli-options.ts";
import { FACILITY_KINDS, type FacilityKind, start as startFacility } from "./facility/index.ts";
import {
  type FaultScheduleOptions,
  parseCycle,
  parseModbusFault,
  type ScheduledModbusFault,
  startFaultSchedule,
} from "./faults.ts";
import { type FaultSpec, parseFaultSpec } from "./turbine/physics.ts";

/** The fault-injection flags as schedule options; throws UsageError naming the flag. */
function faultOptions(values: {
  "modbus-fault"?: string[];
  "fault-cycle"?: string;
  "outage-cycle"?: string;
  "opcua-restart-every"?: string;
}): FaultScheduleOptions {
  const flag = <T>(name: string, f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw new UsageError(`--${name} ${(err as Error).message}`);
    }
  };
  const modbusFaults: ScheduledModbusFault[] = (values["modbus-fault"] ?? []).map((t) =>
    flag("modbus-fault", () => parseModbusFault(t)),
  );
  const out: FaultScheduleOptions = { modbusFaults };
  const fc = values["fault-cycle"];
  if (fc !== undefined) out.faultCycle = flag("fault-cycle", () => parseCycle(fc));
  const oc = values["outage-cycle"];
  if (oc !== undefined) out.outageCycle = flag("outage-cycle", () => parseCycle(oc));
  const every = values["opcua-restart-every"];
  if (every !== undefined) {
    const s = Number(every);
    if (!(s > 0)) throw new UsageError(`--opcua-restart-every '${every}': expected seconds > 0`);
    out.opcuaRestartEveryS = s;
  }
  return out;
}

const describeFaults = (o: FaultScheduleOptions): string => {
  const parts: string[] = [];
  for (const f of o.modbusFaults ?? [])
    parts.push(
      `modbus ${f.fault.kind}${"code" in f.fault ? `:${f.fault.code}` : ""}${"ms" in f.fault ? `:${f.fault.ms}` : ""}${f.unitId === undefined ? "" : `@${f.unitId}`}`,
    );
  if (o.faultCycle) parts.push(`fault cycle ${o.faultCycle.onS}/${o.faultCycle.offS} s`);
  if (o.outageCycle) parts.push(`outage cycle ${o.outageCycle.onS}/${o.outageCycle.offS} s`);
  if (o.opcuaRestartEveryS) parts.push(`OPC UA restart every ${o.opcuaRestartEveryS} s`);
  return parts.length ? `; injecting ${parts.join(", ")}` : "";
};

const port = (name: string, text: string): number => {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`--${name} '${text}': expected a port 0..65535`);
  return n;
};
const integer = (name: string, text: string): number => {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--${name} '${text}': expected an integer`);
  return Number(text);
};
const assetId = (text: string | undefined): string => {
  if (text === undefined) throw new UsageError("--asset is required");
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(text))
    throw new UsageError(`--asset '${text}': letters, digits, _ and - only`);
  return text;
};

/** The options every device takes, checked; throws UsageError naming the flag. */
function deviceOptions(
  values: Parameters<typeof faultOptions>[0] & { asset?: string; "modbus-port": string; seed: string },
): { injected: FaultScheduleOptions; assetId: string; modbusPort: number; seed: number } {
  const injected = faultOptions(values);
  return {
    injected,
    assetId: assetId(values.asset),
    modbusPort: port("modbus-port", values["modbus-port"]),
    seed: integer("seed", values.seed),
  };
}

/** Resolves when SIGINT or SIGTERM arrives. */
const untilSignal = (): Promise<string> =>
  new Promise((resolve) => {
    const on = (signal: string) => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(signal);
    };
    const onInt = () => on("SIGINT");
    const onTerm = () => on("SIGTERM");
    process.once("SIGINT", onInt);
    process.once("SIGTERM", onTerm);
  });

export async function runSim(argv: string[], signal: () => Promise<string> = untilSignal): Promise<number> {
  const [device, ...rest] = argv;
  if (device === "--help" || device === "-h" || device === "help") {
    console.log(SIM_HELP);
    return 0;
  }
  try {
    if (device === "turbine") {
      const parsed = parseCommand(rest, SIM_COMMANDS.turbine);
      if (typeof parsed === "number") return parsed;
      const { values } = parsed;
      const trustClients = values["opcua-trust-clients"];
      if (trustClients !== "auto" && trustClients !== "explicit")
        throw new UsageError(`--opcua-trust-clients '${trustClients}': expected auto or explicit`);
      const { injected, ...everyDevice } = deviceOptions(values);
      const faults: FaultSpec[] = [];
      for (const text of values.fault ?? []) {
        try {
          faults.push(parseFaultSpec(text));
        } catch (err) {
          throw new UsageError(`--fault ${(err as Error).message}`);
        }
      }
      const opts = {
        ...everyDevice,
        opcuaPort: port("opcua-port", values["opcua-port"]),
        faults,
        opcuaSecurityModes: values["opcua-secure"]
          ? (["None", "SignAndEncrypt"] as const)
          : (["None"] as const),
        opcuaTrustClients: trustClients as "auto" | "explicit",
        ...(values.cms ? { cms: {} } : {}),
        ...(values["opcua-slow-subscription"] !== undefined
          ? {
              opcuaSlowSubscriptionMs: integer("opcua-slow-subscription", values["opcua-slow-subscription"]),
            }
          : {}),
      };
      // OPC UA loads only for the device that serves it.
      const { start: startTurbine } = await import("./turbine/index.ts");
      const sim = await startTurbine(opts);
      const schedule = startFaultSchedule(sim.modbus, {
        ...injected,
        restartOpcua: () => sim.restartOpcua(),
        log: (line) => console.log(line),
      });
      console.log(
        `turbine ${opts.assetId}: Modbus TCP 127.0.0.1:${sim.modbusPort} (unit 1), OPC UA ${sim.opcuaEndpoint}` +
          (faults.length
            ? `, faults ${faults.map((f) => `${f.point}:${f.fault}:${f.severity}`).join(" ")}`
            : "") +
          (values["opcua-secure"]
            ? `; OPC UA SignAndEncrypt Basic256Sha256, server certificate ${sim.opcuaPki.certificateFile}, client certificates trusted: ${trustClients} (${sim.opcuaPki.trustedFolder})`
            : "") +
          (sim.cms ? `; CMS dialect in namespace ${sim.cms.nodeIds.namespaceUri}` : "") +
          describeFaults(injected),
      );
      await signal();
      await schedule.stop();
      await sim.stop();
      return 0;
    }
    if (device === "facility") {
      const parsed = parseCommand(rest, SIM_COMMANDS.facility);
      if (typeof parsed === "number") return parsed;
      const { values } = parsed;
      const { injected, ...everyDevice } = deviceOptions(values);
      const kind = values.kind;
      if (kind === undefined || !(FACILITY_KINDS as readonly string[]).includes(kind)) {
        throw new UsageError(`--kind '${kind ?? ""}': expected one of ${FACILITY_KINDS.join("|")}`);
      }
      const measureFrom = values["measure-from"];
      const savingText = values.saving;
      if ((measureFrom === undefined) !== (savingText === undefined)) {
        throw new UsageError("--measure-from and --saving go together");
      }
      let measure: { from: Date; savingFraction: number } | undefined;
      if (measureFrom !== undefined && savingText !== undefined) {
        const from = new Date(measureFrom);
        if (!/^\d{4}-\d{2}-\d{2}/.test(measureFrom) || Number.isNaN(from.getTime())) {
          throw new UsageError(`--measure-from '${measureFrom}': expected a date YYYY-MM-DD`);
        }
        const saving = Number(savingText);
        if (savingText.trim() === "" || !(saving >= 0 && saving < 1)) {
          throw new UsageError(`--saving '${savingText}': expected a fraction 0 ≤ f < 1 (e.g. 0.12)`);
        }
        measure = { from, savingFraction: saving };
      }
      let nominalPeakKw: number | undefined;
      if (values["peak-kw"] !== undefined) {
        nominalPeakKw = Number(values["peak-kw"]);
        if (!(nominalPeakKw > 0))
          throw new UsageError(`--peak-kw '${values["peak-kw"]}': expected a positive number`);
      }
      const parityText = values.parity;
      if (parityText !== "none" && parityText !== "even" && parityText !== "odd")
        throw new UsageError(`--parity '${parityText}': expected none, even or odd`);
      const parity: "none" | "even" | "odd" = parityText;
      const rtuSerial = values["rtu-serial"];
      const rtuTcp = values["rtu-tcp-port"];
      const rtu =
        rtuSerial !== undefined || rtuTcp !== undefined
          ? {
              ...(rtuSerial !== undefined
                ? { serial: { path: rtuSerial, baudRate: integer("baud", values.baud), parity } }
                : {}),
              ...(rtuTcp !== undefined ? { tcpPort: port("rtu-tcp-port", rtuTcp) } : {}),
            }
          : undefined;
      const sim = await startFacility({
        ...everyDevice,
        kind: kind as FacilityKind,
        ...(measure ? { measure } : {}),
        ...(nominalPeakKw === undefined ? {} : { nominalPeakKw }),
        ...(rtu ? { rtu } : {}),
        ...(values.control ? { control: true } : {}),
      });
      const schedule = startFaultSchedule(sim.modbus, { ...injected, log: (line) => console.log(line) });
      console.log(
        `facility ${everyDevice.assetId} (${kind}): Modbus TCP 127.0.0.1:${sim.modbusPort} (unit 1 SDM630 meter, unit 2 outdoor temperature, unit 3 sub-meter${values.control ? ", unit 4 building controller" : ""})` +
          (rtu?.serial ? `; RTU on ${rtu.serial.path} ${rtu.serial.baudRate} ${parity}` : "") +
          (sim.rtuTcpPort !== undefined ? `; RTU over TCP 127.0.0.1:${sim.rtuTcpPort}` : "") +
          (measure
            ? `, measure from ${measure.from.toISOString().slice(0, 10)} saving ${measure.savingFraction}`
            : "") +
          describeFaults(injected),
      );
      await signal();
      await schedule.stop();
      await sim.stop();
      return 0;
    }
    throw new UsageError(
      device ? `unknown device '${device}': expected turbine or facility` : "which device?",
    );
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(
        usageLine(
          device === "turbine" || device === "facility" ? `vetra sim ${device}` : "vetra sim",
          err.message,
        ),
      );
      return 2;
    }
    // A device that cannot start (port taken, PKI folder unwritable): one line, not a stack.
    console.error(`vetra sim: ${(err as Error).message ?? String(err)}`);
    return 1;
  }
}
