import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, which the browser tests drive (playwright-core never downloads one). */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether it is installed: the browser tests skip without it, except in CI, where a missing one fails them. */
export const chromiumAvailable = existsSync(executablePath);
if (!chromiumAvailable && process.env.CI) throw new Error(`Chromium is missing at ${executablePath}: .ci/run installs it (apt-get install chromium)`);

/** Chromium headless, with nothing of its own reaching the network (sync, updates, QUIC). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
