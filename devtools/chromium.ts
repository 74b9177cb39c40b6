import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's `chromium` package; `CHROMIUM_PATH` points elsewhere. `npx playwright install` cannot work offline. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags that keep a headless Chromium quiet and off the network (Debian chromium, driven offline). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Launches headless Chromium through playwright-core. Throws a sentence saying how to install it when the binary is
 * missing: tests that need a browser fail, they never skip.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `${CHROMIUM_PATH} is missing: the HTML report test needs Debian's chromium package ` +
        '(apt-get install -y chromium; .ci/run installs it), or CHROMIUM_PATH set to another Chromium.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}
