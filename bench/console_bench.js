// The browser side of bench/console_bench.py: Debian's chromium driven by
// playwright-core, launched and signed in by tests/e2e/browser/browser_kit.js (as
// tests/e2e/browser/console_page.js is).
//
//   node console_bench.js CONFIG_JSON
//
// {"mode": "latency", "url", "operator": [key, secret], "pipeline", "stage", "action"}
//   Signs in, opens the pipeline's view and watches one action's status
//   element with a MutationObserver that records, for every change of the
//   status it shows, Date.now() when the change is in the DOM (the observer
//   runs in the same task as the page's event handler) and Date.now() in the
//   task posted from the next animation frame, which runs once that frame's
//   style, layout and paint are done (the change is painted). Prints "ready", then
//   answers each line "wait SEQ STATUS SENT_MS" read from standard input with
//   "seen SEQ DOM_MS FRAME_MS" (the first change to STATUS at or after
//   SENT_MS) or "lost SEQ" after 5 s. Ends at the end of standard input.
//
// {"mode": "load", "url", "operator", "loads": N, "pipelines": [{"name", "stage", "action",
//  "boxes"}]}
//   N times for each pipeline, a new page of the signed-in context opens
//   /console/#/pipeline/<name> (the console answers Cache-Control: no-store,
//   so every load fetches everything again): the time from navigation start
//   to the moment the last action box (stage, action) is in the DOM, and to
//   the task after the next frame (painted); when the last module and the
//   last api call had arrived (responseEnd); the bytes transferred (transferSize of the
//   navigation and of every resource, headers included) and the bodies'
//   encoded size, from the browser's resource timing; the number of boxes.
//   Prints one JSON line per load: {"pipeline", "static_ms", "api_ms", "dom_ms", "frame_ms",
//   "bytes", "api_bytes" (of the /console/api/ calls),
//   "body_bytes", "requests", "boxes"}.
'use strict';

const path = require('path');
const readline = require('readline');
const { launchChromium, signIn } = require(
  path.join(__dirname, '..', 'tests', 'e2e', 'browser', 'browser_kit.js'));

function boxSelector(stage, action) {
  return `.action[data-stage="${stage}"][data-action="${action}"]`;
}

async function latency(context, cfg) {
  const page = await context.newPage();
  await signIn(page, cfg.url, cfg.operator);
  await page.goto(`${cfg.url}/console/#/pipeline/${encodeURIComponent(cfg.pipeline)}`);
  const sel = boxSelector(cfg.stage, cfg.action) + ' .status';
  await page.waitForSelector(sel);
  await page.waitForFunction(() => document.querySelector('#live').textContent.includes('live'));
  await page.evaluate((selector) => {
    window.__changes = [];
    let last = null;
    const look = () => {
      const s = document.querySelector(selector);
      const status = s ? s.getAttribute('data-status') : null;
      if (status === last) return;
      last = status;
      const change = { status, dom: Date.now(), frame: null };
      window.__changes.push(change);
      // the task after the next frame's rendering: the change is painted
      requestAnimationFrame(() => setTimeout(() => { change.frame = Date.now(); }, 0));
    };
    look();
    new MutationObserver(look).observe(document.getElementById('main'),
      { subtree: true, childList: true, characterData: true, attributes: true });
  }, sel);
  process.stdout.write('ready\n');
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [word, seq, status, sent] = line.trim().split(/\s+/);
    if (word !== 'wait') continue;
    const since = Math.floor(Number(sent));
    try {
      const handle = await page.waitForFunction(([st, t]) => {
        const c = window.__changes.find((x) => x.status === st && x.dom >= t && x.frame !== null);
        return c ? [c.dom, c.frame] : null;
      }, [status, since], { timeout: 5000, polling: 'raf' });
      const [dom, frame] = await handle.jsonValue();
      process.stdout.write(`seen ${seq} ${dom} ${frame}\n`);
    } catch (e) {
      process.stdout.write(`lost ${seq}\n`);
    }
  }
  await page.close();
}

async function load(context, cfg) {
  for (const p of cfg.pipelines) {
    for (let i = 0; i < cfg.loads; i++) {
      const page = await context.newPage();
      await page.addInitScript(([selector]) => {
        window.__rendered = null;
        const look = () => {
          if (window.__rendered || !document.querySelector(selector)) return;
          const dom = performance.now();
          window.__rendered = { dom, frame: null };
          requestAnimationFrame(() => setTimeout(() => {
            window.__rendered.frame = performance.now();
          }, 0));
        };
        new MutationObserver(look).observe(document, { subtree: true, childList: true });
      }, [boxSelector(p.stage, p.action)]);
      await page.goto(`${cfg.url}/console/#/pipeline/${encodeURIComponent(p.name)}`);
      await page.waitForFunction(() => window.__rendered && window.__rendered.frame !== null,
        null, { timeout: 60000, polling: 100 });
      // the view's own reads are done once the last box is drawn; let late entries land
      await page.waitForTimeout(200);
      const got = await page.evaluate(() => {
        const entries = [...performance.getEntriesByType('navigation'),
          ...performance.getEntriesByType('resource')];
        const end = (pred) => entries.filter(pred).reduce((t, e) => Math.max(t, e.responseEnd), 0);
        return {
          static_ms: end((e) => e.name.includes('/console/static/')),
          api_ms: end((e) => e.name.includes('/console/api/')),
          dom_ms: window.__rendered.dom,
          frame_ms: window.__rendered.frame,
          bytes: entries.reduce((n, e) => n + (e.transferSize || 0), 0),
          api_bytes: entries.filter((e) => e.name.includes('/console/api/'))
            .reduce((n, e) => n + (e.transferSize || 0), 0),
          body_bytes: entries.reduce((n, e) => n + (e.encodedBodySize || 0), 0),
          requests: entries.length,
          boxes: document.querySelectorAll('.action').length,
        };
      });
      process.stdout.write(JSON.stringify({ pipeline: p.name, ...got }) + '\n');
      await page.close();
    }
  }
}

async function main() {
  const cfg = JSON.parse(process.argv[2]);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    if (cfg.mode === 'latency') {
      await latency(context, cfg);
    } else {
      const page = await context.newPage();
      await signIn(page, cfg.url, cfg.operator);
      await page.close();
      await load(context, cfg);
    }
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
