package cjassess

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/cjassess/grading"
)

// TextHash identifies an anchor's text for the duplicate check: SHA-256 of
// the text with surrounding white space trimmed and line endings unified,
// so the same file saved by another editor is still recognized.
func TextHash(text string) string {
	t := strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// NewAnchor checks and builds an anchor registration. text is the anchor's
// text (needed for the duplicate check even when it is kept in the content
// store: then pass storageID and the text is not stored inline). The grade
// must belong to scale ("" = the default scale).
func NewAnchor(assignmentID, grade, displayName, text, storageID, scale string) (AnchorRecord, error) {
	sc, err := grading.LookupScale(scale)
	if err != nil {
		return AnchorRecord{}, err
	}
	switch {
	case strings.TrimSpace(assignmentID) == "":
		return AnchorRecord{}, errors.New("anchor: assignment id is empty")
	case strings.TrimSpace(text) == "":
		return AnchorRecord{}, fmt.Errorf("anchor %s: text is empty", displayName)
	}
	known := false
	for _, g := range sc.Grades {
		known = known || g == grade
	}
	if !known {
		return AnchorRecord{}, fmt.Errorf("anchor %s: grade %q is not on scale %s (%s)",
			displayName, grade, sc.ID, strings.Join(sc.Grades, ", "))
	}
	a := AnchorRecord{
		ID: uuid.NewString(), AssignmentID: assignmentID, Grade: grade, DisplayName: displayName,
		StorageID: storageID, TextHash: TextHash(text), Created: now(),
	}
	if storageID == "" {
		a.Text = text
	}
	return a, nil
}

// anchorEssays turns an assignment's registered anchors into job essays,
// reading texts kept in the content store through texts.
func anchorEssays(ctx context.Context, anchors []AnchorRecord, texts TextFunc) ([]Essay, error) {
	out := make([]Essay, 0, len(anchors))
	for _, a := range anchors {
		es := Essay{ID: "anchor-" + a.ID, DisplayName: a.DisplayName, Anchor: true, Grade: a.Grade,
			Text: a.Text, StorageID: a.StorageID}
		if es.Text == "" && a.StorageID != "" {
			t, err := readText(ctx, texts, a.StorageID)
			if err != nil {
				return nil, fmt.Errorf("anchor %s: %w", a.ID, err)
			}
			es.Text, es.Missing = t.text, t.missing
		}
		out = append(out, es)
	}
	return out, nil
}
