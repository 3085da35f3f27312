// Worker threads whose code is a module file beside the module that starts
// them, in whichever form the code runs: TypeScript sources (`npm start`, the
// tests), the compiled build (`dist/`, `.js`) or the edge bundle (`.mjs`).
// The worker's file is named by the caller's own extension, so the same line
// finds `report-worker.ts` beside `report.ts` and `report-worker.js` beside
// `report.js`; nothing is evaluated from a string in compiled code.
import { extname } from "node:path";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * The URL of module `name` (without extension) in the caller's folder, with
 * the caller's extension: `siblingModule(import.meta.url, "report-worker")`.
 */
export function siblingModule(callerUrl: string, name: string): URL {
  if (name.includes("/") || name.includes("\\") || extname(name) !== "")
    throw new Error(`siblingModule: "${name}" must be a bare module name without extension`);
  const caller = new URL(callerUrl);
  return new URL(`./${name}${extname(caller.pathname)}`, caller);
}

/**
 * Starts a worker on a module file. A `.ts` file (running from source) gets
 * tsx's loader registered first: a worker does not inherit the loader hooks
 * of the thread that starts it (tsx's from bin/vetra.js, or the test
 * runner's). Compiled code never takes that path, so tsx — a devDependency —
 * is not needed where the build runs.
 */
export function startModuleWorker(url: URL, options: WorkerOptions = {}): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url, options);
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}
