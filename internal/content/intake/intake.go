// Package intake turns uploaded essay files into plain text: .txt and .md as
// UTF-8 (or Windows-1252, which older Windows editors still write), .docx by
// reading the document's XML. A file that cannot become an essay is refused
// with one of the wire format's FileValidationErrorCode values, so that the
// batch records the failure and goes on with the other files.
package intake

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Codes of refusal: the FileValidationErrorCode values of the wire format.
const (
	CodeEmpty            = "EMPTY_CONTENT"
	CodeTooShort         = "CONTENT_TOO_SHORT"
	CodeTooLong          = "CONTENT_TOO_LONG"
	CodeExtractionFailed = "TEXT_EXTRACTION_FAILED"
	CodeEncrypted        = "ENCRYPTED_FILE_UNSUPPORTED"
)

// Rejection says why a file is not an essay.
type Rejection struct {
	Code    string
	Message string
}

func (r *Rejection) Error() string { return r.Code + ": " + r.Message }

// Limits bound what counts as an essay.
type Limits struct {
	MinChars int // fewer non-space characters: CONTENT_TOO_SHORT
	MaxChars int // more characters: CONTENT_TOO_LONG
}

// DefaultLimits accepts anything from a short paragraph to a long paper.
var DefaultLimits = Limits{MinChars: 10, MaxChars: 100_000}

// Supported reports whether a file name has an extension intake reads.
func Supported(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".txt", ".md", ".docx":
		return true
	}
	return false
}

// Extract returns the plain text of the file called name with bytes data.
// The error, when not nil, is always a *Rejection.
func Extract(name string, data []byte, lim Limits) (string, error) {
	var text string
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".txt":
		text = decodeText(data)
	case ".md":
		text = stripMarkdown(decodeText(data))
	case ".docx":
		if len(data) == 0 {
			return "", &Rejection{CodeEmpty, "the file is empty"}
		}
		var err error
		if text, err = docxText(data); err != nil {
			return "", err
		}
	default:
		if ext == "" {
			ext = "without an extension"
		}
		return "", &Rejection{CodeExtractionFailed, fmt.Sprintf("unsupported file type %s (use .txt, .md or .docx)", ext)}
	}
	text = normalize(text)
	n := utf8.RuneCountInString(text)
	switch {
	case strings.TrimSpace(text) == "":
		return "", &Rejection{CodeEmpty, "the file has no text"}
	case nonSpace(text) < lim.MinChars:
		return "", &Rejection{CodeTooShort, fmt.Sprintf("%d characters of text, at least %d needed", nonSpace(text), lim.MinChars)}
	case lim.MaxChars > 0 && n > lim.MaxChars:
		return "", &Rejection{CodeTooLong, fmt.Sprintf("%d characters of text, at most %d allowed", n, lim.MaxChars)}
	}
	return text, nil
}

// decodeText reads UTF-8 (dropping a byte-order mark) and falls back to
// Windows-1252 for bytes that are not valid UTF-8.
func decodeText(data []byte) string {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if utf8.Valid(data) {
		return string(data)
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return string(s)
}

// stripMarkdown removes the markup that would otherwise count as words or
// spelling errors: heading marks, list bullets, emphasis and code fences.
func stripMarkdown(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " \t")
		switch {
		case strings.HasPrefix(t, "```"):
			lines[i] = ""
			continue
		case strings.HasPrefix(t, "#"):
			t = strings.TrimLeft(t, "#")
		case strings.HasPrefix(t, "- "), strings.HasPrefix(t, "* "), strings.HasPrefix(t, "+ "):
			t = t[2:]
		case strings.HasPrefix(t, "> "):
			t = t[2:]
		}
		t = strings.NewReplacer("**", "", "__", "", "`", "").Replace(t)
		lines[i] = strings.TrimSpace(t)
	}
	return strings.Join(lines, "\n")
}

// normalize unifies line endings and trims trailing space on every line and
// blank lines at both ends, leaving paragraph breaks (blank lines) intact.
func normalize(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\u00a0")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

func nonSpace(s string) int {
	n := 0
	for _, r := range s {
		if r != ' ' && r != '\n' && r != '\t' {
			n++
		}
	}
	return n
}

// oleMagic starts a Compound File Binary: what Word writes for a
// password-protected .docx (and for old .doc files).
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// maxDocumentXML bounds the decompressed document.xml, so that a small
// zip bomb cannot exhaust memory.
const maxDocumentXML = 64 << 20

func docxText(data []byte) (string, error) {
	if bytes.HasPrefix(data, oleMagic) {
		return "", &Rejection{CodeEncrypted, "the document is encrypted or in the old .doc format"}
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", &Rejection{CodeExtractionFailed, "not a readable .docx file: " + err.Error()}
	}
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return "", &Rejection{CodeExtractionFailed, "open document.xml: " + err.Error()}
		}
		defer rc.Close()
		text, err := documentXMLText(io.LimitReader(rc, maxDocumentXML))
		if err != nil {
			return "", &Rejection{CodeExtractionFailed, "read document.xml: " + err.Error()}
		}
		return text, nil
	}
	return "", &Rejection{CodeExtractionFailed, "the .docx file has no word/document.xml"}
}

// documentXMLText walks WordprocessingML: text runs (w:t), tabs, line
// breaks, and one blank line after each paragraph (w:p).
func documentXMLText(r io.Reader) (string, error) {
	const w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	dec := xml.NewDecoder(r)
	var b strings.Builder
	inText := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != w {
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				b.WriteByte('\t')
			case "br", "cr":
				b.WriteByte('\n')
			}
		case xml.EndElement:
			if t.Name.Space != w {
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				b.WriteString("\n\n")
			}
		case xml.CharData:
			if inText {
				b.Write(t)
			}
		}
	}
}
