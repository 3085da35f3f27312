// One argument parser for every `vetra` command: node's own `util.parseArgs`
// (no dependency; every command already spoke its dialect) wrapped so that all
// commands behave alike, as POSIX utility conventions and GNU's coding
// standards ("--help" writes to stdout and exits 0) ask:
//   • `--help` / `-h` anywhere prints the command's usage to stdout, exit 0;
//   • a usage error is ONE line on stderr naming the problem and pointing at
//     `--help`, exit 2 (the shell's "misuse" status);
//   • the command's own failures stay its business (exit 1);
//   • each option is declared once, with its help, and --help is built from
//     the declarations, so the two cannot drift apart.
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

type ParseArgsOption = NonNullable<ParseArgsConfig["options"]>[string];

/**
 * One option, declared once: its `util.parseArgs` fields and its line in
 * --help, as CLI libraries declare them (argparse's `metavar` and `help`,
 * commander's `.option(flags, description, default)`), so the help cannot
 * list an option the command does not take or miss one it does.
 */
export type OptionDecl = ParseArgsOption & {
  /** The value's placeholder in --help: "FILE", "N" (string options). */
  arg?: string;
  /** What the option does; "\n" starts a continuation line. A string default is appended as "(default X)". */
  help: string;
  /** A heading the option is listed under, after the options without one. */
  group?: string;
};
type OptionDecls = Readonly<Record<string, OptionDecl>>;

/** A line after the options: free text, or a [term, text] row aligned with them (an environment variable, a subcommand). */
export type HelpNote = string | readonly [term: string, text: string];

export interface CommandSpec<O extends OptionDecls> {
  /** As the user types it: "vetra grid import". */
  name: string;
  /** The synopsis, one line per form, without "usage: " ("vetra verify FILE [--ca FILE]"). */
  synopsis: readonly string[];
  /** A paragraph between the synopsis and the options. */
  about?: string;
  /** The positional arguments' rows, listed before the options: { FILE: "what it is" }. */
  arguments?: Readonly<Record<string, string>>;
  options: O;
  notes?: readonly HelpNote[];
  /** How many positional arguments the command takes (default none). */
  positionals?: { min: number; max: number; name: string };
}

type Parsed<O extends OptionDecls> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>;

/** Keeps the declarations' literal types (a string default makes the value a string, not string | undefined). */
export const command = <const O extends OptionDecls>(spec: CommandSpec<O>): CommandSpec<O> => spec;

/** The synopsis as --help and a usage error print it: "usage: " before the first form, aligned below it. */
export const synopsisText = (spec: Pick<CommandSpec<OptionDecls>, "synopsis">): string =>
  spec.synopsis.map((form, i) => `${i === 0 ? "usage: " : "       "}${form}`).join("\n");

/** A term longer than this puts its text on the next line (argparse's max_help_position). */
const TERM_WIDTH_MAX = 30;

type Row = readonly [term: string, text: string];

/** The texts' column: after the longest term that fits TERM_WIDTH_MAX. */
const termWidth = (rows: readonly Row[]): number =>
  Math.max(0, ...rows.map(([term]) => term.length).filter((n) => n <= TERM_WIDTH_MAX));

/** One row; a longer term puts its text on the next line, a text's "\n" continues under it. */
function rowLines([term, text]: Row, width: number): string[] {
  const indent = " ".repeat(2 + width + 2);
  const [first = "", ...more] = text.split("\n");
  const head =
    term.length <= width ? [`  ${term.padEnd(width)}  ${first}`] : [`  ${term}`, `${indent}${first}`];
  return [...head, ...more.map((line) => `${indent}${line}`)];
}

/** The --help text: synopsis, about, arguments and options (grouped under their headings), notes. */
export function helpText(spec: Omit<CommandSpec<OptionDecls>, "name">): string {
  const entries = Object.entries(spec.options);
  const hasShort = entries.some(([, o]) => o.short !== undefined);
  const row = ([name, o]: [string, OptionDecl]): Row => {
    const flag = o.short !== undefined ? `-${o.short}, --${name}` : `${hasShort ? "    " : ""}--${name}`;
    const shown = typeof o.default === "string" ? ` (default ${o.default})` : "";
    return [o.arg === undefined ? flag : `${flag} ${o.arg}`, `${o.help}${shown}`];
  };
  const headings = [...new Set(entries.flatMap(([, o]) => (o.group === undefined ? [] : [o.group])))];
  const inGroup = (group: string | undefined): Row[] => entries.filter(([, o]) => o.group === group).map(row);
  const notes = spec.notes ?? [];
  const sections: { heading?: string; rows: Row[] }[] = [
    {
      rows: [
        ...Object.entries(spec.arguments ?? {}),
        ...inGroup(undefined),
        ["-h, --help", "print this help and exit"],
      ],
    },
    ...headings.map((heading) => ({ heading, rows: inGroup(heading) })),
    { rows: notes.filter((n): n is Row => typeof n !== "string") },
  ];
  // Every text in one column, whichever section its row is in.
  const width = termWidth(sections.flatMap((s) => s.rows));
  const free = notes.filter((n): n is string => typeof n === "string");
  return [
    synopsisText(spec),
    "",
    ...(spec.about === undefined ? [] : [spec.about, ""]),
    ...sections.flatMap((s) => [
      ...(s.heading === undefined ? [] : [`${s.heading}:`]),
      ...s.rows.flatMap((r) => rowLines(r, width)),
    ]),
    ...(free.length > 0 ? ["", ...free] : []),
  ].join("\n");
}

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
export function parseCommand<O extends OptionDecls>(
  argv: readonly string[],
  spec: CommandSpec<O>,
  io: CliIo = {},
): Parsed<O> | number {
  if (wantsHelp(argv)) {
    out(io)(helpText(spec));
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
