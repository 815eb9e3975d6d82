// The batch list: status, essay count, created time and progress of each
// of the user's batches, newest first, filterable by status, a page at a
// time; it refreshes itself when a notification about a batch arrives.

import { request } from '../api.js';
import { h, replace, uid } from '../dom.js';
import { humanize, statusClass, when } from '../format.js';
import { batchProgress, field as pick } from '../model.js';

const STATUSES = [
  ['', 'All'],
  ['awaiting_content', 'Waiting for essays'],
  ['processing', 'In progress'],
  ['completed', 'Completed'],
  ['completed_with_failures', 'Completed with failures'],
  ['failed', 'Failed'],
];

const PAGE = 25;

/** render draws the batch list. */
export function render({ main, query, navigate, live }) {
  document.title = 'Batches · hule';
  const status = query.get('status') || '';
  const cursor = query.get('cursor') || '';
  const filterId = uid('status');
  const body = h('div', { class: 'list-body', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading batches…'));
  const select = h('select', {
    id: filterId,
    onchange: (ev) => {
      const q = new URLSearchParams();
      if (ev.target.value) q.set('status', ev.target.value);
      navigate(`/batches${q.size ? `?${q}` : ''}`);
    },
  }, STATUSES.map(([v, l]) => h('option', { value: v, selected: v === status }, l)));

  replace(main,
    h('div', { class: 'page-head' },
      h('h1', null, 'Batches'),
      h('a', { class: 'button primary', href: '/batches/new', 'data-link': '' }, 'New batch')),
    h('div', { class: 'toolbar' }, h('label', { for: filterId }, 'Status'), select),
    body);

  let gone = false;
  let timer = 0;
  async function load() {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (status) q.set('status', status);
    if (cursor) q.set('cursor', cursor);
    try {
      const res = await request(`/v1/batches?${q}`);
      if (gone) return;
      draw(res || {});
    } catch (err) {
      if (gone) return;
      replace(body, h('p', { class: 'error', role: 'alert' }, `The batches could not be loaded: ${err.message}`));
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  }

  function draw(res) {
    const items = res.batches || res.items || [];
    if (!items.length) {
      replace(body, h('div', { class: 'empty' },
        h('p', null, status ? 'No batches with this status.' : 'No batches yet.'),
        status ? null : h('p', null, h('a', { href: '/batches/new', 'data-link': '' }, 'Create the first batch'), ' by uploading essays.')));
      return;
    }
    const rows = items.map((b) => {
      const id = pick(b, 'batch_id', 'id');
      const prog = batchProgress(b);
      const st = pick(b, 'status') || '';
      return h('tr', null,
        h('th', { scope: 'row' }, h('a', { href: `/batches/${encodeURIComponent(id)}`, 'data-link': '' },
          pick(b, 'name') || pick(b, 'course_code') || id)),
        h('td', null, h('span', { class: `badge ${statusClass(st)}` }, humanize(st))),
        h('td', { class: 'num' }, String(pick(b, 'essay_count', 'expected_essay_count', 'total_essays') ?? '–')),
        h('td', null, h('time', { datetime: pick(b, 'created_at') || '' }, when(pick(b, 'created_at')))),
        h('td', { class: 'progress-cell' }, h('div', null,
          h('progress', { max: 100, value: Math.round(prog * 100), 'aria-label': `Progress of ${pick(b, 'name') || id}` }),
          h('span', { class: 'pct', 'aria-hidden': 'true' }, `${Math.round(prog * 100)} %`))));
    });
    const next = res.next_cursor || res.next || '';
    const nav = [];
    if (cursor) nav.push(h('a', { href: `/batches${status ? `?status=${encodeURIComponent(status)}` : ''}`, 'data-link': '' }, 'First page'));
    if (next) {
      const q = new URLSearchParams({ cursor: next });
      if (status) q.set('status', status);
      nav.push(h('a', { href: `/batches?${q}`, 'data-link': '' }, 'Next page'));
    }
    replace(body,
      h('div', { class: 'table-wrap' },
        h('table', { class: 'data' },
          h('caption', { class: 'visually-hidden' }, 'Your batches, newest first'),
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, 'Batch'), h('th', { scope: 'col' }, 'Status'),
            h('th', { scope: 'col', class: 'num' }, 'Essays'), h('th', { scope: 'col' }, 'Created'),
            h('th', { scope: 'col' }, 'Progress'))),
          h('tbody', null, rows))),
      nav.length ? h('nav', { class: 'pager', 'aria-label': 'Pages' }, nav) : null);
  }

  const onMessage = (ev) => {
    if (!ev.detail?.batch_id) return;
    clearTimeout(timer);
    timer = setTimeout(load, 400);
  };
  live.addEventListener('message', onMessage);
  load();
  return () => {
    gone = true;
    clearTimeout(timer);
    live.removeEventListener('message', onMessage);
  };
}
