// executions.js — a pipeline's executions and one execution's timeline:
// the history (ListPipelineExecutions, all pages up to a bound: status,
// trigger, duration, source revisions), and for one execution its variables,
// artifacts (GetPipelineExecution) and a Gantt chart of its actions
// (ListActionExecutions: each bar from the action's start to its end, or to
// now while it runs), each action linking to its own view. Live: an event of
// the pipeline reads the view again (debounced).

import { call } from './api.js';
import { ago, clear, el, statusBadge, timeOf } from './dom.js';
import { watch } from './live.js';

// The history reads at most this many executions (pages of 100).
const HISTORY_MAX = 500;

let current = null; // {kind, name, id, render}
let timer = null;

function later() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (current) current.render().catch(() => {});
  }, 250);
}

export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 10000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function running(status) {
  return status === 'InProgress' || status === 'Stopping';
}

function executionLink(name, id, text) {
  return el('a', { href: `#/execution/${encodeURIComponent(name)}/${encodeURIComponent(id)}` }, text || id);
}

function tabs(name, which) {
  const link = (href, text, on) => el('a', { href, 'aria-current': on ? 'page' : null, class: on ? 'tab on' : 'tab' }, text);
  return el('nav', { class: 'tabs', 'aria-label': `Views of ${name}` },
    link('#/pipeline/' + encodeURIComponent(name), 'Pipeline', which === 'pipeline'),
    link('#/executions/' + encodeURIComponent(name), 'Executions', which === 'executions'));
}

async function history(name) {
  const found = [];
  let token;
  do {
    const input = { pipelineName: name, maxResults: 100 };
    if (token) input.nextToken = token;
    const out = await call('ListPipelineExecutions', input);
    found.push(...(out.pipelineExecutionSummaries || []));
    token = out.nextToken;
  } while (token && found.length < HISTORY_MAX);
  return found.slice(0, HISTORY_MAX);
}

function revisions(list) {
  return (list || []).map((r) => el('span', { class: 'revision' },
    `${r.actionName ? r.actionName + ': ' : ''}${(r.revisionSummary || r.revisionId || '').slice(0, 80)}`));
}

async function renderHistory(main, name) {
  const list = await history(name);
  if (!current || current.name !== name) return;
  clear(main);
  const body = el('tbody', {});
  for (const ex of list) {
    const start = timeOf(ex.startTime);
    const end = running(ex.status) ? Date.now() : timeOf(ex.lastUpdateTime);
    body.append(el('tr', { 'data-execution': ex.pipelineExecutionId },
      el('td', {}, executionLink(name, ex.pipelineExecutionId)),
      el('td', {}, statusBadge(ex.status)),
      el('td', { class: 'when' }, ago(ex.startTime)),
      el('td', {}, ex.trigger ? ex.trigger.triggerType || '' : ''),
      el('td', { class: 'duration' }, start && end ? duration(end - start) : ''),
      el('td', {}, revisions(ex.sourceRevisions))));
  }
  main.append(el('h1', {}, name), tabs(name, 'executions'),
    el('p', { id: 'count', role: 'status' }, `${list.length} execution${list.length === 1 ? '' : 's'}`),
    el('table', { class: 'executions' },
      el('caption', { class: 'sr' }, `Executions of ${name}, latest first`),
      el('thead', {}, el('tr', {}, ['Execution', 'Status', 'Started', 'Trigger', 'Duration', 'Source revisions']
        .map((h) => el('th', { scope: 'col' }, h)))),
      body));
}

async function actionExecutions(name, id) {
  const found = [];
  let token;
  do {
    const input = { pipelineName: name, filter: { pipelineExecutionId: id }, maxResults: 100 };
    if (token) input.nextToken = token;
    const out = await call('ListActionExecutions', input);
    found.push(...(out.actionExecutionDetails || []));
    token = out.nextToken;
  } while (token && found.length < 2500);
  return found;
}

// The Gantt chart: one row per action execution, its bar placed on the
// execution's time axis (left = start, width = how long it ran).
function gantt(name, id, actions, execution) {
  const sorted = [...actions].sort((a, b) => timeOf(a.startTime) - timeOf(b.startTime) ||
    String(a.stageName).localeCompare(String(b.stageName)));
  const now = Date.now();
  const endOf = (a) => (running(a.status) ? now : timeOf(a.lastUpdateTime) || timeOf(a.startTime));
  const t0 = Math.min(timeOf(execution.startTime) || Infinity, ...sorted.map((a) => timeOf(a.startTime) || Infinity));
  const t1 = Math.max(t0 + 1000, ...sorted.map(endOf));
  const span = t1 - t0;
  const rows = sorted.map((a) => {
    const start = timeOf(a.startTime);
    const end = endOf(a);
    const bar = el('span', { class: 'bar status-' + String(a.status || '').replace(/[^A-Za-z]/g, ''),
      title: `${a.stageName} / ${a.actionName}: ${a.status}, ${duration(end - start)}` });
    bar.style.left = `${((start - t0) / span) * 100}%`;
    bar.style.width = `${Math.max(0.5, ((end - start) / span) * 100)}%`;
    const href = `#/action/${encodeURIComponent(name)}/${encodeURIComponent(id)}/${encodeURIComponent(a.actionExecutionId)}`;
    return el('li', { class: 'gantt-row', 'data-stage': a.stageName, 'data-action': a.actionName,
      'data-start': start, 'data-end': end },
    el('span', { class: 'gantt-label' }, el('a', { href }, `${a.stageName} / ${a.actionName}`), ' ', statusBadge(a.status)),
    el('span', { class: 'gantt-track' }, bar),
    el('span', { class: 'gantt-times' }, `+${duration(start - t0)} → ${duration(end - start)}`));
  });
  return el('section', { class: 'gantt', 'aria-label': 'Timeline of the actions' },
    el('h2', {}, 'Timeline'),
    el('p', { class: 'meta' }, `${sorted.length} action execution${sorted.length === 1 ? '' : 's'} over ${duration(span)}; ` +
      'each bar runs from the action\'s start to its end (to now while it runs).'),
    el('ol', { class: 'gantt-rows' }, rows));
}

function pairs(title, list, cls) {
  return el('section', { class: cls },
    el('h2', {}, title),
    list.length ? el('dl', { class: 'pairs' }, list.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]))
      : el('p', { class: 'meta' }, 'none'));
}

function s3text(loc) {
  return loc && loc.bucket ? `s3://${loc.bucket}/${loc.key || ''}` : '';
}

async function renderExecution(main, name, id) {
  const [got, actions] = await Promise.all([
    call('GetPipelineExecution', { pipelineName: name, pipelineExecutionId: id }),
    actionExecutions(name, id),
  ]);
  if (!current || current.id !== id) return;
  const ex = got.pipelineExecution || {};
  const summary = (await history(name).catch(() => [])).find((s) => s.pipelineExecutionId === id) || {};
  if (!current || current.id !== id) return;
  clear(main);
  const start = timeOf(summary.startTime);
  const end = running(ex.status) ? Date.now() : timeOf(summary.lastUpdateTime);
  const artifacts = [];
  for (const a of actions) {
    for (const o of ((a.output || {}).outputArtifacts || [])) {
      artifacts.push([`${o.name} (from ${a.stageName} / ${a.actionName})`, s3text(o.s3location)]);
    }
  }
  for (const r of ex.artifactRevisions || []) {
    artifacts.push([`${r.name} revision`, r.revisionSummary || r.revisionId || '']);
  }
  main.append(el('h1', {}, name), tabs(name, 'executions'),
    el('p', { class: 'meta' }, 'Execution ', el('code', {}, id), ' ', statusBadge(ex.status),
      start ? ` · started ${ago(summary.startTime)}` : '',
      start && end ? ` · ${duration(end - start)}` : '',
      summary.trigger ? ` · ${summary.trigger.triggerType || ''}` : '',
      ex.statusSummary ? ` · ${ex.statusSummary}` : ''),
    el('div', { class: 'columns' },
      pairs('Variables', (ex.variables || []).map((v) => [v.name, v.resolvedValue]), 'variables'),
      pairs('Artifacts', artifacts, 'artifacts')),
    gantt(name, id, actions, summary));
}

export async function showExecutions(main, name, setLive) {
  clear(main);
  main.append(el('p', { class: 'loading' }, 'Loading…'));
  current = { kind: 'history', name, render: () => renderHistory(main, name) };
  await current.render();
  watch(name, () => later(), () => later(), setLive);
}

export async function showExecution(main, name, id, setLive) {
  clear(main);
  main.append(el('p', { class: 'loading' }, 'Loading…'));
  current = { kind: 'execution', name, id, render: () => renderExecution(main, name, id) };
  await current.render();
  watch(name, (ev) => { if (!ev.executionId || ev.executionId === id) later(); }, () => later(), setLive);
}

export { tabs };
