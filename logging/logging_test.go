package logging_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cotizador/logging"
)

func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: %v in %q", path, err, line)
		}
		out = append(out, m)
	}
	return out
}

func TestEveryLineHasACategoryAndItsFile(t *testing.T) {
	dir := t.TempDir()
	var stdout bytes.Buffer
	l := logging.New(&stdout, logging.Options{Dir: dir, RotateEvery: -1})
	defer l.Close()
	l.Info("started")
	l.Error("request failed", "status", 500)
	l.Warn("security event", "category", "security", "kind", "login_failed")
	l.With("category", "audit").Info("entry recorded")
	l.Warn("slow request", "category", "performance", "route", "/cotizaciones")
	l.Warn("database busy: retrying", "category", "database")
	l.Info("odd", "category", "made-up")

	want := map[string][]string{
		"application": {"started", "odd"},
		"error":       {"request failed"},
		"security":    {"security event"},
		"audit":       {"entry recorded"},
		"performance": {"slow request"},
		"database":    {"database busy: retrying"},
	}
	for cat, msgs := range want {
		lines := readLines(t, filepath.Join(dir, cat+".log"))
		var got []string
		for _, m := range lines {
			got = append(got, m["msg"].(string))
		}
		if strings.Join(got, "|") != strings.Join(msgs, "|") {
			t.Errorf("%s.log has %v, want %v", cat, got, msgs)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["category"] == nil {
			t.Errorf("stdout line without category: %s", line)
		}
		if strings.Count(line, `"category"`) != 1 {
			t.Errorf("category twice: %s", line)
		}
	}
}

// waitFor polls for a file matching pattern (compression runs in the
// background).
func waitFor(t *testing.T, pattern string) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, _ := filepath.Glob(pattern)
		if len(m) > 0 {
			return m
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(filepath.Dir(pattern))
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("no file matches %s; folder has %v", pattern, names)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLogFilesRotateBySizeAndCompress(t *testing.T) {
	dir := t.TempDir()
	l := logging.New(&bytes.Buffer{}, logging.Options{Dir: dir, MaxSizeMB: 1, RotateEvery: -1})
	defer l.Close()
	pad := strings.Repeat("x", 500)
	for i := 0; i < 2600; i++ { // ≈ 1.4 MB
		l.Warn("slow query", "category", "performance", "i", i, "pad", pad)
	}
	waitFor(t, filepath.Join(dir, "performance-*.log.gz"))
	st, err := os.Stat(filepath.Join(dir, "performance.log"))
	if err != nil || st.Size() >= 1<<20 {
		t.Errorf("performance.log after rotation: %v, %v", st, err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "security-*")); len(m) != 0 {
		t.Errorf("a quiet category rotated: %v", m)
	}
}

func TestLogFilesRotateByAge(t *testing.T) {
	dir := t.TempDir()
	l := logging.New(&bytes.Buffer{}, logging.Options{Dir: dir, RotateEvery: 100 * time.Millisecond, Level: slog.LevelDebug})
	defer l.Close()
	l.Warn("security event", "category", "security")
	waitFor(t, filepath.Join(dir, "security-*.log.gz"))
	// Stop the timer so the file read below is not rotated under us.
	l.Close()
	// Only the category with lines rotated by age: the others stay as they
	// are (empty files are not archived).
	if m, _ := filepath.Glob(filepath.Join(dir, "application-*")); len(m) != 0 {
		t.Errorf("an empty category was archived: %v", m)
	}

	l.Warn("after rotation", "category", "security")
	lines := readLines(t, filepath.Join(dir, "security.log"))
	if len(lines) != 1 || lines[0]["msg"] != "after rotation" {
		t.Errorf("security.log after rotation = %v", lines)
	}
}
