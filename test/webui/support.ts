/** Debian's Chromium driven by playwright-core, for the web UI tests, and the UI build they need. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** Screenshots of every view, for reviewers (ignored by git). */
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'webui');

interface StorageInPage {
  readonly length: number;
  key(i: number): string | null;
  getItem(key: string): string | null;
}

/** The few page globals the tests read inside page.evaluate (the tests are type-checked without the DOM library). */
export interface InPage {
  readonly document: { readonly cookie: string; readonly documentElement: { outerHTML: string; scrollWidth: number } };
  readonly localStorage: StorageInPage;
  readonly sessionStorage: StorageInPage;
  readonly innerWidth: number;
}

export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing: apt-get install chromium`;
}

/** The newest modification time under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Builds dist/web from web/ as `npm run build` does (the daemon reads it at start), unless it is already newer than
 * every source: `npm test` has just built it, and rebuilding would pull it from under daemons other suites start.
 */
export function buildWebUi(): void {
  const built = path.join(ROOT, 'dist', 'web', 'app.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newest(path.join(ROOT, 'web'))) return;
  execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'build-web.ts')], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}

/**
 * One browser with a fresh profile (its own --user-data-dir, which playwright takes as the first argument of a
 * persistent context): cookies and storage start empty, and each identity in a test gets its own browser.
 */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  const profile = mkdtempSync(path.join(tmpdir(), 'bulwark-chromium-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      // Root cannot use Chromium's own sandbox; only the tests run it as root.
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Well inside the test's own timeout, so a failure names the element that never showed up.
  context.setDefaultTimeout(10_000);
  return context;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Logs the page in through the login form, as a person would. */
export async function loginWith(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Views' }).waitFor();
}
