-- +goose Up
-- cj_requests queues the CJ requests the bus delivered. The handler only
-- records a request (in the consumer's transaction); a worker claims it with
-- a lease, runs the job outside any consumer transaction (a job may take
-- minutes of judge calls), and publishes the outcome in the transaction
-- that marks the request done. Times are Unix milliseconds so that both
-- dialects compare and order them alike.
CREATE TABLE cj_requests (
    event_id         TEXT PRIMARY KEY,
    batch_id         TEXT NOT NULL,
    payload          BLOB NOT NULL,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    claimed_by       TEXT,
    claimed_until_ms BIGINT NOT NULL DEFAULT 0,
    not_before_ms    BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT,
    created_ms       BIGINT NOT NULL,
    done_ms          BIGINT
);
CREATE INDEX cj_requests_pending ON cj_requests (state, created_ms);

-- +goose Down
DROP TABLE cj_requests;
