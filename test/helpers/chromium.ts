import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';

/** Debian's Chromium (apt-get install -y chromium), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * `describe` when Chromium is installed; else a skip announced loudly, or (REQUIRE_CHROMIUM=1, as
 * CI runs) a failure. `what` names the suite in the message.
 */
export function describeWithChromium(what: string): jest.Describe {
  if (fs.existsSync(CHROMIUM)) return describe;
  const message = `Chromium not found at ${CHROMIUM}.`;
  if (process.env.REQUIRE_CHROMIUM === '1')
    throw new Error(`${message} REQUIRE_CHROMIUM=1, so ${what} fail instead of skipping. Install it: apt-get install -y chromium`);
  const bar = '!'.repeat(100);
  console.warn(
    `\n${bar}\n!!! ${message}\n!!! ${what.toUpperCase()} ARE SKIPPED. Install it with: apt-get update && apt-get install -y chromium\n${bar}\n`,
  );
  return describe.skip;
}

/**
 * A headless Chromium with a fresh profile, driven by playwright-core (no browser download). The
 * flags keep it off the network beyond the pages a test opens (this machine's network is closed:
 * background connections are refused by the dozen). close() also removes the profile.
 */
export async function launchChromium(
  viewport = { width: 1200, height: 900 },
): Promise<{ browser: BrowserContext; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
