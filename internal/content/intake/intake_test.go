package intake_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/content/intake"
)

func docx(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const documentXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>Phones in </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>school</w:t></w:r></w:p>
<w:p><w:r><w:t>are</w:t><w:tab/><w:t>a problem.</w:t><w:br/><w:t>Next line.</w:t></w:r></w:p>
</w:body></w:document>`

func TestExtract(t *testing.T) {
	lim := intake.Limits{MinChars: 10, MaxChars: 200}
	tests := []struct {
		name     string
		file     string
		data     []byte
		want     string
		wantCode string
	}{
		{"txt", "a.txt", []byte("First paragraph here.\r\n\r\nSecond one.  \r\n"), "First paragraph here.\n\nSecond one.", ""},
		{"txt with BOM", "a.TXT", []byte("\xef\xbb\xbfA text with a mark."), "A text with a mark.", ""},
		{"windows-1252", "a.txt", []byte("Caf\xe9 culture is gr\xe9at."), "Café culture is gréat.", ""},
		{"markdown", "a.md", []byte("# Phones\n\n- **Ban** them\n- `never`\n"), "Phones\n\nBan them\nnever", ""},
		{"docx", "a.docx", docx(t, map[string]string{"word/document.xml": documentXML}), "Phones in school\n\nare\ta problem.\nNext line.", ""},
		{"empty txt", "a.txt", nil, "", intake.CodeEmpty},
		{"blank txt", "a.txt", []byte(" \n\n\t \n"), "", intake.CodeEmpty},
		{"empty docx", "a.docx", nil, "", intake.CodeEmpty},
		{"too short", "a.txt", []byte("Too short"), "", intake.CodeTooShort},
		{"too long", "a.txt", []byte(strings.Repeat("word ", 60)), "", intake.CodeTooLong},
		{"unsupported", "a.pdf", []byte("%PDF-1.7"), "", intake.CodeExtractionFailed},
		{"no extension", "essay", []byte("A perfectly fine essay."), "", intake.CodeExtractionFailed},
		{"corrupt docx", "a.docx", []byte("PK\x03\x04 not really a zip"), "", intake.CodeExtractionFailed},
		{"docx without body", "a.docx", docx(t, map[string]string{"other.xml": "<x/>"}), "", intake.CodeExtractionFailed},
		{"docx with broken xml", "a.docx", docx(t, map[string]string{"word/document.xml": "<w:document"}), "", intake.CodeExtractionFailed},
		{"encrypted docx", "a.docx", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 100)...), "", intake.CodeEncrypted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := intake.Extract(tt.file, tt.data, lim)
			if tt.wantCode != "" {
				var rej *intake.Rejection
				if !errors.As(err, &rej) || rej.Code != tt.wantCode || rej.Message == "" {
					t.Fatalf("got %q, %v; want rejection %s", got, err, tt.wantCode)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestSupported(t *testing.T) {
	for name, want := range map[string]bool{"a.txt": true, "B.DOCX": true, "c.md": true, "d.pdf": false, "e": false} {
		if got := intake.Supported(name); got != want {
			t.Errorf("Supported(%q) = %v, want %v", name, got, want)
		}
	}
}
