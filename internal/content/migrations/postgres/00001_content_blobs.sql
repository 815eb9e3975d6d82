-- +goose Up
CREATE TABLE content_blobs (
    storage_id   TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    data         BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE content_blobs;
