package batch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

// RegisterRequest describes a batch to register.
type RegisterRequest struct {
	UserID             string
	CourseCode         events.CourseCode
	ExpectedEssayCount int
	OrgID              *string
	ClassID            *string
	AssignmentID       *string
	PromptRef          *events.StorageReferenceMetadata
	Name               string
	// CorrelationID ties the registration's event to the request; a nil
	// one gets a fresh id.
	CorrelationID uuid.UUID
}

// InputError is a request the caller must fix; HTTP answers it with 400.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// Permanent marks the error as one no retry heals.
func (e *InputError) Permanent() bool { return true }

// maxIDLen bounds the optional ids of a registration, as the contracts do.
const maxIDLen = 100

func (s *Service) validate(req *RegisterRequest) error {
	var msgs []string
	if strings.TrimSpace(req.UserID) == "" {
		msgs = append(msgs, "user id is required")
	}
	if !req.CourseCode.Valid() {
		var known []string
		for _, c := range req.CourseCode.Values() {
			known = append(known, string(c))
		}
		msgs = append(msgs, fmt.Sprintf("course_code %q is not one of %s", req.CourseCode, strings.Join(known, ", ")))
	}
	if req.ExpectedEssayCount < 1 || req.ExpectedEssayCount > s.maxEssays {
		msgs = append(msgs, fmt.Sprintf("expected_essay_count %d must be between 1 and %d", req.ExpectedEssayCount, s.maxEssays))
	}
	for name, v := range map[string]*string{"org_id": req.OrgID, "class_id": req.ClassID, "assignment_id": req.AssignmentID} {
		if v != nil && len(*v) > maxIDLen {
			msgs = append(msgs, fmt.Sprintf("%s is longer than %d characters", name, maxIDLen))
		}
	}
	if len(req.Name) > 255 {
		msgs = append(msgs, "name is longer than 255 characters")
	}
	if len(msgs) > 0 {
		return &InputError{Msg: strings.Join(msgs, "; ")}
	}
	return nil
}

// RegisterBatch registers a batch: it generates the batch id and one essay
// id per expected essay, stores the batch and publishes
// BatchEssaysRegistered in the same transaction. An invalid request is an
// *InputError.
func (s *Service) RegisterBatch(ctx context.Context, req RegisterRequest) (Batch, error) {
	if err := s.validate(&req); err != nil {
		return Batch{}, err
	}
	if req.CorrelationID == uuid.Nil {
		req.CorrelationID = uuid.New()
	}
	now := s.nowUTC()
	b := Batch{
		ID: uuid.NewString(), UserID: req.UserID, CourseCode: req.CourseCode,
		ExpectedEssayCount: req.ExpectedEssayCount, Status: events.BatchStatusAwaitingContentValidation,
		OrgID: req.OrgID, ClassID: req.ClassID, AssignmentID: req.AssignmentID, PromptRef: req.PromptRef,
		Name: req.Name, CreatedAt: now,
	}
	for range req.ExpectedEssayCount {
		b.EssayIDs = append(b.EssayIDs, uuid.NewString())
	}
	data := events.BatchEssaysRegistered{
		Event: string(events.EventBatchEssaysRegistered), EntityID: b.ID, ExpectedEssayCount: b.ExpectedEssayCount,
		EssayIDs: b.EssayIDs, Metadata: meta(b.ID, now, events.ProcessingStageInitialized, events.EventBatchEssaysRegistered),
		CourseCode: b.CourseCode, StudentPromptRef: b.PromptRef, UserID: b.UserID, OrgID: b.OrgID, ClassID: b.ClassID,
	}
	env := events.NewEnvelope(events.TopicBatchEssaysRegistered, source, req.CorrelationID, data)
	env.SetMeta(events.MetaUserID, b.UserID)
	if req.Name != "" {
		env.SetMeta(events.MetaBatchName, req.Name)
	}
	if b.AssignmentID != nil {
		env.SetMeta(events.MetaAssignmentID, *b.AssignmentID)
	}
	err := store.InTx(ctx, s.db.DB, func(tx *sql.Tx) error {
		if err := insertBatch(ctx, tx, &b); err != nil {
			return err
		}
		return s.pub.Publish(ctx, tx, bus.Event(env))
	})
	if err != nil {
		return Batch{}, fmt.Errorf("register batch: %w", err)
	}
	s.log.InfoContext(ctx, "batch registered", "batch_id", b.ID, "user_id", b.UserID, "essays", b.ExpectedEssayCount)
	return b, nil
}

// ErrNotFound is returned by Get for a batch that does not exist or
// belongs to another user.
var ErrNotFound = errors.New("batch not found")

// Get returns the user's batch with its completed phases and pipeline
// runs; someone else's batch is ErrNotFound.
func (s *Service) Get(ctx context.Context, userID, batchID string) (Batch, error) {
	var out Batch
	err := store.InTx(ctx, s.db.DB, func(tx *sql.Tx) error {
		b, err := loadBatch(ctx, tx, batchID)
		if errors.Is(err, errNoBatch) || err == nil && b.UserID != userID {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		b.Runs, err = listRuns(ctx, tx, batchID)
		if err != nil {
			return err
		}
		out = *b
		return nil
	})
	return out, err
}

// handleContentProvisioned marks the batch ready and remembers each
// essay's text.
func (s *Service) handleContentProvisioned(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	data, err := events.DecodeData[events.BatchContentProvisioningCompletedV1](ev)
	if err != nil {
		return err
	}
	b, err := loadBatch(ctx, tx, data.BatchID)
	if errors.Is(err, errNoBatch) {
		s.log.WarnContext(ctx, "content provisioned for an unknown batch; ignored", "batch_id", data.BatchID)
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range data.EssaysForProcessing {
		res, err := tx.ExecContext(ctx, `UPDATE batch_essays SET text_storage_id = $1 WHERE batch_id = $2 AND essay_id = $3`,
			e.TextStorageID, b.ID, e.EssayID)
		if err != nil {
			return fmt.Errorf("store text of %s: %w", e.EssayID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			s.log.WarnContext(ctx, "provisioned essay is not in the batch; ignored", "batch_id", b.ID, "essay_id", e.EssayID)
		}
	}
	now := s.nowUTC()
	if _, err := tx.ExecContext(ctx, `UPDATE batch_batches SET ready = 1, updated_at = $1 WHERE batch_id = $2`, now, b.ID); err != nil {
		return fmt.Errorf("mark %s ready: %w", b.ID, err)
	}
	if b.Status == events.BatchStatusAwaitingContentValidation {
		if err := setBatchStatus(ctx, tx, b.ID, events.BatchStatusReadyForPipelineExecution, now); err != nil {
			return err
		}
	}
	s.log.InfoContext(ctx, "batch content ready", "batch_id", b.ID, "essays", len(data.EssaysForProcessing))
	return nil
}

// Owner tells who owns a batch: its user id and found=true, or
// found=false for an unknown batch. Its signature is the upload route's
// content.BatchOwnerFunc, so uploads to an unknown batch or to another
// user's batch can be refused at once.
func (s *Service) Owner(ctx context.Context, batchID string) (userID string, found bool, err error) {
	return Owner(ctx, s.db, batchID)
}

// Owner reads who owns a batch from the batch tables of db, for routes of
// other services (uploads) that must refuse someone else's batch; it needs
// only the database, so it works in a process that does not run batch.
func Owner(ctx context.Context, db *store.DB, batchID string) (userID string, found bool, err error) {
	err = db.QueryRowContext(ctx, `SELECT user_id FROM batch_batches WHERE batch_id = $1`, batchID).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("owner of batch %s: %w", batchID, err)
	}
	return userID, true, nil
}
