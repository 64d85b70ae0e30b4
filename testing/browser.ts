/**
 * Headless Chromium for the browser tests: the Debian package's `/usr/bin/chromium` (`.ci/run` installs
 * it), driven by puppeteer-core; every console error and page error is collected so a test can fail on it.
 *
 * @module
 */
import nodeProcess from "node:process";
import { type Browser, type Page, puppeteer } from "./deps.ts";

/** Where the Debian package puts the browser (override with `CHROMIUM`). */
export const CHROMIUM = nodeProcess.env.CHROMIUM ?? "/usr/bin/chromium";

/** A launched browser with one page whose console errors are collected. */
export interface BrowserPage {
  browser: Browser;
  page: Page;
  /** Console `error` messages, page errors and failed requests, in order. */
  errors: string[];
  close(): Promise<void>;
}

/** Launches headless Chromium (no sandbox: CI runs as root) with one page. */
export async function openBrowser(): Promise<BrowserPage> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
  page.on("requestfailed", (r) => {
    if (!r.url().endsWith("/events")) errors.push(`requestfailed: ${r.url()}`);
  });
  return { browser, page, errors, close: () => browser.close() };
}
