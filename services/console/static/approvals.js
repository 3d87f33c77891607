// approvals.js — the approvals waiting for the signed-in person: the Manual
// approval actions in progress they may answer, as the console decides it
// (GET /console/api/approvals: SluiceApprovers matched against their ARN and
// groups the way the engine matches voters, else their role — the rule lives
// in the console service, con_approvals.c, not here), each with its custom
// data, review link and approvers, and Approve / Reject with a comment in
// place (PutApprovalResult with the action's token, as that person: the api
// decides). #/approvals/all lists every approval in progress (?all=1), with
// the buttons only on those the person may answer; a person whose role may
// not approve sees that list, read-only. Live: an event reads the list again
// (debounced), except while a comment is being typed.

import { call, currentSession, get } from './api.js';
import { ago, clear, el, statusBadge } from './dom.js';
import { watch } from './live.js';

let timer = null;
let active = false;

function card(main, item, index, all) {
  const comment = el('textarea', { id: `comment-${index}`, class: 'comment', maxlength: 512, rows: 2 });
  const status = el('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  const decide = async (result) => {
    try {
      await call('PutApprovalResult', { pipelineName: item.pipeline, stageName: item.stage, actionName: item.action,
        token: item.token, result: { status: result, summary: comment.value || `${result} from the console` } });
      status.textContent = `${result}: done.`;
      status.className = 'notice';
      later(main, all);
    } catch (err) {
      status.textContent = `${result}: ${err.type ? err.type + ': ' : ''}${err.message}`;
      status.className = 'notice error';
    }
  };
  const box = el('li', { class: 'approval', 'data-pipeline': item.pipeline, 'data-stage': item.stage, 'data-action': item.action },
    el('h2', {}, el('a', { href: '#/pipeline/' + encodeURIComponent(item.pipeline) }, item.pipeline), ` / ${item.stage} / ${item.action}`),
    el('p', { class: 'meta' }, statusBadge(item.status), item.lastStatusChange ? ` · waiting since ${ago(item.lastStatusChange)}` : '',
      item.summary ? ` · ${item.summary}` : ''),
    item.customData ? el('p', { class: 'custom-data' }, item.customData) : null,
    item.externalEntityLink ? el('p', {}, 'Review: ', /^https?:\/\//.test(item.externalEntityLink)
      ? el('a', { href: item.externalEntityLink, rel: 'noopener noreferrer' }, item.externalEntityLink)
      : item.externalEntityLink) : null,
    item.approvers ? el('p', { class: 'meta approvers' }, `Approvers: ${item.approvers}` +
      (item.requiredApprovals ? ` (${item.requiredApprovals} needed)` : '')) : null);
  if (item.mayAnswer) {
    box.append(el('label', { for: `comment-${index}` }, 'Comment'), comment,
      el('div', { class: 'tools' },
        el('button', { type: 'button', class: 'approve', onclick: () => decide('Approved') }, 'Approve'),
        el('button', { type: 'button', class: 'reject', onclick: () => decide('Rejected') }, 'Reject')));
  } else {
    box.append(el('p', { class: 'meta not-yours' }, 'Not yours to answer: shown read-only.'));
  }
  box.append(status);
  return box;
}

async function render(main, askedAll) {
  const s = currentSession();
  const canApprove = !!(s && s.buttons && s.buttons.approve);
  const all = askedAll || !canApprove; // nothing can wait for a role that may not approve
  const answer = await get(all ? 'approvals?all=1' : 'approvals');
  if (!active) return;
  const list = answer.approvals || [];
  const count = list.length
    ? `${list.length} approval${list.length === 1 ? '' : 's'} ${all ? 'in progress' : 'waiting for you'}`
    : all ? 'No approval is in progress.' : 'No approval is waiting for you.';
  clear(main);
  main.append(el('h1', {}, all ? 'All approvals in progress' : 'Approvals waiting for you'),
    el('p', { id: 'count', role: 'status' }, count + (answer.truncated ? ' (the first ones only)' : '')),
    canApprove ? '' : el('p', { class: 'meta' }, 'Your role may not approve: every approval in progress is shown, read-only.'),
    canApprove ? el('p', {}, all
      ? el('a', { id: 'approvals-mine', href: '#/approvals' }, 'Only those waiting for you')
      : el('a', { id: 'approvals-all', href: '#/approvals/all' }, 'All approvals in progress (read-only where not yours)')) : '',
    el('ul', { class: 'approvals' }, list.map((item, i) => card(main, item, i, askedAll))));
}

function later(main, all) {
  clearTimeout(timer);
  timer = setTimeout(() => { if (active) render(main, all).catch(() => {}); }, 300);
}

export function leaveApprovals() {
  active = false;
}

export async function showApprovals(main, setLive, all) {
  active = true;
  clear(main);
  main.append(el('p', { class: 'loading' }, 'Loading…'));
  await render(main, all);
  // an approval starts or ends with an action's state change; a comment being typed is kept
  // by re-reading only when nothing is being typed
  watch('', (ev) => {
    if (ev.type && !ev.type.includes('Action')) return;
    if (document.activeElement && document.activeElement.classList.contains('comment') && document.activeElement.value) return;
    later(main, all);
  }, () => later(main, all), setLive);
}
