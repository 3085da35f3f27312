// `vetra edge --config FILE [--metrics-port N]`: one edge agent until
// SIGINT/SIGTERM. Exit 2 with one line naming the bad key on a bad config.
// `vetra edge dead-letters …` lists and re-sends what central refused
// (dead-letters.ts). `vetra edge check --config FILE`: read every configured
// point once (check.ts).
import { command, dispatch, parseCommand, usageLine } from "../common/cli.ts";
import { startAgent } from "./agent.ts";
import { ConfigError, loadAgentConfig } from "./config.ts";

export const EDGE_COMMAND = command({
  name: "vetra edge",
  synopsis: [
    "vetra edge --config FILE [--metrics-port N]",
    "vetra edge check --config FILE [--json]",
    "vetra edge dead-letters list|resend --config FILE [--id N …|--all]",
  ],
  options: {
    config: {
      type: "string",
      short: "c",
      arg: "FILE",
      help: "the agent configuration, YAML or JSON (docs/edge-config.md)",
    },
    "metrics-port": {
      type: "string",
      arg: "N",
      help: "serve metrics for Prometheus on 127.0.0.1:N (0 = a free port)",
    },
  },
  notes: [
    ["check", "read every configured point once and print what came back"],
    ["dead-letters", "list or re-send the points central refused"],
  ],
});

export interface RunEdgeOptions {
  /** Stops the agent when aborted (tests); SIGINT/SIGTERM always do. */
  signal?: AbortSignal;
  stderr?: (line: string) => void;
  /** Where `dead-letters list` prints (default process.stdout). */
  stdout?: (line: string) => void;
  /** Called once the agent runs (tests read the metrics URL from it). */
  onStarted?: (info: { metricsUrl?: string }) => void;
}

export async function runEdge(argv: string[], options: RunEdgeOptions = {}): Promise<number> {
  const stderr = options.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const args = argv[0] === "edge" ? argv.slice(1) : argv;
  if (args[0] === "dead-letters") {
    const io = { stderr, ...(options.stdout ? { stdout: options.stdout } : {}) };
    const deadLetters = (command: "list" | "resend") => async (rest: string[]) =>
      (await import("./dead-letters.ts")).runDeadLetters([command, ...rest], io);
    return dispatch(
      "vetra edge dead-letters",
      args.slice(1),
      {
        list: { summary: "the points central refused, one per line with why", run: deadLetters("list") },
        resend: {
          summary: "move refused points back into the queue (--id N … | --all)",
          run: deadLetters("resend"),
        },
      },
      io,
    );
  }
  if (args[0] === "check") {
    const { runEdgeCheck } = await import("./check.ts");
    return runEdgeCheck(args.slice(1), { stderr, ...(options.stdout ? { stdout: options.stdout } : {}) });
  }
  const parsed = parseCommand(args, EDGE_COMMAND, {
    stderr,
    ...(options.stdout ? { stdout: options.stdout } : {}),
  });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  if (!values.config) {
    stderr(usageLine("vetra edge", "--config is required"));
    return 2;
  }
  let metricsPort: number | undefined;
  if (values["metrics-port"] !== undefined) {
    const n = Number(values["metrics-port"]);
    if (!Number.isInteger(n) || n < 0 || n > 65535) {
      stderr(`vetra edge: --metrics-port: expected an integer 0..65535, got "${values["metrics-port"]}"`);
      return 2;
    }
    metricsPort = n;
  }

  let config: ReturnType<typeof loadAgentConfig>;
  try {
    config = loadAgentConfig(values.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      stderr(`vetra edge: ${values.config}: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (metricsPort !== undefined)
    config = { ...config, metrics: { host: config.metrics?.host ?? "127.0.0.1", port: metricsPort } };

  const agent = await startAgent(config, { log: stderr });
  options.onStarted?.({ ...(agent.metricsUrl ? { metricsUrl: agent.metricsUrl } : {}) });
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      options.signal?.removeEventListener("abort", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
    if (options.signal?.aborted) done();
    else options.signal?.addEventListener("abort", done);
  });
  await agent.stop();
  return 0;
}
