package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// PDFText extracts a document's text with pdftotext -layout (poppler-utils,
// installed by scripts/test-deps.sh), as a customer's PDF reader would.
// (pdf/'s own tests have a copy: that package cannot import this one.)
func PDFText(t testing.TB, doc []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v (is poppler-utils installed? make test installs it)", err)
	}
	return string(out)
}

// OneLine makes every run of spaces and line breaks one space, so a phrase
// that wraps, or is spread over a layout's columns, is still found.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
