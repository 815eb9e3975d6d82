-- +goose Up
-- results_batches holds what the results service knows of one batch: its
-- owner and labels (from registration, or a placeholder row while
-- registration has not arrived: registered = 0), the derived status the
-- batch list filters on, the latest comparative judgement job and what has
-- been announced. created_us orders the list (unix microseconds).
CREATE TABLE results_batches (
    batch_id               TEXT PRIMARY KEY,
    user_id                TEXT NOT NULL DEFAULT '',
    registered             INTEGER NOT NULL DEFAULT 0,
    name                   TEXT NOT NULL DEFAULT '',
    course_code            TEXT NOT NULL DEFAULT '',
    assignment_id          TEXT NOT NULL DEFAULT '',
    expected_count         INTEGER NOT NULL DEFAULT 0,
    provisioned_count      INTEGER NOT NULL DEFAULT 0,
    provisioned_at         TIMESTAMP,
    status                 TEXT NOT NULL,
    created_at             TIMESTAMP NOT NULL,
    created_us             BIGINT NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    cj_job_id              TEXT NOT NULL DEFAULT '',
    cj_model               TEXT NOT NULL DEFAULT '',
    cj_provider            TEXT NOT NULL DEFAULT '',
    cj_comparisons         INTEGER,
    ssr                    REAL,
    comparisons_storage_id TEXT NOT NULL DEFAULT '',
    assessment_meta        TEXT NOT NULL DEFAULT '{}',
    assessed_at            TIMESTAMP,
    announced_job_id       TEXT NOT NULL DEFAULT '',
    results_ready_at       TIMESTAMP
);
CREATE INDEX results_batches_user ON results_batches (user_id, created_us);
CREATE INDEX results_batches_assignment ON results_batches (user_id, assignment_id);

-- results_essays holds one student essay: the uploaded file, the texts in
-- content, and the rich results of every phase (NULL until it arrives).
CREATE TABLE results_essays (
    batch_id               TEXT NOT NULL,
    essay_id               TEXT NOT NULL,
    position               INTEGER NOT NULL DEFAULT 0,
    file_name              TEXT NOT NULL DEFAULT '',
    file_upload_id         TEXT NOT NULL DEFAULT '',
    text_storage_id        TEXT NOT NULL DEFAULT '',
    corrected_storage_id   TEXT NOT NULL DEFAULT '',
    corrections_storage_id TEXT NOT NULL DEFAULT '',
    spell_total            INTEGER,
    spell_l2               INTEGER,
    spell_dictionary       INTEGER,
    spell_words            INTEGER,
    spell_density          REAL,
    nlp_words              INTEGER,
    nlp_sentences          INTEGER,
    nlp_avg_sentence       REAL,
    nlp_mtld               REAL,
    nlp_hdd                REAL,
    nlp_flesch             REAL,
    nlp_lix                REAL,
    nlp_metrics            TEXT,
    nlp_extra              TEXT,
    grammar_count          INTEGER,
    grammar                TEXT,
    display_name           TEXT NOT NULL DEFAULT '',
    grade                  TEXT,
    confidence_label       TEXT,
    confidence_score       REAL,
    bt_score               REAL,
    se                     REAL,
    rank                   INTEGER,
    normalized_score       REAL,
    grade_probabilities    TEXT,
    PRIMARY KEY (batch_id, essay_id)
);
CREATE INDEX results_essays_essay ON results_essays (essay_id);

-- results_anchors holds the anchor essays (known grades) scored with a
-- batch, apart from the students.
CREATE TABLE results_anchors (
    batch_id            TEXT NOT NULL,
    essay_id            TEXT NOT NULL,
    display_name        TEXT NOT NULL DEFAULT '',
    grade               TEXT NOT NULL,
    confidence_label    TEXT NOT NULL,
    confidence_score    REAL NOT NULL,
    bt_score            REAL NOT NULL,
    se                  REAL,
    rank                INTEGER NOT NULL,
    normalized_score    REAL NOT NULL,
    grade_probabilities TEXT,
    PRIMARY KEY (batch_id, essay_id)
);

-- results_phases holds one phase of a batch: its state (requested,
-- running, completed, completed_with_failures, failed, skipped), the
-- number of essays it works on, and when it started and ended.
CREATE TABLE results_phases (
    batch_id    TEXT NOT NULL,
    phase       TEXT NOT NULL,
    status      TEXT NOT NULL,
    total       INTEGER NOT NULL DEFAULT 0,
    started_at  TIMESTAMP,
    finished_at TIMESTAMP,
    skip_reason TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (batch_id, phase)
);

-- results_essay_phases holds each essay's state in each phase (pending,
-- done, failed) with the failure's code and reason: the progress counts
-- and the failure list are computed from it.
CREATE TABLE results_essay_phases (
    batch_id   TEXT NOT NULL,
    essay_id   TEXT NOT NULL,
    phase      TEXT NOT NULL,
    status     TEXT NOT NULL,
    error_code TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (batch_id, essay_id, phase)
);
CREATE INDEX results_essay_phases_phase ON results_essay_phases (batch_id, phase, status);

-- results_file_failures holds uploaded files that were refused.
CREATE TABLE results_file_failures (
    batch_id       TEXT NOT NULL,
    file_upload_id TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    error_code     TEXT NOT NULL,
    reason         TEXT NOT NULL,
    failed_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (batch_id, file_upload_id)
);

-- results_runs holds the batch's pipeline history, keyed by the
-- correlation id of the request: requested, started (a phase began after
-- the request), finished with a final status, results announced.
CREATE TABLE results_runs (
    batch_id         TEXT NOT NULL,
    correlation_id   TEXT NOT NULL,
    pipeline         TEXT NOT NULL DEFAULT '',
    assignment_id    TEXT NOT NULL DEFAULT '',
    is_retry         INTEGER NOT NULL DEFAULT 0,
    requested_at     TIMESTAMP,
    started_at       TIMESTAMP,
    completed_at     TIMESTAMP,
    final_status     TEXT NOT NULL DEFAULT '',
    completed_phases TEXT NOT NULL DEFAULT '',
    duration_seconds REAL,
    successful_count INTEGER,
    failed_count     INTEGER,
    ready_published  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (batch_id, correlation_id)
);

-- results_parked holds per-essay results whose batch is not known yet
-- (an NLP result without parent id that overtook the essay's
-- registration): they are applied as soon as the essay is known. Waiting
-- by retrying instead would hold the consumer (and, on SQLite, the one
-- connection) and keep the registration from ever arriving.
CREATE TABLE results_parked (
    essay_id  TEXT NOT NULL,
    event_id  TEXT NOT NULL,
    envelope  TEXT NOT NULL,
    parked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (essay_id, event_id)
);

-- +goose Down
DROP TABLE results_parked;
DROP TABLE results_runs;
DROP TABLE results_file_failures;
DROP TABLE results_essay_phases;
DROP TABLE results_phases;
DROP TABLE results_anchors;
DROP TABLE results_essays;
DROP TABLE results_batches;
