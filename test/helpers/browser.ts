// Real Chromium (Debian package `chromium`) driven by playwright-core for
// page tests. Locally a missing browser skips those suites; under CI=true it
// fails them, so a CI that forgot to install it cannot pass silently.
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
  (p): p is string => Boolean(p),
);

export const chromiumPath = (): string | undefined => CANDIDATES.find((p) => existsSync(p));

/** True when page suites should run (browser present, or CI where absence must fail). */
export const browserRequired = (): boolean => chromiumPath() !== undefined || process.env.CI === "true";

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) {
    throw new Error("Chromium not found (install the Debian package `chromium` or set CHROMIUM_PATH)");
  }
  return chromium.launch({
    executablePath,
    headless: true,
    // The machine has no network beyond loopback: keep Chromium from trying.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * Opens the console at `base` (+ `hash`) and signs in the way a person does:
 * the token typed into the login form (it is kept in the tab's session
 * storage, never in the address). Resolves once the navigation shows.
 */
export async function signInToConsole(page: Page, base: string, token: string, hash = ""): Promise<void> {
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector("#login:not([hidden])");
  await page.fill("#token", token);
  await page.click("#loginButton");
  await page.waitForSelector("#nav:not([hidden])");
}
