package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hule-dev/hule/internal/batch"
	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/client"
	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/httpapi"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// TestAgainstTheRealRoutes drives the batch service's and file intake's
// real HTTP routes (SQLite in a temporary directory, a recording bus):
// registration, upload with a refused file, a refused pipeline request
// and the pipeline state decode into the client's types.
func TestAgainstTheRealRoutes(t *testing.T) {
	db := storetest.SQLite(t, batch.Schema(), content.Schema())
	rec := &bustest.Recorder{}
	bs, err := batch.New(batch.Deps{DB: db, Bus: rec}, batch.Config{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := content.NewFileStore(filepath.Join(t.TempDir(), "content"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fs.Close() })
	in, err := content.NewIntake(content.IntakeDeps{DB: db, Bus: rec, Store: fs}, content.IntakeConfig{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	bs.Routes(mux)
	in.Routes(mux)
	srv := httptest.NewServer(httpapi.Correlation(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(httpapi.WithUser(r.Context(), "teacher-1")))
	})))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, token)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	a := "assignment-1"
	reg, err := c.CreateBatch(ctx, client.NewBatch{CourseCode: "ENG5", ExpectedEssayCount: 2, AssignmentID: &a, Name: "week 1"})
	if err != nil {
		t.Fatalf("CreateBatch: %v", err)
	}
	if reg.BatchID == "" || len(reg.EssayIDs) != 2 || reg.Status != string(events.BatchStatusAwaitingContentValidation) {
		t.Errorf("registration %+v, want a batch with 2 essay ids awaiting content", reg)
	}
	_, err = c.CreateBatch(ctx, client.NewBatch{CourseCode: "XX1", ExpectedEssayCount: 0})
	if client.StatusOf(err) != http.StatusBadRequest || client.CodeOf(err) != "invalid_request" {
		t.Errorf("bad registration: %v, want 400 invalid_request", err)
	}

	up, err := c.UploadEssays(ctx, reg.BatchID, []client.File{
		{Name: "good.txt", Data: []byte("A short essay about the sea and the ships on it.")},
		{Name: "empty.txt", Data: nil},
	})
	if err != nil {
		t.Fatalf("UploadEssays: %v", err)
	}
	if up.Accepted != 1 || up.Rejected != 1 || len(up.Files) != 2 {
		t.Fatalf("upload %+v, want one accepted and one rejected", up)
	}
	if f := up.Files[0]; f.Status != client.UploadAccepted || f.TextStorageID == "" || f.SizeBytes == 0 {
		t.Errorf("good file %+v, want accepted with a text storage id", f)
	}
	if f := up.Files[1]; f.Status != client.UploadRejected || f.Error == nil || f.Error.Code != "EMPTY_CONTENT" {
		t.Errorf("empty file %+v, want rejected with EMPTY_CONTENT", f)
	}
	if got := len(rec.OnTopic(events.TopicEssayContentProvisioned)); got != 1 {
		t.Errorf("%d content provisioned events, want 1", got)
	}

	_, err = c.RequestPipeline(ctx, reg.BatchID, client.PipelineNLP, "")
	if client.StatusOf(err) != http.StatusConflict || client.CodeOf(err) != client.RefusedNotReady {
		t.Errorf("pipeline before content is ready: %v, want 409 %s", err, client.RefusedNotReady)
	}
	_, err = c.RequestPipeline(ctx, "no-such-batch", client.PipelineNLP, "")
	if client.StatusOf(err) != http.StatusNotFound || client.CodeOf(err) != client.RefusedNotFound {
		t.Errorf("pipeline of an unknown batch: %v, want 404 %s", err, client.RefusedNotFound)
	}
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.CorrelationID == "" {
		t.Errorf("refusal %v carries no correlation id", err)
	}

	st, err := c.PipelineState(ctx, reg.BatchID)
	if err != nil {
		t.Fatalf("PipelineState: %v", err)
	}
	if st.BatchID != reg.BatchID || st.Ready || st.ExpectedEssayCount != 2 || len(st.Runs) != 0 {
		t.Errorf("state %+v, want the batch not ready with 2 expected and no runs", st)
	}
	if !slices.Contains([]string{string(events.BatchStatusAwaitingContentValidation)}, st.Status) {
		t.Errorf("state status %q, want awaiting_content_validation", st.Status)
	}
}
