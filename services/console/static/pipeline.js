// pipeline.js — one pipeline: its stages in order as horizontal lanes that
// scroll, each lane's actions grouped by runOrder (one column per runOrder,
// left to right; its parallel actions side by side in a block of up to four
// rows), the inbound transition of
// each stage (a disabled one with its reason), each action's latest status
// as text and colour, live; collapsible lanes; the buttons of the person's
// role (start with variables, stop, retry a failed stage, disable / enable a
// transition). Above the lanes an overview strip (overview.js: a cell per
// stage, its status, a press scrolls to the lane) and the pipeline's variables;
// in each lane its conditions with their rules' states (conditions.js).
// Every change is a call of the api, which has the last word.

import { call, currentSession } from './api.js';
import { ago, clear, el, statusBadge } from './dom.js';
import { stageConditions, variablesTable } from './conditions.js';
import { tabs } from './executions.js';
import { fitStrip, overviewStrip, paintCell } from './overview.js';
import { watch } from './live.js';

// CodePipeline's event states → GetPipelineState's statuses.
const EVENT_STATUS = {
  STARTED: 'InProgress', RESUMED: 'InProgress', SUCCEEDED: 'Succeeded', FAILED: 'Failed',
  CANCELED: 'Abandoned', ABANDONED: 'Abandoned', STOPPED: 'Stopped', STOPPING: 'Stopping',
  SUPERSEDED: 'Superseded',
};

// Parallel actions (one runOrder) side by side, in columns of at most this many boxes.
const PARALLEL_ROWS = 4;

let view = null; // {name, declaration, state, latest, collapsed:Set, vars:{id, values:Map}}

function buttons() {
  const s = currentSession();
  return (s && s.buttons) || {};
}

// What the last button did; kept in the view, so the re-render after it keeps it on screen.
function note(text, error) {
  if (view) view.notice = { text, error };
  const box = document.getElementById('notice');
  if (!box) return;
  box.textContent = text;
  box.className = error ? 'notice error' : 'notice';
}

async function act(what, op, input) {
  try {
    await call(op, input);
    note(`${what}: done.`);
    await refresh();
  } catch (err) {
    note(`${what}: ${err.type ? err.type + ': ' : ''}${err.message}`, true);
  }
}

function stageState(name) {
  return ((view.state && view.state.stageStates) || []).find((s) => s.stageName === name) || {};
}

function actionState(stage, action) {
  return (stageState(stage).actionStates || []).find((a) => a.actionName === action) || {};
}

function groups(actions) {
  const byOrder = new Map();
  for (const a of actions || []) {
    const order = a.runOrder || 1;
    if (!byOrder.has(order)) byOrder.set(order, []);
    byOrder.get(order).push(a);
  }
  return [...byOrder.entries()].sort((a, b) => a[0] - b[0]);
}

function actionBox(stage, action) {
  const latest = actionState(stage, action.name).latestExecution || {};
  const type = action.actionTypeId || {};
  return el('li', { class: 'action', 'data-action': action.name, 'data-stage': stage },
    el('span', { class: 'action-name' }, action.name),
    el('span', { class: 'action-type' }, `${type.category || ''} · ${type.provider || ''}`),
    statusBadge(latest.status),
    latest.summary ? el('span', { class: 'summary' }, latest.summary) : null,
    latest.lastStatusChange ? el('span', { class: 'when' }, ago(latest.lastStatusChange)) : null);
}

function transitionBar(stage, index) {
  if (index === 0) return null;
  const inbound = stageState(stage.name).inboundTransitionState || {};
  const enabled = inbound.enabled !== false;
  const b = buttons();
  const bar = el('div', { class: 'transition ' + (enabled ? 'enabled' : 'disabled'), 'data-transition': stage.name },
    el('span', { class: 'transition-text' }, enabled ? `↓ into ${stage.name}: transition enabled`
      : `✕ into ${stage.name}: transition disabled — ${inbound.disabledReason || 'no reason given'}` +
        (inbound.lastChangedBy ? ` (by ${inbound.lastChangedBy.split('/').pop()})` : '')));
  if (b.transition) {
    if (enabled) {
      const reason = el('input', { type: 'text', id: `reason-${index}`, class: 'reason', maxlength: 300, value: 'Paused from the console' });
      bar.append(el('label', { for: `reason-${index}`, class: 'sr' }, `Reason to disable the transition into ${stage.name}`), reason,
        el('button', { type: 'button', class: 'disable-transition', onclick: () => act(`Disable transition into ${stage.name}`,
          'DisableStageTransition', { pipelineName: view.name, stageName: stage.name, transitionType: 'Inbound', reason: reason.value || 'Paused from the console' }) },
          'Disable transition'));
    } else {
      bar.append(el('button', { type: 'button', class: 'enable-transition', onclick: () => act(`Enable transition into ${stage.name}`,
        'EnableStageTransition', { pipelineName: view.name, stageName: stage.name, transitionType: 'Inbound' }) }, 'Enable transition'));
    }
  }
  return bar;
}

function lane(stage, index) {
  const st = stageState(stage.name);
  const latest = st.latestExecution || {};
  const collapsed = view.collapsed.has(stage.name);
  const b = buttons();
  const laneId = `lane-${index}`;
  const toggle = el('button', { type: 'button', class: 'toggle', id: `toggle-${index}`, 'aria-expanded': collapsed ? 'false' : 'true', 'aria-controls': laneId,
    onclick: () => { if (collapsed) view.collapsed.delete(stage.name); else view.collapsed.add(stage.name); render(); } },
  collapsed ? '▸' : '▾', el('span', { class: 'sr' }, collapsed ? ` Expand ${stage.name}` : ` Collapse ${stage.name}`));
  const head = el('div', { class: 'lane-head' }, toggle,
    el('h2', {}, stage.name), statusBadge(latest.status),
    el('span', { class: 'count' }, `${(stage.actions || []).length} action${(stage.actions || []).length === 1 ? '' : 's'}`));
  if (b.retry && latest.status === 'Failed') {
    head.append(el('button', { type: 'button', class: 'retry', onclick: () => act(`Retry ${stage.name}`, 'RetryStageExecution',
      { pipelineName: view.name, stageName: stage.name, pipelineExecutionId: latest.pipelineExecutionId, retryMode: 'FAILED_ACTIONS' }) },
    'Retry failed actions'));
  }
  const body = el('div', { class: 'lane-body', id: laneId, hidden: collapsed },
    stageConditions(stage, st),
    el('ol', { class: 'orders' }, groups(stage.actions).map(([order, actions]) =>
      el('li', { class: 'order', 'data-run-order': order },
        el('span', { class: 'order-label' }, `runOrder ${order}`),
        el('ul', { class: 'actions rows-' + Math.min(actions.length, PARALLEL_ROWS) }, actions.map((a) => actionBox(stage.name, a)))))));
  return el('section', { class: 'lane', 'data-stage': stage.name, 'aria-label': `Stage ${stage.name}` }, head, body);
}

function startForm() {
  const decl = view.declaration.pipeline || {};
  const vars = decl.variables || [];
  const inputs = vars.map((v, i) => el('p', { class: 'var' },
    el('label', { for: `var-${i}` }, v.name), ' ',
    el('input', { id: `var-${i}`, 'data-variable': v.name, type: 'text', value: v.defaultValue || '' })));
  const form = el('form', { class: 'start', onsubmit: (e) => {
    e.preventDefault();
    const variables = [...form.querySelectorAll('[data-variable]')]
      .map((i) => ({ name: i.getAttribute('data-variable'), value: i.value }));
    const input = { name: view.name };
    if (variables.length) input.variables = variables;
    act('Start', 'StartPipelineExecution', input);
  } }, inputs, el('button', { type: 'submit', id: 'start' }, 'Start execution'));
  return form;
}

function render() {
  const main = document.getElementById('main');
  const decl = view.declaration.pipeline || {};
  const b = buttons();
  // a re-render keeps the focus where it was (a strip cell, a toggle)
  const focused = document.activeElement && main.contains(document.activeElement) ? document.activeElement.id : '';
  // and what was typed (a variable's value, a reason) stays typed
  const typed = new Map([...main.querySelectorAll('input[id]')].map((i) => [i.id, i.value]));
  clear(main);
  const latest = view.latest;
  const stages = decl.stages || [];
  const strip = overviewStrip(stages, (name) => (stageState(name).latestExecution || {}).status, blocked);
  const graph = el('div', { class: 'graph' }, stages.map((s, i) => [transitionBar(s, i), lane(s, i)]));
  const tools = el('div', { class: 'tools' });
  if (b.start) tools.append(startForm());
  if (b.stop && latest && latest.status === 'InProgress') {
    tools.append(el('button', { type: 'button', id: 'stop', onclick: () => act('Stop', 'StopPipelineExecution',
      { pipelineName: view.name, pipelineExecutionId: latest.pipelineExecutionId, abandon: false, reason: 'Stopped from the console' }) },
    'Stop (finish running actions)'),
    el('button', { type: 'button', id: 'abandon', onclick: () => act('Stop and abandon', 'StopPipelineExecution',
      { pipelineName: view.name, pipelineExecutionId: latest.pipelineExecutionId, abandon: true, reason: 'Abandoned from the console' }) },
    'Stop and abandon'));
  }
  main.append(
    el('h1', {}, view.name),
    tabs(view.name, 'pipeline'),
    el('p', { class: 'meta' }, `version ${decl.version || ''} · ${decl.pipelineType || 'V1'} · ${decl.executionMode || 'SUPERSEDED'}`,
      latest ? [' · latest execution ', statusBadge(latest.status), ' ',
        el('a', { href: `#/execution/${encodeURIComponent(view.name)}/${encodeURIComponent(latest.pipelineExecutionId)}`, id: 'latest-execution' },
          el('code', {}, latest.pipelineExecutionId))] : ''),
    tools,
    el('p', { id: 'notice', class: view.notice && view.notice.error ? 'notice error' : 'notice', role: 'status', 'aria-live': 'polite' },
      view.notice ? view.notice.text : ''),
    variablesTable(decl.variables, view.vars && view.vars.values, view.vars && view.vars.id) || '',
    strip,
    graph);
  for (const [id, value] of typed) {
    const input = document.getElementById(id);
    if (input && input.tagName === 'INPUT') input.value = value;
  }
  fitStrip(strip, graph);
  scrollable(graph);
  const again = focused && document.getElementById(focused);
  if (again) again.focus({ preventScroll: true });
}

// A lane whose actions do not fit scrolls sideways: it takes the focus (the
// arrow keys scroll it) and is named, so the keyboard reaches what it hides.
function scrollable(graph) {
  for (const body of graph.querySelectorAll('.lane-body:not([hidden])')) {
    if (body.scrollWidth > body.clientWidth + 1) {
      body.setAttribute('tabindex', '0');
      body.setAttribute('role', 'region');
      body.setAttribute('aria-label', `Actions of ${body.closest('.lane').dataset.stage}, scrolling sideways`);
    }
  }
}

function blocked(name, index) {
  return index > 0 && (stageState(name).inboundTransitionState || {}).enabled === false;
}

async function refresh() {
  const name = view.name;
  const [state, list] = await Promise.all([
    call('GetPipelineState', { name }),
    call('ListPipelineExecutions', { pipelineName: name, maxResults: 1 }).catch(() => ({})),
  ]);
  if (!view || view.name !== name) return;
  view.state = state;
  view.latest = (list.pipelineExecutionSummaries || [])[0] || null;
  await latestVariables(name);
  if (!view || view.name !== name) return;
  render();
}

// The latest execution's resolved variables, read once per execution (they
// are fixed when it starts), only for a pipeline that declares variables.
async function latestVariables(name) {
  const declared = (view.declaration.pipeline || {}).variables || [];
  const id = view.latest && view.latest.pipelineExecutionId;
  if (!declared.length || !id || (view.vars && view.vars.id === id)) return;
  try {
    const got = await call('GetPipelineExecution', { pipelineName: name, pipelineExecutionId: id });
    const values = new Map(((got.pipelineExecution || {}).variables || []).map((v) => [v.name, v.resolvedValue]));
    view.vars = { id, values };
  } catch (_) {
    // shown as not run; read again with the next refresh
  }
}

let timer = null;
function later() {
  clearTimeout(timer);
  timer = setTimeout(() => refresh().catch(() => {}), 250);
}

// An event's change goes on screen at once; the state is then read again.
function apply(ev) {
  const status = EVENT_STATUS[ev.state];
  if (status && ev.stage && ev.action) {
    const box = document.querySelector(`.action[data-stage="${CSS.escape(ev.stage)}"][data-action="${CSS.escape(ev.action)}"] .status`);
    if (box) {
      box.textContent = status;
      box.setAttribute('data-status', status);
      box.className = 'status status-' + status;
    }
  } else if (status && ev.stage) {
    // a stage's change: its lane's status and its cell of the strip at once
    const badge = document.querySelector(`.lane[data-stage="${CSS.escape(ev.stage)}"] .lane-head .status`);
    if (badge) {
      badge.textContent = status;
      badge.setAttribute('data-status', status);
      badge.className = 'status status-' + status;
    }
    const cell = document.querySelector(`.ov-cell[data-stage="${CSS.escape(ev.stage)}"]`);
    const stages = (view.declaration.pipeline || {}).stages || [];
    const index = stages.findIndex((s) => s.name === ev.stage);
    if (cell && index >= 0) paintCell(cell, index, ev.stage, status, blocked(ev.stage, index));
  }
  later();
}

export async function showPipeline(main, name, setLive) {
  clear(main);
  main.append(el('p', { class: 'loading' }, 'Loading…'));
  const declaration = await call('GetPipeline', { name });
  view = { name, declaration, state: null, latest: null, collapsed: new Set(), vars: null, notice: null };
  await refresh();
  watch(name, apply, () => later(), setLive);
}
