// What every script that drives Debian's chromium with playwright-core starts
// with: the browser's launch (headless, the flags a container needs) and the
// console's sign-in. Used by console_page.js and approve_page.js here and by
// bench/console_bench.js; holds no state of its own.
'use strict';

const { chromium } = require('playwright-core');

// Launches headless chromium: $SLUICE_CHROMIUM, or Debian's /usr/bin/chromium (no downloaded
// browser). Resolves to playwright's Browser; the caller closes it.
function launchChromium() {
  return chromium.launch({
    executablePath: process.env.SLUICE_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

// Signs in on the console at url (its origin) with an access key pair and waits for the
// pipelines' table: page then shows the pipelines view, the session cookie set in its context.
async function signIn(page, url, [key, secret]) {
  await page.goto(url + '/console/');
  await page.waitForSelector('#signin');
  await page.fill('#key', key);
  await page.fill('#secret', secret);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('table.pipelines tbody tr');
}

module.exports = { launchChromium, signIn };
