// `vetra edge dead-letters list|resend --config FILE [--id N …|--all] [--json]`:
// the points central refused (or the agent refused before sending, as
// central's catalog said it would), listed one letter per line with why,
// and moved back into the queue once central's configuration is fixed. The
// agent then sends them like any other point. Works on the queue file
// whether the agent is stopped or running (SQLite WAL: the running agent
// sees the rows appear and re-reads its totals).
import { command, parseCommand, usageLine } from "../common/cli.ts";
import { ConfigError, loadAgentConfig } from "./config.ts";
import { openQueue } from "./queue/registry.ts";

/** `list` and `resend` take the same options; each says which one it is for. */
export const DEAD_LETTERS_COMMAND = command({
  name: "vetra edge dead-letters",
  synopsis: [
    "vetra edge dead-letters list --config FILE [--json]",
    "vetra edge dead-letters resend --config FILE (--id N … | --all)",
  ],
  options: {
    config: {
      type: "string",
      short: "c",
      arg: "FILE",
      help: "the agent configuration (its queue holds the letters)",
    },
    json: { type: "boolean", help: "(list) one JSON object per letter" },
    id: {
      type: "string",
      multiple: true,
      arg: "N",
      help: "(resend) the letter's id from list; repeatable or comma-separated",
    },
    all: { type: "boolean", help: "(resend) every letter" },
  },
});

export interface DeadLettersIo {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
}

export async function runDeadLetters(argv: string[], io: DeadLettersIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stderr = io.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const [action, ...rest] = argv;
  if (action !== "list" && action !== "resend") {
    stderr(usageLine("vetra edge dead-letters", "expected list or resend"));
    return 2;
  }
  const name = `vetra edge dead-letters ${action}`;
  const parsed = parseCommand(rest, { ...DEAD_LETTERS_COMMAND, name }, { stdout, stderr });
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  if (!values.config) {
    stderr(usageLine(name, "--config is required"));
    return 2;
  }
  const ids = (values.id ?? []).flatMap((v) => v.split(",")).map((v) => v.trim());
  if (action === "resend") {
    if (values.all === true && ids.length > 0) {
      stderr("vetra edge dead-letters resend: give --id or --all, not both");
      return 2;
    }
    if (values.all !== true && ids.length === 0) {
      stderr(usageLine(name, "which letters? --id N (see list) or --all"));
      return 2;
    }
    const bad = ids.find((id) => !/^[1-9]\d{0,15}$/.test(id));
    if (bad !== undefined) {
      stderr(`vetra edge dead-letters resend: --id: expected a letter's number from list, got "${bad}"`);
      return 2;
    }
  } else if (values.all || ids.length > 0) {
    stderr("vetra edge dead-letters list: --id and --all are for resend");
    return 2;
  }
  let config: ReturnType<typeof loadAgentConfig>;
  try {
    config = loadAgentConfig(values.config);
  } catch (e) {
    if (e instanceof ConfigError) {
      stderr(`vetra edge dead-letters: ${values.config}: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (config.queue.kind !== "sqlite") {
    stderr(
      `vetra edge dead-letters: queue.kind is ${config.queue.kind}: only the sqlite queue keeps dead letters on disk`,
    );
    return 2;
  }
  const queue = openQueue(config.queue.kind, {
    dir: config.queue.dir,
    maxBytes: config.queue.maxBytes,
    maxAgeHours: config.queue.maxAgeHours,
  });
  try {
    if (action === "list") {
      const letters = queue.listDeadLetters();
      if (values.json) {
        stdout(
          JSON.stringify({
            deadLetters: letters.map((d) => ({ ...d, at: new Date(d.at).toISOString() })),
          }),
        );
        return 0;
      }
      if (letters.length === 0) {
        stdout("no dead letters");
        return 0;
      }
      stdout(["id", "at (UTC)", "points", "code", "origin", "reason"].join("\t"));
      for (const d of letters)
        stdout([d.id, new Date(d.at).toISOString(), d.points, d.code, d.origin, d.message].join("\t"));
      const points = letters.reduce((n, d) => n + d.points, 0);
      stdout(
        `${letters.length} dead letters, ${points} points; after fixing the cause: vetra edge dead-letters resend --config ${values.config} --all`,
      );
      return 0;
    }
    const wanted = values.all ? "all" : ids.map(Number);
    const known = new Set(queue.listDeadLetters().map((d) => d.id));
    const missing = wanted === "all" ? [] : wanted.filter((id) => !known.has(id));
    const moved = queue.resendDeadLetters(wanted);
    stdout(
      `moved ${moved.points} points of ${moved.letters} dead letters back into the queue; the agent sends them (again refused ones come back as dead letters)`,
    );
    if (missing.length > 0) {
      stderr(`vetra edge dead-letters resend: no dead letter ${missing.join(", ")}`);
      return 1;
    }
    return 0;
  } finally {
    queue.close();
  }
}
