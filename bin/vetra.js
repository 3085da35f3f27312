#!/usr/bin/env node
// The `vetra` executable: TypeScript sources run through tsx's loader, so a
// clone works after `npm install` without a build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
