-- +goose Up
-- lifecycle_batches holds what lifecycle knows of a registered batch: its
-- owner and course (for the requests it sends), how many essays it still
-- expects (validation failures lower it) and whether the provisioning
-- completion was published (exactly once).
CREATE TABLE lifecycle_batches (
    batch_id         TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    course_code      TEXT NOT NULL,
    org_id           TEXT,
    prompt_ref       TEXT,
    expected_count   INTEGER NOT NULL,
    provisioned      INTEGER NOT NULL DEFAULT 0,
    correlation_id   TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);

-- lifecycle_essays is one slot per registered essay: its EssayStatus and,
-- once assigned, the uploaded text.
CREATE TABLE lifecycle_essays (
    essay_id           TEXT PRIMARY KEY,
    batch_id           TEXT NOT NULL REFERENCES lifecycle_batches (batch_id) ON DELETE CASCADE,
    slot               INTEGER NOT NULL,
    status             TEXT NOT NULL,
    text_storage_id    TEXT,
    file_upload_id     TEXT,
    original_file_name TEXT,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX lifecycle_essays_batch ON lifecycle_essays (batch_id, slot);
CREATE UNIQUE INDEX lifecycle_essays_text ON lifecycle_essays (batch_id, text_storage_id);

-- lifecycle_inbox holds uploads (content or validation failures) that
-- arrived before their batch's registration, applied when it arrives.
CREATE TABLE lifecycle_inbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    item_key   TEXT NOT NULL,
    payload    TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    UNIQUE (batch_id, kind, item_key)
);

-- lifecycle_excess keeps texts that arrived when every slot was taken.
CREATE TABLE lifecycle_excess (
    batch_id           TEXT NOT NULL,
    text_storage_id    TEXT NOT NULL,
    file_upload_id     TEXT NOT NULL,
    original_file_name TEXT NOT NULL,
    received_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (batch_id, text_storage_id)
);

-- lifecycle_validation_failures records rejected uploads, once each.
CREATE TABLE lifecycle_validation_failures (
    batch_id       TEXT NOT NULL,
    file_upload_id TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    error_code     TEXT NOT NULL,
    message        TEXT NOT NULL,
    received_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (batch_id, file_upload_id)
);

-- lifecycle_phase_runs is the latest run of each phase of a batch, keyed
-- by the command's correlation id; reported is set when the outcome went
-- to batch (exactly once per run).
CREATE TABLE lifecycle_phase_runs (
    batch_id       TEXT NOT NULL,
    phase          TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    reported       INTEGER NOT NULL DEFAULT 0,
    started_at     TIMESTAMP NOT NULL,
    reported_at    TIMESTAMP,
    PRIMARY KEY (batch_id, phase)
);

-- lifecycle_phase_essays lists the essays of a phase run, the text each
-- got, and its result: pending, success (with the output text) or failed.
CREATE TABLE lifecycle_phase_essays (
    batch_id          TEXT NOT NULL,
    phase             TEXT NOT NULL,
    essay_id          TEXT NOT NULL,
    position          INTEGER NOT NULL,
    input_storage_id  TEXT NOT NULL,
    result            TEXT NOT NULL,
    output_storage_id TEXT,
    PRIMARY KEY (batch_id, phase, essay_id)
);

-- +goose Down
DROP TABLE lifecycle_phase_essays;
DROP TABLE lifecycle_phase_runs;
DROP TABLE lifecycle_validation_failures;
DROP TABLE lifecycle_excess;
DROP TABLE lifecycle_inbox;
DROP TABLE lifecycle_essays;
DROP TABLE lifecycle_batches;
