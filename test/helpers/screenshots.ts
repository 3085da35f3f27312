// The README's screenshots (docs/screenshots/) are made by the page tests
// that already drive each page, and written only when asked for with
// UPDATE_SCREENSHOTS=1: an ordinary test run leaves the tracked images as
// they are (no diff after `npm test`), and an update is a deliberate commit.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";

export const DOCS_SCREENSHOTS = join(import.meta.dirname, "..", "..", "docs", "screenshots");

/** Whether this run rewrites docs/screenshots/. */
export const updatingScreenshots = (): boolean => process.env.UPDATE_SCREENSHOTS === "1";

/**
 * Writes `docs/screenshots/<name>.png` of the page when UPDATE_SCREENSHOTS=1;
 * otherwise does nothing. Returns the path written, or null.
 */
export async function docsScreenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<string | null> {
  if (!updatingScreenshots()) return null;
  if (!/^[a-z0-9-]+$/.test(name))
    throw new Error(`screenshot name ${JSON.stringify(name)}: a-z, 0-9 and - only`);
  mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
  const path = join(DOCS_SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
  return path;
}
