// action.js — one action execution (ListActionExecutions of its pipeline
// execution, the entry with its id): status, when, its input (action type,
// resolved configuration, input artifacts, namespace), its output (output
// artifacts, output variables, summary, external id and link, error, an
// approval's votes). Live:
// an event of its action reads it again (debounced).

import { call } from './api.js';
import { ago, clear, el, statusBadge, timeOf } from './dom.js';
import { duration, tabs } from './executions.js';
import { watch } from './live.js';

let current = null; // {name, id, actionId}
let timer = null;

async function find(name, id, actionId) {
  let token;
  let seen = 0;
  do {
    const input = { pipelineName: name, filter: { pipelineExecutionId: id }, maxResults: 100 };
    if (token) input.nextToken = token;
    const out = await call('ListActionExecutions', input);
    const list = out.actionExecutionDetails || [];
    const hit = list.find((a) => a.actionExecutionId === actionId);
    if (hit) return hit;
    seen += list.length;
    token = out.nextToken;
  } while (token && seen < 2500);
  return null;
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

async function render(main) {
  const { name, id, actionId } = current;
  const a = await find(name, id, actionId);
  if (!current || current.actionId !== actionId) return;
  clear(main);
  if (!a) {
    main.append(el('h1', {}, name), tabs(name, ''),
      el('p', { class: 'notice error' }, `No action execution ${actionId} in execution ${id}.`));
    return;
  }
  const input = a.input || {};
  const output = a.output || {};
  const result = output.executionResult || {};
  const type = input.actionTypeId || {};
  const start = timeOf(a.startTime);
  const end = a.status === 'InProgress' ? Date.now() : timeOf(a.lastUpdateTime);
  const config = input.resolvedConfiguration || input.configuration || {};
  const err = result.errorDetails || (a.status === 'Failed' ? { message: result.externalExecutionSummary } : null);
  const url = result.externalExecutionUrl;
  main.append(el('h1', {}, `${a.stageName} / ${a.actionName}`), tabs(name, ''),
    el('p', { class: 'meta' }, statusBadge(a.status), ` · ${type.category || ''} · ${type.owner || ''} · ${type.provider || ''} v${type.version || ''}`,
      start ? ` · started ${ago(a.startTime)} · ${duration(end - start)}` : '',
      ' · execution ', el('a', { href: `#/execution/${encodeURIComponent(name)}/${encodeURIComponent(id)}` }, id)),
    el('p', { class: 'summary-line', id: 'action-summary' }, result.externalExecutionSummary || ''),
    err ? el('p', { class: 'notice error', id: 'action-error' }, `${err.code ? err.code + ': ' : ''}${err.message || ''}`) : '',
    el('div', { class: 'columns' },
      pairs('Resolved configuration', Object.entries(config).map(([k, v]) => [k, String(v)]), 'configuration'),
      pairs('Input artifacts', (input.inputArtifacts || []).map((x) => [x.name, s3text(x.s3location)]), 'inputs'),
      pairs('Output artifacts', (output.outputArtifacts || []).map((x) => [x.name, s3text(x.s3location)]), 'outputs'),
      pairs('Output variables', Object.entries(output.outputVariables || {}).map(([k, v]) => [k, String(v)]), 'output-variables')),
    (output.sluiceApprovalVotes || []).length ? pairs('Votes', output.sluiceApprovalVotes.map((v) =>
      [`${String(v.identity || '').split('/').pop()}: ${v.status}`, `${v.comment || ''}${v.time ? ' · ' + ago(v.time) : ''}`]), 'votes') : '',
    pairs('Execution', [
      ['Action execution id', a.actionExecutionId],
      ['Namespace', input.namespace || ''],
      ['External execution id', result.externalExecutionId || ''],
      ['Log / external link', url && /^https?:\/\//.test(url) ? el('a', { href: url, rel: 'noopener noreferrer' }, url) : (url || '')],
      ['Updated by', a.updatedBy || ''],
    ].filter(([, v]) => v !== ''), 'execution-details'));
}

export async function showAction(main, name, id, actionId, setLive) {
  clear(main);
  main.append(el('p', { class: 'loading' }, 'Loading…'));
  current = { name, id, actionId };
  await render(main);
  watch(name, (ev) => {
    if (ev.executionId && ev.executionId !== id) return;
    clearTimeout(timer);
    timer = setTimeout(() => render(main).catch(() => {}), 250);
  }, () => render(main).catch(() => {}), setLive);
}
