// `vetra` — one executable for every room (SPEC.md, "Command line").
// Each command lives with its room; this file only dispatches, so adding a
// command is one line in the table below. Run from the sources through
// bin/vetra.js; compiled (`npm run build`), `node dist/cli/main.js …` is the
// same executable without a TypeScript loader (the Docker image's entry).
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { usageLine } from "../common/cli.ts";

type Command = (argv: string[]) => Promise<number>;

// biome-ignore format: one command a line
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  demo: { summary: "simulated wind farm and facilities, their edge agents and the central service on one machine", load: async () => (await import("./demo.ts")).runDemo },
  central: { summary: "the central data-centre service (--config FILE)", load: async () => (await import("../central/cli.ts")).runCentral },
  edge: { summary: "one edge agent (--config FILE [--metrics-port N]); `edge check --config FILE` reads every point once; `edge dead-letters list|resend --config FILE [--id N|--all]`", load: async () => (await import("../edge-agent/cli.ts")).runEdge },
  grid: { summary: "grid-connection data: `grid import FILE [--data-dir .vetra | --config FILE] [--skip-invalid]` (GeoJSON or CSV)", load: async () => (await import("./grid.ts")).runGrid },
  sim: { summary: "one simulated device: `sim turbine …` or `sim facility …`", load: async () => (await import("../simulators/cli.ts")).runSim },
  savings: { summary: "offline M&V on CSV files (`savings --meter F --weather F --baseline A/B --reporting A/B`)", load: async () => (await import("../central/savings/cli.ts")).runSavings },
  import: { summary: "history into the store: `import meter --facility ID FILE` / `import weather --site ID FILE`", load: async () => (await import("../central/savings/cli.ts")).runImport },
  verify: { summary: "check a signed document: `verify FILE [--signature FILE.p7s] [--ca FILE]` (exit 0 valid, 1 invalid, 2 bad input)", load: async () => (await import("./verify.ts")).runVerify },
  diagnose: { summary: "diagnose one recording: `diagnose FILE --rpm RPM --bearing BALLS,BALL_MM,PITCH_MM[,DEG]`", load: async () => (await import("./diagnose.ts")).runDiagnose },
};

const usage = (): string =>
  [
    "usage: vetra <command> [options]",
    "",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    "",
    "See README.md and ARCHITECTURE.md.",
  ].join("\n");

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return 0;
  }
  // Own keys only: `vetra constructor` or `vetra __proto__` is an unknown command, not Object's property.
  const command = name !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    const known = Object.keys(commands).join(", ");
    console.error(
      usageLine(
        "vetra",
        name === undefined ? `which command? (${known})` : `unknown command '${name}' (${known})`,
      ),
    );
    return 2;
  }
  const run = await command.load();
  try {
    return await run(rest);
  } catch (error) {
    // A command's unexpected failure is one line, not a stack trace (VETRA_DEBUG=1 shows the stack).
    const e = error instanceof Error ? error : new Error(String(error));
    console.error(`vetra ${name}: ${process.env.VETRA_DEBUG ? (e.stack ?? e.message) : e.message}`);
    return 1;
  }
}

/** True when this module is the process's entry (`node dist/cli/main.js …`), not imported by bin/vetra.js. */
const isEntry = (): boolean => {
  try {
    return (
      !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
    );
  } catch {
    return false;
  }
};

if (isEntry()) process.exitCode = await main(process.argv.slice(2));
