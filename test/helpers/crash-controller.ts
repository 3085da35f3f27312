// Child process for the kill -9 test (edge-agent/control/control-power-cut.test.ts): runs the
// edge's control against a facility simulator, takes one desired state (an
// operator command on `hvac_mode`), ticks until the command's `confirmed`
// report is committed, prints "confirmed", then goes on ticking until it is
// killed. Argument: a file holding the agent's config (JSON).
import { readFileSync } from "node:fs";
import { parseAgentConfig } from "../../edge-agent/config.ts";
import { startControl } from "../../edge-agent/control/index.ts";

const [configFile] = process.argv.slice(2);
if (!configFile) throw new Error("usage: crash-controller.ts CONFIG.json");
const control = (await startControl(parseAgentConfig(JSON.parse(readFileSync(configFile, "utf8"))), {
  log: (line) => process.stderr.write(`${line}\n`),
  emit: () => {},
  autostart: false,
}))!;
const now = Date.now();
control.controller.applyDesired({
  revision: 1,
  commands: [
    {
      id: "c1",
      asset: "school-1",
      point: "hvac_mode",
      value: 1,
      reason: "test",
      requestedAt: now,
      requestedBy: "energy-manager",
    },
  ],
  schedules: {},
  limits: {},
});
const confirmed = (): boolean =>
  control.store.peek(1000).items.some((i) => i.kind === "report" && i.report.state === "confirmed");
for (let said = false; ; ) {
  await control.controller.tick();
  if (!said && confirmed()) {
    said = true;
    process.stdout.write("confirmed\n");
  }
  await new Promise((r) => setTimeout(r, 20));
}
