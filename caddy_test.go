package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"cotizador/internal/s3test"
	"cotizador/internal/testutil"
)

// caddyBin is Debian's caddy, which scripts/test-deps.sh installs. Only
// `go test -short` goes without it.
func caddyBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped with -short: runs Debian's caddy in front of the app (make test runs it)")
	}
	p, err := exec.LookPath("caddy")
	if err != nil {
		t.Fatal("caddy not found: run ./scripts/test-deps.sh (make test does)")
	}
	return p
}

// caddyProxy is a running Caddy serving deploy/Caddyfile for localhost with
// its internal CA, on loopback ports of its own.
type caddyProxy struct {
	base      string // https://localhost:PORT, the app's public URL
	httpsPort string
	httpPort  string
	roots     *x509.CertPool
}

// startCaddy runs deploy/Caddyfile, unchanged, behind a global options block
// that keeps it on loopback (free ports, bound to 127.0.0.1), gives it its
// internal CA instead of Let's Encrypt without touching the system's trust
// store, keeps its state in a temporary folder and turns its admin API off.
func startCaddy(t *testing.T, upstream string) *caddyProxy {
	t.Helper()
	bin := caddyBin(t)
	root := s3test.RepoRoot(t)
	site, err := os.ReadFile(filepath.Join(root, "deploy", "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	_, httpsPort, _ := net.SplitHostPort(s3test.FreeAddr(t))
	_, httpPort, _ := net.SplitHostPort(s3test.FreeAddr(t))
	dir := t.TempDir()
	global := fmt.Sprintf("{\n\tadmin off\n\tlocal_certs\n\tskip_install_trust\n\tdefault_bind 127.0.0.1\n\thttp_port %s\n\thttps_port %s\n\tstorage file_system %s\n}\n\n",
		httpPort, httpsPort, filepath.Join(dir, "data"))
	conf := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(conf, append([]byte(global), site...), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"COTIZADOR_DOMAIN": "localhost", "COTIZADOR_UPSTREAM": upstream,
		"HOME": dir, "XDG_DATA_HOME": filepath.Join(dir, "xdg-data"), "XDG_CONFIG_HOME": filepath.Join(dir, "xdg-config"),
	}
	p := s3test.StartProcess(t, dir, s3test.Environ(vars), bin, "run", "--config", conf, "--adapter", "caddyfile")

	// The internal CA's root appears once Caddy has set up its PKI; the
	// site answers once it holds a certificate from it.
	rootPEM := filepath.Join(dir, "data", "pki", "authorities", "local", "root.crt")
	proxy := &caddyProxy{base: "https://localhost:" + httpsPort, httpsPort: httpsPort, httpPort: httpPort}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if exited, err := p.Wait(0); exited {
			t.Fatalf("caddy exited: %v\n%s", err, p.Output())
		}
		if pem, err := os.ReadFile(rootPEM); err == nil {
			pool := x509.NewCertPool()
			if pool.AppendCertsFromPEM(pem) {
				proxy.roots = pool
				conn, err := tls.Dial("tcp", "127.0.0.1:"+httpsPort, &tls.Config{RootCAs: pool, ServerName: "localhost"})
				if err == nil {
					conn.Close()
					return proxy
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("caddy did not serve https://localhost:%s within 20 s:\n%s", httpsPort, p.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// loopbackDial dials from the source address src (e.g. 127.0.0.2: a
// distinct client as the proxy sees it) and sends "localhost" to 127.0.0.1,
// where Caddy is bound, whatever the resolver prefers.
func loopbackDial(src string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if host == "localhost" {
			host = "127.0.0.1"
		}
		return d.DialContext(ctx, "tcp4", net.JoinHostPort(host, port))
	}
}

// browser is a client with cookies coming from one loopback address.
func (p *caddyProxy) browser(src string) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			DialContext:       loopbackDial(src),
			TLSClientConfig:   &tls.Config{RootCAs: p.roots},
			ForceAttemptHTTP2: true,
		},
	}
}

type page struct {
	*http.Response
	body string
}

func fetch(t *testing.T, c *http.Client, method, target string, form url.Values, headers ...string) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return page{resp, string(b)}
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn goes through the login form over HTTPS as a browser does (the
// form's CSRF token, a same-origin Referer) and proves the session works.
func (p *caddyProxy) signIn(t *testing.T, c *http.Client, email string) {
	t.Helper()
	login := fetch(t, c, http.MethodGet, p.base+"/login", nil)
	m := csrfInput.FindStringSubmatch(login.body)
	if login.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET /login: %d, no CSRF field:\n%s", login.StatusCode, login.body)
	}
	resp := fetch(t, c, http.MethodPost, p.base+"/login",
		url.Values{"email": {email}, "password": {testutil.Password}, "_csrf": {m[1]}}, "Referer", p.base+"/login")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login: %d\n%s", resp.StatusCode, resp.body)
	}
	var session string
	for _, sc := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, "cotizador_session=") {
			session = sc
		}
	}
	if !strings.Contains(strings.ToLower(session), "; secure") || !strings.Contains(strings.ToLower(session), "; httponly") {
		t.Fatalf("session cookie is not Secure and HttpOnly: %q", session)
	}
	if acct := fetch(t, c, http.MethodGet, p.base+"/cuenta", nil); acct.StatusCode != http.StatusOK {
		t.Fatalf("after signing in over HTTPS, /cuenta answers %d (the Secure cookie did not come back?)", acct.StatusCode)
	}
}

// startServe runs `cotizador serve` in-process with vars and waits until it
// is ready; the returned function stops it (SIGTERM's path) and waits.
func startServeWith(t *testing.T, vars map[string]string) (logs *testutil.SafeBuffer, stop func()) {
	t.Helper()
	logs = &testutil.SafeBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"cotizador", "serve"}, env(vars), nil, logs, io.Discard) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(stop)
	ready := "http://" + vars["COTIZADOR_ADDR"] + "/api/health/ready"
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-done:
			stopped = true
			t.Fatalf("serve stopped before it was ready: %v\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(ready); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return logs, stop
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready within 30 s:\n%s", ready, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// createOwner makes the installation's first account with the CLI, as the
// README's install steps do.
func createOwner(t *testing.T, vars map[string]string, email string) {
	t.Helper()
	var out strings.Builder
	err := run(context.Background(), []string{"cotizador", "user", "create", "--email", email, "--name", "Dueña del Taller",
		"--role", "owner", "--password-stdin", "--company", "Aluminios del Norte"}, env(vars), strings.NewReader(testutil.Password+"\n"), &out, &out)
	if err != nil {
		t.Fatalf("user create: %v\n%s", err, out.String())
	}
}

// getUntil429 sends GET /login from c until the app answers 429, and
// returns how many requests were answered before that (max tries).
func getUntil429(t *testing.T, c *http.Client, base string, tries int, headers ...string) int {
	t.Helper()
	for i := 0; i < tries; i++ {
		resp := fetch(t, c, http.MethodGet, base+"/login", nil, headers...)
		switch resp.StatusCode {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			return i
		default:
			t.Fatalf("GET /login: %d", resp.StatusCode)
		}
	}
	return tries
}

// TestProductionBehindCaddy puts Debian's Caddy, running deploy/Caddyfile
// with its internal CA, in front of a production app on loopback: sign-in
// over HTTPS works with a Secure cookie, HSTS and the HTTP→HTTPS redirect are
// there, and two clients (127.0.0.2 and 127.0.0.3) get a rate limit each —
// a forged X-Forwarded-For does not help — while `cotizador doctor` finds
// the installation healthy. Then the same without the trusted proxy: the
// clients share one limit, the app logs one warning for Caddy's address and
// shows it to the owner, and the doctor fails the proxy check.
func TestProductionBehindCaddy(t *testing.T) {
	appAddr := s3test.FreeAddr(t)
	proxy := startCaddy(t, appAddr)
	root := s3test.RepoRoot(t)
	const owner = "duena@aluminios.mx"
	const limit = 6

	t.Run("trusted proxy", func(t *testing.T) {
		s3 := s3test.New(t)
		dir := t.TempDir()
		vars := s3test.ReplicaEnv(s3, filepath.Join(dir, "cotizador.db"), "cotizador", s3test.FreeAddr(t))
		for k, v := range map[string]string{
			"COTIZADOR_ENV": "production", "COTIZADOR_ADDR": appAddr, "COTIZADOR_BASE_URL": proxy.base,
			"COTIZADOR_TRUSTED_PROXIES": "127.0.0.1", "COTIZADOR_RATE_LIMIT": fmt.Sprint(limit),
			"COTIZADOR_SNAPSHOT_INTERVAL": "0", "COTIZADOR_DRILL_INTERVAL": "0",
			"LITESTREAM_CONFIG": filepath.Join(root, "litestream.yml"), "LITESTREAM_BIN": s3test.LitestreamBin(t),
		} {
			vars[k] = v
		}
		createOwner(t, vars, owner)
		logs, _ := startServeWith(t, vars)
		s3test.Replicate(t, vars, "")

		ownerBrowser := proxy.browser("127.0.0.4")
		proxy.signIn(t, ownerBrowser, owner)
		home := fetch(t, ownerBrowser, http.MethodGet, proxy.base+"/", nil, "Accept-Encoding", "gzip")
		if hsts := home.Header.Values("Strict-Transport-Security"); len(hsts) != 1 || hsts[0] != "max-age=31536000; includeSubDomains" {
			t.Errorf("Strict-Transport-Security = %q, want one max-age=31536000; includeSubDomains", hsts)
		}
		if enc := home.Header.Get("Content-Encoding"); enc != "gzip" {
			t.Errorf("home page not compressed through the proxy (Content-Encoding %q)", enc)
		}
		if strings.Contains(home.body, "proxy-warning") {
			t.Error("proxy warning shown behind a trusted proxy")
		}
		assertPrivateHealth(t, proxy)
		plain := fetch(t, ownerBrowser, http.MethodGet, "http://localhost:"+proxy.httpPort+"/login", nil)
		if plain.StatusCode != http.StatusPermanentRedirect || !strings.HasPrefix(plain.Header.Get("Location"), "https://localhost") {
			t.Errorf("plain HTTP: %d to %q, want a permanent redirect to https://localhost…", plain.StatusCode, plain.Header.Get("Location"))
		}

		// Each client has its own limit; Caddy drops the X-Forwarded-For a
		// client forges, so changing it buys nothing.
		a, b := proxy.browser("127.0.0.2"), proxy.browser("127.0.0.3")
		if n := getUntil429(t, a, proxy.base, 2*limit, "X-Forwarded-For", "203.0.113.77"); n != limit {
			t.Fatalf("127.0.0.2 got %d answers before 429, want its own limit of %d", n, limit)
		}
		if n := getUntil429(t, a, proxy.base, 1, "X-Forwarded-For", "198.51.100.1"); n != 0 {
			t.Error("a forged X-Forwarded-For lifted the limit")
		}
		if n := getUntil429(t, b, proxy.base, 2*limit); n != limit {
			t.Errorf("127.0.0.3 got %d answers before 429, want its own full limit of %d", n, limit)
		}
		if strings.Contains(logs.String(), "not a trusted proxy") {
			t.Errorf("proxy warning logged behind a trusted proxy:\n%s", logs.String())
		}

		// The doctor, with a drill and a snapshot done, finds nothing to fix.
		for _, cmd := range [][]string{{"backup", "drill"}, {"backup", "snapshot"}} {
			var out strings.Builder
			if err := run(context.Background(), append([]string{"cotizador"}, cmd...), env(vars), nil, &out, &out); err != nil {
				t.Fatalf("%v: %v\n%s", cmd, err, out.String())
			}
		}
		out, err := proxyDoctor(t, proxy, vars)
		t.Logf("cotizador doctor:\n%s", out)
		if err != nil {
			t.Errorf("doctor on a healthy installation: %v\n%s", err, out)
		}
		checks := doctorLines(out)
		for _, area := range []string{"Configuración", "Modo", "Aplicación", "Proxy", "HTTPS", "Base de datos", "Auditoría", "Migraciones", "Réplica", "Simulacro", "Respaldos locales", "Reloj"} {
			if checks[area] != "[ OK  ]" {
				t.Errorf("doctor: %s is %q, want [ OK  ]\n%s", area, checks[area], out)
			}
		}
		// Free space depends on the machine running the tests; it may warn,
		// never fail.
		if checks["Disco"] == "[FALLA]" {
			t.Errorf("doctor: disk check failed:\n%s", out)
		}
	})

	t.Run("untrusted proxy", func(t *testing.T) {
		vars := map[string]string{
			"COTIZADOR_ENV": "production", "COTIZADOR_ADDR": appAddr, "COTIZADOR_BASE_URL": proxy.base,
			"COTIZADOR_DB": filepath.Join(t.TempDir(), "cotizador.db"), "COTIZADOR_RATE_LIMIT": fmt.Sprint(limit),
			"COTIZADOR_SNAPSHOT_INTERVAL": "0", "COTIZADOR_DRILL_INTERVAL": "0",
		}
		createOwner(t, vars, owner)
		logs, _ := startServeWith(t, vars)

		// Sign-in still works; the owner sees the warning at once.
		ownerBrowser := proxy.browser("127.0.0.4")
		proxy.signIn(t, ownerBrowser, owner)
		const warning = "Tus usuarios comparten un límite de peticiones: configura COTIZADOR_TRUSTED_PROXIES"
		if home := fetch(t, ownerBrowser, http.MethodGet, proxy.base+"/", nil); !strings.Contains(home.body, warning) || !strings.Contains(home.body, "127.0.0.1") {
			t.Errorf("the owner's home does not warn about the proxy:\n%s", home.body)
		}
		if status := fetch(t, ownerBrowser, http.MethodGet, proxy.base+"/estado", nil); !strings.Contains(status.body, warning) {
			t.Errorf("/estado does not warn about the proxy:\n%s", status.body)
		}

		assertPrivateHealth(t, proxy)

		// Everyone is Caddy's 127.0.0.1 now: the owner's five requests and
		// 127.0.0.2's use up one shared limit, and 127.0.0.3 is refused
		// before it has asked anything.
		a, b := proxy.browser("127.0.0.2"), proxy.browser("127.0.0.3")
		if n := getUntil429(t, a, proxy.base, 2*limit); n >= limit {
			t.Errorf("127.0.0.2 got %d answers: the owner's requests did not count against it", n)
		}
		if n := getUntil429(t, b, proxy.base, 1); n != 0 {
			t.Error("127.0.0.3 was answered: the clients do not share the limit")
		}
		if n := strings.Count(logs.String(), `"peer":"127.0.0.1"`); n != 1 || !strings.Contains(logs.String(), "not a trusted proxy") {
			t.Errorf("want exactly one warning for peer 127.0.0.1, got %d:\n%s", n, logs.String())
		}

		out, err := proxyDoctor(t, proxy, vars)
		t.Logf("cotizador doctor:\n%s", out)
		if exitCode(err) != 1 {
			t.Errorf("doctor: err %v (exit %d), want exit 1", err, exitCode(err))
		}
		if !strings.Contains(out, "[FALLA] Proxy: "+warning) || !strings.Contains(out, "COTIZADOR_TRUSTED_PROXIES=127.0.0.1") {
			t.Errorf("doctor does not fail the proxy check with the fix:\n%s", out)
		}
	})
}

// assertPrivateHealth: Caddy reaches the app from loopback, yet what it
// forwards from the internet must not read the operator-only reports.
func assertPrivateHealth(t *testing.T, proxy *caddyProxy) {
	t.Helper()
	stranger := proxy.browser("127.0.0.5")
	for _, path := range []string{"/api/health/detailed", "/api/health/backups"} {
		if r := fetch(t, stranger, http.MethodGet, proxy.base+path, nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s through Caddy, anonymous: %d, want 403", path, r.StatusCode)
		}
	}
}

// proxyDoctor runs `cotizador doctor` against the installation behind
// proxy, trusting Caddy's internal CA as the system trusts Let's Encrypt.
func proxyDoctor(t *testing.T, proxy *caddyProxy, vars map[string]string) (string, error) {
	t.Helper()
	d := newDoctor(env(vars))
	d.client.Transport = &http.Transport{DialContext: loopbackDial(""), TLSClientConfig: &tls.Config{RootCAs: proxy.roots}}
	var out strings.Builder
	err := doctorCommand(context.Background(), d, nil, &out)
	return out.String(), err
}

// doctorLines maps each checklist area to its state label.
func doctorLines(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if len(line) < 9 || line[0] != '[' {
			continue
		}
		label, rest := line[:7], line[8:]
		area, _, _ := strings.Cut(rest, ": ")
		m[area] = label
	}
	return m
}
