// Drives Debian's chromium with playwright-core through one approval page:
// opens the signed link, checks what the page shows (and, each line of
// SLUICE_EXPECT_TEXT when set: the commit message and id), types a comment,
// clicks Approve and waits for the page to say the vote was recorded; keeps a
// screenshot. With SLUICE_SIGNIN_URL / _KEY / _SECRET, then signs in on that
// page in a fresh context, clicks Sign out, and checks the page asks to sign
// in again. Usage: node approve_page.js URL SCREENSHOT_PATH COMMENT
// Exit 0 when every check passed; prints what failed otherwise.
'use strict';

const { launchChromium } = require('./browser_kit');

async function main() {
  const [url, screenshot, comment] = process.argv.slice(2);
  const browser = await launchChromium();
  try {
    // a phone-sized window: the page must be usable there
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const external = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(new URL(url).origin)) external.push(req.url());
    });
    const response = await page.goto(url);
    if (response.status() !== 200) throw new Error(`page status ${response.status()}`);
    const title = await page.textContent('h1');
    if (title !== 'Approval needed') throw new Error(`unexpected title ${title}`);
    const body = await page.textContent('body');
    const expected = (process.env.SLUICE_EXPECT_TEXT || '').split('\n').filter((l) => l !== '');
    for (const wanted of ['Pipeline', 'Stage', 'Deadline', 'Please review', ...expected]) {
      if (!body.includes(wanted)) throw new Error(`the page does not show ${wanted}`);
    }
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 390) throw new Error(`the page is ${width}px wide on a 390px phone`);
    await page.fill('#comment', comment);
    await page.click('#approve');
    await page.waitForSelector('#notice');
    const notice = await page.textContent('#notice');
    if (!notice.includes('Your vote (Approved) was recorded')) {
      throw new Error(`after Approve the page says: ${notice}`);
    }
    if (!(await page.textContent('body')).includes(comment)) {
      throw new Error('the comment is not among the votes');
    }
    await page.screenshot({ path: screenshot, fullPage: true });
    if (external.length > 0) throw new Error(`external requests: ${external.join(', ')}`);
    console.log('browser: approved, screenshot in ' + screenshot);
    if (process.env.SLUICE_SIGNIN_URL) {
      const own = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const signin = await own.newPage();
      await signin.goto(process.env.SLUICE_SIGNIN_URL);
      if ((await signin.textContent('h1')) !== 'Sign in to decide') throw new Error('no sign-in page');
      await signin.fill('#key', process.env.SLUICE_SIGNIN_KEY);
      await signin.fill('#secret', process.env.SLUICE_SIGNIN_SECRET);
      await Promise.all([signin.waitForNavigation(), signin.click('button[type=submit]')]);
      if (!(await signin.textContent('body')).includes('You are')) {
        throw new Error('signing in did not show the approval');
      }
      await Promise.all([signin.waitForNavigation(), signin.click('#signout-button')]);
      const out = await signin.textContent('#notice');
      if (!out.includes('You are signed out')) throw new Error(`after Sign out: ${out}`);
      await signin.goto(process.env.SLUICE_SIGNIN_URL);
      if ((await signin.textContent('h1')) !== 'Sign in to decide') {
        throw new Error('after signing out the page still shows the approval');
      }
      console.log('browser: signed in and out');
    }
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error('browser test failed: ' + (err && err.stack ? err.stack : err));
  process.exit(1);
});
