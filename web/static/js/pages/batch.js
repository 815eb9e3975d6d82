// One batch, live: a progress bar per phase with done and failed counts,
// kept current by the WebSocket's notifications; the failures; then the
// results: reliability (SSR) in plain words, the score chart with its
// intervals and grade bands, the grade distribution, and the sortable,
// filterable results table; export as CSV or JSON.

import { download, request } from '../api.js';
import { announce, h, replace, uid } from '../dom.js';
import { confidence, fixed, humanize, num, phaseName, seconds, statusClass, when } from '../format.js';
import { distributionChart, scoreChart } from '../chart.js';
import * as model from '../model.js';

const GRADE_ORDER = ['A', 'B', 'C+', 'C', 'C-', 'D+', 'D', 'D-', 'E+', 'E', 'E-', 'F+', 'F'];
const SCALE_ORDER = [...GRADE_ORDER].reverse();

const COLUMNS = [
  { key: 'rank', label: 'Rank', num: true },
  { key: 'name', label: 'Essay' },
  { key: 'grade', label: 'Grade' },
  { key: 'score', label: 'Score ± SE', num: true },
  { key: 'confidence', label: 'Confidence', num: true },
  { key: 'corrections', label: 'Spelling corrections', short: 'Corrections', num: true },
  { key: 'words', label: 'Words', num: true },
  { key: 'mtld', label: 'Lexical diversity (MTLD)', short: 'MTLD', num: true },
];

function gradeRank(g) {
  const i = GRADE_ORDER.indexOf(g);
  return i < 0 ? GRADE_ORDER.length : i;
}

function value(e, key) {
  if (key === 'grade') return e.grade || undefined;
  if (key === 'name') return e.name;
  return e[key];
}

/**
 * compare orders two essays by a column in direction dir (1 ascending,
 * -1 descending); essays without a value go last either way, in rank order.
 */
export function compare(a, b, key, dir = 1) {
  const va = value(a, key);
  const vb = value(b, key);
  if (va === undefined || vb === undefined) {
    if (va !== undefined) return -1;
    if (vb !== undefined) return 1;
    return key === 'rank' ? 0 : compare(a, b, 'rank');
  }
  let c;
  if (key === 'grade') c = gradeRank(va) - gradeRank(vb) || (b.score ?? -Infinity) - (a.score ?? -Infinity);
  else if (key === 'name') c = va.localeCompare(vb, undefined, { numeric: true });
  else c = va - vb;
  return c * dir || (key === 'rank' ? 0 : compare(a, b, 'rank'));
}

/** render draws the batch page. */
export function render({ main, params, live }) {
  const id = params.batchId;
  const base = `/v1/batches/${encodeURIComponent(id)}`;
  document.title = 'Batch · hule';
  let gone = false;
  let batch = null;
  let phaseList = [];
  let res = { essays: [], anchors: [] };
  let loadTimer = 0;
  let pollTimer = 0;
  const announced = new Map();
  const sort = { key: 'rank', dir: 1 };
  const filter = { text: '', grade: '', conf: '' };

  const head = h('div', { class: 'page-head' }, h('h1', null, 'Batch'));
  const meta = h('dl', { class: 'meta' });
  const progress = h('section', { class: 'card', 'aria-labelledby': 'progress-h' },
    h('h2', { id: 'progress-h' }, 'Progress'), h('p', { class: 'muted' }, 'Loading…'));
  const failuresBox = h('section', { class: 'card failures', 'aria-labelledby': 'failures-h', hidden: true });
  const resultsBox = h('section', { class: 'results', 'aria-labelledby': 'results-h', hidden: true });
  const errorBox = h('p', { class: 'error', role: 'alert', hidden: true });
  replace(main, h('p', { class: 'crumbs' }, h('a', { href: '/', 'data-link': '' }, '← Batches')),
    head, meta, errorBox, progress, failuresBox, resultsBox);

  function exportButtons() {
    const mk = (fmt, label) => h('button', {
      type: 'button',
      class: 'secondary',
      onclick: async (ev) => {
        const btn = ev.currentTarget;
        btn.disabled = true;
        try {
          await download(`${base}/export?format=${fmt}`, `batch-${id}.${fmt}`);
          announce(`${fmt.toUpperCase()} export downloaded.`);
        } catch (err) {
          errorBox.textContent = `The export failed: ${err.message}`;
          errorBox.hidden = false;
        } finally {
          btn.disabled = false;
        }
      },
    }, label);
    return h('div', { class: 'exports', role: 'group', 'aria-label': 'Export results' },
      mk('csv', 'Export CSV'), mk('json', 'Export JSON'));
  }

  function drawHead() {
    const name = model.field(batch, 'name') || `Batch ${id.slice(0, 8)}`;
    document.title = `${name} · hule`;
    const st = model.field(batch, 'status') || '';
    replace(head,
      h('h1', null, name, ' ', h('span', { class: `badge ${statusClass(st)}` }, humanize(st))),
      exportButtons());
    const items = [
      ['Course', model.field(batch, 'course_code')],
      ['Assignment', model.field(batch, 'assignment_id')],
      ['Essays', model.field(batch, 'essay_count', 'expected_essay_count', 'total_essays')],
      ['Created', when(model.field(batch, 'created_at'))],
      ['Pipeline', (model.field(batch, 'pipelines') || []).map((r) => r.pipeline).filter(Boolean).pop()],
    ].filter(([, v]) => v !== undefined && v !== null && v !== '');
    replace(meta, items.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, String(v)))));
  }

  function drawProgress() {
    const rows = phaseList.filter((p) => p.phase);
    if (!rows.length) {
      replace(progress, h('h2', { id: 'progress-h' }, 'Progress'),
        h('p', { class: 'muted' }, 'Waiting for the pipeline to start…'));
      return;
    }
    replace(progress, h('h2', { id: 'progress-h' }, 'Progress'),
      h('ul', { class: 'phases' }, rows.map((p) => {
        const pid = `phase-${p.phase}`;
        const finished = p.done + p.failed;
        const value = p.total ? Math.round((finished / p.total) * 100) : (model.terminal(p.status) ? 100 : 0);
        const counts = p.status === 'skipped'
          ? `Skipped${p.reason ? `: ${p.reason}` : ''}`
          : `${p.done} of ${p.total || '?'} done${p.failed ? `, ${p.failed} failed` : ''}${p.duration !== undefined && model.terminal(p.status) ? ` · ${seconds(p.duration)}` : ''}`;
        return h('li', { class: 'phase', dataset: { phase: p.phase, status: p.status } },
          h('div', { class: 'phase-head' },
            h('span', { id: `${pid}-label`, class: 'phase-name' }, phaseName(p.phase)),
            h('span', { class: `badge ${statusClass(p.status)}` }, humanize(p.status))),
          h('div', { class: 'bar', role: 'progressbar', 'aria-labelledby': `${pid}-label`, 'aria-valuemin': 0, 'aria-valuemax': 100,
            'aria-valuenow': value, 'aria-valuetext': counts },
          h('span', { class: 'fill ok', dataset: { w: p.total ? (p.done / p.total) * 100 : value } }),
          h('span', { class: 'fill bad', dataset: { w: p.total ? (p.failed / p.total) * 100 : 0 } })),
          h('p', { class: 'counts' }, counts),
          p.status === 'failed' && p.reason ? h('p', { class: 'error' }, p.reason) : null);
      })));
    // Widths through the CSSOM: the page's CSP allows no inline styles.
    for (const f of progress.querySelectorAll('.fill')) f.style.width = `${Math.max(0, Math.min(100, Number(f.dataset.w)))}%`;
    for (const p of rows) {
      const prev = announced.get(p.phase);
      if (prev !== p.status && model.terminal(p.status) && prev !== undefined) {
        announce(`${phaseName(p.phase)}: ${humanize(p.status).toLowerCase()}, ${p.done} done${p.failed ? `, ${p.failed} failed` : ''}.`);
      }
      announced.set(p.phase, p.status);
    }
  }

  function drawFailures() {
    const list = model.failures(batch);
    failuresBox.hidden = !list.length;
    if (!list.length) return;
    replace(failuresBox,
      h('h2', { id: 'failures-h' }, `Failures (${list.length})`),
      h('p', null, 'These essays or files could not be processed. The others go on without them.'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Essay or file'), h('th', { scope: 'col' }, 'Phase'),
          h('th', { scope: 'col' }, 'Why'))),
        h('tbody', null, list.map((f) => h('tr', null,
          h('th', { scope: 'row' }, f.name),
          h('td', null, f.phase ? phaseName(f.phase) : '–'),
          h('td', null, f.reason || humanize(f.code), f.code && f.reason ? h('span', { class: 'code' }, ` (${f.code})`) : null)))))));
  }

  // The results section keeps its controls across redraws; only its parts
  // are replaced, so a live update never steals the focus.
  const summary = h('div', { class: 'summary' });
  const chartBox = h('figure', { class: 'card chart-card' });
  const tbody = h('tbody');
  const shown = h('p', { class: 'count', 'aria-live': 'polite' });
  const theadRow = h('tr');
  const textId = uid('q');
  const gradeId = uid('g');
  const confId = uid('c');
  const gradeSel = h('select', { id: gradeId, onchange: (ev) => { filter.grade = ev.target.value; drawTable(); } });
  const confSel = h('select', { id: confId, onchange: (ev) => { filter.conf = ev.target.value; drawTable(); } },
    h('option', { value: '' }, 'Any'), ['HIGH', 'MID', 'LOW'].map((c) => h('option', { value: c }, confidence(c))));
  const textIn = h('input', { id: textId, type: 'search', placeholder: 'Essay name', oninput: (ev) => { filter.text = ev.target.value.trim().toLowerCase(); drawTable(); } });
  replace(resultsBox,
    h('h2', { id: 'results-h' }, 'Results'),
    summary,
    chartBox,
    h('section', { class: 'card', 'aria-labelledby': 'table-h' },
      h('h3', { id: 'table-h' }, 'Essays'),
      h('div', { class: 'toolbar filters' },
        h('div', { class: 'field inline' }, h('label', { for: textId }, 'Find'), textIn),
        h('div', { class: 'field inline' }, h('label', { for: gradeId }, 'Grade'), gradeSel),
        h('div', { class: 'field inline' }, h('label', { for: confId }, 'Confidence'), confSel)),
      shown,
      h('div', { class: 'table-wrap' }, h('table', { class: 'data results-table' },
        h('caption', { class: 'visually-hidden' }, 'Results per essay; column headers sort the table'),
        h('thead', null, theadRow), tbody))));

  function drawHeader() {
    replace(theadRow, COLUMNS.map((c) => {
      const active = sort.key === c.key;
      return h('th', { scope: 'col', class: c.num ? 'num' : '', 'aria-sort': active ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none' },
        h('button', {
          type: 'button', class: 'sort', dataset: { key: c.key },
          onclick: () => {
            if (sort.key === c.key) sort.dir = -sort.dir;
            else { sort.key = c.key; sort.dir = c.key === 'rank' || c.key === 'name' || c.key === 'grade' ? 1 : -1; }
            drawHeader();
            drawTable();
            theadRow.querySelector(`button[data-key="${c.key}"]`).focus();
            announce(`Sorted by ${c.label}, ${sort.dir > 0 ? 'ascending' : 'descending'}.`);
          },
        }, c.short || c.label, h('span', { class: 'arrow', 'aria-hidden': 'true' }, active ? (sort.dir > 0 ? ' ▲' : ' ▼') : ' ↕')));
    }));
  }

  function drawTable() {
    const rows = res.essays.filter((e) => (!filter.text || e.name.toLowerCase().includes(filter.text))
      && (!filter.grade || e.grade === filter.grade)
      && (!filter.conf || String(e.confidenceLabel).toUpperCase() === filter.conf))
      .sort((a, b) => compare(a, b, sort.key, sort.dir));
    shown.textContent = `${rows.length} of ${res.essays.length} essays shown`;
    replace(tbody, rows.map((e) => h('tr', null,
      h('td', { class: 'num' }, e.rank ?? '–'),
      h('th', { scope: 'row' }, e.empty
        ? h('span', { class: 'muted', title: `Essay slot ${e.id}` }, 'No essay arrived for this slot')
        : h('a', { href: `/batches/${encodeURIComponent(id)}/essays/${encodeURIComponent(e.id)}`, 'data-link': '' }, e.name)),
      h('td', null, e.grade ? h('span', { class: 'grade' }, e.grade)
        : e.status === 'failed' ? h('span', { class: 'badge bad', title: e.failure || '' }, 'Failed') : '–'),
      h('td', { class: 'num' }, e.score === undefined ? '–' : `${fixed(e.score)}${e.se !== undefined ? ` ± ${fixed(e.se)}` : ''}`),
      h('td', { class: 'num' }, e.confidenceLabel
        ? h('span', { class: `conf conf-${String(e.confidenceLabel).toLowerCase()}` }, confidence(e.confidenceLabel),
          e.confidence !== undefined ? h('span', { class: 'muted' }, ` ${Math.round(e.confidence * 100)} %`) : null)
        : '–'),
      h('td', { class: 'num' }, e.corrections ?? '–'),
      h('td', { class: 'num' }, e.words ?? '–'),
      h('td', { class: 'num' }, e.mtld === undefined ? '–' : num(e.mtld, 1)))));
  }

  function drawResults() {
    const an = model.analytics(batch);
    const hasScores = res.essays.some((e) => e.score !== undefined);
    resultsBox.hidden = !res.essays.length;
    if (!res.essays.length) return;
    let dist = an.distribution;
    if (!Object.keys(dist).length) {
      dist = {};
      for (const e of res.essays) if (e.grade) dist[e.grade] = (dist[e.grade] || 0) + 1;
    }
    let reading = an.ssrReading || model.ssrReading(an.ssr);
    reading = reading.charAt(0).toUpperCase() + reading.slice(1);
    replace(summary,
      an.ssr !== undefined ? h('section', { class: 'card ssr', 'aria-labelledby': 'ssr-h' },
        h('h3', { id: 'ssr-h' }, 'Reliability'),
        h('p', { class: 'big' }, fixed(an.ssr, 2), h('span', { class: 'unit' }, ' SSR')),
        h('p', null, reading),
        h('p', { class: 'help' }, 'The scale separation reliability runs from 0 to 1: how much of the spread in scores is real difference between essays rather than judging noise.')) : null,
      Object.keys(dist).length ? h('section', { class: 'card', 'aria-labelledby': 'dist-h' },
        h('h3', { id: 'dist-h' }, 'Grade distribution'),
        distributionChart(dist, an.scale || SCALE_ORDER)) : null);
    if (hasScores) {
      const anchors = res.anchors.filter((a) => a.score !== undefined);
      chartBox.hidden = false;
      const width = (chartBox.clientWidth || 760) - 2 * 18;
      const ungraded = !anchors.length && res.essays.every((e) => !e.grade || e.grade === 'U');
      replace(chartBox,
        h('figcaption', null, h('h3', null, 'Scores'),
          h('p', { class: 'help' }, 'Each row is an essay, best at the top: the dot is its score, the bar its 95 % interval (±1.96 · SE). ',
            anchors.length ? 'Diamonds are anchor essays with known grades; shaded bands show where each grade lies.' : ''),
          ungraded ? h('p', { class: 'notice' }, 'No anchor essays took part, so the essays are ranked but not graded (U). Register anchor essays with known grades for the assignment to turn scores into grades.') : null),
        h('div', { class: 'chart-scroll' }, scoreChart(res.essays, anchors, { bands: an.bands, width })));
    } else {
      chartBox.hidden = true;
    }
    const grades = [...new Set(res.essays.map((e) => e.grade).filter(Boolean))].sort((a, b) => gradeRank(a) - gradeRank(b));
    const keep = filter.grade;
    replace(gradeSel, h('option', { value: '' }, 'Any'), grades.map((g) => h('option', { value: g, selected: g === keep }, g)));
    drawHeader();
    drawTable();
  }

  async function load() {
    try {
      const [b, r] = await Promise.all([
        request(base),
        request(`${base}/results`).catch((err) => {
          // No results yet is normal while the pipeline runs.
          if (err.status === 404 || err.status === 409) return null;
          throw err;
        }),
      ]);
      if (gone) return;
      errorBox.hidden = true;
      batch = b || {};
      phaseList = model.phases(batch);
      if (r) res = model.results(r);
      drawHead();
      drawProgress();
      drawFailures();
      drawResults();
    } catch (err) {
      if (gone) return;
      errorBox.textContent = err.status === 404 ? 'This batch does not exist, or it is not yours.' : `The batch could not be loaded: ${err.message}`;
      errorBox.hidden = false;
    } finally {
      schedulePoll();
    }
  }

  // The WebSocket drives the page; a slow poll covers a lost connection
  // and any news the notifications do not carry.
  function schedulePoll() {
    clearTimeout(pollTimer);
    if (gone) return;
    const done = batch && model.terminal(model.field(batch, 'status')) && phaseList.every((p) => model.terminal(p.status));
    if (done && live.state === 'open') return;
    pollTimer = setTimeout(load, live.state === 'open' ? 15000 : 3000);
  }

  const onMessage = (ev) => {
    const msg = ev.detail || {};
    const bid = msg.batch_id || msg.payload?.batch_id;
    if (bid !== id) return;
    if (msg.payload?.phase) {
      model.mergePhase(phaseList, msg.payload);
      drawProgress();
    }
    if (msg.type === 'batch_results_ready' || msg.type === 'assessment_completed') announce(msg.payload?.message || 'Results are ready.');
    clearTimeout(loadTimer);
    loadTimer = setTimeout(load, 250);
  };
  // After a reconnect, news may have been missed: read the batch again.
  const onState = (ev) => (ev.detail === 'open' ? load() : schedulePoll());
  // The chart is drawn for its width: draw it again when that changes.
  let resizeTimer = 0;
  let lastWidth = window.innerWidth;
  const onResize = () => {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (batch) drawResults(); }, 200);
  };
  window.addEventListener('resize', onResize);
  live.addEventListener('message', onMessage);
  live.addEventListener('state', onState);
  load();
  return () => {
    gone = true;
    clearTimeout(loadTimer);
    clearTimeout(pollTimer);
    live.removeEventListener('message', onMessage);
    live.removeEventListener('state', onState);
    window.removeEventListener('resize', onResize);
    clearTimeout(resizeTimer);
  };
}
