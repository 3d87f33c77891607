// pipelines.js — the pipelines view: every pipeline with its latest
// execution (status, when, trigger, source revision), a filter box, sorted by
// recent activity; a row changes when an event of its pipeline comes.

import { call } from './api.js';
import { ago, clear, el, statusBadge, timeOf } from './dom.js';
import { watch } from './live.js';

let rows = new Map(); // name -> {pipeline, execution}
let filterText = '';
let pending = new Map(); // name -> timer

async function latest(name) {
  try {
    const out = await call('ListPipelineExecutions', { pipelineName: name, maxResults: 1 });
    return (out.pipelineExecutionSummaries || [])[0] || null;
  } catch (_) {
    return null;
  }
}

function activity(row) {
  const ex = row.execution;
  return Math.max(timeOf(ex && (ex.lastUpdateTime || ex.startTime)), timeOf(row.pipeline.updated));
}

function render(main) {
  const body = main.querySelector('tbody');
  if (!body) return;
  clear(body);
  const wanted = filterText.trim().toLowerCase();
  const list = [...rows.values()]
    .filter((r) => !wanted || r.pipeline.name.toLowerCase().includes(wanted))
    .sort((a, b) => activity(b) - activity(a) || a.pipeline.name.localeCompare(b.pipeline.name));
  for (const row of list) {
    const ex = row.execution;
    const rev = ex && (ex.sourceRevisions || [])[0];
    const trigger = ex && ex.trigger ? ex.trigger.triggerType || '' : '';
    body.append(el('tr', { 'data-pipeline': row.pipeline.name },
      el('td', {}, el('a', { href: '#/pipeline/' + encodeURIComponent(row.pipeline.name) }, row.pipeline.name)),
      el('td', {}, statusBadge(ex ? ex.status : null)),
      el('td', { class: 'when' }, ex ? ago(ex.lastUpdateTime || ex.startTime) : ''),
      el('td', {}, trigger),
      el('td', { class: 'revision' }, rev ? (rev.revisionSummary || rev.revisionId || '').slice(0, 80) : '')));
  }
  main.querySelector('#count').textContent =
    `${list.length} of ${rows.size} pipeline${rows.size === 1 ? '' : 's'}`;
}

async function load(main) {
  let token;
  const found = [];
  do {
    const out = await call('ListPipelines', token ? { nextToken: token } : {});
    found.push(...(out.pipelines || []));
    token = out.nextToken;
  } while (token && found.length < 10000);
  const next = new Map();
  await Promise.all(found.map(async (p) => {
    next.set(p.name, { pipeline: p, execution: await latest(p.name) });
  }));
  rows = next;
  render(main);
}

export function showPipelines(main, setLive) {
  rows = new Map();
  clear(main);
  const filter = el('input', { id: 'filter', type: 'search', placeholder: 'name contains…', autocomplete: 'off' });
  filter.addEventListener('input', () => { filterText = filter.value; render(main); });
  filter.value = filterText;
  main.append(
    el('h1', {}, 'Pipelines'),
    el('p', { class: 'tools' }, el('label', { for: 'filter' }, 'Filter '), filter, ' ', el('span', { id: 'count', role: 'status' })),
    el('table', { class: 'pipelines' },
      el('thead', {}, el('tr', {}, ['Pipeline', 'Latest execution', 'When', 'Trigger', 'Revision'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {})));
  const refresh = (name) => {
    clearTimeout(pending.get(name));
    pending.set(name, setTimeout(async () => {
      const row = rows.get(name);
      if (!row) { await load(main); return; }
      row.execution = await latest(name);
      render(main);
    }, 150));
  };
  watch('', (ev) => {
    if (ev.type === 'CodePipeline Pipeline Execution State Change' || !rows.has(ev.pipeline)) refresh(ev.pipeline);
  }, () => load(main).catch(() => {}), setLive);
  return load(main);
}
