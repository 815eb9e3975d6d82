-- +goose Up
CREATE TABLE content_blobs (
    storage_id   TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    data         BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE content_blobs;
