package content

import (
	"context"
	"crypto/md5" //nolint:gosec // the wire format's content_md5_hash, a checksum, not security
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/content/intake"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/httpapi"
	"github.com/hule-dev/hule/internal/store"
)

// IntakeSource is the source_service of the events file intake publishes.
const IntakeSource = "hule-content"

// UploadField is the multipart form field that carries the files.
const UploadField = "files"

// Default limits of file intake.
const (
	// DefaultMaxRequestSize bounds a whole upload request: 64 MiB.
	DefaultMaxRequestSize = 64 << 20
	// maxBatchIDLen is the longest batch id the contracts accept.
	maxBatchIDLen = 255
)

// Publisher is the part of the bus file intake publishes through.
type Publisher interface {
	Publish(ctx context.Context, tx *sql.Tx, evs ...bus.Outgoing) error
}

// BatchOwnerFunc tells who owns a batch: the user id and found=true, or
// found=false for an unknown batch. The batch service answers it; content
// does not know batches.
type BatchOwnerFunc func(ctx context.Context, batchID string) (userID string, found bool, err error)

// IntakeDeps are the collaborators of file intake.
type IntakeDeps struct {
	// DB holds the transaction the events are published in. Required.
	DB *store.DB
	// Bus publishes EssayContentProvisionedV1 and EssayValidationFailedV1.
	// Required.
	Bus Publisher
	// Store keeps the raw files and their extracted texts. Required.
	Store Store
	// Logger receives request errors; nil discards them.
	Logger *slog.Logger
	// BatchOwner, when set, makes an upload to an unknown batch or to
	// another user's batch a 404. Nil accepts any batch id.
	BatchOwner BatchOwnerFunc
}

// IntakeConfig configures file intake. The zero value uses the defaults.
type IntakeConfig struct {
	// MaxFileSize is the largest file accepted (DefaultMaxSize when <= 0);
	// a larger file is refused with CONTENT_TOO_LONG, the others go on.
	MaxFileSize int64
	// MaxRequestSize bounds the whole request body
	// (DefaultMaxRequestSize when <= 0); beyond it the request gets 413.
	MaxRequestSize int64
	// Limits bound the extracted text (intake.DefaultLimits when zero).
	Limits intake.Limits
}

// Intake serves file uploads:
//
//	POST /v1/batches/{id}/essays   multipart/form-data, one or more files in field "files"
//
// Each file is stored raw, its text extracted (intake.Extract) and stored,
// and one event per file is published: EssayContentProvisionedV1 for a file
// that became an essay text, EssayValidationFailedV1 (with the refusal's
// FileValidationErrorCode) for an empty, too large, unreadable or
// unsupported one. All events of a request are published in one
// transaction. The answer is 202 with each file's outcome.
//
// Storage ids derive from the batch and the file's bytes, so uploading the
// same file twice to a batch yields the same text storage id and lifecycle,
// which is idempotent on it, does not count the essay twice.
type Intake struct {
	db    *store.DB
	pub   Publisher
	store Store
	log   *slog.Logger
	owner BatchOwnerFunc
	cfg   IntakeConfig
}

// NewIntake checks deps and returns file intake.
func NewIntake(deps IntakeDeps, cfg IntakeConfig) (*Intake, error) {
	switch {
	case deps.DB == nil:
		return nil, errors.New("file intake: no database")
	case deps.Bus == nil:
		return nil, errors.New("file intake: no bus")
	case deps.Store == nil:
		return nil, errors.New("file intake: no content store")
	}
	if cfg.MaxFileSize <= 0 {
		cfg.MaxFileSize = DefaultMaxSize
	}
	if cfg.MaxRequestSize <= 0 {
		cfg.MaxRequestSize = DefaultMaxRequestSize
	}
	if cfg.Limits == (intake.Limits{}) {
		cfg.Limits = intake.DefaultLimits
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Intake{db: deps.DB, pub: deps.Bus, store: deps.Store, log: logger, owner: deps.BatchOwner, cfg: cfg}, nil
}

// Routes mounts the upload route on mux. The gateway puts it behind its
// authentication and correlation middleware.
func (in *Intake) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/batches/{id}/essays", in.upload)
}

// Upload outcomes of a file.
const (
	UploadAccepted = "accepted"
	UploadRejected = "rejected"
)

// UploadResponse is the body of a 202 answer to an upload.
type UploadResponse struct {
	BatchID  string         `json:"batch_id"`
	Accepted int            `json:"accepted"`
	Rejected int            `json:"rejected"`
	Files    []UploadedFile `json:"files"`
}

// UploadedFile is the outcome of one uploaded file, in request order.
type UploadedFile struct {
	FileName      string       `json:"file_name"`
	FileUploadID  string       `json:"file_upload_id"`
	Status        string       `json:"status"`
	SizeBytes     int64        `json:"size_bytes"`
	RawStorageID  ID           `json:"raw_file_storage_id,omitempty"`
	TextStorageID ID           `json:"text_storage_id,omitempty"`
	Error         *UploadError `json:"error,omitempty"`
}

// UploadError says why a file was refused: a FileValidationErrorCode and a
// message for people.
type UploadError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// errRequestTooLarge and errMalformed end a request; they carry the client's
// mistake for the answer.
var (
	errRequestTooLarge = errors.New("request body too large")
	errMalformed       = errors.New("malformed multipart body")
)

func (in *Intake) upload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	batchID := r.PathValue("id")
	if batchID == "" || len(batchID) > maxBatchIDLen {
		httpapi.Error(w, r, http.StatusBadRequest, "bad_batch_id", fmt.Sprintf("batch id must have 1 to %d characters", maxBatchIDLen))
		return
	}
	userID := httpapi.UserID(ctx)
	if in.owner != nil {
		owner, found, err := in.owner(ctx, batchID)
		if err != nil {
			in.log.ErrorContext(ctx, "batch owner lookup failed", "batch_id", batchID, "err", err)
			httpapi.Error(w, r, http.StatusInternalServerError, "internal", "batch lookup unavailable")
			return
		}
		if !found || owner != userID {
			httpapi.Error(w, r, http.StatusNotFound, "not_found", "batch "+batchID+" not found")
			return
		}
	}
	req := request{batchID: batchID, correlationID: httpapi.CorrelationID(ctx), userID: userID}
	if req.correlationID == uuid.Nil {
		req.correlationID = uuid.New()
	}

	r.Body = http.MaxBytesReader(w, r.Body, in.cfg.MaxRequestSize)
	mr, err := r.MultipartReader()
	if err != nil {
		httpapi.Error(w, r, http.StatusBadRequest, "bad_multipart", "expected a multipart/form-data body: "+err.Error())
		return
	}
	// The body is read part by part; each file is then stored while the
	// next ones are read, a few at a time (see filesAtOnce). Results keep
	// the request's order.
	type stored struct {
		f   UploadedFile
		out bus.Outgoing
	}
	var results []*stored
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(filesAtOnce)
	fail := func(err error) {
		_ = g.Wait()
		in.bodyError(w, r, err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fail(readError(err))
			return
		}
		if part.FormName() != UploadField || part.FileName() == "" {
			if _, err := io.Copy(io.Discard, part); err != nil {
				fail(readError(err))
				return
			}
			continue
		}
		pf, err := in.readFile(req, part)
		if err != nil {
			fail(err)
			return
		}
		res := &stored{}
		results = append(results, res)
		g.Go(func() error {
			f, out, err := in.storeFile(gctx, req, pf)
			res.f, res.out = f, out
			return err
		})
	}
	if err := g.Wait(); err != nil {
		in.bodyError(w, r, err)
		return
	}
	files := make([]UploadedFile, len(results))
	outs := make([]bus.Outgoing, len(results))
	for i, res := range results {
		files[i], outs[i] = res.f, res.out
	}
	if len(files) == 0 {
		httpapi.Error(w, r, http.StatusBadRequest, "no_files", "no files in form field "+UploadField)
		return
	}
	err = store.InTx(ctx, in.db.DB, func(tx *sql.Tx) error {
		return in.pub.Publish(ctx, tx, outs...)
	})
	if err != nil {
		in.log.ErrorContext(ctx, "publish upload events failed", "batch_id", batchID, "err", err)
		httpapi.Error(w, r, http.StatusInternalServerError, "internal", "upload could not be recorded")
		return
	}
	resp := UploadResponse{BatchID: batchID, Files: files}
	for _, f := range files {
		if f.Status == UploadAccepted {
			resp.Accepted++
		} else {
			resp.Rejected++
		}
	}
	httpapi.JSON(w, http.StatusAccepted, resp)
}

// bodyError answers a request whose body could not be read: 413 beyond the
// request limit, 400 for a malformed body, 500 for a store failure.
func (in *Intake) bodyError(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig), errors.Is(err, errRequestTooLarge):
		httpapi.Error(w, r, http.StatusRequestEntityTooLarge, "request_too_large",
			fmt.Sprintf("upload larger than %d bytes; send fewer files per request", in.cfg.MaxRequestSize))
	case errors.Is(err, errMalformed):
		httpapi.Error(w, r, http.StatusBadRequest, "bad_multipart", err.Error())
	default:
		in.log.ErrorContext(r.Context(), "upload failed", "path", r.URL.Path, "err", err)
		httpapi.Error(w, r, http.StatusInternalServerError, "internal", "content store unavailable")
	}
}

// readError classifies an error reading the body.
func readError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fmt.Errorf("%w: %w", errRequestTooLarge, err)
	}
	return fmt.Errorf("%w: %w", errMalformed, err)
}

// request is what every file of one upload shares.
type request struct {
	batchID       string
	correlationID uuid.UUID
	userID        string
}

// outgoing wraps event data in an envelope from file intake.
func outgoing[T events.Event](req request, data T) bus.Outgoing {
	env := events.NewEnvelope(data.Topic(), IntakeSource, req.correlationID, data)
	if req.userID != "" {
		env.SetMeta(events.MetaUserID, req.userID)
	}
	return bus.Event(env)
}

// filesAtOnce bounds the files of one request being stored at the same
// time. Storing a file waits mostly on the disk (two fsynced blobs), so a
// few in flight overlap those waits: with one at a time, the upload of
// 1,000 essays was the longest step of `hule bench pipeline` after
// spellcheck.
const filesAtOnce = 4

// partFile is one file part read from the body, not yet stored.
type partFile struct {
	f    UploadedFile
	data []byte
	ct   string
	// tooLong is set when the file exceeds the size limit: it is
	// rejected without being stored.
	tooLong bool
}

// readFile reads one file part of the body; the error ends the request
// (body unreadable or too large).
func (in *Intake) readFile(req request, part *multipart.Part) (partFile, error) {
	pf := partFile{f: UploadedFile{FileName: part.FileName(), FileUploadID: uuid.NewString()}}
	data, err := io.ReadAll(io.LimitReader(part, in.cfg.MaxFileSize+1))
	if err != nil {
		return pf, readError(err)
	}
	pf.f.SizeBytes = int64(len(data))
	if pf.f.SizeBytes > in.cfg.MaxFileSize {
		rest, err := io.Copy(io.Discard, part)
		if err != nil {
			return pf, readError(err)
		}
		pf.f.SizeBytes += rest
		pf.tooLong = true
		return pf, nil
	}
	pf.data = data
	pf.ct = part.Header.Get("Content-Type")
	return pf, nil
}

// storeFile stores a read file's raw bytes and extracted text and returns
// its outcome and event. The error ends the request (store down); a
// refused file is not an error.
func (in *Intake) storeFile(ctx context.Context, req request, pf partFile) (UploadedFile, bus.Outgoing, error) {
	f, data := pf.f, pf.data
	if pf.tooLong {
		f, ev := reject(req, f, intake.CodeTooLong,
			fmt.Sprintf("the file has %d bytes, at most %d allowed", f.SizeBytes, in.cfg.MaxFileSize))
		return f, ev, nil
	}

	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	rawID := DerivedID(req.batchID, string(events.ContentTypeRawUploadBlob), digest)
	ct := pf.ct
	if ct == "" {
		ct = "application/octet-stream"
	}
	switch err := in.store.Put(ctx, rawID, ct, data); {
	case errors.Is(err, ErrTooLarge):
		f, ev := reject(req, f, intake.CodeTooLong, err.Error())
		return f, ev, nil
	case err != nil:
		return f, bus.Outgoing{}, fmt.Errorf("store raw upload %s: %w", f.FileName, err)
	}
	f.RawStorageID = rawID

	text, err := intake.Extract(f.FileName, data, in.cfg.Limits)
	if err != nil {
		code, msg := intake.CodeExtractionFailed, err.Error()
		var rej *intake.Rejection
		if errors.As(err, &rej) {
			code, msg = rej.Code, rej.Message
		}
		f, ev := reject(req, f, code, msg)
		return f, ev, nil
	}
	textID := DerivedID(req.batchID, string(events.ContentTypeExtractedPlaintext), digest)
	switch err := in.store.Put(ctx, textID, "text/plain; charset=utf-8", []byte(text)); {
	case errors.Is(err, ErrTooLarge):
		f, ev := reject(req, f, intake.CodeTooLong, err.Error())
		return f, ev, nil
	case err != nil:
		return f, bus.Outgoing{}, fmt.Errorf("store text of %s: %w", f.FileName, err)
	}
	f.TextStorageID = textID
	f.Status = UploadAccepted

	m := md5.Sum(data) //nolint:gosec // checksum field of the wire format
	md5hex := hex.EncodeToString(m[:])
	return f, outgoing(req, events.EssayContentProvisionedV1{
		Event:            string(events.EventEssayContentProvisioned),
		EntityID:         req.batchID,
		FileUploadID:     f.FileUploadID,
		OriginalFileName: f.FileName,
		RawFileStorageID: string(rawID),
		TextStorageID:    string(textID),
		FileSizeBytes:    int(f.SizeBytes),
		ContentMD5Hash:   &md5hex,
		CorrelationID:    req.correlationID,
		Timestamp:        events.Now(),
	}), nil
}

// reject marks f refused with a FileValidationErrorCode and builds its
// EssayValidationFailedV1. A file too large to store has no raw storage id
// (the field is then empty).
func reject(req request, f UploadedFile, code, msg string) (UploadedFile, bus.Outgoing) {
	f.Status = UploadRejected
	f.TextStorageID = ""
	f.Error = &UploadError{Code: code, Message: msg}
	now := events.Now()
	return f, outgoing(req, events.EssayValidationFailedV1{
		Event:               string(events.EventEssayValidationFailed),
		EntityID:            req.batchID,
		FileUploadID:        f.FileUploadID,
		OriginalFileName:    f.FileName,
		RawFileStorageID:    string(f.RawStorageID),
		ValidationErrorCode: events.FileValidationErrorCode(code),
		ValidationErrorDetail: events.ErrorDetail{
			ErrorCode:     events.AnyErrorCode(code),
			Message:       msg,
			CorrelationID: req.correlationID,
			Timestamp:     now,
			Service:       IntakeSource,
			Operation:     "validate_file",
			Details:       events.MustObject(map[string]any{"file_size_bytes": f.SizeBytes, "file_name": f.FileName}),
		},
		FileSizeBytes: int(f.SizeBytes),
		CorrelationID: req.correlationID,
		Timestamp:     now,
	})
}
