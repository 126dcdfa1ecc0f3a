package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"cotizador/backup"
	"cotizador/db"
	"cotizador/internal/s3test"
)

// The whole backup story with real parts only: the app binary built from
// this tree, the pinned litestream binary running it with -exec and the
// repository's litestream.yml, a fake S3 (gofakes3) on 127.0.0.1, a real
// SQLite file. Data is written the way the shop writes it: HTTP form posts
// the app acknowledges (303), as setup, users, role changes, deactivations,
// sign-outs and restore drills.
func TestReplicationEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("replication end-to-end: runs in make test, not with -short")
	}
	start := time.Now()
	root := s3test.RepoRoot(t)
	litestream := s3test.LitestreamBin(t)
	dir := t.TempDir()
	appBin := filepath.Join(dir, "cotizador")
	build := exec.Command("go", "build", "-o", appBin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built the app in %s", time.Since(start).Round(time.Millisecond))

	s3 := s3test.New(t)
	dbPath := filepath.Join(dir, "data", "cotizador.db")
	appAddr := s3test.FreeAddr(t)
	vars := s3test.ReplicaEnv(s3, dbPath, "taller", s3test.FreeAddr(t))
	for k, v := range map[string]string{
		"COTIZADOR_ADDR": appAddr, "LITESTREAM_BIN": litestream, "LITESTREAM_CONFIG": filepath.Join(root, "litestream.yml"),
		// Schedules off: every write in this test is one the test made.
		"COTIZADOR_SNAPSHOT_INTERVAL": "0", "COTIZADOR_DRILL_INTERVAL": "0",
		"COTIZADOR_REPLICATION_CHECK_INTERVAL": "250ms", "COTIZADOR_REPLICATION_STALL_AFTER": "2s",
		"COTIZADOR_DRILL_MAX_WAIT": "30s", "COTIZADOR_RATE_LIMIT": "0", "COTIZADOR_LOGIN_RATE_LIMIT": "0",
	} {
		vars[k] = v
	}
	base := "http://" + appAddr
	proc := s3test.Replicate(t, vars, appBin+" serve")
	s3test.WaitHTTP(t, base+"/api/health/ready", 30*time.Second, proc)

	// operator runs the app binary as an operator would, with the same
	// environment, and returns its output.
	operator := func(args ...string) (string, error) {
		cmd := exec.Command(appBin, args...)
		cmd.Dir, cmd.Env = dir, s3test.Environ(vars)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	restore := func(name string, extra ...string) string {
		t.Helper()
		to := filepath.Join(dir, "restores", name+".db")
		out, err := operator(append([]string{"restore", "--to", to}, extra...)...)
		if err != nil {
			t.Fatalf("cotizador restore %v: %v\n%s", extra, err, out)
		}
		if !strings.Contains(out, "RESTAURACIÓN VERIFICADA") {
			t.Fatalf("restore summary:\n%s", out)
		}
		return to
	}

	b := newBrowser(t, base)
	owner := "duena@taller-rio.mx"
	b.mustPost("/setup", url.Values{"company": {"Aluminios Río Bravo"}, "name": {"Dueña"}, "email": {owner}, "password": {testPassword}})
	ids := map[string]string{}
	newUser := func(email string) error {
		status, err := b.post("/usuarios", url.Values{"name": {"Vendedor"}, "email": {email}, "role": {"sales"}, "max_discount": {"5"}, "password": {testPassword}})
		if err == nil && status != http.StatusSeeOther {
			err = fmt.Errorf("POST /usuarios %s: status %d", email, status)
		}
		return err
	}
	for _, e := range []string{"uno@taller-rio.mx", "dos@taller-rio.mx", "tres@taller-rio.mx"} {
		if err := newUser(e); err != nil {
			t.Fatal(err)
		}
	}
	_, users := b.get("/usuarios")
	for _, e := range []string{"uno@taller-rio.mx", "dos@taller-rio.mx", "tres@taller-rio.mx"} {
		m := regexp.MustCompile(`href="/usuarios/(\d+)">[^<]*</a></td>\s*<td>` + regexp.QuoteMeta(e)).FindStringSubmatch(users)
		if m == nil {
			t.Fatalf("user %s not listed:\n%s", e, users)
		}
		ids[e] = m[1]
	}
	update := func(email, role string, active bool) {
		t.Helper()
		v := url.Values{"role": {role}, "max_discount": {"5"}}
		if active {
			v.Set("active", "1")
		}
		b.mustPost("/usuarios/"+ids[email], v)
	}
	update("uno@taller-rio.mx", "viewer", true)

	// The mark: writes before it are at least 1.5 s older, writes after it
	// at least 1.5 s newer, so Litestream's 1 s syncs fall clearly on one
	// side.
	time.Sleep(1500 * time.Millisecond)
	atMark := dumpDB(t, dbPath)
	mark := time.Now()
	time.Sleep(1500 * time.Millisecond)

	update("uno@taller-rio.mx", "admin", true)
	update("dos@taller-rio.mx", "sales", false) // deactivated
	if err := newUser("cuatro@taller-rio.mx"); err != nil {
		t.Fatal(err)
	}
	b.mustPost("/logout", nil) // deletes the session row
	b.login(owner)

	t.Run("the drill button restores and verifies the replica", func(t *testing.T) {
		b.mustPost("/respaldos/simulacro", nil)
		_, page := b.get("/respaldos")
		for _, want := range []string{"Simulacro correcto", `data-status="ok"`, `data-state="ok"`, "s3://cotizador/taller"} {
			if !strings.Contains(page, want) {
				t.Errorf("Respaldos page lacks %q", want)
			}
		}
	})

	t.Run("latest restore has everything", func(t *testing.T) {
		var got, want string
		deadline := time.Now().Add(15 * time.Second)
		for i := 0; ; i++ {
			want = dumpDB(t, dbPath)
			got = dumpDB(t, restore(fmt.Sprint("latest-", i)))
			if got == want || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Second)
		}
		if got != want {
			t.Errorf("latest restore differs from the live database:\n%s", diffLines(want, got))
		}
		for _, e := range []string{"cuatro@taller-rio.mx"} {
			if !strings.Contains(got, e) {
				t.Errorf("latest restore lacks %s", e)
			}
		}
	})

	t.Run("point-in-time restore has exactly the state before the mark", func(t *testing.T) {
		out := dumpDB(t, restore("at-mark", "--timestamp", mark.UTC().Format(time.RFC3339Nano)))
		if out != atMark {
			t.Errorf("restore at %s differs from the database at that moment:\n%s", mark.Format(time.RFC3339Nano), diffLines(atMark, out))
		}
		if strings.Contains(out, "cuatro@taller-rio.mx") {
			t.Error("a user created after the mark is in the point-in-time copy")
		}
	})

	t.Run("S3 down for 10 s: no acknowledged write is lost", func(t *testing.T) {
		if err := s3.Stop(); err != nil {
			t.Fatal(err)
		}
		outageEnd := time.Now().Add(10 * time.Second)
		var acked []string
		sawBehind := false
		for i := 0; time.Now().Before(outageEnd); i++ {
			email := fmt.Sprintf("caida%02d@taller-rio.mx", i)
			if err := newUser(email); err != nil {
				t.Fatalf("the app must keep accepting writes with S3 down: %v", err)
			}
			acked = append(acked, email)
			if !sawBehind {
				if code, body := b.get("/api/health/backups"); code == http.StatusServiceUnavailable && strings.Contains(body, "replication_behind") {
					sawBehind = true
				}
			}
			time.Sleep(300 * time.Millisecond)
		}
		if !sawBehind {
			t.Error("/api/health/backups never reported replication_behind during the outage")
		}
		if len(acked) < 10 {
			t.Fatalf("only %d writes in 10 s", len(acked))
		}
		if err := s3.Resume(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		var missing []string
		for i := 0; ; i++ {
			emails := userEmails(t, restore(fmt.Sprint("after-outage-", i)))
			missing = missing[:0]
			for _, e := range acked {
				if !slices.Contains(emails, e) {
					missing = append(missing, e)
				}
			}
			if len(missing) == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(2 * time.Second)
		}
		if len(missing) > 0 {
			t.Errorf("%d of %d acknowledged writes missing from the replica 60 s after S3 returned: %v", len(missing), len(acked), missing)
		}
		waitStatus(t, b, "/api/health/backups", http.StatusOK, 30*time.Second)
	})

	t.Run("SIGTERM: clean exit after a final sync", func(t *testing.T) {
		last := "ultimo@taller-rio.mx"
		if err := newUser(last); err != nil {
			t.Fatal(err)
		}
		if err := proc.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		exited, err := proc.Wait(45 * time.Second)
		if !exited {
			t.Fatal("litestream and the app did not exit within 45 s of SIGTERM")
		}
		if err != nil {
			t.Errorf("exit: %v, want status 0", err)
		}
		out := proc.Output()
		for _, want := range []string{`"msg":"shutting down"`, `"msg":"database closed"`, "litestream shut down"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q", want)
			}
		}
		// Litestream keeps its own connection until it exits, so the WAL
		// may remain; what matters is that the local file is whole and
		// holds the last write too.
		if rep := mustVerify(t, dbPath); !rep.OK() || !slices.Contains(userEmails(t, dbPath), last) {
			t.Errorf("live database after shutdown: problems %v, or the last write is missing", rep.Problems())
		}
		if emails := userEmails(t, restore("after-sigterm")); !slices.Contains(emails, last) {
			t.Errorf("the write acknowledged just before SIGTERM is not in the replica")
		}
	})

	t.Run("fresh machine: the replica is restored before the app starts", func(t *testing.T) {
		want := userEmails(t, dbPath)
		if err := os.RemoveAll(filepath.Dir(dbPath)); err != nil {
			t.Fatal(err)
		}
		p := s3test.Replicate(t, vars, appBin+" serve")
		s3test.WaitHTTP(t, base+"/api/health/ready", 30*time.Second, p)
		if !strings.Contains(p.Output(), "restor") {
			t.Errorf("litestream did not say it restored:\n%s", p.Output())
		}
		b2 := newBrowser(t, base)
		b2.login(owner)
		if code, _ := b2.get("/respaldos"); code != http.StatusOK {
			t.Errorf("owner cannot open Respaldos on the restored machine: %d", code)
		}
		if got := userEmails(t, dbPath); !slices.Equal(got, want) {
			t.Errorf("restored users %v, want %v", got, want)
		}
		p.Signal(syscall.SIGTERM)
		if exited, err := p.Wait(45 * time.Second); !exited || err != nil {
			t.Errorf("second run: exited %v, %v", exited, err)
		}
	})
	t.Logf("end-to-end replication test took %s", time.Since(start).Round(time.Millisecond))
}

const testPassword = "Ventana-Corrediza-2026!"

// browser is a cookie-keeping HTTP client that reads the CSRF token from
// every page and sends it with every form, like the real one.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

var csrfValue = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{
		Jar: jar, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := csrfValue.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body)
}

// post sends a form from the page that holds it (a GET first, as a person
// would, for a fresh CSRF token) and returns the status.
func (b *browser) post(path string, v url.Values) (int, error) {
	b.t.Helper()
	page := path
	switch {
	case strings.HasPrefix(path, "/respaldos/"):
		page = "/respaldos"
	case path == "/logout":
		page = "/"
	}
	b.get(page)
	if v == nil {
		v = url.Values{}
	}
	v.Set("_csrf", b.csrf)
	resp, err := b.c.PostForm(b.base+path, v)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func (b *browser) mustPost(path string, v url.Values) {
	b.t.Helper()
	status, err := b.post(path, v)
	if err != nil || status != http.StatusSeeOther {
		b.t.Fatalf("POST %s: status %d, %v; want 303", path, status, err)
	}
}

func (b *browser) login(email string) {
	b.t.Helper()
	b.get("/login")
	v := url.Values{"email": {email}, "password": {testPassword}, "_csrf": {b.csrf}}
	resp, err := b.c.PostForm(b.base+"/login", v)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login %s: status %d", email, resp.StatusCode)
	}
}

func waitStatus(t *testing.T, b *browser, path string, want int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, body := b.get(path)
		if code == want {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("GET %s: status %d after %s, want %d: %s", path, code, timeout, want, body)
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// dumpDB renders every row of every table of the SQLite file at path, in
// order, read-only: equal dumps mean equal data.
func dumpDB(t *testing.T, path string) string {
	t.Helper()
	conn, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_litestream%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		t.Fatalf("dump %s: %v", path, err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var sb strings.Builder
	for _, tbl := range tables {
		r, err := tx.Query(`SELECT * FROM "` + tbl + `" ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			r.Scan(ptrs...)
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					vals[i] = string(bs)
				}
			}
			b, _ := json.Marshal(vals)
			fmt.Fprintf(&sb, "%s %s\n", tbl, b)
		}
		r.Close()
	}
	return sb.String()
}

func mustVerify(t *testing.T, path string) *backup.Report {
	t.Helper()
	rep, err := backup.Verify(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// userEmails lists the accounts in the SQLite file at path.
func userEmails(t *testing.T, path string) []string {
	t.Helper()
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.Reader.Query(`SELECT email FROM users ORDER BY email`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		rows.Scan(&e)
		out = append(out, e)
	}
	return out
}

// diffLines shows the lines only one side has.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var sb strings.Builder
	for _, l := range w {
		if !slices.Contains(g, l) {
			sb.WriteString("- " + l + "\n")
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			sb.WriteString("+ " + l + "\n")
		}
	}
	return sb.String()
}
