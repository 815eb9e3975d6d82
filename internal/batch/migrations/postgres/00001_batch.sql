-- +goose Up
-- batch_batches holds one registered batch: its owner, course, the number
-- of essays registered, its BatchStatus, and whether every essay's text has
-- arrived (ready). prompt_ref is a StorageReferenceMetadata as JSON.
CREATE TABLE batch_batches (
    batch_id       TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL,
    course_code    TEXT NOT NULL,
    expected_count INTEGER NOT NULL,
    status         TEXT NOT NULL,
    ready          INTEGER NOT NULL DEFAULT 0,
    org_id         TEXT,
    class_id       TEXT,
    assignment_id  TEXT,
    prompt_ref     TEXT,
    name           TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX batch_batches_user ON batch_batches (user_id);

-- batch_essays lists a batch's essays: the text lifecycle assigned to it
-- and the latest text a phase produced (the corrected text after
-- spellcheck), which later phases work on.
CREATE TABLE batch_essays (
    batch_id          TEXT NOT NULL REFERENCES batch_batches (batch_id) ON DELETE CASCADE,
    essay_id          TEXT NOT NULL,
    position          INTEGER NOT NULL,
    text_storage_id   TEXT,
    latest_storage_id TEXT,
    PRIMARY KEY (batch_id, essay_id)
);

-- batch_essay_phases keeps each essay's latest result of each phase
-- (success or failed) and, on success, the text the phase produced.
CREATE TABLE batch_essay_phases (
    batch_id   TEXT NOT NULL,
    essay_id   TEXT NOT NULL,
    phase      TEXT NOT NULL,
    result     TEXT NOT NULL,
    storage_id TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (batch_id, essay_id, phase)
);

-- batch_runs records every pipeline request: accepted ones with their
-- resolved phases (comma separated), skipped phases and progress, refused
-- ones with the reason. seq orders a batch's runs.
CREATE TABLE batch_runs (
    run_id         TEXT PRIMARY KEY,
    batch_id       TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    pipeline       TEXT NOT NULL,
    phases         TEXT NOT NULL DEFAULT '',
    skipped        TEXT NOT NULL DEFAULT '',
    current_index  INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL,
    refusal_code   TEXT,
    refusal_reason TEXT,
    correlation_id TEXT NOT NULL,
    assignment_id  TEXT,
    final_status   TEXT,
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ
);
CREATE INDEX batch_runs_batch ON batch_runs (batch_id, status);
-- At most one running pipeline per batch, even under concurrent requests.
CREATE UNIQUE INDEX batch_runs_one_running ON batch_runs (batch_id) WHERE status = 'running';

-- batch_completed_phases lists the phases a batch has completed (fully or
-- with some failures); a later pipeline skips them.
CREATE TABLE batch_completed_phases (
    batch_id     TEXT NOT NULL,
    phase        TEXT NOT NULL,
    completed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (batch_id, phase)
);

-- +goose Down
DROP TABLE batch_completed_phases;
DROP TABLE batch_runs;
DROP TABLE batch_essay_phases;
DROP TABLE batch_essays;
DROP TABLE batch_batches;
