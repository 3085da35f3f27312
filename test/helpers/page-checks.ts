// What every public page must hold at any screen size, checked in real
// Chromium: no sideways scrolling, the main action on screen and the control
// itself at its centre (not covered by another element), and no request
// leaving the test's own server.
import type { Browser, Page } from "playwright-core";

export const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1440, height: 900 },
] as const;

/** A page whose every request to another host is refused and recorded. */
export async function offlinePage(
  browser: Browser,
  viewport: { width: number; height: number },
  serverUrl: string,
): Promise<{ page: Page; outside: string[] }> {
  const host = new URL(serverUrl).host;
  const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  const outside: string[] = [];
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.host === host || url.protocol === "data:" || url.protocol === "blob:") return route.continue();
    outside.push(url.href);
    return route.abort();
  });
  return { page, outside };
}

/** Page width beyond the viewport, px (0 when nothing scrolls sideways). */
export const horizontalOverflow = (page: Page): Promise<number> =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/**
 * Whether the control is visible and the topmost element at its centre (so a
 * tap there reaches it): on the first screen as the page opens, or, with
 * `scroll`, once scrolled into view as a person would.
 */
export async function isClickable(page: Page, selector: string, scroll = false): Promise<boolean> {
  const el = page.locator(selector);
  if (scroll) await el.scrollIntoViewIfNeeded();
  if (!(await el.isVisible())) return false;
  return el.evaluate((node) => {
    const r = node.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    const x = r.left + r.width / 2;
    const y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x > window.innerWidth || y > window.innerHeight) return false;
    const top = document.elementFromPoint(x, y);
    return top !== null && (top === node || node.contains(top));
  });
}
