// app.js — the console's entry module: sign-in, sign-out and the views
// (#/ the pipelines, #/pipeline/<name> one pipeline, #/executions/<name> its
// executions, #/execution/<name>/<id> one execution's timeline,
// #/action/<name>/<id>/<action execution id> one action execution,
// #/approvals the approvals waiting for the signed-in person, #/approvals/all
// every approval in progress). Plain ES modules, no build step, nothing
// fetched from anywhere but the console itself.

import { loadSession, signIn, signOut } from './api.js';
import { clear, el } from './dom.js';
import { stop } from './live.js';
import { leaveAction, showAction } from './action.js';
import { leaveApprovals, showApprovals } from './approvals.js';
import { showExecution, showExecutions } from './executions.js';
import { showPipeline } from './pipeline.js';
import { showPipelines } from './pipelines.js';

const main = document.getElementById('main');

function setLive(state) {
  const live = document.getElementById('live');
  live.textContent = state === 'live' ? '● live' : state === 'reconnecting' ? '○ reconnecting…' : '○ offline';
  live.className = 'live ' + state;
}

function header(session) {
  document.getElementById('who').textContent = session ? `${session.identity} (${session.role})` : '';
  document.getElementById('signout').hidden = !session;
}

function showSignIn(message) {
  stop();
  header(null);
  clear(main);
  const key = el('input', { id: 'key', name: 'key', autocomplete: 'username', required: true });
  const secret = el('input', { id: 'secret', name: 'secret', type: 'password', autocomplete: 'current-password', required: true });
  const status = el('p', { id: 'signin-error', class: message ? 'notice error' : 'notice', role: 'alert' }, message || '');
  const form = el('form', { id: 'signin', class: 'signin', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await signIn(key.value.trim(), secret.value);
      secret.value = '';
      route();
    } catch (err) {
      status.textContent = err.status === 401 ? 'The access key id or the secret access key is wrong.' : err.message;
      status.className = 'notice error';
    }
  } },
  el('h1', {}, 'Sign in to Sluice'),
  status,
  el('label', { for: 'key' }, 'Access key id'), key,
  el('label', { for: 'secret' }, 'Secret access key'), secret,
  el('button', { type: 'submit' }, 'Sign in'));
  main.append(form);
  key.focus();
}

async function route() {
  let session;
  try {
    session = await loadSession();
  } catch (err) {
    clear(main);
    main.append(el('p', { class: 'notice error' }, `The console cannot reach its service: ${err.message}`));
    return;
  }
  if (!session) {
    showSignIn();
    return;
  }
  header(session);
  const hash = location.hash || '#/';
  const parts = hash.split('/').slice(2).map((p) => decodeURIComponent(p));
  leaveApprovals();
  leaveAction();
  try {
    if (hash.startsWith('#/executions/')) {
      await showExecutions(main, parts[0], setLive);
    } else if (hash.startsWith('#/execution/')) {
      await showExecution(main, parts[0], parts[1], setLive);
    } else if (hash.startsWith('#/action/')) {
      await showAction(main, parts[0], parts[1], parts[2], setLive);
    } else if (hash === '#/approvals' || hash === '#/approvals/all') {
      await showApprovals(main, setLive, hash === '#/approvals/all');
    } else if (hash.startsWith('#/pipeline/')) {
      await showPipeline(main, decodeURIComponent(hash.slice('#/pipeline/'.length)), setLive);
    } else {
      await showPipelines(main, setLive);
    }
  } catch (err) {
    if (err.status === 401) {
      showSignIn('Your session ended. Sign in again.');
      return;
    }
    clear(main);
    main.append(el('p', { class: 'notice error' }, `${err.type ? err.type + ': ' : ''}${err.message}`));
  }
}

document.getElementById('signout').addEventListener('click', async () => {
  try {
    await signOut();
  } catch (_) {
    // signed out already
  }
  showSignIn('You are signed out.');
});
window.addEventListener('hashchange', route);
route();
