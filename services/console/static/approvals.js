// approvals.js — the approvals waiting: every Manual approval action in
// progress, in every pipeline (ListPipelines, then GetPipeline and
// GetPipelineState of each), with its custom data, who may approve it
// (SluiceApprovers, when the action names them) and, for a person whose role
// may approve, Approve / Reject with a comment in place (PutApprovalResult
// with the action's token, as that person: the api decides). Live: an event
// reads the list again (debounced).

import { call, currentSession } from './api.js';
import { ago, clear, el, statusBadge } from './dom.js';
import { watch } from './live.js';

// At most this many pipelines are looked through.
const PIPELINES_MAX = 1000;

let timer = null;
let active = false;

function isApproval(action) {
  const t = action.actionTypeId || {};
  return t.category === 'Approval' && t.provider === 'Manual';
}

async function waiting() {
  const names = [];
  let token;
  do {
    const out = await call('ListPipelines', token ? { nextToken: token } : {});
    names.push(...(out.pipelines || []).map((p) => p.name));
    token = out.nextToken;
  } while (token && names.length < PIPELINES_MAX);
  const found = [];
  await Promise.all(names.slice(0, PIPELINES_MAX).map(async (name) => {
    let decl;
    let state;
    try {
      [decl, state] = await Promise.all([call('GetPipeline', { name }), call('GetPipelineState', { name })]);
    } catch (_) {
      return;
    }
    for (const stage of (decl.pipeline || {}).stages || []) {
      for (const action of stage.actions || []) {
        if (!isApproval(action)) continue;
        const st = ((state.stageStates || []).find((s) => s.stageName === stage.name) || {});
        const latest = ((st.actionStates || []).find((a) => a.actionName === action.name) || {}).latestExecution || {};
        if (latest.status !== 'InProgress' || !latest.token) continue;
        found.push({ pipeline: name, stage: stage.name, action: action.name, config: action.configuration || {},
          latest, executionId: (st.latestExecution || {}).pipelineExecutionId });
      }
    }
  }));
  return found.sort((a, b) => `${a.pipeline}/${a.stage}/${a.action}`.localeCompare(`${b.pipeline}/${b.stage}/${b.action}`));
}

function card(main, item, index, canApprove) {
  const comment = el('textarea', { id: `comment-${index}`, class: 'comment', maxlength: 512, rows: 2 });
  const status = el('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  const decide = async (result) => {
    try {
      await call('PutApprovalResult', { pipelineName: item.pipeline, stageName: item.stage, actionName: item.action,
        token: item.latest.token, result: { status: result, summary: comment.value || `${result} from the console` } });
      status.textContent = `${result}: done.`;
      status.className = 'notice';
      later(main);
    } catch (err) {
      status.textContent = `${result}: ${err.type ? err.type + ': ' : ''}${err.message}`;
      status.className = 'notice error';
    }
  };
  const box = el('li', { class: 'approval', 'data-pipeline': item.pipeline, 'data-stage': item.stage, 'data-action': item.action },
    el('h2', {}, el('a', { href: '#/pipeline/' + encodeURIComponent(item.pipeline) }, item.pipeline), ` / ${item.stage} / ${item.action}`),
    el('p', { class: 'meta' }, statusBadge(item.latest.status), item.latest.lastStatusChange ? ` · waiting since ${ago(item.latest.lastStatusChange)}` : '',
      item.latest.summary ? ` · ${item.latest.summary}` : ''),
    item.config.CustomData ? el('p', { class: 'custom-data' }, item.config.CustomData) : null,
    item.config.ExternalEntityLink ? el('p', {}, 'Review: ', /^https?:\/\//.test(item.config.ExternalEntityLink)
      ? el('a', { href: item.config.ExternalEntityLink, rel: 'noopener noreferrer' }, item.config.ExternalEntityLink)
      : item.config.ExternalEntityLink) : null,
    item.config.SluiceApprovers ? el('p', { class: 'meta' }, `Approvers: ${item.config.SluiceApprovers}` +
      (item.config.SluiceRequiredApprovals ? ` (${item.config.SluiceRequiredApprovals} needed)` : '')) : null);
  if (canApprove) {
    box.append(el('label', { for: `comment-${index}` }, 'Comment'), comment,
      el('div', { class: 'tools' },
        el('button', { type: 'button', class: 'approve', onclick: () => decide('Approved') }, 'Approve'),
        el('button', { type: 'button', class: 'reject', onclick: () => decide('Rejected') }, 'Reject')));
  }
  box.append(status);
  return box;
}

async function render(main) {
  const list = await waiting();
  if (!active) return;
  const s = currentSession();
  const canApprove = !!(s && s.buttons && s.buttons.approve);
  clear(main);
  main.append(el('h1', {}, 'Approvals waiting'),
    el('p', { id: 'count', role: 'status' }, list.length ? `${list.length} approval${list.length === 1 ? '' : 's'} waiting` : 'No approval is waiting.'),
    canApprove ? '' : el('p', { class: 'meta' }, 'Your role may not approve: the approvals are shown without their buttons.'),
    el('ul', { class: 'approvals' }, list.map((item, i) => card(main, item, i, canApprove))));
}

function later(main) {
  clearTimeout(timer);
  timer = setTimeout(() => { if (active) render(main).catch(() => {}); }, 300);
}

export function leaveApprovals() {
  active = false;
}

export async function showApprovals(main, setLive) {
  active = true;
  clear(main);
  main.append(el('p', { class: 'loading' }, 'Loading…'));
  await render(main);
  // an approval starts or ends with an action's state change; a comment being typed is kept
  // by re-reading only when nothing is being typed
  watch('', (ev) => {
    if (ev.type && !ev.type.includes('Action')) return;
    if (document.activeElement && document.activeElement.classList.contains('comment') && document.activeElement.value) return;
    later(main);
  }, () => later(main), setLive);
}
