// Reading the API's answers: small accessors that pick a field under any of
// the names the API uses, and normalizers that turn the batch, results and
// essay answers into the flat shapes the pages draw.

/** field returns the first of obj's named fields that is set (not null, not ""). */
export function field(obj, ...names) {
  if (!obj) return undefined;
  for (const n of names) {
    const v = n.includes('.') ? n.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj) : obj[n];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

function number(v) {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

const PHASE_ORDER = ['upload', 'spellcheck', 'nlp', 'cj_assessment', 'ai_feedback'];

/** phases returns a batch's phases as [{phase, status, total, done, failed, ...}] in pipeline order. */
export function phases(b) {
  let raw = field(b, 'phases', 'progress.phases', 'phase_progress') || [];
  if (!Array.isArray(raw)) raw = Object.entries(raw).map(([phase, p]) => ({ phase, ...p }));
  const out = raw.map((p) => ({
    phase: field(p, 'phase', 'name', 'phase_name'),
    status: field(p, 'status') || 'pending',
    total: number(field(p, 'total', 'total_essays', 'essays')) ?? 0,
    done: number(field(p, 'done', 'completed', 'completed_count', 'succeeded')) ?? 0,
    failed: number(field(p, 'failed', 'failed_count')) ?? 0,
    duration: number(field(p, 'duration_seconds')),
    reason: field(p, 'reason', 'error', 'skip_reason') || '',
  }));
  const rank = (p) => {
    const i = PHASE_ORDER.indexOf(p.phase);
    return i < 0 ? PHASE_ORDER.length : i;
  };
  return out.sort((a, c) => rank(a) - rank(c));
}

/** mergePhase applies a phase notification's payload to a phase list. */
export function mergePhase(list, payload) {
  const name = field(payload, 'phase');
  if (!name) return list;
  const p = list.find((x) => x.phase === name);
  const upd = {
    phase: name,
    status: field(payload, 'status'),
    total: number(field(payload, 'total')),
    done: number(field(payload, 'done')),
    failed: number(field(payload, 'failed')),
    duration: number(field(payload, 'duration_seconds')),
    reason: field(payload, 'reason'),
  };
  for (const k of Object.keys(upd)) if (upd[k] === undefined) delete upd[k];
  if (p) Object.assign(p, upd);
  else list.push({ status: 'pending', total: 0, done: 0, failed: 0, reason: '', ...upd });
  return list;
}

const TERMINAL = ['completed', 'completed_with_failures', 'failed', 'skipped', 'completed_successfully', 'failed_critically', 'cancelled'];

/** terminal reports whether a status is final. */
export function terminal(st) {
  const t = String(st || '').toLowerCase();
  return TERMINAL.includes(t) || t.startsWith('completed') || t.startsWith('failed');
}

/** batchProgress is a batch's progress in [0, 1]. */
export function batchProgress(b) {
  const given = number(field(b, 'progress.ratio', 'progress.fraction', 'progress_ratio'));
  if (given !== undefined) return Math.max(0, Math.min(1, given > 1 ? given / 100 : given));
  const pct = number(field(b, 'progress.percent', 'progress_percent'));
  if (pct !== undefined) return Math.max(0, Math.min(1, pct / 100));
  const ps = phases(b).filter((p) => p.status !== 'skipped');
  if (ps.length) {
    let sum = 0;
    for (const p of ps) sum += terminal(p.status) ? 1 : (p.total ? (p.done + p.failed) / p.total : 0);
    return sum / ps.length;
  }
  return terminal(field(b, 'status')) ? 1 : 0;
}

/** failures returns the batch's failed essays and files: [{name, phase, code, reason}]. */
export function failures(b) {
  const raw = field(b, 'failures', 'failed_essays') || [];
  return (Array.isArray(raw) ? raw : []).map((f) => ({
    essayId: field(f, 'essay_id', 'id') || '',
    name: field(f, 'file_name', 'display_name', 'name', 'essay_id') || '',
    phase: field(f, 'phase') || '',
    code: field(f, 'error_code', 'code') || '',
    reason: field(f, 'reason', 'message', 'error') || '',
  }));
}

/** essay turns one result row into what the table and chart show. */
export function essay(e) {
  return {
    id: field(e, 'essay_id', 'id'),
    // An essay slot that no file filled has only its id.
    empty: !field(e, 'display_name', 'file_name', 'name'),
    name: field(e, 'display_name', 'file_name', 'name', 'essay_id') || '',
    fileName: field(e, 'file_name') || '',
    rank: number(field(e, 'rank')),
    grade: field(e, 'grade', 'letter_grade') || '',
    score: number(field(e, 'bt_score', 'score')),
    se: number(field(e, 'se', 'bt_se', 'standard_error')),
    normalized: number(field(e, 'normalized_score')),
    confidenceLabel: field(e, 'confidence_label') || '',
    confidence: number(field(e, 'confidence_score', 'confidence')),
    corrections: number(field(e, 'spelling_corrections', 'spelling.total', 'corrections_count', 'spell_total')),
    words: number(field(e, 'word_count', 'nlp_metrics.word_count', 'words')),
    sentences: number(field(e, 'sentence_count', 'nlp_metrics.sentence_count')),
    mtld: number(field(e, 'mtld', 'nlp_metrics.mtld_score')),
    hdd: number(field(e, 'nlp_metrics.hdd_score', 'hdd')),
    flesch: number(field(e, 'flesch_reading_ease', 'flesch')),
    lix: number(field(e, 'lix')),
    grammar: number(field(e, 'grammar_errors', 'grammar.error_count')),
    density: number(field(e, 'spelling_density', 'spell_density')),
    status: field(e, 'status') || '',
    failure: (field(e, 'failures') || []).map((f) => `${f.phase}: ${f.reason || f.error_code}`).join('; '),
  };
}

/** results splits a results answer into students and anchors. */
export function results(r) {
  const list = Array.isArray(r) ? r : (field(r, 'essays', 'results', 'items') || []);
  const anchors = (field(r, 'anchors') || []).map(essay);
  return { essays: list.map(essay), anchors };
}

/** analytics reads the batch analytics: distribution, SSR and its reading. */
export function analytics(b) {
  const a = field(b, 'analytics') || b || {};
  let dist = field(a, 'grade_distribution', 'grades') || {};
  if (Array.isArray(dist)) dist = Object.fromEntries(dist.map((d) => [field(d, 'grade'), number(field(d, 'count')) ?? 0]));
  return {
    distribution: dist,
    ssr: number(field(a, 'ssr', 'ssr.value', 'reliability.ssr')),
    ssrReading: readingText(field(a, 'ssr_reading', 'ssr.reading', 'reliability.reading')),
    scores: field(a, 'score_statistics', 'scores') || null,
    bands: field(a, 'grade_bands', 'grade_boundaries'),
    scale: field(a, 'grade_scale', 'scale.grades'),
  };
}

/** readingText is the text of an SSR reading: a string or {level, text}. */
export function readingText(r) {
  if (!r) return '';
  return typeof r === 'string' ? r : (r.text || '');
}

/** ssrReading explains an SSR for people when the server gave no reading. */
export function ssrReading(ssr) {
  if (ssr === undefined) return '';
  if (ssr >= 0.9) return 'Very reliable: a second round of judging would almost surely give the same order.';
  if (ssr >= 0.8) return 'Reliable: the order is trustworthy, with small uncertainty between neighbours.';
  if (ssr >= 0.7) return 'Fairly reliable: the broad order holds, but close essays could swap places.';
  if (ssr >= 0.5) return 'Weak: treat the ranking as rough; more comparisons would help.';
  return 'Unreliable: the order is mostly noise. Add comparisons before using it.';
}
