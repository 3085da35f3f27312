// Every `vetra` command's --help lists every option the command accepts and
// every note its declaration carries. The options are the ones the command
// passes to parseArgs (its exported declaration), the help is what the user
// sees (`vetra … --help` through cli/main.ts), so an option added without its
// help line, or a help hand-written beside the declaration, fails here.
import { describe, expect, it, vi } from "vitest";
import { CENTRAL_COMMAND } from "../central/cli.ts";
import { IMPORT_COMMAND, SAVINGS_COMMAND } from "../central/savings/cli.ts";
import { DEMO_COMMAND } from "../cli/demo.ts";
import { DIAGNOSE_COMMAND } from "../cli/diagnose.ts";
import { GRID_IMPORT_COMMAND } from "../cli/grid.ts";
import { main } from "../cli/main.ts";
import { VERIFY_COMMAND } from "../cli/verify.ts";
import { type CommandSpec, command, helpText, type OptionDecl } from "../common/cli.ts";
import { EDGE_CHECK_COMMAND } from "../edge-agent/check.ts";
import { EDGE_COMMAND } from "../edge-agent/cli.ts";
import { DEAD_LETTERS_COMMAND } from "../edge-agent/dead-letters.ts";
import { SIM_COMMANDS } from "../simulators/cli-options.ts";

type Spec = Omit<CommandSpec<Readonly<Record<string, OptionDecl>>>, "name">;

/** Every command as the user types it (test/cli-help.test.ts walks the same list), with the options it parses. */
const COMMANDS: readonly (readonly [path: readonly string[], spec: Spec | null])[] = [
  [[], null],
  [["demo"], DEMO_COMMAND],
  [["central"], CENTRAL_COMMAND],
  [["edge"], EDGE_COMMAND],
  [["edge", "check"], EDGE_CHECK_COMMAND],
  [["edge", "dead-letters"], null],
  [["edge", "dead-letters", "list"], DEAD_LETTERS_COMMAND],
  [["edge", "dead-letters", "resend"], DEAD_LETTERS_COMMAND],
  [["grid"], null],
  [["grid", "import"], GRID_IMPORT_COMMAND],
  // `vetra sim --help` shows both devices.
  [
    ["sim"],
    {
      ...SIM_COMMANDS.turbine,
      options: { ...SIM_COMMANDS.turbine.options, ...SIM_COMMANDS.facility.options },
    },
  ],
  [["sim", "turbine"], SIM_COMMANDS.turbine],
  [["sim", "facility"], SIM_COMMANDS.facility],
  [["savings"], SAVINGS_COMMAND],
  [["import"], IMPORT_COMMAND],
  [["import", "meter"], IMPORT_COMMAND],
  [["import", "weather"], IMPORT_COMMAND],
  [["verify"], VERIFY_COMMAND],
  [["diagnose"], DIAGNOSE_COMMAND],
];

/** `vetra … --help` in-process, as bin/vetra.js runs it; its stdout. */
async function helpOf(path: readonly string[]): Promise<string> {
  let stdout = "";
  const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
    stdout += `${a.join(" ")}\n`;
  });
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    expect(await main([...path, "--help"])).toBe(0);
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
  return stdout;
}

const literal = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether the help has a row for the term: the term first on a line (after the indent), not a longer name. */
const hasRow = (help: string, term: string): boolean =>
  new RegExp(`^ +${literal(term)}(?![\\w-])`, "m").test(help);

/** What a help leaves out of a declaration: options (with their short form), arguments, notes. */
function missingFromHelp(help: string, spec: Spec): string[] {
  const missing: string[] = [];
  for (const [name, o] of Object.entries(spec.options)) {
    const flag = o.short === undefined ? `--${name}` : `-${o.short}, --${name}`;
    if (!hasRow(help, flag)) missing.push(flag);
    // The help text's first line at least (later lines are indented under it).
    if (!help.includes(o.help.split("\n")[0]!)) missing.push(`${flag}: ${o.help}`);
  }
  for (const [term, text] of Object.entries(spec.arguments ?? {}))
    if (!hasRow(help, term) || !help.includes(text.split("\n")[0]!)) missing.push(term);
  for (const note of spec.notes ?? []) {
    const [term, text] = typeof note === "string" ? ["", note] : note;
    if ((term !== "" && !hasRow(help, term)) || !help.includes(text)) missing.push(String(note));
  }
  if (!hasRow(help, "-h, --help")) missing.push("-h, --help");
  return missing;
}

describe("vetra … --help lists every option the command accepts", () => {
  it("the list covers every command the top-level usage and the routers name", async () => {
    const named = async (path: string[]) =>
      [...(await helpOf(path)).matchAll(/^ {2}(\w[\w-]*) /gm)].map((m) => [...path, m[1]!].join(" "));
    const listed = new Set(COMMANDS.map(([path]) => path.join(" ")));
    const routed = [
      ...(await named([])),
      ...(await named(["grid"])),
      ...(await named(["edge", "dead-letters"])),
    ];
    expect(routed.length).toBeGreaterThan(5);
    for (const name of routed) expect(listed, name).toContain(name);
  }, 60_000);

  it.each(
    COMMANDS.filter(([, spec]) => spec !== null).map(
      ([path, spec]) => [path.join(" "), path, spec!] as const,
    ),
  )(
    "vetra %s --help: every option, argument and note of its declaration",
    async (_label, path, spec) => {
      const help = await helpOf(path);
      expect(help).toMatch(/^usage: vetra /);
      expect(Object.keys(spec.options).length).toBeGreaterThan(0);
      expect(missingFromHelp(help, spec)).toEqual([]);
    },
    60_000,
  );

  it("a command's notes are in its help: environment, exit codes, subcommands", async () => {
    expect(await helpOf(["central"])).toMatch(
      /^ +LOG_LEVEL=debug\|info\|warn +log level \(environment, default info\)$/m,
    );
    expect(await helpOf(["verify"])).toMatch(/^exit 0 valid, 1 invalid, 2 bad input$/m);
    const edge = await helpOf(["edge"]);
    expect(edge).toMatch(/^ +check +read every configured point once/m);
    expect(edge).toMatch(/^ +dead-letters +list or re-send the points central refused$/m);
    expect(await helpOf(["diagnose"])).toMatch(/^Bad input: one line on stderr and exit code 2\.$/m);
  }, 60_000);

  it("the check above finds an option, an argument or a note a help leaves out", () => {
    const spec = command({
      name: "vetra probe",
      synopsis: ["vetra probe FILE"],
      arguments: { FILE: "the input" },
      options: {
        config: { type: "string", short: "c", arg: "FILE", help: "the configuration" },
        json: { type: "boolean", help: "JSON out" },
      },
      notes: [["PROBE_LEVEL=N", "how loud"], "exit 0 fine"],
    });
    const help = helpText(spec);
    expect(missingFromHelp(help, spec)).toEqual([]);
    const without = (line: RegExp) =>
      help
        .split("\n")
        .filter((l) => !line.test(l))
        .join("\n");
    expect(missingFromHelp(without(/--json/), spec)).toEqual(["--json", "--json: JSON out"]);
    expect(missingFromHelp(without(/--config/), spec)).toEqual([
      "-c, --config",
      "-c, --config: the configuration",
    ]);
    expect(missingFromHelp(without(/^ +FILE/), spec)).toEqual(["FILE"]);
    expect(missingFromHelp(without(/PROBE_LEVEL/), spec)).toEqual(["PROBE_LEVEL=N,how loud"]);
    expect(missingFromHelp(without(/exit 0/), spec)).toEqual(["exit 0 fine"]);
  });
});

describe("helpText: one declaration, one help", () => {
  const spec = command({
    name: "vetra probe",
    synopsis: ["vetra probe --port N", "vetra probe --list"],
    about: "a probe",
    options: {
      port: { type: "string", default: "8080", arg: "N", help: "the port; 0 = a free port" },
      list: { type: "boolean", default: false, help: "list them\nand stop" },
      "a-very-long-option-name": { type: "string", arg: "WITH-A-LONG-VALUE", help: "on its own line" },
      fault: { type: "string", arg: "F", help: "inject F", group: "fault injection" },
    },
  });
  const lines = helpText(spec).split("\n");

  it("prints the synopsis forms aligned under 'usage: ', then the about paragraph", () => {
    expect(lines.slice(0, 5)).toEqual([
      "usage: vetra probe --port N",
      "       vetra probe --list",
      "",
      "a probe",
      "",
    ]);
  });

  it("shows a string default from the declaration, not a boolean one", () => {
    expect(lines).toContain("  --port N    the port; 0 = a free port (default 8080)");
    expect(lines.find((l) => l.startsWith("  --list"))).toBe("  --list      list them");
  });

  it("starts every text in one column; continuation lines and long terms' texts under it", () => {
    const column = lines.find((l) => l.startsWith("  --port"))!.indexOf("the port");
    expect(lines[lines.indexOf("  --list      list them") + 1]).toBe(`${" ".repeat(column)}and stop`);
    const long = lines.indexOf("  --a-very-long-option-name WITH-A-LONG-VALUE");
    expect(long).toBeGreaterThan(0);
    expect(lines[long + 1]).toBe(`${" ".repeat(column)}on its own line`);
    expect(lines.find((l) => l.startsWith("  -h, --help"))!.indexOf("print this help")).toBe(column);
  });

  it("lists grouped options under their heading, after the others", () => {
    const heading = lines.indexOf("fault injection:");
    expect(heading).toBeGreaterThan(lines.findIndex((l) => l.startsWith("  -h, --help")));
    expect(lines[heading + 1]).toMatch(/^ {2}--fault F +inject F$/);
  });
});
