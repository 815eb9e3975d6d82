-- +goose Up
-- bus_processed records, per consumer group, every event id whose handler
-- committed; it is written in the handler's transaction, so a redelivered
-- event is recognised and acknowledged without effect.
CREATE TABLE bus_processed (
    consumer_group TEXT NOT NULL,
    event_id       TEXT NOT NULL,
    processed_at   TEXT NOT NULL,
    PRIMARY KEY (consumer_group, event_id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE bus_processed;
