// Drives Debian's chromium with playwright-core through the console:
// sign in, filter the pipelines, open a pipeline, start it with a variable and
// watch its actions change without a reload (each change on screen within 1 s
// of its event), disable and re-enable a transition, render a 50 x 50
// pipeline with no overlapping boxes and no clipped names (from element
// geometry), and the session rules (no CSRF token, a cookie replayed after
// sign-out); the execution's history and timeline (a Gantt bar per action,
// its variables) and one action execution's view; then a viewer sees no
// buttons and the api refuses the call; a running action's log grows on
// screen, read from the store once a second whoever watches; an approver approves with a comment
// from the approvals view. axe-core runs on every view (no serious or
// critical violation) and Tab reaches every control with a visible focus.
// Each stage's change shows on its lane and its cell of the overview strip
// within 1 s of its event too. The overview strip of the 2-stage, 50 x 50
// and conditions pipelines is checked from geometry and navigated with Enter
// and a click; a pipeline with stage conditions and variables shows their
// rules, states and values; a failed stage is retried with its lane's button.
// Usage: node console_page.js CONFIG_JSON  ({"url", "pipeline", "big", "small", "conditions",
// "approval", "logPipeline", "logExecution", "logAction", "operator": [key, secret], "viewer": [key, secret],
// "approver": [key, secret], "shots": dir})
'use strict';

const fs = require('fs');
const { launchChromium, signIn } = require('./browser_kit');

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const axed = []; // the views axe-core checked

const errors = []; // the page's uncaught errors: each one fails the test
const notes = []; // its console errors (expected refusals among them) and what it shows, on failure
let current = null; // the page, for what it shows when a check fails

function fail(message) {
  throw new Error(message);
}

async function checkGeometry(page, what) {
  const result = await page.evaluate(() => {
    const problems = [];
    const rect = (e) => e.getBoundingClientRect();
    const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
      a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const lanes = [...document.querySelectorAll('.lane')];
    const laneRects = lanes.map(rect);
    for (let i = 0; i < laneRects.length; i++) {
      for (let j = i + 1; j < laneRects.length; j++) {
        if (overlap(laneRects[i], laneRects[j])) problems.push(`lanes ${i} and ${j} overlap`);
      }
    }
    let boxes = 0;
    for (const lane of lanes) {
      const body = lane.querySelector('.lane-body');
      const actions = [...lane.querySelectorAll('.action')];
      boxes += actions.length;
      // measured in the lane's own scrolled coordinates: add its scroll offset
      const rs = actions.map((a) => {
        const r = rect(a);
        return { left: r.left + body.scrollLeft, right: r.right + body.scrollLeft, top: r.top, bottom: r.bottom };
      });
      for (let i = 0; i < rs.length; i++) {
        if (rs[i].right - rs[i].left < 20 || rs[i].bottom - rs[i].top < 20) problems.push(`a box is ${rs[i].right - rs[i].left}px wide`);
        for (let j = i + 1; j < rs.length; j++) {
          if (overlap(rs[i], rs[j])) problems.push(`${lane.dataset.stage}: boxes ${i} and ${j} overlap`);
        }
      }
      for (const name of lane.querySelectorAll('.action-name, .lane-head h2')) {
        if (name.scrollWidth > name.clientWidth + 1 || name.scrollHeight > name.clientHeight + 1) {
          problems.push(`clipped name: ${name.textContent}`);
        }
      }
      const laneRect = rect(lane);
      const first = actions[0] && rect(actions[0]);
      if (first && (first.top < laneRect.top || first.bottom > laneRect.bottom)) problems.push(`${lane.dataset.stage}: a box outside its lane`);
    }
    return { problems: problems.slice(0, 10), lanes: lanes.length, boxes };
  });
  if (result.problems.length) fail(`${what}: ${result.problems.join('; ')}`);
  return result;
}

// axe-core on what the page shows now: no serious or critical violation. It is
// evaluated through the browser's debugger protocol, so the console's CSP
// (script-src 'self') stays on.
async function checkAxe(page, what) {
  await page.evaluate(AXE + '\n;0');
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
  if (found.length) fail(`axe-core on ${what}: ${found.join('; ')}`);
  axed.push(what);
  // and no missing value written out as text
  const shown = await page.evaluate(() => document.getElementById('main').innerText);
  const bad = /\b(null|undefined|NaN)\b|\[object Object\]/.exec(shown);
  if (bad) fail(`${what} shows: …${shown.slice(Math.max(0, bad.index - 200), bad.index + 100)}…`);
}

// Stage by stage: each stage's state change (an event with a stage and no
// action) is on its lane's head and its cell of the overview strip within 1 s
// of the event; both stages' SUCCEEDED at least, in order.
function checkStageTimes(timing) {
  const map = { STARTED: 'InProgress', SUCCEEDED: 'Succeeded' };
  const seen = [];
  let worst = 0;
  for (const ev of timing.events) {
    if (!ev.stage || ev.action || !map[ev.state]) continue;
    const shown = timing.screen.find((x) => x.key === `${ev.stage}/-/${map[ev.state]}`);
    const cell = timing.screen.find((x) => x.key === `${ev.stage}/strip/${map[ev.state]}`);
    if (!shown || !cell) {
      if (ev.state === 'SUCCEEDED') fail(`stage ${ev.stage} ${ev.state} never showed on its lane (${!!shown}) or its cell (${!!cell})`);
      continue; // a short InProgress may be overtaken by its end
    }
    const late = Math.max(shown.at, cell.at) - ev.at;
    worst = Math.max(worst, late);
    if (late > 1000) fail(`stage ${ev.stage} ${ev.state} showed ${late} ms after its event`);
    seen.push(`${ev.stage}/${ev.state}`);
  }
  const done = seen.filter((k) => k.endsWith('/SUCCEEDED'));
  if (done.join(',') !== 'Source/SUCCEEDED,Deploy/SUCCEEDED') fail(`stages seen succeeding: ${done} of ${JSON.stringify(timing.events)}`);
  console.log(`browser: ${seen.length} stage changes on their lanes and strip cells, at most ${worst} ms after their event`);
}

// A failed stage retried from the page (cfg.retry: its Ship stage's Flaky
// action failed once): the lane shows Failed and the Retry failed actions
// button; pressed, the notice says done and Flaky then shows Succeeded
// without a reload.
async function checkRetryFromPage(page, cfg) {
  await page.goto(cfg.url + '/console/#/pipeline/' + encodeURIComponent(cfg.retry));
  await page.waitForSelector('.lane[data-stage="Ship"] .lane-head button.retry');
  const before = await page.getAttribute('.lane[data-stage="Ship"] .lane-head .status', 'data-status');
  if (before !== 'Failed') fail(`the failed stage shows ${before}`);
  await page.evaluate(() => { window.__noReload = true; });
  await page.click('.lane[data-stage="Ship"] .lane-head button.retry');
  await page.waitForFunction(() => document.getElementById('notice').textContent.includes('Retry Ship: done'), null, { timeout: 10000 });
  await page.waitForSelector('.action[data-stage="Ship"][data-action="Flaky"] .status[data-status="Succeeded"]', { timeout: 20000 });
  await page.waitForSelector('.lane[data-stage="Ship"] .lane-head .status[data-status="Succeeded"]', { timeout: 10000 });
  if (!(await page.evaluate(() => window.__noReload === true))) fail('the page was reloaded');
  if (await page.$('.lane[data-stage="Ship"] button.retry')) fail('the retry button stayed on a stage that succeeded');
  console.log('browser: a failed stage retried from its lane, then Succeeded');
}

// The overview strip of a pipeline of `stages` stages, at the top of the page:
// one cell per stage in order, each labelled and titled with its stage's name
// and the status its lane shows, with that status's mark in text; no two
// cells overlap, none is clipped, the strip ends above the lanes. Enter on a
// cell and a click on another scroll to their lanes, which end up below the
// strip (not hidden by it) and in the window, with the focus on the lane's toggle.
async function checkOverview(page, what, stages) {
  await page.evaluate(() => window.scrollTo(0, 0));
  const got = await page.evaluate(() => {
    const problems = [];
    const strip = document.querySelector('nav.overview');
    if (!strip || !strip.getAttribute('aria-label')) return { problems: ['no labelled overview strip'], cells: 0 };
    const cells = [...strip.querySelectorAll('.ov-cell')];
    const lanes = [...document.querySelectorAll('.lane')];
    const rs = cells.map((c) => c.getBoundingClientRect());
    const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    cells.forEach((cell, i) => {
      const lane = lanes[i];
      const status = lane && lane.querySelector('.lane-head .status').dataset.status;
      const label = cell.getAttribute('aria-label') || '';
      if (!lane || cell.dataset.stage !== lane.dataset.stage) problems.push(`cell ${i} is not stage ${lane && lane.dataset.stage}`);
      if (!label.includes(cell.dataset.stage) || !label.includes(`: ${status}`) || cell.title !== label) problems.push(`cell ${i} says "${label}", its lane ${status}`);
      if (cell.dataset.status !== status) problems.push(`cell ${i} has status ${cell.dataset.status}, its lane ${status}`);
      const num = cell.querySelector('.ov-num').textContent;
      const mark = cell.querySelector('.ov-mark').textContent;
      if (num !== String(i + 1) || !mark) problems.push(`cell ${i} shows "${num}" "${mark}"`);
      if (cell.scrollWidth > cell.clientWidth + 1 || rs[i].width < 16 || rs[i].height < 12) problems.push(`cell ${i} is clipped or tiny`);
      for (let j = i + 1; j < rs.length; j++) if (overlap(rs[i], rs[j])) problems.push(`cells ${i} and ${j} overlap`);
    });
    const graph = document.querySelector('.graph').getBoundingClientRect();
    if (strip.getBoundingClientRect().bottom > graph.top + 0.5) problems.push('the strip overlaps the lanes');
    return { problems: problems.slice(0, 10), cells: cells.length };
  });
  if (got.problems.length) fail(`${what} overview: ${got.problems.join('; ')}`);
  if (got.cells !== stages) fail(`${what} overview: ${got.cells} cells for ${stages} stages`);
  const landed = async (n) => page.evaluate((i) => {
    const lane = document.querySelectorAll('.lane')[i].getBoundingClientRect();
    const strip = document.querySelector('nav.overview').getBoundingClientRect();
    const focus = document.activeElement;
    return { top: lane.top, stripBottom: strip.bottom, stripTop: strip.top, height: window.innerHeight,
      focus: focus && focus.classList.contains('toggle') ? focus.closest('.lane').dataset.stage : String(focus && focus.outerHTML).slice(0, 80) };
  }, n);
  const targets = stages > 2 ? [stages - 1, Math.floor(stages / 2)] : [stages - 1];
  for (const [k, n] of targets.entries()) {
    const cell = `nav.overview .ov-cell[data-stage="${await page.$eval(`#ov-${n}`, (c) => c.dataset.stage)}"]`;
    if (k === 0) {
      await page.focus(cell);
      await page.keyboard.press('Enter');
    } else {
      await page.click(cell);
    }
    const at = await landed(n);
    const stage = await page.$eval(cell, (c) => c.dataset.stage);
    if ((stages >= 50 && at.stripTop > 0.5) || at.top < at.stripBottom - 0.5 || at.top > at.height - 40) {
      fail(`${what} overview: ${stage}'s lane is at ${at.top} px after its cell was pressed (strip ${at.stripTop}–${at.stripBottom}, window ${at.height})`);
    }
    if (at.focus !== stage) fail(`${what} overview: the focus is on ${at.focus}, not ${stage}'s toggle`);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  return got.cells;
}

// A pipeline with stage conditions and variables (cfg.conditions: its Gate
// stage's beforeEntry rule failed and skipped it; Deploy's onSuccess rule
// passed; Deploy's onFailure never ran; its variable Env defaults to dev and
// the latest execution ran with staging): the view shows each condition with
// its result, rules and their states, the variables with the default and the
// resolved value, no condition box overlaps an action box; axe-core, the
// keyboard and the overview strip pass; a screenshot.
async function checkConditionsAndVariables(page, cfg) {
  await page.goto(cfg.url + '/console/#/pipeline/' + encodeURIComponent(cfg.conditions));
  await page.waitForSelector('.lane[data-stage="Gate"] .condition[data-condition="beforeEntry"]');
  await page.waitForSelector('.pipeline-variables tr[data-variable-row="Env"] .resolved code');
  const shown = await page.evaluate(() => {
    const text = (sel) => (document.querySelector(sel) || {}).innerText || '';
    const status = (sel) => ((document.querySelector(sel) || {}).dataset || {}).status;
    return {
      gate: status('.lane[data-stage="Gate"] .lane-head .status'),
      entry: status('.lane[data-stage="Gate"] .condition[data-condition="beforeEntry"] h3 .status'),
      entryText: text('.lane[data-stage="Gate"] .condition[data-condition="beforeEntry"]'),
      entryRule: status('.lane[data-stage="Gate"] .rule[data-rule="OnlyProd"] .status'),
      success: status('.lane[data-stage="Deploy"] .condition[data-condition="onSuccess"] h3 .status'),
      successRule: status('.lane[data-stage="Deploy"] .rule[data-rule="NotProd"] .status'),
      successText: text('.lane[data-stage="Deploy"] .condition[data-condition="onSuccess"]'),
      failure: status('.lane[data-stage="Deploy"] .condition[data-condition="onFailure"] h3 .status'),
      failureText: text('.lane[data-stage="Deploy"] .condition[data-condition="onFailure"]'),
      none: document.querySelectorAll('.lane[data-stage="Source"] .condition').length,
      vars: text('.pipeline-variables tr[data-variable-row="Env"]'),
      cell: (document.querySelector('.ov-cell[data-stage="Gate"]') || { getAttribute: () => '' }).getAttribute('aria-label'),
    };
  });
  const want = [
    [shown.gate, 'Skipped', 'Gate'], [shown.entry, 'Failed', 'Gate beforeEntry'], [shown.entryRule, 'Failed', 'rule OnlyProd'],
    [shown.success, 'Succeeded', 'Deploy onSuccess'], [shown.successRule, 'Succeeded', 'rule NotProd'],
    [shown.failure, 'Not run', 'Deploy onFailure'],
  ];
  for (const [got, expected, what] of want) if (got !== expected) fail(`${what} shows ${got}, not ${expected}: ${JSON.stringify(shown)}`);
  if (!shown.entryText.includes('SKIP') || !shown.entryText.includes('#{variables.Env} EQ prod') || !shown.entryText.includes('VariableCheck')) {
    fail(`the beforeEntry condition says: ${shown.entryText}`);
  }
  if (!shown.successText.includes('FAIL') || !shown.successText.includes('NE prod')) fail(`the onSuccess condition says: ${shown.successText}`);
  if (!shown.failureText.includes('RETRY (FAILED_ACTIONS)')) fail(`the onFailure condition says: ${shown.failureText}`);
  if (shown.none !== 0) fail('Source shows a condition it does not declare');
  const cells = shown.vars.split('	').map((c) => c.trim());
  if (cells[0] !== 'Env' || cells[1] !== 'dev' || !cells.includes('The target environment') || cells[3] !== 'staging') {
    fail(`the variable Env shows ${JSON.stringify(cells)}`);
  }
  if (!shown.cell.includes('Gate: Skipped')) fail(`Gate's overview cell says ${shown.cell}`);
  const overlaps = await page.evaluate(() => {
    const rect = (e) => e.getBoundingClientRect();
    const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const problems = [];
    for (const lane of document.querySelectorAll('.lane')) {
      const conds = [...lane.querySelectorAll('.condition')].map(rect);
      const actions = [...lane.querySelectorAll('.action')].map(rect);
      conds.forEach((c, i) => {
        actions.forEach((a, j) => { if (overlap(c, a)) problems.push(`${lane.dataset.stage}: condition ${i} and action ${j} overlap`); });
        conds.slice(i + 1).forEach((d, j) => { if (overlap(c, d)) problems.push(`${lane.dataset.stage}: conditions ${i} and ${i + 1 + j} overlap`); });
      });
      for (const name of lane.querySelectorAll('.rule-name, .condition h3')) {
        if (name.scrollWidth > name.clientWidth + 1) problems.push(`clipped: ${name.textContent}`);
      }
    }
    return problems;
  });
  if (overlaps.length) fail(`${cfg.conditions}: ${overlaps.join('; ')}`);
  await checkGeometry(page, cfg.conditions);
  await checkOverview(page, cfg.conditions, 3);
  await checkAxe(page, 'pipeline with conditions and variables');
  await checkKeyboard(page, 'pipeline with conditions and variables');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: cfg.shots + '/console-conditions.png', fullPage: true });
  console.log('browser: stage conditions (beforeEntry skipped Gate, onSuccess passed, onFailure not run) and variables (default, resolved) shown');
}

// Tab from the top of the page: every visible control of the page is reached,
// and each one shows a focus outline when it has the focus.
async function checkKeyboard(page, what) {
  const total = await page.evaluate(() => {
    const all = [...document.querySelectorAll('a[href], button, input, textarea, select')]
      .filter((e) => !e.disabled && e.offsetParent !== null);
    all.forEach((e, i) => e.setAttribute('data-kb', String(i)));
    document.activeElement && document.activeElement.blur();
    window.__kb = new Set();
    window.__kbBad = [];
    return all.length;
  });
  await page.evaluate(() => window.scrollTo(0, 0));
  for (let i = 0; i < total + 2; i++) {
    await page.keyboard.press('Tab');
    await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || !e.hasAttribute('data-kb')) return;
      window.__kb.add(e.getAttribute('data-kb'));
      const st = getComputedStyle(e);
      if (st.outlineStyle === 'none' || parseFloat(st.outlineWidth) < 2) window.__kbBad.push(e.outerHTML.slice(0, 80));
    });
  }
  const got = await page.evaluate(() => ({ reached: window.__kb.size, bad: window.__kbBad }));
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  if (got.reached < total) fail(`${what}: Tab reached ${got.reached} of ${total} controls`);
  if (got.bad.length) fail(`${what}: no visible focus on ${got.bad.slice(0, 3).join(', ')}`);
}

async function main() {
  const cfg = JSON.parse(process.argv[2]);
  const browser = await launchChromium();
  const external = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    current = page;
    page.on('request', (req) => {
      if (!req.url().startsWith(cfg.url)) external.push(req.url());
    });
    page.on('pageerror', (err) => errors.push(String(err)));
    page.on('console', (msg) => {
      if (msg.type() === 'error') notes.push(msg.text());
    });

    // ---- sign in, the pipelines view, the filter
    await page.goto(cfg.url + '/console/');
    await page.waitForSelector('#signin');
    await page.fill('#key', cfg.operator[0]);
    await page.fill('#secret', 'wrong');
    await page.click('#signin button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#signin-error').textContent.includes('wrong'));
    await checkAxe(page, 'sign-in');
    await signIn(page, cfg.url, cfg.operator);
    await checkAxe(page, 'pipelines');
    await checkKeyboard(page, 'pipelines');
    const rows = await page.$$eval('table.pipelines tbody tr', (trs) => trs.map((t) => t.dataset.pipeline));
    for (const name of [cfg.pipeline, cfg.big, cfg.small]) {
      if (!rows.includes(name)) fail(`the pipelines view lacks ${name}: ${rows}`);
    }
    await page.fill('#filter', cfg.small);
    const filtered = await page.$$eval('table.pipelines tbody tr', (trs) => trs.map((t) => t.dataset.pipeline));
    if (filtered.length !== 1 || filtered[0] !== cfg.small) fail(`the filter shows ${filtered}`);
    await page.fill('#filter', '');

    // ---- open the pipeline, start it, watch it move without a reload
    await page.click(`tr[data-pipeline="${cfg.pipeline}"] a`);
    await page.waitForSelector(`.lane[data-stage="Deploy"] .action[data-action="Deploy"]`);
    await page.waitForFunction(() => document.querySelector('#live').textContent.includes('live'));
    await page.evaluate((name) => {
      window.__noReload = true;
      window.__events = [];
      window.__screen = [];
      const es = new EventSource('/console/events?pipeline=' + encodeURIComponent(name));
      es.addEventListener('state', (e) => {
        const d = JSON.parse(e.data);
        window.__events.push({ stage: d.stage, action: d.action, state: d.state, at: Date.now() });
      });
      new MutationObserver(() => {
        for (const s of document.querySelectorAll('.action .status')) {
          const box = s.closest('.action');
          const key = `${box.dataset.stage}/${box.dataset.action}/${s.dataset.status}`;
          if (!window.__screen.some((x) => x.key === key)) window.__screen.push({ key, at: Date.now() });
        }
        for (const s of document.querySelectorAll('.lane-head .status')) {
          const key = `${s.closest('.lane').dataset.stage}/-/${s.dataset.status}`;
          if (!window.__screen.some((x) => x.key === key)) window.__screen.push({ key, at: Date.now() });
        }
        for (const c of document.querySelectorAll('.ov-cell')) {
          const key = `${c.dataset.stage}/strip/${c.dataset.status}`;
          if (!window.__screen.some((x) => x.key === key)) window.__screen.push({ key, at: Date.now() });
        }
      }).observe(document.getElementById('main'), { subtree: true, childList: true, characterData: true, attributes: true });
    }, cfg.pipeline);
    await page.waitForTimeout(300); // the observer's stream is open
    await page.fill('[data-variable="Color"]', 'green');
    await page.click('#start');
    await page.waitForSelector('.action[data-stage="Deploy"][data-action="Deploy"] .status[data-status="Succeeded"]', { timeout: 20000 });
    const timing = await page.evaluate(() => ({ events: window.__events, screen: window.__screen, same: window.__noReload === true }));
    if (!timing.same) fail('the page was reloaded');
    const map = { STARTED: 'InProgress', SUCCEEDED: 'Succeeded' };
    let checked = 0;
    let worst = 0;
    for (const ev of timing.events) {
      if (!ev.action || !map[ev.state]) continue;
      const seen = timing.screen.find((x) => x.key === `${ev.stage}/${ev.action}/${map[ev.state]}`);
      if (!seen) {
        if (ev.state === 'SUCCEEDED') fail(`${ev.stage}/${ev.action} ${ev.state} never showed`);
        continue; // a short InProgress may be overtaken by its end
      }
      const late = seen.at - ev.at;
      worst = Math.max(worst, late);
      if (late > 1000) fail(`${ev.stage}/${ev.action} ${ev.state} showed ${late} ms after its event`);
      checked++;
    }
    if (checked < 2) fail(`only ${checked} changes were timed: ${JSON.stringify(timing)}`);
    console.log(`browser: ${checked} status changes on screen, at most ${worst} ms after their event`);
    checkStageTimes(timing);

    // ---- disable and re-enable the transition into Deploy
    await page.fill('[data-transition="Deploy"] .reason', 'Frozen for the release');
    await page.click('[data-transition="Deploy"] .disable-transition');
    await page.waitForSelector('[data-transition="Deploy"].disabled');
    const text = await page.textContent('[data-transition="Deploy"]');
    if (!text.includes('Frozen for the release')) fail(`the disabled transition says: ${text}`);
    await page.screenshot({ path: cfg.shots + '/console-pipeline.png', fullPage: true });
    await checkAxe(page, 'pipeline');
    await checkKeyboard(page, 'pipeline');
    await page.click('[data-transition="Deploy"] .enable-transition');
    await page.waitForSelector('[data-transition="Deploy"].enabled');

    // ---- the executions: the history, the execution's timeline, one action execution
    await page.click('nav.tabs a[href^="#/executions/"]');
    // the execution ends just after its last action: the view follows it live
    await page.waitForSelector('table.executions tbody tr .status[data-status="Succeeded"]', { timeout: 10000 });
    const history = await page.$$eval('table.executions tbody tr', (trs) => trs.map((t) => t.innerText));
    if (history.length !== 1 || !history[0].includes('Succeeded') || !history[0].includes('StartPipelineExecution')) {
      fail(`the history shows ${JSON.stringify(history)}`);
    }
    await checkAxe(page, 'executions');
    await checkKeyboard(page, 'executions');
    await page.screenshot({ path: cfg.shots + '/console-executions.png', fullPage: true });
    await page.click('table.executions tbody tr a');
    await page.waitForSelector('.gantt-row[data-action="Deploy"]');
    const bars = await page.$$eval('.gantt-row', (rows) => rows.map((r) => {
      const track = r.querySelector('.gantt-track').getBoundingClientRect();
      const bar = r.querySelector('.bar').getBoundingClientRect();
      return { action: r.dataset.action, start: Number(r.dataset.start), end: Number(r.dataset.end),
        left: bar.left - track.left, width: bar.width, track: track.width, status: r.querySelector('.status').textContent };
    }));
    const source = bars.find((b) => b.action === 'Source');
    const deploy = bars.find((b) => b.action === 'Deploy');
    if (!source || !deploy || bars.length !== 2) fail(`the timeline shows ${JSON.stringify(bars)}`);
    if (deploy.start < source.start || deploy.left < source.left - 0.5 || deploy.width < 1 || deploy.left + deploy.width > deploy.track + 1) {
      fail(`the Gantt bars are misplaced: ${JSON.stringify(bars)}`);
    }
    if (deploy.status !== 'Succeeded') fail(`Deploy shows ${deploy.status} in the timeline`);
    const vars = await page.textContent('section.variables');
    if (!vars.includes('Color') || !vars.includes('green')) fail(`the execution's variables: ${vars}`);
    const arts = await page.textContent('section.artifacts');
    if (!arts.includes('SourceArtifact')) fail(`the execution's artifacts: ${arts}`);
    await checkAxe(page, 'execution');
    await checkKeyboard(page, 'execution');
    await page.screenshot({ path: cfg.shots + '/console-execution.png', fullPage: true });
    await page.click('.gantt-row[data-action="Deploy"] a');
    await page.waitForSelector('section.configuration');
    const config = await page.textContent('section.configuration');
    if (!config.includes('BucketName') || !config.includes('site')) fail(`the action's configuration: ${config}`);
    const inputs = await page.textContent('section.inputs');
    if (!inputs.includes('SourceArtifact')) fail(`the action's inputs: ${inputs}`);
    await checkAxe(page, 'action execution');
    await checkKeyboard(page, 'action execution');
    await page.screenshot({ path: cfg.shots + '/console-action.png', fullPage: true });
    console.log(`browser: the execution's timeline shows ${bars.length} bars, the action its configuration`);

    // ---- a running action's log, growing on screen; one read of the store a second for all
    await page.goto(cfg.url + '/console/#/action/' + [cfg.logPipeline, cfg.logExecution, cfg.logAction].map(encodeURIComponent).join('/'));
    await page.waitForFunction(() => (document.getElementById('log') || {}).textContent && document.getElementById('log').textContent.includes('step 1 ✓'), null, { timeout: 15000 });
    const lines = () => page.evaluate(() => document.getElementById('log').textContent.split('\n').filter((l) => l).length);
    const first = await lines();
    await page.waitForFunction((n) => document.getElementById('log').textContent.split('\n').filter((l) => l).length >= n + 3, first, { timeout: 15000 });
    const shownStatus = await page.textContent('main .meta .status');
    if (shownStatus !== 'InProgress') fail(`the running action shows ${shownStatus}`);
    const logText = await page.textContent('#log');
    const numbers = logText.split('\n').filter((l) => l).map((l) => Number(l.split(' ')[1]));
    if (numbers.some((n, i) => n !== i + 1)) fail(`the log's lines are out of order or repeated: ${logText.slice(0, 300)}`);
    const reads = await page.evaluate(async (url) => {
      // a browser opens 6 connections to one host at most: 2 streams here, 2 more, the fetch
      const count = async (name = 'sluice_console_log_reads_total') => {
        const ctl = new AbortController();
        const timer = setTimeout(() => ctl.abort(), 5000);
        const text = await (await fetch('/metrics', { signal: ctl.signal })).text();
        clearTimeout(timer);
        const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
        return line ? Number(line.split(' ').pop()) : NaN;
      };
      const extra = [1, 2].map(() => new EventSource(url));
      // the earlier action view's stream ended when it left (a heartbeat found it closed):
      // three streams of this one log are left
      let streams = 0;
      for (let i = 0; i < 50 && streams !== 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        streams = await count('sluice_console_log_streams');
      }
      if (streams !== 3) return { streams };
      const before = await count();
      await new Promise((r) => setTimeout(r, 3000));
      const after = await count();
      extra.forEach((e) => e.close());
      return { streams, before, after };
    }, `/console/logs?pipeline=${encodeURIComponent(cfg.logPipeline)}&execution=${encodeURIComponent(cfg.logExecution)}&action=${encodeURIComponent(cfg.logAction)}`);
    if (reads.streams !== 3) fail(`3 streams of the log expected, /metrics counts ${reads.streams}`);
    const delta = reads.after - reads.before;
    if (!(delta >= 2 && delta <= 4)) fail(`3 watchers of one log for 3 s made ${delta} reads of the store`);
    await checkAxe(page, 'action log');
    await checkKeyboard(page, 'action log');
    await page.screenshot({ path: cfg.shots + '/console-log.png', fullPage: true });
    console.log(`browser: the running action's log grew from ${first} to ${numbers.length} lines on screen; 3 watchers, ${delta} store reads in 3 s`);

    // ---- a 2-stage and a 50 x 50 pipeline: no overlapping boxes, no clipped names
    await page.goto(cfg.url + '/console/#/pipeline/' + encodeURIComponent(cfg.small));
    await page.waitForSelector('.lane');
    await checkGeometry(page, cfg.small);
    await checkOverview(page, cfg.small, 2);
    const started = Date.now();
    await page.goto(cfg.url + '/console/#/pipeline/' + encodeURIComponent(cfg.big));
    await page.waitForFunction(() => document.querySelectorAll('.action').length === 2500, null, { timeout: 20000 });
    const rendered = Date.now() - started;
    const big = await checkGeometry(page, cfg.big);
    if (big.lanes !== 50 || big.boxes !== 2500) fail(`the big pipeline shows ${big.lanes} lanes, ${big.boxes} boxes`);
    await checkOverview(page, cfg.big, 50);
    await checkAxe(page, '50 x 50 pipeline');
    // a lane scrolls sideways and collapses
    const scrolls = await page.$eval('.lane[data-stage="Stage-03"] .lane-body', (b) => b.scrollWidth > b.clientWidth);
    if (!scrolls) fail('a 50-action lane does not scroll');
    await page.screenshot({ path: cfg.shots + '/console-50x50.png', fullPage: false });
    await page.click('.lane[data-stage="Stage-02"] .toggle');
    await page.waitForSelector('.lane[data-stage="Stage-02"] .lane-body[hidden]', { state: 'attached' });
    if ((await page.getAttribute('.lane[data-stage="Stage-02"] .toggle', 'aria-expanded')) !== 'false') fail('aria-expanded not updated');
    console.log(`browser: 50 x 50 rendered in ${rendered} ms with no overlaps; its overview strip of 50 cells navigates`);
    await checkConditionsAndVariables(page, cfg);
    await checkRetryFromPage(page, cfg);

    // ---- sessions: a call without the CSRF token, a cookie replayed after sign-out
    const noCsrf = await page.evaluate(async () => (await fetch('/console/api/call?op=ListPipelines', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status);
    if (noCsrf !== 403) fail(`a call without the CSRF token got ${noCsrf}`);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'sluice_console_session');
    if (!session || !session.httpOnly || session.sameSite !== 'Strict') fail(`session cookie ${JSON.stringify(session)}`);
    await page.click('#signout');
    await page.waitForSelector('#signin');
    await context.addCookies([session]);
    const replay = await page.evaluate(async () => (await fetch('/console/api/session')).status);
    if (replay !== 401) fail(`a cookie replayed after sign-out got ${replay}`);

    // ---- a viewer: no buttons, and the api refuses the call anyway
    await context.clearCookies();
    await signIn(page, cfg.url, cfg.viewer);
    await page.goto(cfg.url + '/console/#/pipeline/' + encodeURIComponent(cfg.pipeline));
    await page.waitForSelector('.lane[data-stage="Deploy"]');
    const buttons = await page.$$eval('main button:not(.toggle):not(.ov-cell)', (bs) => bs.map((b) => b.textContent));
    if (buttons.length) fail(`a viewer sees buttons: ${buttons}`);
    const refused = await page.evaluate(async (name) => {
      const s = await (await fetch('/console/api/session')).json();
      const r = await fetch('/console/api/call?op=StartPipelineExecution', {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Sluice-CSRF': s.csrf },
        body: JSON.stringify({ name }) });
      return { status: r.status, body: await r.json() };
    }, cfg.pipeline);
    if (refused.status !== 400 || !String(refused.body.__type).includes('AccessDenied')) fail(`a viewer's start: ${JSON.stringify(refused)}`);
    // a viewer sees the approval waiting, without the buttons
    await page.goto(cfg.url + '/console/#/approvals');
    await page.waitForSelector(`.approval[data-pipeline="${cfg.approval}"]`, { timeout: 20000 });
    if (await page.$('.approval button')) fail('a viewer sees Approve / Reject');

    // ---- an approver: the approvals view, approve with a comment
    await page.click('#signout');
    await page.waitForSelector('#signin');
    await signIn(page, cfg.url, cfg.approver);
    await page.click('#nav-approvals');
    const card = `.approval[data-pipeline="${cfg.approval}"]`;
    await page.waitForSelector(card + ' button.approve', { timeout: 20000 });
    const custom = await page.textContent(card);
    if (!custom.includes('Please review')) fail(`the approval shows: ${custom}`);
    await checkAxe(page, 'approvals');
    await checkKeyboard(page, 'approvals');
    await page.fill(card + ' textarea', 'Looks good from the console');
    await page.screenshot({ path: cfg.shots + '/console-approvals.png', fullPage: true });
    await page.click(card + ' button.approve');
    await page.waitForFunction((sel) => !document.querySelector(sel), card, { timeout: 20000 });
    console.log('browser: approved from the approvals view; axe-core: no serious or critical violation on ' + axed.join(', '));
    if (errors.length) fail(`page errors: ${errors.join('; ')}`);
    if (external.length) fail(`external requests: ${external.join(', ')}`);
    console.log('browser: console checks passed, screenshots in ' + cfg.shots);
  } catch (err) {
    if (current) {
      const shown = await current.evaluate(() => document.getElementById('main').innerText.slice(0, 2000)).catch(() => '');
      notes.push(`the page shows: ${shown}`);
    }
    throw err;
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error('browser test failed: ' + (err && err.stack ? err.stack : err));
  if (notes.length) console.error('page console: ' + notes.join('\n'));
  process.exit(1);
});
