// SVG charts drawn from the results: the scores of the essays with their
// 95 % intervals (±1.96·SE), anchors marked and grade bands shaded, and the
// grade distribution. Both carry a text alternative; the results table has
// the same numbers for screen readers.

import { s } from './dom.js';
import { num } from './format.js';

/** niceTicks returns about n round tick values covering [lo, hi]. */
export function niceTicks(lo, hi, n = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The round step whose tick count comes closest to n.
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag)
    .reduce((best, st) => (Math.abs((hi - lo) / st - n) < Math.abs((hi - lo) / best - n) ? st : best));
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

/**
 * gradeBands splits the score axis where the grade changes between
 * neighbouring essays (anchors included): each band is {grade, from, to}.
 * Given boundaries from the server ({grade, from, to} list) those win.
 */
export function gradeBands(points, lo, hi, given) {
  if (Array.isArray(given) && given.length) {
    return given.map((b) => ({ grade: b.grade, from: Math.max(lo, b.from ?? lo), to: Math.min(hi, b.to ?? hi) }))
      .filter((b) => b.to > b.from);
  }
  const pts = points.filter((p) => p.grade && Number.isFinite(p.score)).sort((a, b) => a.score - b.score);
  if (!pts.length) return [];
  const bands = [];
  let from = lo;
  for (let i = 0; i < pts.length; i += 1) {
    const next = pts[i + 1];
    if (!next || next.grade !== pts[i].grade) {
      const to = next ? (pts[i].score + next.score) / 2 : hi;
      const last = bands[bands.length - 1];
      if (last && last.grade === pts[i].grade) last.to = to;
      else bands.push({ grade: pts[i].grade, from, to });
      from = to;
    }
  }
  return bands;
}

/**
 * scoreChart draws one row per essay, best first: a dot at its score and
 * a bar over score ± 1.96·SE. Anchors are diamonds labelled with their
 * known grade.
 */
export function scoreChart(students, anchors = [], { bands: given, title = 'Scores with 95 % intervals', width: want = 760 } = {}) {
  const pts = [
    ...students.map((e) => ({ ...e, anchor: false })),
    ...anchors.map((e) => ({ ...e, anchor: true })),
  ].filter((p) => Number.isFinite(p.score)).sort((a, b) => b.score - a.score);
  // Drawn at the width it is shown at, so that text keeps its size on a
  // phone as on a laptop.
  const width = Math.max(320, Math.round(want));
  const rowH = 20;
  const top = 34;
  const left = Math.min(170, Math.round(width * 0.32));
  const right = 16;
  const maxLabel = Math.floor((left - 12) / 6.6);
  const height = top + pts.length * rowH + 34;
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of pts) {
    const half = Number.isFinite(p.se) ? 1.96 * p.se : 0;
    lo = Math.min(lo, p.score - half);
    hi = Math.max(hi, p.score + half);
  }
  if (!Number.isFinite(lo)) { lo = -1; hi = 1; }
  const pad = (hi - lo) * 0.05 || 0.5;
  lo -= pad;
  hi += pad;
  const x = (v) => left + ((v - lo) / (hi - lo)) * (width - left - right);
  const bands = gradeBands(pts, lo, hi, given);
  const plotBottom = top + pts.length * rowH;

  const desc = `${students.length} essays${anchors.length ? ` and ${anchors.length} anchors` : ''}, from score ${num(pts[pts.length - 1]?.score)} to ${num(pts[0]?.score)}.`;
  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`, class: 'chart scores', role: 'img', 'aria-labelledby': 'scores-title scores-desc',
  },
  s('title', { id: 'scores-title' }, title),
  s('desc', { id: 'scores-desc' }, desc));

  bands.forEach((b, i) => {
    const w = Math.max(0, x(b.to) - x(b.from));
    svg.append(s('rect', { class: `band band-${i % 2}`, x: x(b.from), y: top - 4, width: w, height: plotBottom - top + 8 },
      s('title', null, `Grade ${b.grade}: scores ${num(b.from)} to ${num(b.to)}`)));
    // A label only where it fits; the rows' tooltips name every grade.
    if (w >= 8 * b.grade.length + 6) {
      svg.append(s('text', { class: 'band-label', x: x(b.from) + w / 2, y: top - 10, 'text-anchor': 'middle' }, b.grade));
    }
  });

  for (const t of niceTicks(lo, hi, width < 500 ? 4 : 6)) {
    svg.append(
      s('line', { class: 'grid', x1: x(t), x2: x(t), y1: top - 4, y2: plotBottom + 4 }),
      s('text', { class: 'tick', x: x(t), y: plotBottom + 18, 'text-anchor': 'middle' }, num(t, 1)));
  }
  svg.append(s('text', { class: 'axis-label', x: (left + width - right) / 2, y: height - 2, 'text-anchor': 'middle' },
    'Score (Bradley–Terry), bars: ±1.96 · SE'));

  pts.forEach((p, i) => {
    const y = top + i * rowH + rowH / 2;
    const g = s('g', { class: p.anchor ? 'row anchor' : 'row' });
    const label = p.anchor ? `Anchor ${p.grade || ''}: ${p.name}` : p.name;
    g.append(s('text', { class: 'row-label', x: left - 8, y: y + 4, 'text-anchor': 'end' },
      label.length > maxLabel ? `${label.slice(0, maxLabel - 1)}…` : label));
    if (Number.isFinite(p.se) && p.se > 0) {
      const a = x(p.score - 1.96 * p.se);
      const b = x(p.score + 1.96 * p.se);
      g.append(
        s('line', { class: 'err', x1: a, x2: b, y1: y, y2: y }),
        s('line', { class: 'err', x1: a, x2: a, y1: y - 4, y2: y + 4 }),
        s('line', { class: 'err', x1: b, x2: b, y1: y - 4, y2: y + 4 }));
    }
    if (p.anchor) {
      const cx = x(p.score);
      g.append(s('path', { class: 'mark', d: `M${cx} ${y - 6}L${cx + 6} ${y}L${cx} ${y + 6}L${cx - 6} ${y}Z` }));
    } else {
      g.append(s('circle', { class: 'mark', cx: x(p.score), cy: y, r: 4.5 }));
    }
    g.append(s('title', null, `${label}: score ${num(p.score)}${Number.isFinite(p.se) ? ` ± ${num(1.96 * p.se)}` : ''}${p.grade ? `, grade ${p.grade}` : ''}`));
    svg.append(g);
  });
  return svg;
}

/** distributionChart draws one bar per grade, in the scale's order. */
export function distributionChart(dist, order = []) {
  const grades = [...order.filter((g) => g in dist), ...Object.keys(dist).filter((g) => !order.includes(g))];
  const max = Math.max(1, ...grades.map((g) => dist[g]));
  const barW = 36;
  const gap = 14;
  const left = 30;
  const top = 14;
  const plotH = 140;
  const width = Math.max(240, left + grades.length * (barW + gap) + gap);
  const height = top + plotH + 40;
  const total = grades.reduce((a, g) => a + dist[g], 0);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'chart dist', role: 'img', 'aria-labelledby': 'dist-title' },
    s('title', { id: 'dist-title' }, `Grade distribution: ${grades.map((g) => `${g} ${dist[g]}`).join(', ') || 'no grades yet'}`));
  svg.append(s('line', { class: 'axis', x1: left, x2: width - 4, y1: top + plotH, y2: top + plotH }));
  grades.forEach((g, i) => {
    const hgt = (dist[g] / max) * plotH;
    const bx = left + gap + i * (barW + gap);
    svg.append(
      s('rect', { class: 'col', x: bx, y: top + plotH - hgt, width: barW, height: hgt, rx: 3 }),
      s('text', { class: 'bar-value', x: bx + barW / 2, y: top + plotH - hgt - 4, 'text-anchor': 'middle' }, String(dist[g])),
      s('text', { class: 'tick', x: bx + barW / 2, y: top + plotH + 18, 'text-anchor': 'middle' }, g));
  });
  svg.append(s('text', { class: 'axis-label', x: width / 2, y: height - 4, 'text-anchor': 'middle' }, `${total} essays`));
  return svg;
}
