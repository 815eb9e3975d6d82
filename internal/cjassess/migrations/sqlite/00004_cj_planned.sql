-- +goose Up
-- cj_planned records each wave of pairs the planner planned, written before
-- any of them is judged. A restarted job replays the waves into a new
-- planner and first judges the pairs of the interrupted wave that have no
-- answer, so it goes on as if it had not stopped. attempt is the
-- cj_comparisons attempt the pair is (to be) judged under.
CREATE TABLE cj_planned (
    job_id   TEXT NOT NULL REFERENCES cj_jobs (job_id) ON DELETE CASCADE,
    wave     INTEGER NOT NULL,
    position INTEGER NOT NULL,
    essay_a  TEXT NOT NULL,
    essay_b  TEXT NOT NULL,
    attempt  INTEGER NOT NULL,
    PRIMARY KEY (job_id, wave, position)
);

-- +goose Down
DROP TABLE cj_planned;
