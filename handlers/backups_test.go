package handlers_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cotizador/backup"
	"cotizador/internal/testutil"
)

// backupApp is an app with a backup service (no replica) and its staff.
func backupApp(t *testing.T, opts ...testutil.Option) (*testutil.App, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "snapshots")
	a := staff(t, append(opts, testutil.WithBackups(backup.Settings{SnapshotDir: dir, SnapshotKeep: 3}))...)
	return a, dir
}

// rawKey finds message ids rendered as text: a missing translation.
var rawKey = regexp.MustCompile(`>[^<]*\bbackup\.[a-z_]+\.[a-z_.]+`)

func TestBackupsPage(t *testing.T) {
	a, dir := backupApp(t)
	owner := a.Login(t, "duena@aluminios.mx")

	t.Run("only the owner", func(t *testing.T) {
		anon := a.NewClient()
		if resp, _ := anon.Get(t, "/respaldos"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("anonymous: status %d → %q, want a redirect to the login page", resp.StatusCode, resp.Header.Get("Location"))
		}
		for _, email := range []string{"admin@aluminios.mx", "vendedor@aluminios.mx", "consulta@aluminios.mx"} {
			cl := a.Login(t, email)
			if resp, _ := cl.Get(t, "/respaldos"); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: GET status %d, want 403", email, resp.StatusCode)
			}
			if resp, _ := cl.PostForm(t, "/respaldos/simulacro", nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: drill status %d, want 403", email, resp.StatusCode)
			}
		}
		_, body := a.Login(t, "admin@aluminios.mx").Get(t, "/")
		if strings.Contains(body, `href="/respaldos"`) {
			t.Error("the admin's menu links to Respaldos")
		}
		_, body = owner.Get(t, "/")
		if !strings.Contains(body, `href="/respaldos"`) {
			t.Error("the owner's menu lacks Respaldos")
		}
	})

	t.Run("without a replica it says so", func(t *testing.T) {
		resp, body := owner.Get(t, "/respaldos")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		for _, want := range []string{"Respaldos", "Desactivada: tus datos solo están en este servidor", "Todavía no se ha hecho ningún simulacro", "Todavía no hay respaldos locales", "LITESTREAM_BUCKET"} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		if strings.Contains(body, `action="/respaldos/simulacro"`) {
			t.Error("drill button offered without a replica")
		}
		if m := rawKey.FindString(body); m != "" {
			t.Errorf("untranslated key on the page: %q", m)
		}
		_, en := owner.Get(t, "/respaldos?lang=en")
		if !strings.Contains(en, "Off: your data exists only on this server") {
			t.Error("English page lacks the replication state")
		}
		owner.Get(t, "/respaldos?lang=es")
	})

	t.Run("snapshot button, list and download", func(t *testing.T) {
		if resp, _ := owner.PostForm(t, "/respaldos/respaldo-local", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("snapshot: status %d, want 303", resp.StatusCode)
		}
		list, err := backup.ListSnapshots(dir)
		if err != nil || len(list) != 1 {
			t.Fatalf("snapshots on disk: %d, %v", len(list), err)
		}
		m := list[0]
		if m.Origin != backup.OriginManual {
			t.Errorf("origin %q, want manual", m.Origin)
		}
		_, body := owner.Get(t, "/respaldos")
		if !strings.Contains(body, "Respaldo local tomado.") {
			t.Error("no flash after the snapshot")
		}
		link := "/respaldos/archivo/" + m.File
		if !strings.Contains(body, `href="`+link+`"`) || !strings.Contains(body, m.SHA256[:12]) {
			t.Errorf("page does not list %s with its checksum", m.File)
		}
		resp, gz := owner.Get(t, link)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("download: status %d", resp.StatusCode)
		}
		sum := sha256.Sum256([]byte(gz))
		if got := hex.EncodeToString(sum[:]); got != m.SHA256 || resp.Header.Get("X-Checksum-SHA256") != m.SHA256 {
			t.Errorf("downloaded sha256 %s (header %s), want %s", got, resp.Header.Get("X-Checksum-SHA256"), m.SHA256)
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, m.File) {
			t.Errorf("Content-Disposition = %q", cd)
		}
		zr, err := gzip.NewReader(bytes.NewReader([]byte(gz)))
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 16)
		io.ReadFull(zr, head)
		if string(head) != "SQLite format 3\x00" {
			t.Errorf("download is not a gzipped SQLite file: %q", head)
		}
		for _, bad := range []string{
			"/respaldos/archivo/cotizador-20200101T000000Z-manual.db.gz", // well-formed, absent
			"/respaldos/archivo/..%2F..%2Fcotizador.db",
			"/respaldos/archivo/" + strings.TrimSuffix(m.File, ".db.gz") + ".json",
		} {
			if resp, _ := owner.Get(t, bad); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", bad, resp.StatusCode)
			}
		}
	})

	t.Run("forged posts are refused", func(t *testing.T) {
		before, _ := backup.ListSnapshots(dir)
		if resp, _ := owner.PostForm(t, "/respaldos/respaldo-local", map[string][]string{"_csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("post with a forged CSRF token: status %d, want 403", resp.StatusCode)
		}
		if after, _ := backup.ListSnapshots(dir); len(after) != len(before) {
			t.Error("a forged post took a snapshot")
		}
	})

	t.Run("a failed drill is recorded and shown", func(t *testing.T) {
		resp, _ := owner.PostForm(t, "/respaldos/simulacro", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("drill: status %d, want 303", resp.StatusCode)
		}
		_, body := owner.Get(t, "/respaldos")
		for _, want := range []string{"El simulacro falló", `data-status="failed"`, "replication is not configured"} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})

	t.Run("a failed snapshot is shown", func(t *testing.T) {
		// A file where the snapshot folder should be: the snapshot fails.
		b, dirB := backupApp(t)
		os.WriteFile(dirB, []byte("not a folder"), 0o600)
		cl := b.Login(t, "duena@aluminios.mx")
		if resp, _ := cl.PostForm(t, "/respaldos/respaldo-local", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		_, body := cl.Get(t, "/respaldos")
		if !strings.Contains(body, "El respaldo local falló") || !strings.Contains(body, `id="snapshot-failed"`) {
			t.Error("a failed snapshot is not shown")
		}
	})
}

func TestBackupsHealthJSON(t *testing.T) {
	a, _ := backupApp(t)
	var got struct {
		Status      string   `json:"status"`
		Problems    []string `json:"problems"`
		Replication struct {
			State string `json:"state"`
		} `json:"replication"`
	}
	resp, body := a.Get(t, "/api/health/backups")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	json.Unmarshal([]byte(body), &got)
	if got.Status != "ok" || got.Replication.State != backup.StateOff {
		t.Errorf("without a replica: %s", body)
	}
	owner := a.Login(t, "duena@aluminios.mx")
	owner.PostForm(t, "/respaldos/simulacro", nil)
	resp, body = a.Get(t, "/api/health/backups")
	got.Problems = nil
	json.Unmarshal([]byte(body), &got)
	if resp.StatusCode != http.StatusServiceUnavailable || got.Status != "error" || strings.Join(got.Problems, ",") != "last_drill_failed" {
		t.Errorf("after a failed drill: status %d, %s", resp.StatusCode, body)
	}
}

// In production the backup status is for the owner or the machine itself.
func TestBackupsHealthInProduction(t *testing.T) {
	a, _ := backupApp(t, testutil.Production())
	if resp, _ := a.Get(t, "/api/health/backups"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous, not loopback: status %d, want 403", resp.StatusCode)
	}
	if resp, _ := a.Login(t, "admin@aluminios.mx").Get(t, "/api/health/backups"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("admin session: status %d, want 403", resp.StatusCode)
	}
	if resp, _ := a.Login(t, "duena@aluminios.mx").Get(t, "/api/health/backups"); resp.StatusCode != http.StatusOK {
		t.Errorf("owner session: status %d, want 200", resp.StatusCode)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.Fiber.Listener(ln)
	t.Cleanup(func() { a.Fiber.Shutdown() })
	resp, err := http.Get("http://" + ln.Addr().String() + "/api/health/backups")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("loopback: status %d, want 200", resp.StatusCode)
	}
}
