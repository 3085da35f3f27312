// Child process for the kill -9 test (control-power-cut.test.ts): runs the
// edge's control against a facility simulator, takes one desired state (an
// operator command on `hvac_mode`), ticks until the command's `confirmed`
// report is committed, prints "confirmed", then goes on ticking until it is
// killed. Arguments: the simulator's Modbus port, the agent's folder.
import { facilityControlConfig } from "../../test/helpers/facility-control.ts";
import { startControl } from "./index.ts";

const [port, dir] = process.argv.slice(2);
if (!port || !dir) throw new Error("usage: crash-controller.ts PORT DIR");
const control = (await startControl(facilityControlConfig(Number(port), dir), {
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
