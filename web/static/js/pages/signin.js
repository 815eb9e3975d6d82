// Sign-in: a token field, and on this machine the embedded platform's
// local token offered with one button.

import { auth, localToken, request } from '../api.js';
import { h, replace, uid } from '../dom.js';

function safeNext(q) {
  const next = q.get('next') || '/';
  // Only paths inside the dashboard: never another origin.
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** render draws the sign-in page. */
export function render({ main, query, navigate }) {
  document.title = 'Sign in · hule';
  const next = safeNext(query);
  const tokenId = uid('token');
  const errorId = uid('err');
  const error = h('p', { id: errorId, class: 'error', role: 'alert', hidden: true });
  const input = h('input', {
    id: tokenId, name: 'token', type: 'password', autocomplete: 'current-password', required: true,
    spellcheck: 'false', 'aria-describedby': `${tokenId}-help ${errorId}`,
  });
  const remember = h('input', { id: `${tokenId}-remember`, type: 'checkbox' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const localBox = h('div', { class: 'local', hidden: true });

  function fail(msg) {
    error.textContent = msg;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
  }

  async function signIn(token, user, keep) {
    error.hidden = true;
    input.removeAttribute('aria-invalid');
    submit.disabled = true;
    auth.set(token, user, keep);
    try {
      // The gateway checks the token before routing: any answer but 401
      // (even a 404 from a service not running here) proves it.
      await request('/v1/batches?limit=1').catch((err) => {
        if (err.status === 401 || err.status === 0) throw err;
      });
      navigate(next, { replace: true });
    } catch (err) {
      auth.clear();
      fail(err.status === 401 ? 'That token was not accepted. Check it and try again.' : err.message);
    } finally {
      submit.disabled = false;
    }
  }

  const form = h('form', {
    class: 'card narrow',
    onsubmit: (ev) => {
      ev.preventDefault();
      const t = input.value.trim();
      if (!t) {
        fail('Enter your API token.');
        input.focus();
        return;
      }
      signIn(t, '', remember.checked);
    },
  },
  h('h1', null, 'Sign in'),
  query.get('expired') ? h('p', { class: 'notice' }, 'Your session ended. Sign in again to continue.') : null,
  localBox,
  h('div', { class: 'field' },
    h('label', { for: tokenId }, 'API token'),
    input,
    h('p', { id: `${tokenId}-help`, class: 'help' },
      'The token your administrator gave you, or the local token that ', h('code', null, 'hule serve'), ' printed.')),
  h('div', { class: 'field check' }, remember, h('label', { for: `${tokenId}-remember` }, 'Keep me signed in on this browser')),
  error,
  h('div', { class: 'actions' }, submit));

  replace(main, form);
  input.focus();

  let gone = false;
  localToken().then((lt) => {
    if (gone || !lt) return;
    const btn = h('button', { type: 'button', class: 'primary', onclick: () => signIn(lt.token, lt.user, false) },
      'Continue with the local token');
    replace(localBox,
      h('p', null, 'hule is running on this computer with its own local token.'),
      btn,
      h('p', { class: 'or' }, h('span', null, 'or enter a token')));
    localBox.hidden = false;
    btn.focus();
  });
  return () => { gone = true; };
}
