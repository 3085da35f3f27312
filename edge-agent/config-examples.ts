// Worked examples of agent configs for devices found in the field; rendered
// into docs/edge-config.md and each parsed by the config schema in a test,
// so the reference cannot show a config the agent would refuse.

export interface ConfigExample {
  readonly title: string;
  /** Markdown before the config. */
  readonly intro: string;
  readonly config: Record<string, unknown>;
  /** Markdown after the config. */
  readonly notes?: string;
}

/** The part every example shares: the agent's name, where central is, the queue's folder. */
const agentConfig = (
  id: string,
  site: string,
  sources: readonly Record<string, unknown>[],
  more: Record<string, unknown> = {},
) => ({
  agent: { id, site },
  central: { url: "https://central.example:8443", token: "<agent token>" },
  queue: { dir: "/var/lib/vetra-edge" },
  sources,
  ...more,
});

const sdm = (field: string, manual: number, extra: Record<string, unknown> = {}) => ({
  function: 4,
  address: manual - 30_001,
  type: "float32",
  measurement: "meter",
  field,
  ...extra,
});

export const CONFIG_EXAMPLES: readonly ConfigExample[] = [
  {
    title: "Eastron SDM630 three-phase meter (Modbus RTU on RS-485, or TCP through a gateway)",
    intro: `Eastron's protocol document numbers the input registers from 1 (30001 is the
first); the protocol address is that number minus 30001 — 30053 "Total system
power" is address 52. Values are float32, high word first. Factory line
settings are 9600 baud, no parity, 1 stop bit, unit id 1 (check the meter's
menu). \`vetra edge check --config FILE\` reads each register once and says
when an address looks 1-based or a word order looks swapped.`,
    config: agentConfig("h01-agent", "fac-h01", [
      {
        kind: "modbus",
        id: "h01-main-meter",
        transport: "rtu",
        serial: { path: "/dev/ttyUSB0", baudRate: 9600, parity: "none", stopBits: 1 },
        unitId: 1,
        intervalMs: 1000,
        asset: "H01",
        registers: [
          sdm("voltage_l1_v", 30_001),
          sdm("voltage_l2_v", 30_003),
          sdm("voltage_l3_v", 30_005),
          sdm("current_l1_a", 30_007),
          sdm("current_l2_a", 30_009),
          sdm("current_l3_a", 30_011),
          sdm("power_kw", 30_053, { scale: 0.001 }),
          sdm("power_factor", 30_063),
          sdm("frequency_hz", 30_071),
          sdm("import_energy_kwh", 30_073),
          sdm("export_energy_kwh", 30_075),
          // What the savings reports read: the energy the site drew from the grid.
          sdm("energy_kwh", 30_073),
        ],
      },
    ]),
    notes: `**Import, export and sites with PV.** *Import active energy* (30073) counts
what the site drew from the grid, *export active energy* (30075) what it fed
into the grid — on a school with a rooftop PV plant, the surplus at noon.
*Total active energy* (30343) is import **plus** export: with PV it counts the
exported energy as if it had been consumed, so do not store it as
\`energy_kwh\`. Store import as \`energy_kwh\` (what the site bought — the
quantity an IPMVP Option C baseline of grid purchases is about) and export as
\`export_energy_kwh\`; the building's own consumption is import − export +
the PV generation, which needs the inverter's own meter. *Total system power*
(30053) is negative while the site exports; the agent keeps the sign.

The same meter behind a Modbus TCP gateway: \`transport: tcp\` (the default),
\`host\` and \`port\` of the gateway instead of \`serial\`, the meter's address
as \`unitId\`. Several meters on one RS-485 line: one source each with the
same \`serial\` settings and their own \`unitId\` (and asset); the agent
shares the line and sends one request at a time.`,
  },
  {
    title: "A generic 4–20 mA temperature transmitter behind an analog input module",
    intro: `An outdoor sensor with a 4–20 mA output for −40…+60 °C, wired to a Modbus
analog input module that reports the loop current in µA as an unsigned
16-bit holding register (4000…20000). Stored value = raw × scale + offset:
scale = 100 °C / 16000 µA = 0.00625, offset = −40 − 4000 × 0.00625 = −65.
\`decimals\` rounds to the transmitter's resolution, so no binary tail
(21.340000000000003) reaches the store.`,
    config: agentConfig("s01-agent", "fac-s01", [
      {
        kind: "modbus",
        id: "s01-outdoor",
        host: "192.168.20.11",
        port: 502,
        unitId: 1,
        intervalMs: 10_000,
        asset: "S01",
        registers: [
          {
            function: 3,
            address: 0,
            type: "uint16",
            measurement: "weather",
            field: "temp_c",
            scale: 0.00625,
            offset: -65,
            decimals: 2,
          },
        ],
      },
    ]),
    notes: `A module that maps 4–20 mA to 0…27648 counts instead: scale = 100 / 27648,
offset = −40. A broken loop (0 mA) reads −65 °C, outside the field's physical
range: the agent warns once and \`vetra edge check\` flags it.`,
  },
  {
    title: "An OPC UA condition-monitoring unit with its own namespace and a timestamp trigger",
    intro: `A CMS unit that publishes, per measuring point, the latest block as raw
Int16 ADC counts, its acquisition time (DateTime) and the shaft speed in Hz,
and keeps its last 4 blocks in a ring buffer. Node ids name the namespace by
URI (\`nsu=\`): the index is looked up in the server's namespace array at
every connect, since it differs between units and may change after a
firmware update or restart. A new acquisition time announces a block; the
block is stamped with it (not with when it arrived), and after an outage the
blocks the unit buffered meanwhile are read oldest first. Counts become g
with the ADC scale (±10 V over 16 bits) and the accelerometer's sensitivity
(100 mV/g). The unit's certificate is trusted explicitly: the first connect
refuses it, logs its SHA-1 thumbprint and leaves it in \`<pkiDir>/rejected\`
to be moved into \`<pkiDir>/trusted/certs\` once the thumbprint is checked.`,
    config: agentConfig(
      "wf1-agent",
      "wf-caspian",
      [
        {
          kind: "opcua",
          id: "t01-cms",
          endpoint: "opc.tcp://10.0.5.20:4840",
          asset: "T01",
          securityMode: "SignAndEncrypt",
          securityPolicy: "Basic256Sha256",
          trust: "explicit",
          publishingIntervalMs: 1000,
          scalars: [
            {
              nodeId: "nsu=urn:vendor:cms;i=1003",
              measurement: "scada",
              field: "rotor_speed_rpm",
              scale: 60,
              decimals: 3,
            },
          ],
          waveforms: [
            {
              point: "main_bearing",
              component: "main_bearing",
              waveformNodeId: "nsu=urn:vendor:cms;s=T01/main_bearing/Waveform",
              sampleRateNodeId: "nsu=urn:vendor:cms;i=1002",
              trigger: "timestamp",
              timestampNodeId: "nsu=urn:vendor:cms;i=1001",
              speedNodeId: "nsu=urn:vendor:cms;i=1003",
              speedUnit: "Hz",
              counts: { voltsPerCount: 0.00030517578125, sensitivityMvPerG: 100 },
              buffer: {
                slots: [0, 1, 2, 3].map((j) => ({
                  waveformNodeId: `nsu=urn:vendor:cms;s=T01/main_bearing/Buffer/${j}/Waveform`,
                  timestampNodeId: `nsu=urn:vendor:cms;s=T01/main_bearing/Buffer/${j}/AcquisitionTime`,
                })),
              },
            },
          ],
        },
      ],
      {
        diagnostics: {
          machines: [
            {
              asset: "T01",
              point: "main_bearing",
              bearing: { balls: 22, ballDiameterMm: 45, pitchDiameterMm: 400, contactAngleDeg: 12 },
            },
          ],
        },
      },
    ),
    notes: `\`vetra sim turbine --cms\` serves this dialect (namespace
\`urn:vetra:simulator:cms\`, the node ids above with the simulator's asset
id) to try a config against. A unit without a block counter or acquisition
time: \`trigger: value\` watches the array itself and stamps the block with
the DataValue's source timestamp.`,
  },
];
