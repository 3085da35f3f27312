// What `vetra sim turbine` and `vetra sim facility` take: each option
// declared once, with its help (common/cli.ts builds --help from it).
import { command, helpText } from "../common/cli.ts";
import { FACILITY_KINDS } from "./facility/model.ts";

const FAULT_INJECTION = "fault injection (both devices)";
const DIALECTS = "third-party dialects";

/** What every simulated device takes: its asset id, its Modbus TCP port, the noise seed and fault injection. */
const DEVICE_OPTIONS = {
  asset: { type: "string", arg: "ID", help: "the asset id (letters, digits, _ and -)" },
  "modbus-port": {
    type: "string",
    default: "0",
    arg: "N",
    help: "Modbus TCP port on 127.0.0.1; 0 = a free port",
  },
  seed: { type: "string", default: "1", arg: "N", help: "seed of the simulated noise" },
  "modbus-fault": {
    type: "string",
    multiple: true,
    arg: "exception:CODE|delay:MS|garbage|short[@UNIT]",
    help: "answer with an exception, late, with garbage or short,\non every unit or UNIT (repeatable)",
    group: FAULT_INJECTION,
  },
  "fault-cycle": {
    type: "string",
    arg: "ON/OFF",
    help: "faults on ON s, off OFF s, repeating (default: always on)",
    group: FAULT_INJECTION,
  },
  "outage-cycle": {
    type: "string",
    arg: "UP/DOWN",
    help: "the device is reachable UP s, gone DOWN s, repeating",
    group: FAULT_INJECTION,
  },
} as const;

/** Each device's synopsis and options: the ones every device takes, and its own. */
export const SIM_COMMANDS = {
  turbine: command({
    name: "vetra sim turbine",
    synopsis: [
      "vetra sim turbine --asset T01 [--modbus-port N] [--opcua-port N] [--fault POINT:FAULT:SEVERITY]… [--seed N]",
      "                   [--cms] [--opcua-slow-subscription MS]",
    ],
    options: {
      ...DEVICE_OPTIONS,
      "opcua-port": {
        type: "string",
        default: "0",
        arg: "N",
        help: "(turbine) OPC UA port on 127.0.0.1; 0 = a free port",
      },
      fault: {
        type: "string",
        multiple: true,
        arg: "POINT:FAULT:SEVERITY",
        help: "(turbine) a fault at a measuring point, severity 0..1\n(e.g. main_bearing:bearing_outer_race:0.6; repeatable)",
      },
      "opcua-slow-subscription": {
        type: "string",
        arg: "MS",
        help: "(turbine) answer OPC UA CreateSubscription MS late, as a slow embedded unit",
      },
      "opcua-restart-every": {
        type: "string",
        arg: "S",
        help: "(turbine) restart the OPC UA server every S s",
        group: FAULT_INJECTION,
      },
      cms: {
        type: "boolean",
        help: "(turbine) also serve a CMS unit's OPC UA dialect: namespace urn:vetra:simulator:cms,\nacquisition-time trigger, Int16 counts, speed in Hz, a buffer of 8 blocks",
        group: DIALECTS,
      },
      "opcua-secure": {
        type: "boolean",
        help: "also offer SignAndEncrypt with Basic256Sha256 (None stays for discovery)",
        group: "OPC UA security (turbine)",
      },
      "opcua-trust-clients": {
        type: "string",
        default: "auto",
        arg: "auto|explicit",
        help: "explicit: only client certificates in its PKI trusted folder",
        group: "OPC UA security (turbine)",
      },
    },
  }),
  facility: command({
    name: "vetra sim facility",
    synopsis: [
      "vetra sim facility --asset H01 --kind hospital|clinic|school [--modbus-port N] [--seed N]",
      "                   [--measure-from YYYY-MM-DD --saving 0.12] [--peak-kw N]",
      "                   [--rtu-serial PATH [--baud N] [--parity none|even|odd]] [--rtu-tcp-port N]",
      "                   [--control]",
    ],
    options: {
      ...DEVICE_OPTIONS,
      kind: {
        type: "string",
        arg: FACILITY_KINDS.join("|"),
        help: "(facility) the kind of building: its load profile",
      },
      "measure-from": {
        type: "string",
        arg: "YYYY-MM-DD",
        help: "(facility) an energy-saving measure from this date on; goes with --saving",
      },
      saving: {
        type: "string",
        arg: "FRACTION",
        help: "(facility) the part of the load the measure saves, 0 ≤ f < 1 (e.g. 0.12)",
      },
      "peak-kw": {
        type: "string",
        arg: "N",
        help: "(facility) nominal peak load, kW (default: the kind's)",
      },
      control: {
        type: "boolean",
        help: "(facility) also serve a building controller (unit 4): writable setpoints, HVAC mode,\nlighting and ventilation by zone, indoor temperature, with a thermal model",
      },
      "rtu-serial": {
        type: "string",
        arg: "PATH",
        help: "(facility) also serve the gateway's units as Modbus RTU on a serial port",
        group: DIALECTS,
      },
      baud: {
        type: "string",
        default: "19200",
        arg: "N",
        help: "(facility) the serial port's baud rate",
        group: DIALECTS,
      },
      parity: {
        type: "string",
        default: "even",
        arg: "none|even|odd",
        help: "(facility) the serial port's parity",
        group: DIALECTS,
      },
      "rtu-tcp-port": {
        type: "string",
        arg: "N",
        help: "(facility) … and as RTU over TCP (a serial device server), 0 = a free port",
        group: DIALECTS,
      },
    },
  }),
};

/** `vetra sim --help`: both devices' forms and every option. */
export const SIM_HELP = helpText({
  synopsis: [...SIM_COMMANDS.turbine.synopsis, ...SIM_COMMANDS.facility.synopsis],
  options: { ...SIM_COMMANDS.turbine.options, ...SIM_COMMANDS.facility.options },
});
