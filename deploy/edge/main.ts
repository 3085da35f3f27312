// Entry point of the gateway bundle: `node vetra-edge.mjs --config FILE [--metrics-port N]`,
// the same command line as `vetra edge`.
import { runEdge } from "../../edge-agent/cli.ts";

process.exitCode = await runEdge(process.argv.slice(2));
