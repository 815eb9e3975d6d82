-- +goose Up
-- cj_jobs holds one comparative judgement job: its batch, state
-- (CJBatchState values), settings (JSON) and pairing seed, and once it
-- ends the batch reliability or the failure.
CREATE TABLE cj_jobs (
    job_id        TEXT PRIMARY KEY,
    batch_id      TEXT NOT NULL,
    assignment_id TEXT,
    state         TEXT NOT NULL,
    settings      TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    ssr           REAL,
    error_code    TEXT,
    error_message TEXT,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX cj_jobs_batch ON cj_jobs (batch_id);

-- cj_essays lists a job's essays (students and anchors) and, once scored,
-- each one's result. failed_reason is set for an essay without text.
CREATE TABLE cj_essays (
    job_id           TEXT NOT NULL REFERENCES cj_jobs (job_id) ON DELETE CASCADE,
    essay_id         TEXT NOT NULL,
    position         INTEGER NOT NULL,
    is_anchor        INTEGER NOT NULL,
    known_grade      TEXT,
    display_name     TEXT,
    storage_id       TEXT,
    failed_reason    TEXT,
    bt_score         REAL,
    se               REAL,
    rank             INTEGER,
    infit            REAL,
    outfit           REAL,
    letter_grade     TEXT,
    normalized_score REAL,
    confidence_score REAL,
    confidence_label TEXT,
    PRIMARY KEY (job_id, essay_id)
);

-- cj_comparisons records every judge call of a job, successful or not, with
-- the judge's raw answer and what it cost: the audit trail, and what a
-- restarted job rebuilds its planner from.
CREATE TABLE cj_comparisons (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id        TEXT NOT NULL REFERENCES cj_jobs (job_id) ON DELETE CASCADE,
    essay_a       TEXT NOT NULL,
    essay_b       TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    status        TEXT NOT NULL,
    winner        TEXT,
    justification TEXT,
    confidence    INTEGER,
    raw_response  TEXT,
    model         TEXT,
    provider      TEXT,
    input_tokens  INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost_usd      REAL NOT NULL,
    latency_ms    REAL NOT NULL,
    error         TEXT,
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (job_id, essay_a, essay_b, attempt)
);

-- cj_anchors are essays with known grades registered per assignment; the
-- text hash refuses registering the same text twice for one assignment.
CREATE TABLE cj_anchors (
    anchor_id          TEXT PRIMARY KEY,
    assignment_id      TEXT NOT NULL,
    grade              TEXT NOT NULL,
    display_name       TEXT NOT NULL,
    text_content       TEXT,
    content_storage_id TEXT,
    text_hash          TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    UNIQUE (assignment_id, text_hash)
);

-- +goose Down
DROP TABLE cj_anchors;
DROP TABLE cj_comparisons;
DROP TABLE cj_essays;
DROP TABLE cj_jobs;
