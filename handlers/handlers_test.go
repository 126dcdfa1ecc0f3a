package handlers_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"cotizador/auth"
	"cotizador/internal/testutil"
)

// signedIn returns an app with an owner account and a client signed in as it.
func signedIn(t *testing.T, opts ...testutil.Option) (*testutil.App, *testutil.Client) {
	t.Helper()
	a := testutil.NewApp(t, opts...)
	a.CreateUser(t, auth.RoleOwner, "duena@aluminios.mx")
	return a, a.Login(t, "duena@aluminios.mx")
}

func TestHealthEndpoints(t *testing.T) {
	a := testutil.NewApp(t)
	tests := []struct {
		path       string
		wantStatus int
		wantKeys   []string
	}{
		{"/api/health/", 200, []string{"status"}},
		{"/api/health/live", 200, []string{"status"}},
		{"/api/health/ready", 200, []string{"ready", "database_ok", "latency_ms", "schema_version", "schema_latest"}},
		{"/api/health/database", 200, []string{"status", "database"}},
		{"/api/health/detailed", 200, []string{"status", "checks", "uptime_seconds", "goroutines", "memory", "disk", "db_pools", "version"}},
		{"/api/health/version", 200, []string{"version", "commit", "build_time", "go_version"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := a.Get(t, tt.path)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.wantStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want JSON", ct)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body is not JSON: %v: %s", err, body)
			}
			for _, k := range tt.wantKeys {
				if _, ok := got[k]; !ok {
					t.Errorf("key %q missing in %s", k, body)
				}
			}
		})
	}

	t.Run("database figures", func(t *testing.T) {
		_, body := a.Get(t, "/api/health/database")
		var got struct {
			Database struct {
				SQLiteVersion string  `json:"sqlite_version"`
				PageCount     int64   `json:"page_count"`
				WALSizeBytes  *int64  `json:"wal_size_bytes"`
				LatencyMS     float64 `json:"latency_ms"`
			} `json:"database"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatal(err)
		}
		if got.Database.SQLiteVersion < "3.51" || got.Database.PageCount < 1 || got.Database.WALSizeBytes == nil {
			t.Errorf("database health = %s", body)
		}
	})

	t.Run("version values", func(t *testing.T) {
		_, body := a.Get(t, "/api/health/version")
		want := `{"version":"test","commit":"abc123","build_time":"2026-11-26T00:00:00Z","go_version":"go-test"}`
		if body != want {
			t.Errorf("version = %s, want %s", body, want)
		}
	})
}

func TestReadyFailsWithPendingMigrations(t *testing.T) {
	a := testutil.NewApp(t)
	if _, err := a.DB.MigrateDown(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, body := a.Get(t, "/api/health/ready")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503; body %s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `"error":"migrations_pending"`) {
		t.Errorf("body = %s, want migrations_pending", body)
	}
	if resp, _ := a.Get(t, "/api/health/detailed"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("detailed status = %d, want 503", resp.StatusCode)
	}
}

func TestReadyFailsWhenDatabaseIsGone(t *testing.T) {
	a := testutil.NewApp(t)
	a.DB.Close()
	for _, p := range []string{"/api/health/ready", "/api/health/database"} {
		resp, body := a.Get(t, p)
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s: status = %d, want 503", p, resp.StatusCode)
		}
		if strings.Contains(body, "sql:") || strings.Contains(body, "closed") {
			t.Errorf("%s leaks the internal error: %s", p, body)
		}
	}
	// Liveness does not depend on the database.
	if resp, _ := a.Get(t, "/api/health/live"); resp.StatusCode != 200 {
		t.Errorf("live status = %d, want 200", resp.StatusCode)
	}
}

// In production the detailed report is for loopback callers only.
func TestDetailedHealthInProduction(t *testing.T) {
	a := testutil.NewApp(t, testutil.Production())
	// app.Test's in-memory connection has no loopback peer address.
	if resp, body := a.Get(t, "/api/health/detailed"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("non-loopback: status = %d, want 403; %s", resp.StatusCode, body)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.Fiber.Listener(ln)
	t.Cleanup(func() { a.Fiber.Shutdown() })
	resp, err := http.Get("http://" + ln.Addr().String() + "/api/health/detailed")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("loopback: status = %d, want 200", resp.StatusCode)
	}

	a.CreateUser(t, auth.RoleOwner, "duena@aluminios.mx")
	a.CreateUser(t, auth.RoleSales, "vendedor@aluminios.mx")
	if resp, _ := a.Login(t, "duena@aluminios.mx").Get(t, "/api/health/detailed"); resp.StatusCode != http.StatusOK {
		t.Errorf("owner session: status = %d, want 200", resp.StatusCode)
	}
	if resp, _ := a.Login(t, "vendedor@aluminios.mx").Get(t, "/api/health/detailed"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("salesperson session: status = %d, want 403", resp.StatusCode)
	}
	raw, _, err := a.DB.CreateAPIToken(t.Context(), 1, "monitor", "test")
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := a.Get(t, "/api/health/detailed", "Authorization", "Bearer "+raw); resp.StatusCode != http.StatusOK {
		t.Errorf("owner token: status = %d, want 200", resp.StatusCode)
	}
}

func TestMetrics(t *testing.T) {
	a, cl := signedIn(t)
	cl.Get(t, "/")
	a.Get(t, "/no-existe")
	resp, body := a.Get(t, "/api/health/metrics")
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	for _, want := range []string{
		`cotizador_http_requests_total{method="GET",route="/",status="200"} 1`,
		`cotizador_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`cotizador_http_request_duration_seconds_bucket{method="GET",route="/",le="0.005"}`,
		`go_sql_max_open_connections{db_name="writer"} 1`,
		`go_sql_open_connections{db_name="reader"}`,
		`go_goroutines`,
		`cotizador_build_info{commit="abc123",go_version="go-test",version="test"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q in\n%s", want, body)
		}
	}
}

func TestSpanishNotFoundPage(t *testing.T) {
	a := testutil.NewApp(t)
	resp, body := a.Get(t, "/no-existe")
	if resp.StatusCode != 404 {
		t.Fatalf("status = %d, want 404", resp.StatusCode)
	}
	for _, want := range []string{`<html lang="es"`, "Página no encontrada", "Volver al inicio", "Código de referencia: " + resp.Header.Get("X-Request-ID")} {
		if !strings.Contains(body, want) {
			t.Errorf("404 page lacks %q", want)
		}
	}
	if strings.Contains(body, "Cannot GET") {
		t.Errorf("404 page leaks Fiber's message: %s", body)
	}
}

func TestErrorResponses(t *testing.T) {
	a, cl := signedIn(t)
	a.Fiber.Get("/test/panic", func(c *fiber.Ctx) error { panic("secreto: tabla users") })
	internal := func(c *fiber.Ctx) error {
		return errors.New("SELECT password FROM users: database is locked")
	}
	a.Fiber.Get("/test/internal", internal)
	a.Fiber.Get("/api/test/internal", internal)
	tests := []struct {
		name        string
		method      string
		path        string
		headers     []string
		wantStatus  int
		wantIn      []string
		wantOut     []string
		wantLogLine string
	}{
		{name: "405 page", method: "POST", path: "/", headers: []string{"X-CSRF-Token", cl.CSRF}, wantStatus: 405, wantIn: []string{"Acción no permitida", "<html"}},
		{name: "panic page", method: "GET", path: "/test/panic", wantStatus: 500, wantIn: []string{"Error del servidor", "<html"}, wantOut: []string{"secreto", "goroutine"}, wantLogLine: `"msg":"panic"`},
		{name: "internal error page", method: "GET", path: "/test/internal", wantStatus: 500, wantIn: []string{"Ocurrió un error interno"}, wantOut: []string{"SELECT", "locked"}, wantLogLine: "database is locked"},
		{name: "htmx 404 fragment", method: "GET", path: "/no-existe", headers: []string{"HX-Request", "true"}, wantStatus: 404, wantIn: []string{"flash-error", "Página no encontrada"}, wantOut: []string{"<html", "<body"}},
		{name: "htmx panic fragment", method: "GET", path: "/test/panic", headers: []string{"HX-Request", "true"}, wantStatus: 500, wantIn: []string{"flash-error"}, wantOut: []string{"<html", "secreto"}},
		{name: "api 404 json", method: "GET", path: "/api/v1/nada", wantStatus: 404, wantIn: []string{`"code":"not_found"`, `"message":"La página que buscas no existe o fue movida."`}},
		{name: "api 500 json", method: "GET", path: "/api/test/internal", wantStatus: 500, wantIn: []string{`"code":"internal"`, "Ocurrió un error interno"}, wantOut: []string{"SELECT"}},
		{name: "english 404", method: "GET", path: "/no-existe?lang=en", wantStatus: 404, wantIn: []string{"Page not found", `<html lang="en"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, tt.path, nil)
			for i := 0; i+1 < len(tt.headers); i += 2 {
				req.Header.Set(tt.headers[i], tt.headers[i+1])
			}
			resp, body := cl.Do(t, req)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			for _, w := range tt.wantOut {
				if strings.Contains(body, w) {
					t.Errorf("body must not contain %q:\n%s", w, body)
				}
			}
			if tt.wantLogLine != "" && !strings.Contains(a.Logs.String(), tt.wantLogLine) {
				t.Errorf("logs lack %q", tt.wantLogLine)
			}
		})
	}
}

func TestFragmentOrPage(t *testing.T) {
	_, cl := signedIn(t)
	tests := []struct {
		name     string
		headers  []string
		wantPage bool
	}{
		{"plain request", nil, true},
		{"htmx request", []string{"HX-Request", "true"}, false},
		{"boosted navigation", []string{"HX-Request", "true", "HX-Boosted", "true"}, true},
		{"history restore", []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := cl.Get(t, "/estado", tt.headers...)
			if resp.StatusCode != 200 {
				t.Fatalf("status = %d", resp.StatusCode)
			}
			if got := strings.Contains(resp.Header.Get("Vary"), "HX-Request"); !got {
				t.Errorf("Vary = %q, want it to include HX-Request", resp.Header.Get("Vary"))
			}
			isPage := strings.Contains(body, "<html") && strings.Contains(body, `id="site-nav"`)
			if isPage != tt.wantPage {
				t.Errorf("full page = %v, want %v", isPage, tt.wantPage)
			}
			if !strings.Contains(body, `id="status"`) || !strings.Contains(body, "Estado del sistema") {
				t.Errorf("body lacks the status section:\n%s", body)
			}
		})
	}
}

var hexID = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestRequestID(t *testing.T) {
	a, cl := signedIn(t)
	t.Run("generated", func(t *testing.T) {
		resp, _ := a.Get(t, "/api/health/live")
		id := resp.Header.Get("X-Request-ID")
		if !hexID.MatchString(id) {
			t.Fatalf("X-Request-ID = %q, want 24 hex digits", id)
		}
		if !strings.Contains(a.Logs.String(), `"request_id":"`+id+`"`) {
			t.Errorf("no log line carries request id %s", id)
		}
	})
	t.Run("unique", func(t *testing.T) {
		r1, _ := a.Get(t, "/")
		r2, _ := a.Get(t, "/")
		if r1.Header.Get("X-Request-ID") == r2.Header.Get("X-Request-ID") {
			t.Error("two requests got the same id")
		}
	})
	t.Run("from proxy kept", func(t *testing.T) {
		resp, _ := a.Get(t, "/", "X-Request-ID", "proxy-abc-123456")
		if got := resp.Header.Get("X-Request-ID"); got != "proxy-abc-123456" {
			t.Errorf("X-Request-ID = %q, want the proxy's", got)
		}
	})
	t.Run("hostile id replaced", func(t *testing.T) {
		resp, _ := a.Get(t, "/", "X-Request-ID", `x" injected="1`)
		if got := resp.Header.Get("X-Request-ID"); !hexID.MatchString(got) {
			t.Errorf("X-Request-ID = %q, want a fresh id", got)
		}
	})
	t.Run("request log line", func(t *testing.T) {
		resp, _ := cl.Get(t, "/estado")
		id := resp.Header.Get("X-Request-ID")
		var found bool
		for _, line := range strings.Split(a.Logs.String(), "\n") {
			if !strings.Contains(line, id) || !strings.Contains(line, `"msg":"request"`) {
				continue
			}
			found = true
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line is not JSON: %s", line)
			}
			for _, k := range []string{"method", "route", "status", "duration_ms", "bytes"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("log line lacks %q: %s", k, line)
				}
			}
			if rec["route"] != "/estado" || rec["status"] != float64(200) {
				t.Errorf("log line = %s", line)
			}
		}
		if !found {
			t.Error("no request log line")
		}
	})
}

func TestLanguage(t *testing.T) {
	_, cl := signedIn(t)
	tests := []struct {
		name    string
		path    string
		headers []string
		want    string
	}{
		{"default spanish", "/", nil, "Inicio"},
		{"query", "/?lang=en", nil, "Home"},
		{"cookie", "/", []string{"Cookie", "lang=en"}, "Home"},
		{"accept-language", "/", []string{"Accept-Language", "en-US,en;q=0.8"}, "Home"},
		{"unknown language falls back to spanish", "/", []string{"Accept-Language", "de-DE"}, "Inicio"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The client's own lang cookie would leak between cases.
			delete(cl.Cookies, "lang")
			_, body := cl.Get(t, tt.path, tt.headers...)
			if !strings.Contains(body, ">"+tt.want+"</a>") {
				t.Errorf("nav lacks %q", tt.want)
			}
		})
	}
	t.Run("query sets cookie", func(t *testing.T) {
		resp, _ := cl.Get(t, "/?lang=en")
		c := resp.Header.Get("Set-Cookie")
		if !strings.Contains(c, "lang=en") || !strings.Contains(strings.ToLower(c), "samesite=lax") {
			t.Errorf("Set-Cookie = %q", c)
		}
	})
	t.Run("unsupported query sets no cookie", func(t *testing.T) {
		resp, _ := cl.Get(t, "/?lang=fr")
		for _, c := range resp.Cookies() {
			if c.Name == "lang" {
				t.Errorf("Set-Cookie lang=%q, want none", c.Value)
			}
		}
	})
}

var assetURL = regexp.MustCompile(`/static/css/app\.[0-9a-f]{12}\.css`)

func TestStaticAssets(t *testing.T) {
	a := testutil.NewApp(t)
	_, page := a.Get(t, "/setup")
	css := assetURL.FindString(page)
	if css == "" {
		t.Fatalf("home page links no hashed stylesheet:\n%s", page)
	}
	for _, js := range []string{"/static/js/htmx.min.", "/static/js/app."} {
		if !strings.Contains(page, js) {
			t.Errorf("home page does not load %s*", js)
		}
	}

	resp, body := a.Get(t, css)
	if resp.StatusCode != 200 || !strings.Contains(body, "--brand") {
		t.Fatalf("GET %s: %d", css, resp.StatusCode)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q", cc)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type = %q", ct)
	}
	etag := resp.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}

	t.Run("not modified", func(t *testing.T) {
		resp, _ := a.Get(t, css, "If-None-Match", etag)
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("status = %d, want 304", resp.StatusCode)
		}
	})
	t.Run("compressed", func(t *testing.T) {
		resp, body := a.Get(t, css, "Accept-Encoding", "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding = %q, want gzip", resp.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if !strings.Contains(string(plain), "--brand") {
			t.Error("gunzipped body is not the stylesheet")
		}
	})
	t.Run("htmx is the pinned version", func(t *testing.T) {
		_, body := a.Get(t, "/static/js/htmx.min.js")
		if !strings.Contains(body, `version:"2.0.11"`) {
			t.Error("served htmx is not 2.0.11")
		}
	})
	t.Run("plain name short cache", func(t *testing.T) {
		resp, _ := a.Get(t, "/static/css/app.css")
		if cc := resp.Header.Get("Cache-Control"); resp.StatusCode != 200 || cc != "public, max-age=300" {
			t.Errorf("status %d, Cache-Control = %q", resp.StatusCode, cc)
		}
	})
	t.Run("unknown file", func(t *testing.T) {
		if resp, _ := a.Get(t, "/static/css/nada.css"); resp.StatusCode != 404 {
			t.Errorf("status = %d, want 404", resp.StatusCode)
		}
	})
	t.Run("favicon and manifest", func(t *testing.T) {
		if resp, _ := a.Get(t, "/favicon.ico"); resp.StatusCode != 200 {
			t.Errorf("favicon status = %d", resp.StatusCode)
		}
		resp, body := a.Get(t, "/manifest.webmanifest")
		var m struct {
			Name  string `json:"name"`
			Lang  string `json:"lang"`
			Icons []struct {
				Src string `json:"src"`
			} `json:"icons"`
		}
		if err := json.Unmarshal([]byte(body), &m); err != nil || resp.StatusCode != 200 {
			t.Fatalf("manifest: %d %v %s", resp.StatusCode, err, body)
		}
		if m.Name != "Cotizador" || m.Lang != "es" || len(m.Icons) == 0 {
			t.Errorf("manifest = %+v", m)
		}
		if resp, _ := a.Get(t, m.Icons[0].Src); resp.StatusCode != 200 {
			t.Errorf("manifest icon %s: status %d", m.Icons[0].Src, resp.StatusCode)
		}
	})
}

func TestHomePage(t *testing.T) {
	_, cl := signedIn(t)
	resp, body := cl.Get(t, "/")
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	for _, want := range []string{`<html lang="es"`, `name="viewport"`, "Nueva cotización", `aria-current="page">Inicio`, "versión test", `name="htmx-config"`} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") || regexp.MustCompile(`\son[a-z]+=`).MatchString(body) {
		t.Error("home page has an inline script or event handler")
	}
}
