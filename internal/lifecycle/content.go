package lifecycle

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
)

// Kinds of held uploads in lifecycle_inbox.
const (
	inboxContent = "content"
	inboxFailure = "failure"
)

// handleRegistered creates one slot per essay of a new batch, then applies
// the uploads that arrived before it.
func (s *Service) handleRegistered(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	data, err := events.DecodeData[events.BatchEssaysRegistered](ev)
	if err != nil {
		return err
	}
	var prompt *string
	if data.StudentPromptRef != nil {
		j, err := json.Marshal(data.StudentPromptRef)
		if err != nil {
			return fmt.Errorf("encode prompt ref: %w", err)
		}
		p := string(j)
		prompt = &p
	}
	now := s.nowUTC()
	expected := min(data.ExpectedEssayCount, len(data.EssayIDs))
	res, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_batches (batch_id, user_id, course_code, org_id, prompt_ref,
		expected_count, provisioned, correlation_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)
		ON CONFLICT (batch_id) DO NOTHING`,
		data.EntityID, data.UserID, string(data.CourseCode), data.OrgID, prompt, expected, ev.CorrelationID.String(), now)
	if err != nil {
		return fmt.Errorf("insert batch %s: %w", data.EntityID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		s.ignored(ctx, ev.EventType, "batch registered twice; ignored", "batch_id", data.EntityID)
		return nil
	}
	for i, id := range data.EssayIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_essays (essay_id, batch_id, slot, status, updated_at)
			VALUES ($1, $2, $3, $4, $5)`, id, data.EntityID, i, string(events.EssayStatusUploaded), now); err != nil {
			return fmt.Errorf("insert slot %s: %w", id, err)
		}
	}
	s.log.InfoContext(ctx, "essay slots created", "batch_id", data.EntityID, "slots", len(data.EssayIDs))
	return s.drainInbox(ctx, tx, data.EntityID)
}

// testHookHeldRead, set only by tests, runs after drainInbox reads the held uploads and before it deletes them.
var testHookHeldRead func(batchID string)

// drainInbox applies, in arrival order, the uploads held for batchID.
func (s *Service) drainInbox(ctx context.Context, tx *sql.Tx, batchID string) error {
	items, err := heldUploads(ctx, tx, batchID)
	if err != nil {
		return err
	}
	if testHookHeldRead != nil {
		testHookHeldRead(batchID)
	}
	if len(items) == 0 {
		return nil
	}
	// Delete first: applying an item checks the inbox again. Delete
	// exactly the items read: under READ COMMITTED (Sweep) a delete by
	// batch would also remove an upload held by a handler that committed
	// in between, which nobody would then apply. An item whose delete
	// removes nothing was taken by a concurrent drain that committed
	// first (the row lock made this one wait): that drain applied it.
	mine := items[:0]
	for _, h := range items {
		res, err := tx.ExecContext(ctx, `DELETE FROM lifecycle_inbox WHERE seq = $1`, h.seq)
		if err != nil {
			return fmt.Errorf("clear held uploads of %s: %w", batchID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			mine = append(mine, h)
		}
	}
	if items = mine; len(items) == 0 {
		return nil
	}
	for _, h := range items {
		switch h.kind {
		case inboxContent:
			var c events.EssayContentProvisionedV1
			if err := json.Unmarshal([]byte(h.payload), &c); err != nil {
				return fmt.Errorf("decode held content of %s: %w", batchID, err)
			}
			if err := s.assign(ctx, tx, c); err != nil {
				return err
			}
		case inboxFailure:
			var f events.EssayValidationFailedV1
			if err := json.Unmarshal([]byte(h.payload), &f); err != nil {
				return fmt.Errorf("decode held failure of %s: %w", batchID, err)
			}
			if err := s.recordFailure(ctx, tx, f); err != nil {
				return err
			}
		}
	}
	s.log.InfoContext(ctx, "held uploads applied", "batch_id", batchID, "uploads", len(items))
	return nil
}

// hold keeps an upload for a batch not registered yet.
func (s *Service) hold(ctx context.Context, tx *sql.Tx, batchID, kind, key string, data any) error {
	j, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode held upload: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_inbox (batch_id, kind, item_key, payload, received_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (batch_id, kind, item_key) DO NOTHING`,
		batchID, kind, key, string(j), s.nowUTC()); err != nil {
		return fmt.Errorf("hold upload for %s: %w", batchID, err)
	}
	s.log.InfoContext(ctx, "upload for a batch not registered yet; held", "batch_id", batchID, "kind", kind, "key", key)
	return nil
}

// handleContent assigns an uploaded text to the batch's next free slot.
func (s *Service) handleContent(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	data, err := events.DecodeData[events.EssayContentProvisionedV1](ev)
	if err != nil {
		return err
	}
	if data.EntityID == "" || data.TextStorageID == "" {
		return fault.Permanent(fmt.Errorf("content event without batch id or text storage id (upload %q)", data.FileUploadID))
	}
	return s.assign(ctx, tx, data)
}

// assign assigns c to a free slot, holds it when its batch is unknown,
// ignores it when its text is already assigned, and keeps it as excess
// when no slot is free.
func (s *Service) assign(ctx context.Context, tx *sql.Tx, c events.EssayContentProvisionedV1) error {
	b, err := lockBatch(ctx, tx, c.EntityID)
	if errors.Is(err, errNoBatch) {
		return s.hold(ctx, tx, c.EntityID, inboxContent, c.TextStorageID, c)
	}
	if err != nil {
		return err
	}
	// An upload held while the registration was being handled
	// concurrently (PostgreSQL) is applied with the next upload, or by
	// Sweep.
	if err := s.drainInbox(ctx, tx, b.id); err != nil {
		return err
	}
	if b, err = loadBatch(ctx, tx, c.EntityID); err != nil {
		return err
	}
	var dup int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM lifecycle_essays WHERE batch_id = $1 AND text_storage_id = $2)
		+ (SELECT COUNT(*) FROM lifecycle_excess WHERE batch_id = $3 AND text_storage_id = $4)`,
		b.id, c.TextStorageID, b.id, c.TextStorageID).Scan(&dup); err != nil {
		return fmt.Errorf("look up text %s: %w", c.TextStorageID, err)
	}
	if dup > 0 {
		s.ignored(ctx, events.TopicEssayContentProvisioned, "text already assigned; duplicate ignored",
			"batch_id", b.id, "text_storage_id", c.TextStorageID)
		return nil
	}
	assigned, err := countAssigned(ctx, tx, b.id)
	if err != nil {
		return err
	}
	var slot *essayRow
	if assigned < b.expected && !b.provisioned {
		var id, st string
		err := tx.QueryRowContext(ctx, `SELECT essay_id, status FROM lifecycle_essays
			WHERE batch_id = $1 AND text_storage_id IS NULL ORDER BY slot LIMIT 1`, b.id).Scan(&id, &st)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find a free slot in %s: %w", b.id, err)
		}
		if err == nil {
			slot = &essayRow{id: id, status: events.EssayStatus(st)}
		}
	}
	now := s.nowUTC()
	if slot == nil {
		return s.excess(ctx, tx, b, c)
	}
	next, _, err := Next(slot.status, ContentAssigned, "")
	if err != nil {
		s.invalid(ctx, b.id, slot.id, ContentAssigned, "", err)
		return s.excess(ctx, tx, b, c)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE lifecycle_essays SET text_storage_id = $1, file_upload_id = $2,
		original_file_name = $3, status = $4, updated_at = $5 WHERE essay_id = $6`,
		c.TextStorageID, c.FileUploadID, c.OriginalFileName, string(next), now, slot.id); err != nil {
		return fmt.Errorf("assign text to %s: %w", slot.id, err)
	}
	env := events.NewEnvelope(events.TopicEssaySlotAssigned, source, s.corrOf(c.CorrelationID, b), events.EssaySlotAssignedV1{
		Event: string(events.EventEssaySlotAssigned), BatchID: b.id, EssayID: slot.id, FileUploadID: c.FileUploadID,
		TextStorageID: c.TextStorageID, OriginalFileName: c.OriginalFileName, CorrelationID: s.corrOf(c.CorrelationID, b),
		Timestamp: events.AsTime(now),
	})
	env.SetMeta(events.MetaUserID, b.userID)
	if err := s.pub.Publish(ctx, tx, bus.Event(env)); err != nil {
		return fmt.Errorf("publish slot assigned: %w", err)
	}
	s.log.InfoContext(ctx, "text assigned to essay slot", "batch_id", b.id, "essay_id", slot.id, "text_storage_id", c.TextStorageID)
	return s.maybeProvisioned(ctx, tx, b.id)
}

// excess keeps a text that found no free slot. The events package has no
// type for ExcessContentProvisionedV1 (nor do the reference contracts
// define one), so it is stored, logged and counted, not published.
func (s *Service) excess(ctx context.Context, tx *sql.Tx, b *lbatch, c events.EssayContentProvisionedV1) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_excess (batch_id, text_storage_id, file_upload_id, original_file_name, received_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (batch_id, text_storage_id) DO NOTHING`,
		b.id, c.TextStorageID, c.FileUploadID, c.OriginalFileName, s.nowUTC()); err != nil {
		return fmt.Errorf("store excess text of %s: %w", b.id, err)
	}
	s.m.excess.Inc()
	s.log.WarnContext(ctx, "excess content: every essay slot is taken", "batch_id", b.id,
		"text_storage_id", c.TextStorageID, "file_name", c.OriginalFileName)
	return nil
}

// corrOf is the correlation id of an upload's events: the upload's own,
// else the batch registration's.
func (s *Service) corrOf(c uuid.UUID, b *lbatch) uuid.UUID {
	if c != uuid.Nil {
		return c
	}
	return b.correlationID
}

// handleValidationFailed records a rejected upload: the batch then
// expects one essay less.
func (s *Service) handleValidationFailed(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	data, err := events.DecodeData[events.EssayValidationFailedV1](ev)
	if err != nil {
		return err
	}
	if data.EntityID == "" || data.FileUploadID == "" {
		return fault.Permanent(errors.New("validation failure without batch id or upload id"))
	}
	return s.recordFailure(ctx, tx, data)
}

func (s *Service) recordFailure(ctx context.Context, tx *sql.Tx, f events.EssayValidationFailedV1) error {
	b, err := lockBatch(ctx, tx, f.EntityID)
	if errors.Is(err, errNoBatch) {
		return s.hold(ctx, tx, f.EntityID, inboxFailure, f.FileUploadID, f)
	}
	if err != nil {
		return err
	}
	if err := s.drainInbox(ctx, tx, b.id); err != nil {
		return err
	}
	if b, err = loadBatch(ctx, tx, f.EntityID); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_validation_failures (batch_id, file_upload_id, file_name, error_code,
		message, received_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (batch_id, file_upload_id) DO NOTHING`,
		b.id, f.FileUploadID, f.OriginalFileName, string(f.ValidationErrorCode), f.ValidationErrorDetail.Message, s.nowUTC())
	if err != nil {
		return fmt.Errorf("record validation failure in %s: %w", b.id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		s.ignored(ctx, events.TopicEssayValidationFailed, "validation failure recorded before; duplicate ignored",
			"batch_id", b.id, "file_upload_id", f.FileUploadID)
		return nil
	}
	s.log.WarnContext(ctx, "upload failed validation; batch expects one essay less", "batch_id", b.id,
		"file_upload_id", f.FileUploadID, "code", f.ValidationErrorCode)
	if b.provisioned {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE lifecycle_batches SET expected_count = expected_count - 1
		WHERE batch_id = $1 AND expected_count > 0`, b.id); err != nil {
		return fmt.Errorf("lower expected count of %s: %w", b.id, err)
	}
	return s.maybeProvisioned(ctx, tx, b.id)
}

// maybeProvisioned publishes BatchContentProvisioningCompletedV1 once
// every expected essay has its text, exactly once per batch.
func (s *Service) maybeProvisioned(ctx context.Context, tx *sql.Tx, batchID string) error {
	b, err := loadBatch(ctx, tx, batchID)
	if err != nil {
		return err
	}
	if b.provisioned {
		return nil
	}
	assigned, err := countAssigned(ctx, tx, b.id)
	if err != nil {
		return err
	}
	if assigned < b.expected {
		return nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE lifecycle_batches SET provisioned = 1 WHERE batch_id = $1 AND provisioned = 0`, b.id)
	if err != nil {
		return fmt.Errorf("mark %s provisioned: %w", b.id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	refs, err := assignedTexts(ctx, tx, b.id)
	if err != nil {
		return err
	}
	now := s.nowUTC()
	env := events.NewEnvelope(events.TopicBatchContentProvisioningCompleted, source, b.correlationID,
		events.BatchContentProvisioningCompletedV1{
			Event: string(events.EventBatchContentProvisioningCompleted), BatchID: b.id, ProvisionedCount: len(refs),
			ExpectedCount: b.expected, CourseCode: b.courseCode, UserID: b.userID, EssaysForProcessing: refs,
			CorrelationID: b.correlationID, Timestamp: events.AsTime(now),
		})
	env.SetMeta(events.MetaUserID, b.userID)
	if err := s.pub.Publish(ctx, tx, bus.Event(env)); err != nil {
		return fmt.Errorf("publish provisioning completed: %w", err)
	}
	s.log.InfoContext(ctx, "batch content provisioned", "batch_id", b.id, "essays", len(refs), "expected", b.expected)
	return nil
}

// held is one upload held in the inbox.
type held struct {
	seq           int64
	kind, payload string
}

// heldUploads returns the uploads held for batchID in arrival order.
func heldUploads(ctx context.Context, tx *sql.Tx, batchID string) ([]held, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, kind, payload FROM lifecycle_inbox WHERE batch_id = $1 ORDER BY seq`, batchID)
	if err != nil {
		return nil, fmt.Errorf("read held uploads of %s: %w", batchID, err)
	}
	defer rows.Close()
	var items []held
	for rows.Next() {
		var h held
		if err := rows.Scan(&h.seq, &h.kind, &h.payload); err != nil {
			return nil, fmt.Errorf("read held uploads of %s: %w", batchID, err)
		}
		items = append(items, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read held uploads of %s: %w", batchID, err)
	}
	return items, nil
}

// assignedTexts lists the batch's essays that have a text, in slot order.
func assignedTexts(ctx context.Context, tx *sql.Tx, batchID string) ([]events.EssayProcessingInputRefV1, error) {
	rows, err := tx.QueryContext(ctx, `SELECT essay_id, text_storage_id FROM lifecycle_essays
		WHERE batch_id = $1 AND text_storage_id IS NOT NULL ORDER BY slot`, batchID)
	if err != nil {
		return nil, fmt.Errorf("list provisioned essays of %s: %w", batchID, err)
	}
	defer rows.Close()
	refs := []events.EssayProcessingInputRefV1{}
	for rows.Next() {
		var r events.EssayProcessingInputRefV1
		if err := rows.Scan(&r.EssayID, &r.TextStorageID); err != nil {
			return nil, fmt.Errorf("list provisioned essays of %s: %w", batchID, err)
		}
		refs = append(refs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list provisioned essays of %s: %w", batchID, err)
	}
	return refs, nil
}
