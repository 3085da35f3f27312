// One argument parser for every `vetra` command: node's own `util.parseArgs`
// (no dependency; every command already spoke its dialect) wrapped so that all
// commands behave alike, as POSIX utility conventions and GNU's coding
// standards ("--help" writes to stdout and exits 0) ask:
//   • `--help` / `-h` anywhere prints the command's usage to stdout, exit 0;
//   • a usage error is ONE line on stderr naming the problem and pointing at
//     `--help`, exit 2 (the shell's "misuse" status);
//   • the command's own failures stay its business (exit 1).
// A library (commander, yargs) would add subcommand routing we do in eight
// lines below and a second dialect next to the parseArgs calls that remain in
// tools; parseArgs costs nothing at start-up, which every command pays.
import { type ParseArgsConfig, parseArgs } from "node:util";

export const EXIT_USAGE = 2;

/** A wrong invocation: the message names the option; the caller prints one line and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface CliIo {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
}
const out = (io: CliIo) => io.stdout ?? ((line: string) => console.log(line));
const err = (io: CliIo) => io.stderr ?? ((line: string) => console.error(line));

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CommandSpec<O extends Options> {
  /** As the user types it: "vetra grid import". */
  name: string;
  /** The synopsis and option notes printed by --help (first line starts with "usage:"). */
  usage: string;
  options: O;
  /** How many positional arguments the command takes (default none). */
  positionals?: { min: number; max: number; name: string };
}

type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>;

/** One line for a usage error, the same shape for every command. */
export const usageLine = (name: string, message: string): string =>
  `${name}: ${message.split("\n")[0]!.replace(/\. To specify a positional.*$/, "")} (see ${name} --help)`;

const wantsHelp = (argv: readonly string[]): boolean => {
  for (const a of argv) {
    if (a === "--") return false;
    if (a === "--help" || a === "-h") return true;
  }
  return false;
};

/**
 * Parses `argv` for one command. Returns the values and positionals, or the
 * exit code when it already answered (0 after --help, 2 after a usage error).
 */
export function parseCommand<O extends Options>(
  argv: readonly string[],
  spec: CommandSpec<O>,
  io: CliIo = {},
): Parsed<O> | number {
  if (wantsHelp(argv)) {
    out(io)(spec.usage);
    return 0;
  }
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: [...argv], options: spec.options, allowPositionals: true, strict: true });
  } catch (e) {
    err(io)(usageLine(spec.name, (e as Error).message));
    return EXIT_USAGE;
  }
  const p = spec.positionals ?? { min: 0, max: 0, name: "" };
  const n = parsed.positionals.length;
  if (n < p.min || n > p.max) {
    const message =
      n < p.min
        ? `${p.name} is required`
        : p.max === 0
          ? `unexpected argument '${parsed.positionals[0]}'`
          : `too many arguments: '${parsed.positionals.slice(p.max).join(" ")}'`;
    err(io)(usageLine(spec.name, message));
    return EXIT_USAGE;
  }
  return parsed;
}

export interface Subcommand {
  summary: string;
  run: (argv: string[]) => Promise<number>;
}

/**
 * `vetra X SUB …`: routes to the subcommand; `vetra X --help` (or `help`)
 * lists them, exit 0; a missing or unknown subcommand is one line, exit 2.
 */
export async function dispatch(
  name: string,
  argv: readonly string[],
  subs: Readonly<Record<string, Subcommand>>,
  io: CliIo = {},
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "--help" || sub === "-h" || sub === "help") {
    out(io)(
      [
        `usage: ${name} <${Object.keys(subs).join("|")}> [options]`,
        ...Object.entries(subs).map(([k, s]) => `  ${k.padEnd(14)} ${s.summary}`),
        `'${name} <${Object.keys(subs)[0]}> --help' shows a subcommand's options.`,
      ].join("\n"),
    );
    return 0;
  }
  // Own keys only: `constructor` or `__proto__` is an unknown subcommand, not Object's property.
  const target = sub !== undefined && Object.hasOwn(subs, sub) ? subs[sub] : undefined;
  if (!target) {
    const expected = Object.keys(subs).join(" or ");
    err(io)(
      usageLine(name, sub === undefined ? `expected ${expected}` : `unknown '${sub}': expected ${expected}`),
    );
    return EXIT_USAGE;
  }
  return target.run(rest);
}
