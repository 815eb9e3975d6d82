-- +goose Up
-- owner_id is the user who registered an anchor through the API; '' for
-- anchors registered on the command line, which every user of the
-- assignment shares.
ALTER TABLE cj_anchors ADD COLUMN owner_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE cj_anchors DROP COLUMN owner_id;
