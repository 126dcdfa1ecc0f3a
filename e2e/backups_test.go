package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cotizador/backup"
	"cotizador/internal/testutil"
)

// The owner opens Respaldos from the phone menu, sees that this installation
// has no off-site copy, takes a local snapshot and finds it listed.
func TestBackupsPageOnPhone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "snapshots")
	b := NewBrowser(t, testutil.WithBackups(backup.Settings{SnapshotDir: dir, SnapshotKeep: 5}))
	b.SignIn(t)
	b.Do(t, "open Respaldos from the menu",
		chromedp.Navigate(b.URL("/")),
		chromedp.Click(chromedp.CSS(".nav-toggle")),
		chromedp.Click(chromedp.CSS(`#site-nav a[href="/respaldos"]`)),
		chromedp.WaitVisible(chromedp.ID("replication")),
	)
	if state := b.Text(t, "#replication [data-state]"); !strings.Contains(state, "Desactivada") {
		t.Errorf("replication state = %q, want the Spanish 'off' text", state)
	}
	if over := Eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth`); over {
		t.Error("the page scrolls sideways on a 390 px phone")
	}
	b.Screenshot(t, "backups-empty")
	b.Do(t, "take a local snapshot",
		chromedp.Click(chromedp.CSS(`form[action="/respaldos/respaldo-local"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash-success")),
		chromedp.WaitVisible(chromedp.CSS("#snapshots tbody tr")),
	)
	if msg := b.Text(t, ".flash-success"); !strings.Contains(msg, "Respaldo local tomado") {
		t.Errorf("flash = %q", msg)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 { // .db.gz and .json
		t.Errorf("snapshot folder holds %d files, want 2", len(ents))
	}
	if over := Eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth`); over {
		t.Error("with a snapshot listed, the page scrolls sideways on a 390 px phone")
	}
	b.Screenshot(t, "backups-snapshot")
}
