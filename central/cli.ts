// `vetra central --config FILE`: the central service until SIGINT/SIGTERM.
import { command, parseCommand, usageLine } from "../common/cli.ts";
import { checkCentralConfigFile } from "./config.ts";
import { startCentral } from "./server.ts";

export const CENTRAL_COMMAND = command({
  name: "vetra central",
  synopsis: ["vetra central --config FILE"],
  options: {
    config: {
      type: "string",
      short: "c",
      arg: "FILE",
      help: "the central configuration, YAML or JSON (README.md)",
    },
  },
  notes: [["LOG_LEVEL=debug|info|warn", "log level (environment, default info)"]],
});

export async function runCentral(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, CENTRAL_COMMAND);
  if (typeof parsed === "number") return parsed;
  const configPath = parsed.values.config;
  if (!configPath) {
    console.error(usageLine("vetra central", "--config FILE is required"));
    return 2;
  }
  const loaded = checkCentralConfigFile(configPath, process.env);
  if (!loaded.ok) {
    console.error(`vetra central: ${loaded.error}`);
    return 2;
  }
  let central: Awaited<ReturnType<typeof startCentral>>;
  try {
    central = await startCentral(loaded.config, { logger: { level: process.env.LOG_LEVEL ?? "info" } });
  } catch (error) {
    console.error(`vetra central: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  console.log(`vetra central listening on ${central.url} (store: ${central.store.kind})`);
  if (central.metricsUrl) console.log(`metrics for Prometheus on ${central.metricsUrl}`);
  if (central.adminToken) {
    console.log(`admin token (shown once, keep it safe): ${central.adminToken}`);
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      central.app.log.info({ signal }, "shutting down");
      central.close().then(resolve, (error) => {
        console.error(`vetra central: shutdown: ${String(error)}`);
        resolve();
      });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  return 0;
}
