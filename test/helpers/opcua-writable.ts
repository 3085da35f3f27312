// A small OPC UA server on loopback with writable Variables, as a room
// controller exposes them: a setpoint (Double, range-checked by the server:
// BadOutOfRange), a mode (UInt16), an enable (Boolean) and a read-only
// indoor temperature (AccessLevel CurrentRead: BadNotWritable).
import { join } from "node:path";
import {
  DataType,
  OPCUACertificateManager,
  OPCUAServer,
  StatusCodes,
  type UAVariable,
  Variant,
} from "node-opcua";
import { freePort } from "./ports.ts";

export interface WritableOpcuaServer {
  readonly endpoint: string;
  readonly values: { setpoint: number; mode: number; enable: boolean; indoor: number };
  readonly nodeIds: { setpoint: string; mode: string; enable: string; indoor: string };
  stop(): Promise<void>;
}

export async function startWritableOpcuaServer(pkiDir: string): Promise<WritableOpcuaServer> {
  const values = { setpoint: 21, mode: 3, enable: true, indoor: 20.5 };
  const port = await freePort();
  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: join(pkiDir, "server"),
    automaticallyAcceptUnknownCertificate: true,
  });
  const server = new OPCUAServer({
    port,
    host: "127.0.0.1",
    hostname: "127.0.0.1",
    resourcePath: "/room",
    allowAnonymous: true,
    disableDiscovery: true,
    serverCertificateManager,
  });
  await server.initialize();
  const ns = server.engine.addressSpace!.getOwnNamespace();
  const room = ns.addObject({
    organizedBy: server.engine.addressSpace!.rootFolder.objects,
    browseName: "Room1",
  });
  const variable = (
    name: string,
    dataType: DataType,
    get: () => number | boolean,
    set: ((v: number | boolean) => number) | null,
  ): UAVariable =>
    ns.addVariable({
      componentOf: room,
      browseName: name,
      nodeId: `s=Room1.${name}`,
      dataType,
      accessLevel: set ? "CurrentRead | CurrentWrite" : "CurrentRead",
      userAccessLevel: set ? "CurrentRead | CurrentWrite" : "CurrentRead",
      value: {
        get: () => new Variant({ dataType, value: get() }),
        ...(set
          ? {
              set: (v: Variant) => {
                const code = set(v.value as number | boolean);
                return code === 0 ? StatusCodes.Good : StatusCodes.BadOutOfRange;
              },
            }
          : {}),
      },
    });
  variable(
    "Setpoint",
    DataType.Double,
    () => values.setpoint,
    (v) => {
      if (typeof v !== "number" || v < 5 || v > 30) return 1;
      values.setpoint = v;
      return 0;
    },
  );
  variable(
    "Mode",
    DataType.UInt16,
    () => values.mode,
    (v) => {
      values.mode = Number(v);
      return 0;
    },
  );
  variable(
    "Enable",
    DataType.Boolean,
    () => values.enable,
    (v) => {
      values.enable = v === true;
      return 0;
    },
  );
  variable("IndoorTemp", DataType.Double, () => values.indoor, null);
  await server.start();
  const nsIndex = ns.index;
  const id = (name: string) => `ns=${nsIndex};s=Room1.${name}`;
  return {
    endpoint: `opc.tcp://127.0.0.1:${port}/room`,
    values,
    nodeIds: { setpoint: id("Setpoint"), mode: id("Mode"), enable: id("Enable"), indoor: id("IndoorTemp") },
    async stop() {
      await server.shutdown(0);
      await serverCertificateManager.dispose();
    },
  };
}
