// The dashboard's side of the public API: the bearer token kept in the
// browser, JSON requests with the API's error shape, downloads, and the
// live WebSocket of notifications.

const TOKEN_KEY = 'hule.token';
const USER_KEY = 'hule.user';

/** auth holds the signed-in token in sessionStorage or localStorage. */
export const auth = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || '';
  },
  get user() {
    return sessionStorage.getItem(USER_KEY) || localStorage.getItem(USER_KEY) || '';
  },
  /** set keeps the token; remember keeps it after the browser closes. */
  set(token, user = '', remember = false) {
    this.clear();
    const store = remember ? localStorage : sessionStorage;
    store.setItem(TOKEN_KEY, token);
    store.setItem(USER_KEY, user);
    window.dispatchEvent(new CustomEvent('hule:auth'));
  },
  clear() {
    for (const st of [sessionStorage, localStorage]) {
      st.removeItem(TOKEN_KEY);
      st.removeItem(USER_KEY);
    }
  },
};

/** ApiError is a failed API request with the API's error code and message. */
export class ApiError extends Error {
  constructor(status, code, message, correlationId) {
    super(message || `request failed with status ${status}`);
    this.status = status;
    this.code = code || '';
    this.correlationId = correlationId || '';
  }
}

async function errorOf(resp) {
  let code = '';
  let msg = '';
  let corr = resp.headers.get('X-Correlation-ID') || '';
  try {
    const body = await resp.json();
    if (body && body.error) {
      code = body.error.code || '';
      msg = body.error.message || '';
      corr = body.error.correlation_id || corr;
    }
  } catch {
    // Not JSON: keep the status line.
  }
  if (!msg) msg = `${resp.status} ${resp.statusText}`;
  if (resp.status === 429) {
    const after = resp.headers.get('Retry-After');
    if (after) msg += ` (retry in ${after} s)`;
  }
  return new ApiError(resp.status, code, msg, corr);
}

/**
 * request calls the API with the signed-in token. opts.json is sent as a
 * JSON body, opts.body as is (FormData for uploads). It resolves to the
 * parsed JSON (or null for an empty answer) and rejects with ApiError. A 401
 * signs the user out.
 */
export async function request(path, opts = {}) {
  const headers = new Headers(opts.headers || {});
  const token = auth.token;
  if (token) headers.set('Authorization', `Bearer ${token}`);
  let body = opts.body;
  if (opts.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(opts.json);
  }
  headers.set('Accept', headers.get('Accept') || 'application/json');
  let resp;
  try {
    resp = await fetch(path, { method: opts.method || (body ? 'POST' : 'GET'), headers, body, signal: opts.signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server could not be reached. Is hule running?');
  }
  if (resp.status === 401) {
    const err = await errorOf(resp);
    auth.clear();
    window.dispatchEvent(new CustomEvent('hule:unauthenticated', { detail: err.message }));
    throw err;
  }
  if (!resp.ok) throw await errorOf(resp);
  if (opts.raw) return resp;
  const text = await resp.text();
  return text ? JSON.parse(text) : null;
}

/** download fetches path with the token and saves it under filename. */
export async function download(path, filename) {
  const resp = await request(path, { raw: true, headers: { Accept: '*/*' } });
  const blob = await resp.blob();
  const cd = resp.headers.get('Content-Disposition') || '';
  const m = /filename="?([^";]+)"?/i.exec(cd);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = (m && m[1]) || filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

/**
 * localToken asks the server for the embedded platform's local token,
 * which it gives only to a browser on the same machine; null otherwise.
 */
export async function localToken() {
  try {
    const resp = await fetch('/local-token', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!resp.ok) return null;
    const body = await resp.json();
    return body && body.token ? body : null;
  } catch {
    return null;
  }
}

/**
 * Live keeps one WebSocket to /v1/ws open while signed in, reconnecting
 * with backoff, and re-dispatches each notification as a "message" event
 * (detail: the parsed notification) and each connection change as a
 * "state" event (detail: "open" | "closed").
 */
export class Live extends EventTarget {
  constructor() {
    super();
    this.ws = null;
    this.state = 'closed';
    this.retry = 0;
    this.timer = 0;
    this.wanted = false;
    this.received = 0;
  }

  start() {
    this.wanted = true;
    if (this.ws || !auth.token) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/v1/ws?access_token=${encodeURIComponent(auth.token)}`);
    this.ws = ws;
    ws.addEventListener('open', () => {
      this.retry = 0;
      this.setState('open');
    });
    ws.addEventListener('message', (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg.type !== 'connected') this.received += 1;
      this.dispatchEvent(new CustomEvent('message', { detail: msg }));
    });
    ws.addEventListener('close', () => {
      this.ws = null;
      this.setState('closed');
      if (!this.wanted || !auth.token) return;
      const delay = Math.min(15000, 500 * 2 ** this.retry);
      this.retry += 1;
      this.timer = setTimeout(() => this.start(), delay);
    });
  }

  stop() {
    this.wanted = false;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, 'signed out');
    this.ws = null;
    this.setState('closed');
  }

  setState(st) {
    if (st === this.state) return;
    this.state = st;
    this.dispatchEvent(new CustomEvent('state', { detail: st }));
  }
}
