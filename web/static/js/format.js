// Number, date and label formatting shared by the pages.

const numberFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** num formats a number with at most `digits` decimals, or an en dash. */
export function num(v, digits = 2) {
  if (v === undefined || v === null || Number.isNaN(Number(v))) return '–';
  if (digits === 2) return numberFmt.format(Number(v));
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(Number(v));
}

/** fixed formats a number with exactly `digits` decimals, or an en dash. */
export function fixed(v, digits = 2) {
  if (v === undefined || v === null || Number.isNaN(Number(v))) return '–';
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(Number(v));
}

/** pct formats a ratio in [0, 1] as a percentage. */
export function pct(v) {
  if (v === undefined || v === null) return '–';
  return `${Math.round(Number(v) * 100)} %`;
}

/** when formats a timestamp for people: date and time in the local zone. */
export function when(ts) {
  if (!ts) return '–';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return String(ts);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** seconds formats a duration. */
export function seconds(v) {
  if (v === undefined || v === null) return '–';
  const n = Number(v);
  if (n < 60) return `${num(n, 1)} s`;
  const m = Math.floor(n / 60);
  return `${m} min ${Math.round(n - m * 60)} s`;
}

const phaseNames = {
  upload: 'Upload',
  spellcheck: 'Spelling',
  nlp: 'Text metrics',
  cj_assessment: 'Comparative judgement',
  ai_feedback: 'Feedback',
};

/** phaseName is a phase's name for people. */
export function phaseName(p) {
  return phaseNames[String(p).toLowerCase()] || String(p).replaceAll('_', ' ');
}

const statusNames = {
  awaiting_content_validation: 'Waiting for essays',
  ready_for_pipeline_execution: 'Ready',
  processing_pipelines: 'Processing',
  completed_successfully: 'Completed',
  failed_critically: 'Failed',
  requested: 'Waiting',
  pending: 'Waiting',
};

/** humanize turns a status or code like "completed_with_failures" into words. */
export function humanize(v) {
  if (v === undefined || v === null || v === '') return '–';
  if (statusNames[v]) return statusNames[v];
  const t = String(v).toLowerCase().replaceAll('_', ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** statusClass picks the badge colour of a status. */
export function statusClass(v) {
  const t = String(v || '').toLowerCase();
  if (t.includes('with_failures') || t.includes('partial')) return 'warn';
  if (t.includes('fail') || t.includes('error') || t.includes('refused')) return 'bad';
  if (t.includes('complete') || t.includes('done') || t === 'succeeded') return 'good';
  if (t.includes('skip') || t === 'requested' || t === 'pending' || t.startsWith('awaiting')) return 'muted';
  return 'busy';
}

/** confidence returns the label of a confidence level for people. */
export function confidence(label) {
  const t = String(label || '').toUpperCase();
  return { HIGH: 'High', MID: 'Medium', MEDIUM: 'Medium', LOW: 'Low' }[t] || humanize(label);
}
