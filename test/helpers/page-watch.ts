// The console runs under a content security policy without 'unsafe-inline':
// a refused script or style, an uncaught script error or an error in the
// console is a failure of the page under test. `watchPage` records each of
// them, one line a problem, into `problems`; errors the page shows the user
// on purpose (the answers of refused requests, `expected`) are not problems.
import type { Page } from "playwright-core";

export async function watchPage(
  page: Page,
  problems: string[],
  expected: RegExp = /status of 40[134]/,
): Promise<void> {
  await page.exposeFunction("reportViolation", (v: string) => problems.push(`csp: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as unknown as { reportViolation(v: string): void }).reportViolation(
        `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`,
      ),
    );
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !expected.test(m.text())) problems.push(`console: ${m.text()}`);
  });
}
