#!/usr/bin/env node
// The `vetra` executable from the sources: TypeScript runs through tsx's
// loader (a devDependency), so a clone works after `npm install` without a
// build step. The compiled build (`npm run build`) runs without it:
// `node dist/cli/main.js …` (the Docker image's entry).
let register;
try {
  ({ register } = await import("tsx/esm/api"));
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  console.error(
    "vetra: running from the sources needs the devDependencies (npm install); " +
      "without them, run the compiled build: npm run build, then node dist/cli/main.js …",
  );
  process.exit(1);
}
register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
