package handlers_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"cotizador/auth"
	"cotizador/handlers"
	"cotizador/internal/testutil"
)

// staff creates an app with one user of each role.
func staff(t *testing.T, opts ...testutil.Option) *testutil.App {
	t.Helper()
	a := testutil.NewApp(t, opts...)
	a.CreateUser(t, auth.RoleOwner, "duena@aluminios.mx")
	a.CreateUser(t, auth.RoleAdmin, "admin@aluminios.mx")
	a.CreateUser(t, auth.RoleSales, "vendedor@aluminios.mx")
	a.CreateUser(t, auth.RoleViewer, "consulta@aluminios.mx")
	return a
}

var principals = []struct {
	name  string
	email string
	role  auth.Role
}{
	{"anonymous", "", ""},
	{"owner", "duena@aluminios.mx", auth.RoleOwner},
	{"admin", "admin@aluminios.mx", auth.RoleAdmin},
	{"sales", "vendedor@aluminios.mx", auth.RoleSales},
	{"viewer", "consulta@aluminios.mx", auth.RoleViewer},
}

// fillParams turns a route pattern into a concrete path.
func fillParams(path string) string {
	r := strings.NewReplacer(":id", "999999", ":token", "no-existe", ":folio", "COT-2026-9999", "*", "css/app.css")
	return r.Replace(path)
}

// TestRouteAccessMatrix walks every registered route as an anonymous
// visitor and as each role, and checks the route lets in exactly the roles it
// declares. A route registered without a declaration fails the test.
func TestRouteAccessMatrix(t *testing.T) {
	a := staff(t)
	routes := a.Fiber.GetRoutes(true)
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	seen := 0
	for _, r := range routes {
		if r.Method == http.MethodHead {
			continue
		}
		if r.Name == "" {
			t.Errorf("route %s %s declares no access (register it through the router in routes.go)", r.Method, r.Path)
			continue
		}
		var allowed []auth.Role
		isPublic := r.Name == "public"
		if !isPublic {
			list, ok := strings.CutPrefix(r.Name, "roles:")
			if !ok {
				t.Errorf("route %s %s: unknown access %q", r.Method, r.Path, r.Name)
				continue
			}
			for _, name := range strings.Split(list, ",") {
				allowed = append(allowed, auth.Role(name))
			}
		}
		path := fillParams(r.Path)
		for _, p := range principals {
			want := isPublic || slices.Contains(allowed, p.role)
			t.Run(fmt.Sprintf("%s %s as %s", r.Method, r.Path, p.name), func(t *testing.T) {
				var cl *testutil.Client
				if p.email == "" {
					cl = a.NewClient()
					cl.Get(t, "/login")
				} else {
					// A fresh session each time: some routes (logout,
					// password change) end the session they run in.
					cl = a.Login(t, p.email)
				}
				var resp *http.Response
				if r.Method == http.MethodGet {
					resp, _ = cl.Get(t, path)
				} else {
					resp, _ = cl.PostForm(t, path, url.Values{})
				}
				loc := resp.Header.Get("Location")
				sentToLogin := resp.StatusCode == http.StatusSeeOther && (loc == "/login" || strings.HasPrefix(loc, "/login?"))
				denied := resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || (!isPublic && r.Method == http.MethodGet && sentToLogin)
				if denied == want {
					t.Errorf("status %d (Location %q): allowed = %v, want %v", resp.StatusCode, loc, !denied, want)
				}
				if !want && p.email == "" && r.Method == http.MethodGet && !strings.HasPrefix(path, "/api/") && !sentToLogin {
					t.Errorf("anonymous GET of a private page: status %d, want a redirect to the login page", resp.StatusCode)
				}
			})
			seen++
		}
	}
	if seen < 100 {
		t.Errorf("checked only %d route × role pairs", seen)
	}
}

func TestBruteForceLockout(t *testing.T) {
	a := staff(t)
	login := func(cl *testutil.Client, email, password string) (*http.Response, string) {
		return cl.PostForm(t, "/login", url.Values{"email": {email}, "password": {password}})
	}
	attacker := a.NewClient()
	attacker.Get(t, "/login")

	for i := 1; i <= 5; i++ {
		resp, body := login(attacker, "vendedor@aluminios.mx", fmt.Sprintf("adivinanza-%d", i))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Correo o contraseña incorrectos.") {
			t.Fatalf("attempt %d: status %d, want 422 with the generic message", i, resp.StatusCode)
		}
	}
	resp, body := login(attacker, "vendedor@aluminios.mx", testutil.Password)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Demasiados intentos fallidos") {
		t.Fatalf("6th attempt with the right password: status %d, want 429 locked", resp.StatusCode)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("locked response has no Retry-After")
	}

	t.Run("no account enumeration", func(t *testing.T) {
		other := a.NewClient()
		other.Get(t, "/login")
		var lastGhost string
		for i := 1; i <= 6; i++ {
			_, lastGhost = login(other, "nadie@aluminios.mx", "adivinanza-x")
		}
		if !strings.Contains(lastGhost, "Demasiados intentos fallidos") {
			t.Error("a non-existent e-mail is not locked like a real one: the difference reveals which accounts exist")
		}
	})

	t.Run("security log", func(t *testing.T) {
		evs, _, err := a.DB.FindSecurityEvents(t.Context(), "account_locked", 10, 0)
		if err != nil || len(evs) == 0 {
			t.Fatalf("no account_locked event (err %v)", err)
		}
		if !strings.Contains(a.Logs.String(), `"category":"security","kind":"account_locked"`) {
			t.Error("no slog line with category=security for the lockout")
		}
	})

	t.Run("users page shows the lock and the owner unlocks", func(t *testing.T) {
		owner := a.Login(t, "duena@aluminios.mx")
		_, body := owner.Get(t, "/usuarios")
		if !strings.Contains(body, "Bloqueado") {
			t.Error("users page does not show the locked account")
		}
		u, err := a.DB.FindUserByEmail(t.Context(), "vendedor@aluminios.mx")
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := owner.PostForm(t, fmt.Sprintf("/usuarios/%d/desbloquear", u.ID), nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("unlock: status %d", resp.StatusCode)
		}
		resp, _ = login(attacker, "vendedor@aluminios.mx", testutil.Password)
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("login after unlock: status %d, want 303", resp.StatusCode)
		}
		if evs, _, _ := a.DB.FindSecurityEvents(t.Context(), "account_unlocked", 10, 0); len(evs) != 1 {
			t.Errorf("account_unlocked events = %d, want 1", len(evs))
		}
	})

	t.Run("the lock expires by itself", func(t *testing.T) {
		cl := a.NewClient()
		cl.Get(t, "/login")
		for i := 0; i < 5; i++ {
			login(cl, "consulta@aluminios.mx", "mal")
		}
		if resp, _ := login(cl, "consulta@aluminios.mx", testutil.Password); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("status %d, want 429", resp.StatusCode)
		}
		a.Clock.Advance(16 * time.Minute)
		if resp, _ := login(cl, "consulta@aluminios.mx", testutil.Password); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("after 16 minutes: status %d, want 303", resp.StatusCode)
		}
	})
}

func TestLoginThrottlePerIP(t *testing.T) {
	a := staff(t)
	cl := a.NewClient()
	cl.Get(t, "/login")
	// 20 failures spread over many e-mails: no account reaches its own limit.
	for i := 0; i < 20; i++ {
		cl.PostForm(t, "/login", url.Values{"email": {fmt.Sprintf("x%d@aluminios.mx", i)}, "password": {"mal"}})
	}
	resp, body := cl.PostForm(t, "/login", url.Values{"email": {"duena@aluminios.mx"}, "password": {testutil.Password}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "desde tu red") {
		t.Fatalf("21st attempt from the IP: status %d, want 429", resp.StatusCode)
	}
	if evs, _, _ := a.DB.FindSecurityEvents(t.Context(), "login_ip_throttled", 10, 0); len(evs) == 0 {
		t.Error("no login_ip_throttled event")
	}
}

func TestCSRF(t *testing.T) {
	a := staff(t)
	owner := a.Login(t, "duena@aluminios.mx")
	post := func(cl *testutil.Client, values url.Values, headers ...string) (*http.Response, string) {
		return cl.PostForm(t, "/cuenta/tokens", values, headers...)
	}
	tests := []struct {
		name       string
		values     url.Values
		headers    []string
		wantStatus int
		wantIn     string
	}{
		{"form without token", url.Values{"name": {"x"}, "_csrf": {""}}, nil, 403, "El formulario caducó"},
		{"form with a wrong token", url.Values{"name": {"x"}, "_csrf": {"inventado"}}, nil, 403, "El formulario caducó"},
		{"form with the token", url.Values{"name": {"script de respaldo"}}, nil, 200, "Copia este token ahora"},
		{"htmx without token", url.Values{"name": {"x"}, "_csrf": {""}}, []string{"HX-Request", "true"}, 403, "flash-error"},
		{"htmx with the header", url.Values{"name": {"desde htmx"}, "_csrf": {""}}, []string{"HX-Request", "true", "X-CSRF-Token", owner.CSRF}, 200, "Copia este token ahora"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(owner, tt.values, tt.headers...)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantIn) {
				t.Errorf("status %d, want %d with %q", resp.StatusCode, tt.wantStatus, tt.wantIn)
			}
			if tt.wantStatus == 403 && len(tt.headers) > 0 && strings.Contains(body, "<html") {
				t.Error("htmx rejection should be a fragment")
			}
		})
	}

	t.Run("token of another session", func(t *testing.T) {
		admin := a.Login(t, "admin@aluminios.mx")
		// The owner's session cookie with the admin's CSRF cookie and token:
		// both halves of the double submit match, but the token belongs to
		// another session.
		mixed := a.NewClient()
		mixed.Cookies["cotizador_session"] = owner.Cookies["cotizador_session"]
		mixed.Cookies["cotizador_csrf"] = admin.Cookies["cotizador_csrf"]
		mixed.CSRF = admin.CSRF
		resp, _ := post(mixed, url.Values{"name": {"x"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
	})

	t.Run("login itself needs the token", func(t *testing.T) {
		cl := a.NewClient()
		cl.Get(t, "/login")
		resp, _ := cl.PostForm(t, "/login", url.Values{"email": {"duena@aluminios.mx"}, "password": {testutil.Password}, "_csrf": {""}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("login without token: status %d, want 403", resp.StatusCode)
		}
	})

	t.Run("rejections are logged", func(t *testing.T) {
		if evs, _, _ := a.DB.FindSecurityEvents(t.Context(), "csrf_rejected", 50, 0); len(evs) < 4 {
			t.Errorf("csrf_rejected events = %d, want ≥ 4", len(evs))
		}
	})

	t.Run("the token survives a restart", func(t *testing.T) {
		// Tokens live in SQLite: a second app on the same database (a
		// restart) accepts the token the first one issued.
		b, err := handlers.New(handlers.Deps{DB: a.DB, Clock: a.Clock, Logger: slog.New(slog.NewJSONHandler(a.Logs, nil)),
			Config: handlers.Config{Env: "development", Security: securityForTests()}})
		if err != nil {
			t.Fatal(err)
		}
		restarted := &testutil.App{Fiber: b, DB: a.DB, Clock: a.Clock, Logs: a.Logs}
		cl := &testutil.Client{App: restarted, Cookies: owner.Cookies, CSRF: owner.CSRF}
		resp, _ := cl.PostForm(t, "/cuenta/tokens", url.Values{"name": {"tras reinicio"}})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("status %d after restart, want 200", resp.StatusCode)
		}
	})
}

func securityForTests() handlers.Security {
	s := handlers.DefaultSecurity()
	s.PasswordParams = testutil.FastPasswords
	s.RateLimit, s.LoginRateLimit = 0, 0
	return s
}

func TestRateLimit(t *testing.T) {
	a := testutil.NewApp(t, testutil.WithSecurity(func(s *handlers.Security) { s.RateLimit = 100; s.LoginRateLimit = 10 }))
	a.CreateUser(t, auth.RoleOwner, "duena@aluminios.mx")
	for i := 1; i <= 100; i++ {
		if resp, _ := a.Get(t, "/login"); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d", i, resp.StatusCode)
		}
	}
	resp, body := a.Get(t, "/login")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("101st request: status %d, want 429", resp.StatusCode)
	}
	if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	if !strings.Contains(body, "Demasiadas solicitudes") {
		t.Error("429 page is not the Spanish one")
	}
	if resp, _ := a.Get(t, "/no-existe", "HX-Request", "true"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("htmx request over the limit: status %d", resp.StatusCode)
	}
	if resp, _ := a.Get(t, "/api/health/ready"); resp.StatusCode != http.StatusOK {
		t.Errorf("health endpoint is rate limited: status %d", resp.StatusCode)
	}
	if evs, _, _ := a.DB.FindSecurityEvents(t.Context(), "rate_limited", 10, 0); len(evs) == 0 {
		t.Error("no rate_limited security event")
	}
}

func TestLoginRateLimit(t *testing.T) {
	a := testutil.NewApp(t, testutil.WithSecurity(func(s *handlers.Security) { s.LoginRateLimit = 10 }))
	a.CreateUser(t, auth.RoleOwner, "duena@aluminios.mx")
	cl := a.NewClient()
	cl.Get(t, "/login")
	for i := 1; i <= 10; i++ {
		resp, _ := cl.PostForm(t, "/login", url.Values{"email": {fmt.Sprintf("a%d@b.mx", i)}, "password": {"x"}})
		if resp.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("POST %d: limited too early", i)
		}
	}
	if resp, _ := cl.PostForm(t, "/login", url.Values{"email": {"duena@aluminios.mx"}, "password": {testutil.Password}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("11th POST /login in a minute: status %d, want 429", resp.StatusCode)
	}
	if resp, _ := cl.Get(t, "/login"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /login is limited by the login limit: %d", resp.StatusCode)
	}
}

func TestSessionFixation(t *testing.T) {
	a := staff(t)
	cl := a.NewClient()
	cl.Cookies["cotizador_session"] = "elegido-por-el-atacante"
	cl.Get(t, "/login")
	csrfBefore := cl.CSRF
	resp, _ := cl.PostForm(t, "/login", url.Values{"email": {"duena@aluminios.mx"}, "password": {testutil.Password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	got := cl.Cookies["cotizador_session"]
	if got == "" || got == "elegido-por-el-atacante" {
		t.Fatalf("session cookie after login = %q: the token must be new", got)
	}
	if len(got) < 43 {
		t.Errorf("session token %q is shorter than 256 bits of base64", got)
	}
	cl.Get(t, "/cuenta")
	if cl.CSRF == csrfBefore {
		t.Error("the CSRF token did not change at login")
	}

	t.Run("signing in again replaces the session", func(t *testing.T) {
		old := cl.Cookies["cotizador_session"]
		cl.PostForm(t, "/login", url.Values{"email": {"admin@aluminios.mx"}, "password": {testutil.Password}})
		if cl.Cookies["cotizador_session"] == old {
			t.Fatal("session token unchanged")
		}
		stale := a.NewClient()
		stale.Cookies["cotizador_session"] = old
		if resp, _ := stale.Get(t, "/cuenta"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the replaced session still works: %d", resp.StatusCode)
		}
	})

	t.Run("only the hash is stored", func(t *testing.T) {
		var n int
		raw := cl.Cookies["cotizador_session"]
		if err := a.DB.Reader.QueryRow(`SELECT count(*) FROM sessions WHERE token_hash = ?`, raw).Scan(&n); err != nil || n != 0 {
			t.Errorf("raw token found in the database (n=%d, err=%v)", n, err)
		}
		if err := a.DB.Reader.QueryRow(`SELECT count(*) FROM sessions WHERE token_hash = ?`, auth.HashToken(raw)).Scan(&n); err != nil || n != 1 {
			t.Errorf("hash of the token not found (n=%d, err=%v)", n, err)
		}
	})
}

func TestSessionLifecycle(t *testing.T) {
	t.Run("logout ends the session on the server", func(t *testing.T) {
		a := staff(t)
		cl := a.Login(t, "duena@aluminios.mx")
		stolen := cl.Cookies["cotizador_session"]
		if resp, _ := cl.PostForm(t, "/logout", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", resp.StatusCode)
		}
		replay := a.NewClient()
		replay.Cookies["cotizador_session"] = stolen
		if resp, _ := replay.Get(t, "/cuenta"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the logged-out cookie still works: %d", resp.StatusCode)
		}
	})
	t.Run("idle timeout", func(t *testing.T) {
		a := staff(t)
		cl := a.Login(t, "duena@aluminios.mx")
		a.Clock.Advance(11 * time.Hour)
		if resp, _ := cl.Get(t, "/cuenta"); resp.StatusCode != http.StatusOK {
			t.Fatalf("after 11 h idle: %d, want 200", resp.StatusCode)
		}
		a.Clock.Advance(12*time.Hour + time.Minute)
		if resp, _ := cl.Get(t, "/cuenta"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("after 12 h idle: %d, want a redirect to login", resp.StatusCode)
		}
	})
	t.Run("remembered session survives idle, not the absolute limit", func(t *testing.T) {
		a := staff(t)
		cl := a.NewClient()
		cl.Get(t, "/login")
		resp, _ := cl.PostForm(t, "/login", url.Values{"email": {"vendedor@aluminios.mx"}, "password": {testutil.Password}, "remember": {"1"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatal(resp.StatusCode)
		}
		a.Clock.Advance(3 * 24 * time.Hour)
		if resp, _ := cl.Get(t, "/cuenta"); resp.StatusCode != http.StatusOK {
			t.Fatalf("remembered session after 3 days: %d", resp.StatusCode)
		}
		a.Clock.Advance(28 * 24 * time.Hour)
		if resp, _ := cl.Get(t, "/cuenta"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("after 31 days: %d, want a redirect to login", resp.StatusCode)
		}
	})
	t.Run("deactivation ends sessions and tokens at once", func(t *testing.T) {
		a := staff(t)
		seller := a.Login(t, "vendedor@aluminios.mx")
		raw, _, err := a.DB.CreateAPIToken(t.Context(), userID(t, a, "vendedor@aluminios.mx"), "script", "test")
		if err != nil {
			t.Fatal(err)
		}
		owner := a.Login(t, "duena@aluminios.mx")
		resp, body := owner.PostForm(t, fmt.Sprintf("/usuarios/%d", userID(t, a, "vendedor@aluminios.mx")), url.Values{"role": {"sales"}, "max_discount": {"5"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("deactivate: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := seller.Get(t, "/cuenta"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("deactivated user's session: %d, want redirect to login", resp.StatusCode)
		}
		if resp, _ := a.Get(t, "/cuenta", "Authorization", "Bearer "+raw); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("deactivated user's token: %d, want 401", resp.StatusCode)
		}
		if evs, _, _ := a.DB.FindSecurityEvents(t.Context(), "user_deactivated", 10, 0); len(evs) != 1 {
			t.Errorf("user_deactivated events = %d", len(evs))
		}
	})
	t.Run("role change ends the user's sessions", func(t *testing.T) {
		a := staff(t)
		seller := a.Login(t, "vendedor@aluminios.mx")
		owner := a.Login(t, "duena@aluminios.mx")
		owner.PostForm(t, fmt.Sprintf("/usuarios/%d", userID(t, a, "vendedor@aluminios.mx")), url.Values{"role": {"viewer"}, "active": {"1"}})
		if resp, _ := seller.Get(t, "/cuenta"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("session after role change: %d, want redirect", resp.StatusCode)
		}
		if evs, _, _ := a.DB.FindSecurityEvents(t.Context(), "role_changed", 10, 0); len(evs) != 1 || evs[0].Detail != "sales → viewer" {
			t.Errorf("role_changed events = %+v", evs)
		}
	})
	t.Run("password change rotates the token and ends other sessions", func(t *testing.T) {
		a := staff(t)
		phone := a.Login(t, "duena@aluminios.mx")
		laptop := a.Login(t, "duena@aluminios.mx")
		before := laptop.Cookies["cotizador_session"]
		resp, body := laptop.PostForm(t, "/cuenta/contrasena", url.Values{"current": {testutil.Password}, "password": {"Perfil-Serie-35-Nuevo"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("change password: %d\n%s", resp.StatusCode, body)
		}
		if laptop.Cookies["cotizador_session"] == before {
			t.Error("session token not rotated on password change")
		}
		if resp, _ := laptop.Get(t, "/cuenta"); resp.StatusCode != http.StatusOK {
			t.Errorf("the changing session was lost: %d", resp.StatusCode)
		}
		if resp, _ := phone.Get(t, "/cuenta"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("other session survived the password change: %d", resp.StatusCode)
		}
	})
	t.Run("end the other sessions", func(t *testing.T) {
		a := staff(t)
		phone := a.Login(t, "duena@aluminios.mx")
		laptop := a.Login(t, "duena@aluminios.mx")
		_, body := laptop.Get(t, "/cuenta")
		if strings.Count(body, "Chrome") > 0 || !strings.Contains(body, "esta sesión") {
			t.Logf("sessions list: %d sessions shown", strings.Count(body, "<li>"))
		}
		laptop.PostForm(t, "/cuenta/sesiones/cerrar-otras", nil)
		if resp, _ := phone.Get(t, "/cuenta"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("other session survived: %d", resp.StatusCode)
		}
		if resp, _ := laptop.Get(t, "/cuenta"); resp.StatusCode != http.StatusOK {
			t.Errorf("own session ended: %d", resp.StatusCode)
		}
	})
}

func userID(t *testing.T, a *testutil.App, email string) int64 {
	t.Helper()
	u, err := a.DB.FindUserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestCookieFlags(t *testing.T) {
	for _, prod := range []bool{false, true} {
		t.Run(fmt.Sprintf("production=%v", prod), func(t *testing.T) {
			var opts []testutil.Option
			if prod {
				opts = append(opts, testutil.Production())
			}
			a := staff(t, opts...)
			cl := a.NewClient()
			resp, _ := cl.Get(t, "/login")
			if got := resp.Header.Get("Strict-Transport-Security"); (got != "") != prod {
				t.Errorf("HSTS = %q in production=%v", got, prod)
			}
			resp, _ = cl.PostForm(t, "/login", url.Values{"email": {"duena@aluminios.mx"}, "password": {testutil.Password}, "remember": {"1"}})
			var session, csrf *http.Cookie
			for _, c := range resp.Cookies() {
				switch c.Name {
				case "cotizador_session":
					session = c
				case "cotizador_csrf":
					csrf = c
				}
			}
			if session == nil {
				t.Fatal("no session cookie")
			}
			if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Domain != "" || session.Path != "/" {
				t.Errorf("session cookie = %+v", session)
			}
			if session.Secure != prod {
				t.Errorf("session cookie Secure = %v, want %v", session.Secure, prod)
			}
			if session.MaxAge != 30*24*3600 {
				t.Errorf("remembered session MaxAge = %d, want 30 days", session.MaxAge)
			}
			if csrf != nil && (!csrf.HttpOnly || csrf.Secure != prod) {
				t.Errorf("csrf cookie = %+v", csrf)
			}
			cl2 := a.NewClient()
			cl2.Get(t, "/login")
			resp, _ = cl2.PostForm(t, "/login", url.Values{"email": {"admin@aluminios.mx"}, "password": {testutil.Password}})
			for _, c := range resp.Cookies() {
				if c.Name == "cotizador_session" && (c.MaxAge != 0 || !c.Expires.IsZero()) {
					t.Errorf("a session not remembered must end with the browser: %+v", c)
				}
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	a := staff(t)
	resp, _ := a.Get(t, "/login")
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options":       "nosniff",
		"Referrer-Policy":              "same-origin",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"X-Frame-Options":              "DENY",
		"Permissions-Policy":           "camera=()",
		"Access-Control-Allow-Origin":  "",
		"Access-Control-Allow-Methods": "",
	} {
		got := resp.Header.Get(h)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}

func TestCORS(t *testing.T) {
	preflight := func(a *testutil.App, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, "/api/health/version", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		resp, _ := a.Do(t, req)
		return resp
	}
	t.Run("closed by default", func(t *testing.T) {
		a := testutil.NewApp(t)
		resp, _ := a.Get(t, "/api/health/version", "Origin", "https://otro.example")
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("ACAO = %q, want none", v)
		}
		if v := preflight(a, "https://otro.example").Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("preflight ACAO = %q", v)
		}
	})
	t.Run("listed origins only, GET and POST", func(t *testing.T) {
		a := testutil.NewApp(t, testutil.WithSecurity(func(s *handlers.Security) { s.CORSOrigins = []string{"https://tienda.example.mx"} }))
		resp := preflight(a, "https://tienda.example.mx")
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "https://tienda.example.mx" {
			t.Errorf("ACAO = %q", v)
		}
		if m := resp.Header.Get("Access-Control-Allow-Methods"); m != "GET,POST" {
			t.Errorf("methods = %q", m)
		}
		if v := preflight(a, "https://otro.example").Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("unlisted origin got ACAO %q", v)
		}
	})
}

func TestAPITokens(t *testing.T) {
	a := staff(t)
	seller := a.Login(t, "vendedor@aluminios.mx")
	_, body := seller.PostForm(t, "/cuenta/tokens", url.Values{"name": {"hoja de cálculo"}})
	raw := between(body, `<code class="token">`, `</code>`)
	if !strings.HasPrefix(raw, "cot_") {
		t.Fatalf("no token shown after creation:\n%s", body)
	}
	_, again := seller.Get(t, "/cuenta")
	if strings.Contains(again, raw) {
		t.Error("the token is shown again after its creation")
	}

	resp, body := a.Get(t, "/cuenta", "Authorization", "Bearer "+raw)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "vendedor@aluminios.mx") {
		t.Fatalf("bearer request: %d", resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		t.Errorf("a bearer request got a cookie: %s", c.Name)
	}
	if resp, _ := a.Get(t, "/usuarios", "Authorization", "Bearer "+raw); resp.StatusCode != http.StatusForbidden {
		t.Errorf("token has more than its user's role: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, "/cuenta/tokens", strings.NewReader("name=otro"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+raw)
	if resp, _ := a.Do(t, req); resp.StatusCode != http.StatusOK {
		t.Errorf("bearer POST without CSRF token: %d, want 200", resp.StatusCode)
	}

	toks, err := a.DB.FindUserAPITokens(t.Context(), userID(t, a, "vendedor@aluminios.mx"))
	if err != nil || len(toks) != 2 {
		t.Fatalf("tokens = %d, %v", len(toks), err)
	}
	first := toks[len(toks)-1]
	if resp, _ := seller.PostForm(t, fmt.Sprintf("/cuenta/tokens/%d/revocar", first.ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	resp, body = a.Get(t, "/api/health/version", "Authorization", "Bearer "+raw)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"code":"unauthorized"`) {
		t.Errorf("revoked token: %d %s", resp.StatusCode, body)
	}
	t.Run("another user's token cannot be revoked", func(t *testing.T) {
		owner := a.Login(t, "duena@aluminios.mx")
		if resp, _ := owner.PostForm(t, fmt.Sprintf("/cuenta/tokens/%d/revocar", toks[0].ID), nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("status %d, want 404", resp.StatusCode)
		}
	})
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}

func TestTrustedProxies(t *testing.T) {
	lastIP := func(a *testutil.App) string {
		var ip string
		if err := a.DB.Reader.QueryRow(`SELECT ip FROM login_attempts ORDER BY id DESC LIMIT 1`).Scan(&ip); err != nil {
			t.Fatal(err)
		}
		return ip
	}
	attempt := func(a *testutil.App) {
		cl := a.NewClient()
		cl.Get(t, "/login")
		cl.PostForm(t, "/login", url.Values{"email": {"x@y.mx"}, "password": {"z"}}, "X-Forwarded-For", "203.0.113.7")
	}
	t.Run("ignored without a trusted proxy", func(t *testing.T) {
		a := staff(t)
		attempt(a)
		if ip := lastIP(a); ip == "203.0.113.7" {
			t.Error("X-Forwarded-For trusted from an unlisted peer")
		}
	})
	t.Run("used from a trusted proxy", func(t *testing.T) {
		// app.Test's in-memory connection comes from 0.0.0.0.
		a := staff(t, testutil.WithSecurity(func(s *handlers.Security) { s.TrustedProxies = []string{"0.0.0.0"} }))
		attempt(a)
		if ip := lastIP(a); ip != "203.0.113.7" {
			t.Errorf("client IP = %q, want the forwarded one", ip)
		}
	})
}
