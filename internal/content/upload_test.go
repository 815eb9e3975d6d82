package content_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // checks the wire format's md5 field
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/httpapi"
	"github.com/hule-dev/hule/internal/store/storetest"
)

const uploadEssay = "Schools should start later. Teenagers need more sleep than adults do."

type uploadFixture struct {
	rec   *bustest.Recorder
	store *content.FileStore
	srv   http.Handler
}

// owners maps batch ids to their owners for the BatchOwner lookup.
type owners map[string]string

func (o owners) lookup(_ context.Context, batchID string) (string, bool, error) {
	if batchID == "broken" {
		return "", false, errors.New("batch service down")
	}
	u, ok := o[batchID]
	return u, ok, nil
}

func newUploadFixture(t *testing.T, cfg content.IntakeConfig) *uploadFixture {
	t.Helper()
	fs, err := content.NewFileStore(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fs.Close() })
	rec := &bustest.Recorder{}
	in, err := content.NewIntake(content.IntakeDeps{
		DB: storetest.SQLite(t), Bus: rec, Store: fs,
		BatchOwner: owners{"batch-1": "teacher-1", "batch-2": "teacher-2"}.lookup,
	}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	in.Routes(mux)
	// The gateway's auth: every request here is teacher-1's.
	authed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(httpapi.WithUser(r.Context(), "teacher-1")))
	})
	return &uploadFixture{rec: rec, store: fs, srv: httpapi.Correlation(authed)}
}

type uploadPart struct {
	field, name string
	data        []byte
}

func multipartBody(t *testing.T, parts ...uploadPart) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+p.field+`"; filename="`+p.name+`"`)
		h.Set("Content-Type", "application/octet-stream")
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

func docxOf(t *testing.T, paragraphs ...string) []byte {
	t.Helper()
	var body strings.Builder
	for _, p := range paragraphs {
		body.WriteString(`<w:p><w:r><w:t>` + p + `</w:t></w:r></w:p>`)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`+
		body.String()+`</w:body></w:document>`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (f *uploadFixture) post(t *testing.T, batchID string, body io.Reader, contentType string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v1/batches/"+batchID+"/essays", body)
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

func TestUploadOutcomes(t *testing.T) {
	f := newUploadFixture(t, content.IntakeConfig{MaxFileSize: 4 << 10})
	big := []byte(strings.Repeat("All work and no play. ", 300)) // 6.6 KB > 4 KiB
	body, ct := multipartBody(t,
		uploadPart{"files", "essay.txt", []byte(uploadEssay)},
		uploadPart{"comment", "", []byte("not a file")},
		uploadPart{"files", "notes.md", []byte("# Title\n\n" + uploadEssay)},
		uploadPart{"files", "paper.docx", docxOf(t, "First paragraph of the paper.", "Second paragraph.")},
		uploadPart{"files", "empty.txt", nil},
		uploadPart{"files", "photo.png", []byte("\x89PNG\r\n\x1a\n....")},
		uploadPart{"files", "huge.txt", big},
	)
	resp := f.post(t, "batch-1", body, ct)
	if resp.Code != http.StatusAccepted {
		t.Fatalf("status %d (%s), want 202", resp.Code, resp.Body)
	}
	var got content.UploadResponse
	if err := json.Unmarshal(resp.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		status   string
		code     string
		wantText string
		wantRaw  bool
	}{
		{"essay.txt", content.UploadAccepted, "", uploadEssay, true},
		{"notes.md", content.UploadAccepted, "", "Title\n\n" + uploadEssay, true},
		{"paper.docx", content.UploadAccepted, "", "First paragraph of the paper.\n\nSecond paragraph.", true},
		{"empty.txt", content.UploadRejected, "EMPTY_CONTENT", "", true},
		{"photo.png", content.UploadRejected, "TEXT_EXTRACTION_FAILED", "", true},
		{"huge.txt", content.UploadRejected, "CONTENT_TOO_LONG", "", false},
	}
	if got.BatchID != "batch-1" || got.Accepted != 3 || got.Rejected != 3 || len(got.Files) != len(tests) {
		t.Fatalf("response %+v, want 3 accepted and 3 rejected of batch-1", got)
	}
	provisioned := bustest.Data[events.EssayContentProvisionedV1](t, f.rec, events.TopicEssayContentProvisioned)
	failed := bustest.Data[events.EssayValidationFailedV1](t, f.rec, events.TopicEssayValidationFailed)
	if len(provisioned) != 3 || len(failed) != 3 || len(f.rec.All()) != 6 {
		t.Fatalf("published %d provisioned and %d failed of %d, want 3, 3 and 6", len(provisioned), len(failed), len(f.rec.All()))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := got.Files[i]
			if file.FileName != tt.name || file.Status != tt.status || file.FileUploadID == "" {
				t.Fatalf("file %d = %+v, want %s %s", i, file, tt.name, tt.status)
			}
			if (file.RawStorageID != "") != tt.wantRaw {
				t.Errorf("raw storage id %q, want one: %v", file.RawStorageID, tt.wantRaw)
			}
			if tt.status == content.UploadRejected {
				if file.Error == nil || file.Error.Code != tt.code || file.TextStorageID != "" {
					t.Errorf("outcome %+v, want rejected with %s", file, tt.code)
				}
				ev := failed[i-3]
				if ev.FileUploadID != file.FileUploadID || string(ev.ValidationErrorCode) != tt.code ||
					ev.EntityID != "batch-1" || ev.OriginalFileName != tt.name ||
					string(ev.ValidationErrorDetail.ErrorCode) != tt.code || ev.ValidationErrorDetail.Message == "" ||
					ev.RawFileStorageID != string(file.RawStorageID) || int64(ev.FileSizeBytes) != file.SizeBytes {
					t.Errorf("validation failed event %+v does not match %+v", ev, file)
				}
				return
			}
			blob, err := f.store.Get(context.Background(), file.TextStorageID)
			if err != nil {
				t.Fatalf("text: %v", err)
			}
			if string(blob.Data) != tt.wantText {
				t.Errorf("stored text %q, want %q", blob.Data, tt.wantText)
			}
			raw, err := f.store.Get(context.Background(), file.RawStorageID)
			if err != nil {
				t.Fatalf("raw: %v", err)
			}
			sum := md5.Sum(raw.Data) //nolint:gosec // the wire format's checksum
			ev := provisioned[i]
			if ev.EntityID != "batch-1" || ev.FileUploadID != file.FileUploadID || ev.OriginalFileName != tt.name ||
				ev.TextStorageID != string(file.TextStorageID) || ev.RawFileStorageID != string(file.RawStorageID) ||
				ev.FileSizeBytes != len(raw.Data) || ev.ContentMD5Hash == nil || *ev.ContentMD5Hash != hex.EncodeToString(sum[:]) {
				t.Errorf("provisioned event %+v does not match %+v", ev, file)
			}
		})
	}

	// Every event carries the request's correlation id and the uploader.
	for _, p := range f.rec.All() {
		env, err := p.Decode()
		if err != nil {
			t.Fatal(err)
		}
		if env.CorrelationID.String() != resp.Header().Get(httpapi.CorrelationHeader) ||
			env.MetaString(events.MetaUserID) != "teacher-1" || env.SourceService != content.IntakeSource {
			t.Errorf("envelope %s: correlation %s user %q source %s", p.Topic, env.CorrelationID,
				env.MetaString(events.MetaUserID), env.SourceService)
		}
	}
}

func TestUploadSameFileTwice(t *testing.T) {
	f := newUploadFixture(t, content.IntakeConfig{})
	var ids []content.ID
	for range 2 {
		body, ct := multipartBody(t, uploadPart{"files", "essay.txt", []byte(uploadEssay)})
		resp := f.post(t, "batch-1", body, ct)
		var got content.UploadResponse
		if err := json.Unmarshal(resp.Body.Bytes(), &got); err != nil || len(got.Files) != 1 {
			t.Fatalf("response %d %s: %v", resp.Code, resp.Body, err)
		}
		ids = append(ids, got.Files[0].TextStorageID)
	}
	if ids[0] == "" || ids[0] != ids[1] {
		t.Errorf("text storage ids %v, want the same id for the same file in one batch", ids)
	}
}

func TestUploadRequestErrors(t *testing.T) {
	okBody := func(t *testing.T) (io.Reader, string) {
		return multipartBody(t, uploadPart{"files", "essay.txt", []byte(uploadEssay)})
	}
	tests := []struct {
		name     string
		batch    string
		cfg      content.IntakeConfig
		body     func(t *testing.T) (io.Reader, string)
		want     int
		wantCode string
	}{
		{"unknown batch", "batch-9", content.IntakeConfig{}, okBody, http.StatusNotFound, "not_found"},
		{"someone else's batch", "batch-2", content.IntakeConfig{}, okBody, http.StatusNotFound, "not_found"},
		{"batch lookup failing", "broken", content.IntakeConfig{}, okBody, http.StatusInternalServerError, "internal"},
		{"not multipart", "batch-1", content.IntakeConfig{}, func(*testing.T) (io.Reader, string) {
			return strings.NewReader(uploadEssay), "text/plain"
		}, http.StatusBadRequest, "bad_multipart"},
		{"broken multipart", "batch-1", content.IntakeConfig{}, func(*testing.T) (io.Reader, string) {
			return strings.NewReader("--XYZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nhello"),
				"multipart/form-data; boundary=XYZ"
		}, http.StatusBadRequest, "bad_multipart"},
		{"no files", "batch-1", content.IntakeConfig{}, func(t *testing.T) (io.Reader, string) {
			return multipartBody(t, uploadPart{"other", "essay.txt", []byte(uploadEssay)})
		}, http.StatusBadRequest, "no_files"},
		{"body over the request limit", "batch-1", content.IntakeConfig{MaxRequestSize: 8 << 10}, func(t *testing.T) (io.Reader, string) {
			chunk := []byte(strings.Repeat("word ", 1000))
			return multipartBody(t, uploadPart{"files", "a.txt", chunk}, uploadPart{"files", "b.txt", chunk})
		}, http.StatusRequestEntityTooLarge, "request_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newUploadFixture(t, tt.cfg)
			body, ct := tt.body(t)
			resp := f.post(t, tt.batch, body, ct)
			var eb httpapi.ErrorBody
			if err := json.Unmarshal(resp.Body.Bytes(), &eb); err != nil {
				t.Fatalf("error body %q: %v", resp.Body, err)
			}
			if resp.Code != tt.want || eb.Error.Code != tt.wantCode {
				t.Errorf("got %d %s (%s), want %d %s", resp.Code, eb.Error.Code, eb.Error.Message, tt.want, tt.wantCode)
			}
			if n := len(f.rec.All()); n != 0 {
				t.Errorf("published %d events, want none", n)
			}
		})
	}
}

func TestUploadPublishFailure(t *testing.T) {
	f := newUploadFixture(t, content.IntakeConfig{})
	f.rec.Err = errors.New("bus down")
	body, ct := multipartBody(t, uploadPart{"files", "essay.txt", []byte(uploadEssay)})
	if resp := f.post(t, "batch-1", body, ct); resp.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500 when the events cannot be published", resp.Code)
	}
}

func TestNewIntakeChecksDeps(t *testing.T) {
	fs, err := content.NewFileStore(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.SQLite(t)
	tests := []struct {
		name string
		deps content.IntakeDeps
	}{
		{"no database", content.IntakeDeps{Bus: &bustest.Recorder{}, Store: fs}},
		{"no bus", content.IntakeDeps{DB: db, Store: fs}},
		{"no store", content.IntakeDeps{DB: db, Bus: &bustest.Recorder{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := content.NewIntake(tt.deps, content.IntakeConfig{}); err == nil {
				t.Error("NewIntake succeeded, want an error")
			}
		})
	}
}
