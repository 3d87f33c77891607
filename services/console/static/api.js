// api.js — the console's calls: the session, sign-in and sign-out, the
// console's own reads (the approvals waiting), and the api's operations (POST /console/api/call?op=...), each with the session's
// CSRF token. The console service signs each call with the signed-in
// person's own key; the api decides whether it is allowed.

let session = null;

export class ApiError extends Error {
  constructor(status, type, message) {
    super(message || type || `HTTP ${status}`);
    this.status = status;
    this.type = type || '';
  }
}

async function answer(resp) {
  let body = {};
  try {
    body = await resp.json();
  } catch (_) {
    body = {};
  }
  if (!resp.ok) {
    const type = (body.__type || body.code || '').split('#').pop();
    throw new ApiError(resp.status, type, body.message || body.Message);
  }
  return body;
}

export function currentSession() {
  return session;
}

export async function loadSession() {
  const resp = await fetch('/console/api/session', { credentials: 'same-origin' });
  if (resp.status === 401) {
    session = null;
    return null;
  }
  session = await answer(resp);
  return session;
}

export async function signIn(accessKeyId, secretAccessKey) {
  const resp = await fetch('/console/api/signin', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ accessKeyId, secretAccessKey }),
  });
  session = await answer(resp);
  return session;
}

export async function signOut() {
  const resp = await fetch('/console/api/signout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'X-Sluice-CSRF': session ? session.csrf : '' },
  });
  session = null;
  return answer(resp);
}

// A read of the console's own (GET /console/api/<path>), e.g. 'approvals?all=1'.
export async function get(path) {
  const resp = await fetch('/console/api/' + path, { credentials: 'same-origin' });
  return answer(resp);
}

// One operation of the api (CodePipeline's JSON input and output).
export async function call(op, input) {
  const resp = await fetch('/console/api/call?op=' + encodeURIComponent(op), {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'Content-Type': 'application/json',
      'X-Sluice-CSRF': session ? session.csrf : '',
    },
    body: JSON.stringify(input || {}),
  });
  return answer(resp);
}
