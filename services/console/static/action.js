// action.js — one action execution (ListActionExecutions of its pipeline
// execution, the entry with its id): status, when, its input (action type,
// resolved configuration, input artifacts, namespace), its output (output
// artifacts, output variables, summary, external id and link, error, an
// approval's votes), and its log as it grows: GET /console/logs streams the
// log object's bytes (base64 blocks, decoded as one UTF-8 stream), read from
// the artifact store by the console once a second for every browser watching
// it. Live:
// an event of its action reads it again (debounced).

import { call } from './api.js';
import { ago, clear, el, statusBadge, timeOf } from './dom.js';
import { duration, tabs } from './executions.js';
import { watch } from './live.js';

let current = null; // {name, id, actionId}
let timer = null;
let logSource = null;
let logBox = null; // the log's section: kept across re-renders, so its text stays

export function leaveAction() {
  if (logSource) {
    logSource.close();
    logSource = null;
  }
  logBox = null;
}

function followLog(name, id, actionId) {
  const pre = el('pre', { id: 'log', class: 'log', tabindex: '0', role: 'log', 'aria-label': 'Log of the action' });
  const state = el('p', { id: 'log-state', class: 'meta', role: 'status' }, 'Reading the log…');
  logBox = el('section', { class: 'log-box' }, el('h2', {}, 'Log'), state, pre);
  let decoder = new TextDecoder('utf-8');
  const url = `/console/logs?pipeline=${encodeURIComponent(name)}&execution=${encodeURIComponent(id)}&action=${encodeURIComponent(actionId)}`;
  logSource = new EventSource(url, { withCredentials: true });
  logSource.addEventListener('start', () => {
    decoder = new TextDecoder('utf-8');
    pre.textContent = '';
    state.textContent = 'Following the log (read again every second while it grows).';
  });
  logSource.addEventListener('log', (e) => {
    const raw = atob(e.data);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.append(document.createTextNode(decoder.decode(bytes, { stream: true })));
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  });
  logSource.addEventListener('cut', () => {
    state.textContent = 'The log is longer than the console shows; the rest is not read.';
  });
  logSource.onerror = () => {
    if (logSource && logSource.readyState === EventSource.CLOSED) {
      state.textContent = 'No log can be read for this action (none stored, or the console reads no logs).';
    }
  };
}

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
    ].filter(([, v]) => v !== ''), 'execution-details'),
    logBox || '');
}

export async function showAction(main, name, id, actionId, setLive) {
  clear(main);
  main.append(el('p', { class: 'loading' }, 'Loading…'));
  leaveAction();
  current = { name, id, actionId };
  followLog(name, id, actionId);
  await render(main);
  watch(name, (ev) => {
    if (ev.executionId && ev.executionId !== id) return;
    clearTimeout(timer);
    timer = setTimeout(() => render(main).catch(() => {}), 250);
  }, () => render(main).catch(() => {}), setLive);
}
