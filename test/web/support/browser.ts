/**
 * Chromium for the browser tests: Debian's package (apt-get install chromium), or CHROMIUM_PATH.
 * Without one a developer's run skips with a message; CI (CI=true) fails instead, so a missing
 * browser can never pass for green.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((candidate) => existsSync(candidate));
}

/** undefined when the suite may run; otherwise the reason it is skipped. Throws in CI. */
export function chromiumSkipReason(): string | undefined {
  if (findChromium()) return undefined;
  const reason = "no Chromium found (install it: sudo apt-get install -y chromium, or set CHROMIUM_PATH)";
  if (process.env.CI === "true" || process.env.CI === "1") throw new Error(`browser tests cannot run in CI: ${reason}`);
  return reason;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error("no Chromium");
  // Playwright gives every launch a fresh, empty profile directory.
  return chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export const ARTIFACTS = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "artifacts");

export async function newPage(browser: Browser, options: { width?: number; height?: number; scale?: number } = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    deviceScaleFactor: options.scale ?? 1,
    isMobile: (options.width ?? 1280) < 600,
    hasTouch: (options.width ?? 1280) < 600,
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: options.fullPage ?? true });
  return file;
}
