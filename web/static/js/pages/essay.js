// One essay: its text with the spelling corrections highlighted (the
// corrected word shown, the original on hover or focus), its grade and
// score, text metrics, grammar findings, and the comparisons it took part
// in with the judge's justification.

import { request } from '../api.js';
import { h, replace } from '../dom.js';
import { confidence, fixed, humanize, num } from '../format.js';
import * as model from '../model.js';

/**
 * correctionSpans splits text into plain strings and corrections. Each
 * correction names the original word and where it starts: rune_offset in
 * code points (or start/end, or a byte offset as a last resort); an offset
 * that does not point at the original word is searched for nearby, and
 * dropped when absent, so a mismatch never garbles the text.
 */
export function correctionSpans(text, corrections) {
  const cps = Array.from(text || '');
  const items = [];
  for (const c of corrections || []) {
    const original = model.field(c, 'original', 'original_word', 'from') ?? '';
    const replacement = model.field(c, 'replacement', 'corrected', 'corrected_word', 'to') ?? '';
    const len = Array.from(original).length;
    let start = model.field(c, 'rune_offset', 'start', 'offset');
    if (!len || start === undefined) continue;
    const at = (i) => cps.slice(i, i + len).join('') === original;
    if (!at(start)) {
      let found = -1;
      for (let d = 1; d <= 64 && found < 0; d += 1) {
        if (start - d >= 0 && at(start - d)) found = start - d;
        else if (at(start + d)) found = start + d;
      }
      if (found < 0) continue;
      start = found;
    }
    items.push({ start, end: start + len, original, replacement, source: model.field(c, 'source', 'kind') || '' });
  }
  items.sort((a, b) => a.start - b.start);
  const out = [];
  let pos = 0;
  for (const it of items) {
    if (it.start < pos) continue; // overlapping: keep the first
    if (it.start > pos) out.push(cps.slice(pos, it.start).join(''));
    out.push(it);
    pos = it.end;
  }
  if (pos < cps.length) out.push(cps.slice(pos).join(''));
  return out;
}

function metricsList(e) {
  const nlp = model.field(e, 'nlp_metrics') || {};
  const row = model.essay(e);
  const avg = model.field(nlp, 'avg_sentence_length');
  return [
    ['Words', row.words],
    ['Sentences', row.sentences],
    ['Average sentence length', avg],
    ['Lexical diversity (MTLD)', row.mtld],
    ['Lexical diversity (HD-D)', row.hdd],
    ['Reading ease (Flesch)', row.flesch],
    ['Readability (LIX)', row.lix],
    ['Spelling corrections', row.corrections],
    ['Spelling errors per 100 words', row.density],
    ['Grammar findings', row.grammar],
    ['Coherence (adjacent sentences)', model.field(nlp, 'first_order_coherence')],
    ['Mean word frequency (Zipf)', model.field(nlp, 'mean_zipf_frequency')],
  ].filter(([, v]) => v !== undefined && v !== null && typeof v !== 'object');
}

// Grades best first, for listing grade probabilities.
const GRADE_ORDER = ['A', 'B', 'C+', 'C', 'C-', 'D+', 'D', 'D-', 'E+', 'E', 'E-', 'F+', 'F'];
function gradeIndex(g) {
  const i = GRADE_ORDER.indexOf(g);
  return i < 0 ? GRADE_ORDER.length : i;
}

/** render draws the essay page. */
export function render({ main, params }) {
  const { batchId, essayId } = params;
  const batchHref = `/batches/${encodeURIComponent(batchId)}`;
  document.title = 'Essay · hule';
  let gone = false;
  replace(main, h('p', { class: 'crumbs' }, h('a', { href: batchHref, 'data-link': '' }, '← Batch')),
    h('h1', null, 'Essay'), h('p', { class: 'muted', 'aria-busy': 'true' }, 'Loading…'));

  request(`/v1/batches/${encodeURIComponent(batchId)}/essays/${encodeURIComponent(essayId)}`).then((e) => {
    if (gone) return;
    draw(e || {});
  }).catch((err) => {
    if (gone) return;
    replace(main, h('p', { class: 'crumbs' }, h('a', { href: batchHref, 'data-link': '' }, '← Batch')),
      h('h1', null, 'Essay'),
      h('p', { class: 'error', role: 'alert' }, err.status === 404 ? 'This essay does not exist, or it is not yours.' : `The essay could not be loaded: ${err.message}`));
  });

  function draw(e) {
    const row = model.essay(e);
    const name = row.name || essayId;
    document.title = `${name} · hule`;
    const original = model.field(e, 'original_text') ?? '';
    const corrected = model.field(e, 'corrected_text') ?? '';
    const corrections = model.field(e, 'corrections') || [];
    const spans = correctionSpans(String(original), Array.isArray(corrections) ? corrections : []);
    const nCorr = spans.filter((x) => typeof x !== 'string').length;

    const textEl = h('div', { class: 'essay-text' });
    if (original) {
      textEl.append(...spans.map((x) => (typeof x === 'string' ? document.createTextNode(x)
        : h('mark', {
          class: `corr ${x.source ? `src-${String(x.source).toLowerCase()}` : ''}`,
          tabindex: 0,
          title: `Original: ${x.original}`,
          dataset: { original: x.original },
          'aria-label': `${x.replacement} (corrected from ${x.original})`,
        }, x.replacement))));
    } else if (corrected) {
      textEl.append(String(corrected));
    } else {
      textEl.append(h('span', { class: 'muted' }, 'The text is not available.'));
    }

    let grammar = model.field(e, 'grammar') || [];
    if (!Array.isArray(grammar)) grammar = grammar.errors || [];
    const comparisons = model.field(e, 'comparisons') || [];
    const metrics = metricsList(e);
    const probs = model.field(e, 'grade_probabilities') || [];

    replace(main,
      h('p', { class: 'crumbs' }, h('a', { href: batchHref, 'data-link': '' }, '← Batch')),
      h('div', { class: 'page-head' }, h('h1', null, name, row.grade ? h('span', { class: 'grade big' }, row.grade) : null)),
      h('dl', { class: 'meta' },
        row.rank !== undefined ? h('div', null, h('dt', null, 'Rank'), h('dd', null, String(row.rank))) : null,
        row.score !== undefined ? h('div', null, h('dt', null, 'Score'), h('dd', null, `${fixed(row.score)}${row.se !== undefined ? ` ± ${fixed(row.se)} SE` : ''}`)) : null,
        row.confidenceLabel ? h('div', null, h('dt', null, 'Confidence'), h('dd', null, `${confidence(row.confidenceLabel)}${row.confidence !== undefined ? ` (${Math.round(row.confidence * 100)} %)` : ''}`)) : null,
        h('div', null, h('dt', null, 'Spelling corrections'), h('dd', null, String(row.corrections ?? nCorr)))),
      h('div', { class: 'essay-layout' },
        h('section', { class: 'card', 'aria-labelledby': 'text-h' },
          h('h2', { id: 'text-h' }, 'Text'),
          nCorr ? h('p', { class: 'help' }, `${nCorr} spelling correction${nCorr === 1 ? '' : 's'} highlighted; hover over or tab to one to see what the student wrote.`) : null,
          textEl),
        h('div', { class: 'side' },
          metrics.length ? h('section', { class: 'card', 'aria-labelledby': 'metrics-h' },
            h('h2', { id: 'metrics-h' }, 'Text metrics'),
            h('dl', { class: 'metrics' }, metrics.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, typeof v === 'number' ? num(v) : String(v)))))) : null,
          Array.isArray(probs) && probs.length ? h('section', { class: 'card', 'aria-labelledby': 'probs-h' },
            h('h2', { id: 'probs-h' }, 'Grade probabilities'),
            h('dl', { class: 'metrics' }, probs.filter((p) => model.field(p, 'probability') > 0.005)
              .sort((a, b) => gradeIndex(model.field(a, 'grade')) - gradeIndex(model.field(b, 'grade'))).map((p) => h('div', null,
              h('dt', null, model.field(p, 'grade')), h('dd', null, `${Math.round(model.field(p, 'probability') * 100)} %`))))) : null,
          h('section', { class: 'card', 'aria-labelledby': 'grammar-h' },
            h('h2', { id: 'grammar-h' }, 'Grammar'),
            Array.isArray(grammar) && grammar.length
              ? h('ul', { class: 'findings' }, grammar.map((g) => h('li', null,
                h('strong', null, model.field(g, 'category_name') || humanize(model.field(g, 'category', 'rule_id') || 'Finding')), ': ',
                model.field(g, 'message', 'short_message') || '',
                model.field(g, 'context') ? h('q', null, model.field(g, 'context')) : null,
                model.field(g, 'replacements.0') ? h('span', { class: 'muted' }, ` Suggestion: ${model.field(g, 'replacements.0')}`) : null)))
              : h('p', { class: 'muted' }, 'No grammar findings.')))),
      h('section', { class: 'card', 'aria-labelledby': 'cmp-h' },
        h('h2', { id: 'cmp-h' }, `Comparisons${comparisons.length ? ` (${comparisons.length})` : ''}`),
        comparisons.length ? h('ul', { class: 'comparisons' }, comparisons.map((c) => {
          const won = model.field(c, 'won');
          const opp = model.field(c, 'opponent_file_name', 'opponent_name', 'opponent_id') || '';
          const oppId = model.field(c, 'opponent_id');
          const isAnchor = model.field(c, 'opponent_is_anchor');
          const oppLabel = isAnchor ? `anchor ${opp}${model.field(c, 'opponent_grade') ? ` (${model.field(c, 'opponent_grade')})` : ''}` : opp;
          const conf = model.field(c, 'confidence');
          return h('li', { class: won === true ? 'won' : won === false ? 'lost' : '' },
            h('p', { class: 'verdict' },
              h('span', { class: `badge ${won === true ? 'good' : won === false ? 'bad' : 'muted'}` }, won === true ? 'Won' : won === false ? 'Lost' : 'No decision'),
              ' against ',
              !isAnchor && oppId ? h('a', { href: `${batchHref}/essays/${encodeURIComponent(oppId)}`, 'data-link': '' }, oppLabel) : oppLabel,
              conf !== undefined && conf !== null ? h('span', { class: 'muted' }, ` · judge's confidence ${num(conf, 1)}`) : null),
            model.field(c, 'justification') ? h('blockquote', null,
              model.field(c, 'position') ? h('span', { class: 'muted' }, `This essay was Essay ${model.field(c, 'position')}. `) : null,
              model.field(c, 'justification')) : null);
        })) : h('p', { class: 'muted' }, 'This essay took part in no comparisons (yet).')));
  }
  return () => { gone = true; };
}
