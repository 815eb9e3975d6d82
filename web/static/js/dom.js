// Small DOM helpers: every page builds its elements with h() and s(), which
// set text as text (never as HTML), so that essay texts and file names can
// never inject markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs, svg) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (k === 'class' && !svg) {
      el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'value' && !svg) {
      el.value = v;
    } else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden') {
      el[k] = Boolean(v);
      if (svg) el.setAttribute(k, '');
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** h builds an HTML element: h('a', {href: '/'}, 'Home'). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs, false);
  append(el, children);
  return el;
}

/** s builds an SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs, true);
  append(el, children);
  return el;
}

/** replace empties el and puts children in. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let announceTimer;

/**
 * announce says msg through the page's polite live region, which screen
 * readers read without moving the focus.
 */
export function announce(msg) {
  const region = document.getElementById('live');
  if (!region) return;
  clearTimeout(announceTimer);
  // Clearing first makes a repeated message be read again.
  region.textContent = '';
  announceTimer = setTimeout(() => { region.textContent = msg; }, 50);
}

/** uid returns a document-unique id for label/field pairs. */
let counter = 0;
export function uid(prefix = 'f') {
  counter += 1;
  return `${prefix}-${counter}`;
}
