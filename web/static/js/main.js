// The dashboard's entry point: a small router over the History API that
// draws one page at a time into <main>, keeps the sign-in state in the
// header, and owns the one live WebSocket connection that pages listen to.

import { auth, Live } from './api.js';
import { h, replace } from './dom.js';
import * as signin from './pages/signin.js';
import * as batches from './pages/batches.js';
import * as create from './pages/create.js';
import * as batch from './pages/batch.js';
import * as essay from './pages/essay.js';

const routes = [
  { re: /^\/signin\/?$/, page: signin, public: true },
  { re: /^\/$/, page: batches },
  { re: /^\/batches\/?$/, page: batches },
  { re: /^\/batches\/new\/?$/, page: create },
  { re: /^\/batches\/([^/]+)\/essays\/([^/]+)\/?$/, page: essay, keys: ['batchId', 'essayId'] },
  { re: /^\/batches\/([^/]+)\/?$/, page: batch, keys: ['batchId'] },
];

const live = new Live();
const main = document.getElementById('main');
let cleanup = null;
let firstRender = true;

/** navigate shows path without reloading the page. */
export function navigate(path, { replace: replaceState = false } = {}) {
  if (replaceState) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

function notFound() {
  document.title = 'Not found · hule';
  replace(main,
    h('h1', null, 'Page not found'),
    h('p', null, 'There is nothing at this address. ', h('a', { href: '/', 'data-link': '' }, 'Back to the batches'), '.'));
}

function renderHeader() {
  const signedIn = Boolean(auth.token);
  document.getElementById('who').textContent = signedIn ? `Signed in${auth.user ? ` as ${auth.user}` : ''}` : '';
  document.getElementById('signout').hidden = !signedIn;
  document.querySelector('header nav').hidden = !signedIn;
  const path = location.pathname;
  for (const a of document.querySelectorAll('header nav a')) {
    const href = a.getAttribute('href');
    const current = href === '/' ? (path === '/' || path === '/batches' || (/^\/batches\/(?!new)/.test(path))) : path.startsWith(href);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function render() {
  if (cleanup) {
    try { cleanup(); } catch { /* a page's cleanup must not stop the next page */ }
    cleanup = null;
  }
  const path = location.pathname;
  let match = null;
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = {};
      (r.keys || []).forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
      match = { route: r, params };
      break;
    }
  }
  if (match && !match.route.public && !auth.token) {
    const next = path + location.search;
    history.replaceState(null, '', `/signin?next=${encodeURIComponent(next)}`);
    return render();
  }
  if (auth.token) live.start();
  else live.stop();
  renderHeader();
  main.replaceChildren();
  if (!match) {
    notFound();
  } else {
    const ctx = { main, params: match.params, query: new URLSearchParams(location.search), navigate, live };
    cleanup = match.route.page.render(ctx) || null;
  }
  if (!firstRender) {
    // Move the focus to the new page so that keyboard and screen reader
    // users start at its top, as after a full page load.
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
  firstRender = false;
  return undefined;
}

// Same-origin links marked data-link (and any plain link into the
// dashboard) change the page without a reload.
document.addEventListener('click', (ev) => {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/v1/') || url.pathname === '/openapi.json') return;
  ev.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
});

window.addEventListener('popstate', render);

document.getElementById('signout').addEventListener('click', () => {
  auth.clear();
  live.stop();
  navigate('/signin');
});

window.addEventListener('hule:unauthenticated', () => {
  if (location.pathname.startsWith('/signin')) return;
  live.stop();
  navigate(`/signin?next=${encodeURIComponent(location.pathname)}&expired=1`, { replace: true });
});

const liveState = document.getElementById('live-state');
// The count of notifications received, for people debugging and for tests.
live.addEventListener('message', () => { liveState.dataset.messages = String(live.received); });
live.addEventListener('state', (ev) => {
  liveState.hidden = !auth.token;
  liveState.textContent = ev.detail === 'open' ? 'Live' : 'Reconnecting…';
  liveState.className = `live-state ${ev.detail}`;
  liveState.title = ev.detail === 'open' ? 'Live updates are on' : 'Live updates are off; trying to reconnect';
});

render();
