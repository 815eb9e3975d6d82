// Create a batch: name, course, assignment, pipeline, the essays (dropped
// or chosen, many at once) and optional anchor essays with known grades.
// Submitting registers the batch, uploads the files in parts, and requests
// the pipeline once the server has every essay's text.

import { request } from '../api.js';
import { announce, h, replace, uid } from '../dom.js';
import { num } from '../format.js';

const COURSES = [
  ['ENG5', 'English 5'], ['ENG6', 'English 6'], ['ENG7', 'English 7'],
  ['SV1', 'Svenska 1'], ['SV2', 'Svenska 2'], ['SV3', 'Svenska 3'],
];

const PIPELINES = [
  ['comprehensive', 'Full assessment: spelling, text metrics and comparative judgement'],
  ['cj_assessment', 'Comparative judgement (after spelling)'],
  ['nlp', 'Text metrics (after spelling)'],
  ['spellcheck', 'Spelling only'],
];

// The grades anchors may carry, lowest first: every step of the scales
// hule knows; the server checks the grade against its configured scale.
const GRADES = ['F', 'F+', 'E-', 'E', 'E+', 'D-', 'D', 'D+', 'C-', 'C', 'C+', 'B', 'A'];

const ACCEPT = '.txt,.md,.docx';
const PART_FILES = 20;
const PART_BYTES = 8 << 20;

function field(label, control, help) {
  const helpId = help ? `${control.id}-help` : null;
  if (helpId) control.setAttribute('aria-describedby', helpId);
  return h('div', { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    help ? h('p', { id: helpId, class: 'help' }, help) : null);
}

function sizeText(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${num(n / 1024, 1)} KB`;
  return `${num(n / (1 << 20), 1)} MB`;
}

/**
 * dropZone is a file picker that also takes files dropped on it; it keeps
 * the chosen files (no duplicates by name and size) and lists them with a
 * remove button each. onChange runs after every change.
 */
function dropZone({ label, help, multiple = true, withGrade = false, accept = ACCEPT, onChange }) {
  const id = uid('files');
  const files = [];
  // The input stays out of the tab order: its visible label is the
  // keyboard's way in.
  const input = h('input', { id, type: 'file', multiple, accept, class: 'visually-hidden', tabindex: -1, 'aria-describedby': `${id}-help` });
  const list = h('ul', { class: 'files', 'aria-label': `${label}: chosen files` });
  const count = h('p', { class: 'count', 'aria-live': 'polite' });

  function draw() {
    replace(list, files.map((f, i) => {
      const gradeId = uid('grade');
      return h('li', null,
        h('span', { class: 'name' }, f.file.name),
        h('span', { class: 'size' }, sizeText(f.file.size)),
        withGrade ? h('span', { class: 'grade-pick' },
          h('label', { for: gradeId, class: 'visually-hidden' }, `Grade of ${f.file.name}`),
          h('select', { id: gradeId, onchange: (ev) => { f.grade = ev.target.value; } },
            h('option', { value: '' }, 'Grade…'),
            GRADES.map((g) => h('option', { value: g, selected: f.grade === g }, g)))) : null,
        h('button', {
          type: 'button', class: 'link', 'aria-label': `Remove ${f.file.name}`,
          onclick: () => { files.splice(i, 1); draw(); onChange?.(); },
        }, 'Remove'));
    }));
    count.textContent = files.length ? `${files.length} file${files.length === 1 ? '' : 's'} chosen` : '';
  }

  function add(list2) {
    for (const file of list2) {
      if (!files.some((f) => f.file.name === file.name && f.file.size === file.size)) files.push({ file, grade: '' });
    }
    draw();
    onChange?.();
  }

  input.addEventListener('change', () => { add(input.files); input.value = ''; });
  const zone = h('div', { class: 'dropzone' },
    h('p', null, h('strong', null, 'Drop files here'), ' or ',
      h('label', { for: id, class: 'button' }, 'choose files'), input),
    h('p', { id: `${id}-help`, class: 'help' }, help));
  zone.addEventListener('dragover', (ev) => { ev.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    zone.classList.remove('over');
    if (ev.dataTransfer?.files?.length) add(ev.dataTransfer.files);
  });
  // The label is the keyboard's way in: Enter or Space opens the picker.
  const pick = zone.querySelector('label.button');
  pick.setAttribute('tabindex', '0');
  pick.setAttribute('role', 'button');
  pick.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); input.click(); }
  });
  return { el: h('div', { class: 'field' }, h('span', { class: 'label' }, label), zone, count, list), files, input };
}

/** parts splits files into upload requests of bounded count and size. */
export function parts(files, maxFiles = PART_FILES, maxBytes = PART_BYTES) {
  const out = [];
  let cur = [];
  let bytes = 0;
  for (const f of files) {
    if (cur.length && (cur.length >= maxFiles || bytes + f.size > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(f);
    bytes += f.size;
  }
  if (cur.length) out.push(cur);
  return out;
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

/** render draws the create-batch page. */
export function render({ main, navigate }) {
  document.title = 'New batch · hule';
  let gone = false;
  const name = h('input', { id: uid('name'), name: 'name', required: true, maxlength: 200, autocomplete: 'off' });
  const course = h('select', { id: uid('course'), name: 'course_code', required: true },
    COURSES.map(([v, l]) => h('option', { value: v }, `${l} (${v})`)));
  const assignment = h('input', { id: uid('assignment'), name: 'assignment_id', maxlength: 100, autocomplete: 'off' });
  const pipeline = h('select', { id: uid('pipeline'), name: 'pipeline' },
    PIPELINES.map(([v, l]) => h('option', { value: v }, l)));
  const essays = dropZone({
    label: 'Essays',
    help: 'Text files (.txt, .md) or Word documents (.docx), one essay per file. Many files at once are fine.',
    onChange: () => { essaysError.hidden = true; },
  });
  const essaysError = h('p', { class: 'error', role: 'alert', hidden: true }, 'Choose at least one essay file.');
  const anchors = dropZone({
    label: 'New anchor essays',
    help: 'Essays whose grades you know (.txt or .md); they turn the ranking into grades. They belong to the assignment above and need a grade each.',
    withGrade: true,
    accept: '.txt,.md',
  });
  const known = h('div', { class: 'known-anchors', 'aria-live': 'polite' });
  let knownFor = '';

  // The anchors the assignment has already: the server adds them to every
  // batch of the assignment. The user's own can be deleted here.
  async function loadKnown() {
    const a = assignment.value.trim();
    if (a === knownFor) return;
    knownFor = a;
    if (!a) { known.replaceChildren(); return; }
    try {
      const res = await request(`/v1/assignments/${encodeURIComponent(a)}/anchors`);
      if (gone || knownFor !== a) return;
      const list = res?.anchors || [];
      replace(known, list.length
        ? [h('p', null, `Assignment ${a} has ${list.length} anchor essay${list.length === 1 ? '' : 's'} already:`),
          h('ul', { class: 'files' }, list.map((x) => h('li', null,
            h('span', { class: 'name' }, x.display_name), h('span', { class: 'grade' }, x.grade),
            x.shared ? h('span', { class: 'muted' }, 'shared')
              : h('button', {
                type: 'button', class: 'link', 'aria-label': `Delete anchor ${x.display_name}`,
                onclick: async () => {
                  try {
                    await request(`/v1/assignments/${encodeURIComponent(a)}/anchors/${encodeURIComponent(x.anchor_id)}`, { method: 'DELETE' });
                    announce(`Anchor ${x.display_name} deleted.`);
                  } catch (err) {
                    showError(err.message);
                  }
                  knownFor = '';
                  loadKnown();
                },
              }, 'Delete'))))]
        : h('p', { class: 'muted' }, `Assignment ${a} has no anchor essays yet.`));
    } catch {
      if (!gone) known.replaceChildren();
    }
  }
  assignment.addEventListener('change', loadKnown);
  const steps = h('ol', { class: 'steps', 'aria-label': 'Progress of the submission' });
  const error = h('div', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create batch and start');

  function step(text) {
    const li = h('li', { class: 'busy' }, text);
    steps.append(li);
    announce(text);
    return {
      done(t) { li.className = 'done'; if (t) li.textContent = t; },
      fail(t) { li.className = 'failed'; if (t) li.textContent = t; },
      text(t) { li.textContent = t; },
    };
  }

  function showError(msg, detail) {
    replace(error, h('p', null, h('strong', null, 'The batch could not be started. '), msg), detail || null);
    error.hidden = false;
    error.focus?.();
  }

  async function run() {
    error.hidden = true;
    steps.replaceChildren();
    const files = essays.files.map((f) => f.file);
    const assignmentId = assignment.value.trim();
    const anchorList = anchors.files;
    if (anchorList.length && !assignmentId) {
      showError('Anchor essays belong to an assignment: fill in the assignment id.');
      assignment.focus();
      return;
    }
    if (anchorList.some((a) => !a.grade)) {
      showError('Give every anchor essay its grade.');
      return;
    }
    submit.disabled = true;
    let batchId = '';
    try {
      if (anchorList.length) {
        const st = step(`Registering ${anchorList.length} anchor essays…`);
        let dup = 0;
        for (const a of anchorList) {
          const json = { grade: a.grade, display_name: a.file.name, text: await a.file.text() };
          // Anchors first: a refusal here leaves no half-made batch.
          await request(`/v1/assignments/${encodeURIComponent(assignmentId)}/anchors`, { json }).catch((err) => {
            if (err.code === 'duplicate_anchor') { dup += 1; return; }
            throw new Error(`Anchor ${a.file.name}: ${err.message}`);
          });
        }
        st.done(`${anchorList.length - dup} anchor essays registered${dup ? `, ${dup} known already` : ''}.`);
        knownFor = '';
        loadKnown();
      }

      let st = step('Registering the batch…');
      const body = { name: name.value.trim(), course_code: course.value, expected_essay_count: files.length };
      if (assignmentId) body.assignment_id = assignmentId;
      const reg = await request('/v1/batches', { json: body });
      batchId = reg.batch_id;
      st.done(`Batch registered for ${files.length} essays.`);

      const chunks = parts(files);
      let sent = 0;
      const rejected = [];
      st = step(`Uploading ${files.length} essays…`);
      for (const chunk of chunks) {
        const fd = new FormData();
        for (const f of chunk) fd.append('files', f, f.name);
        const up = await request(`/v1/batches/${encodeURIComponent(batchId)}/essays`, { body: fd });
        for (const f of up?.files || []) {
          if (f.status && f.status !== 'accepted') rejected.push(f);
        }
        sent += chunk.length;
        st.text(`Uploading essays: ${sent} of ${files.length} sent…`);
      }
      if (rejected.length) {
        st.fail(`${files.length - rejected.length} of ${files.length} essays accepted; ${rejected.length} refused.`);
        error.hidden = false;
        replace(error, h('p', null, h('strong', null, 'Some files were refused:')),
          h('ul', null, rejected.map((f) => h('li', null, `${f.file_name}: ${f.error?.message || f.error?.code || 'refused'}`))));
      } else {
        st.done(`All ${files.length} essays uploaded.`);
      }

      st = step('Waiting for the server to read the essays, then starting the pipeline…');
      const json = { pipeline: pipeline.value };
      if (assignmentId) json.assignment_id = assignmentId;
      for (let i = 0; ; i += 1) {
        try {
          await request(`/v1/batches/${encodeURIComponent(batchId)}/pipelines`, { json });
          break;
        } catch (err) {
          // Until every essay's text is stored the batch is not ready;
          // the server says so with 409 batch_not_ready.
          if (gone || err.code !== 'batch_not_ready' || i >= 300) throw err;
          await sleep(Math.min(2000, 250 * (i + 1)));
        }
      }
      st.done('Pipeline started.');
      announce('Batch created. Opening it.');
      if (!gone) navigate(`/batches/${encodeURIComponent(batchId)}`);
    } catch (err) {
      const last = steps.lastElementChild;
      if (last && last.className === 'busy') last.className = 'failed';
      showError(err.message, batchId ? h('p', null, 'The batch was registered: ',
        h('a', { href: `/batches/${encodeURIComponent(batchId)}` }, 'open it'), ' to see what arrived.') : null);
    } finally {
      submit.disabled = false;
    }
  }

  const form = h('form', {
    class: 'card',
    novalidate: true,
    onsubmit: (ev) => {
      ev.preventDefault();
      if (!name.value.trim()) {
        name.setAttribute('aria-invalid', 'true');
        name.focus();
        showError('Give the batch a name.');
        return;
      }
      name.removeAttribute('aria-invalid');
      if (!essays.files.length) {
        essaysError.hidden = false;
        essays.el.querySelector('label.button').focus();
        return;
      }
      run();
    },
  },
  h('h1', null, 'New batch'),
  h('div', { class: 'grid2' },
    field('Name', name, 'For example “Class 9B – argumentative essay”.'),
    field('Course', course),
    field('Assignment id (optional)', assignment, 'Batches of one assignment share anchors and analytics.'),
    field('Pipeline', pipeline)),
  essays.el,
  essaysError,
  h('details', { class: 'anchors' },
    h('summary', null, 'Anchor essays (optional)'),
    known,
    anchors.el),
  error,
  steps,
  h('div', { class: 'actions' }, submit));
  error.setAttribute('tabindex', '-1');
  replace(main, form);
  name.focus();
  return () => { gone = true; };
}
