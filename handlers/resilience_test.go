package handlers_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/breaker"
	"cotizador/db"
	"cotizador/handlers"
	"cotizador/internal/testutil"
	"cotizador/locales"
)

// errorCases is one app error per code, with the message a real call site
// uses and the status the one table must give it.
var errorCases = []struct {
	code    app.Code
	status  int
	message string
	args    map[string]any
}{
	{app.EINVALID, 422, "error.db_constraint", nil},
	{app.ENOTFOUND, 404, "customer.not_found", nil},
	{app.ECONFLICT, 409, "error.db_unique.material_code", map[string]any{"Value": "PER-NAC3-RS"}},
	{app.EUNAUTHORIZED, 401, "error.unauthorized.body", nil},
	{app.EFORBIDDEN, 403, "error.forbidden.body", nil},
	{app.ERATELIMIT, 429, "error.rate_limited.body", nil},
	{app.EUNAVAILABLE, 503, "error.db_busy", nil},
	{app.EINTERNAL, 500, "error.internal", nil},
}

func TestEveryErrorCodeInBothLanguagesAsPageFragmentAndJSON(t *testing.T) {
	if len(errorCases) != len(app.Codes()) {
		t.Fatalf("%d cases for %d codes", len(errorCases), len(app.Codes()))
	}
	a := testutil.NewApp(t)
	raise := func(c *fiber.Ctx) error {
		for _, ec := range errorCases {
			if string(ec.code) == c.Params("code") {
				return &app.Error{Code: ec.code, Message: ec.message, Args: ec.args, Err: errors.New("secreto: SELECT * FROM users")}
			}
		}
		return errors.New("unknown code")
	}
	a.Fiber.Get("/test/error/:code", raise)
	a.Fiber.Get("/api/test/error/:code", raise)
	bundle, err := locales.NewBundle(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ec := range errorCases {
		for _, lang := range []string{"es", "en"} {
			tr := bundle.Translator(lang)
			text := tr.Map(ec.message, ec.args)
			if ec.code == app.EINTERNAL {
				text = tr.T("error.internal.body")
			}
			if text == "" || text == ec.message {
				t.Fatalf("%s: no %s text for %s", ec.code, lang, ec.message)
			}
			ref := tr.T("error.reference", "ID", "")
			for _, form := range []string{"page", "fragment", "json"} {
				t.Run(fmt.Sprintf("%s/%s/%s", ec.code, lang, form), func(t *testing.T) {
					path := "/test/error/" + string(ec.code) + "?lang=" + lang
					var headers []string
					switch form {
					case "fragment":
						headers = []string{"HX-Request", "true"}
					case "json":
						path = "/api" + path
					}
					resp, body := a.Get(t, path, headers...)
					if resp.StatusCode != ec.status {
						t.Fatalf("status = %d, want %d", resp.StatusCode, ec.status)
					}
					if strings.Contains(body, "secreto") || strings.Contains(body, "SELECT") {
						t.Fatalf("the cause leaked:\n%s", body)
					}
					rid := resp.Header.Get("X-Request-ID")
					switch form {
					case "json":
						var got struct {
							Error struct{ Code, Message string }
						}
						if err := json.Unmarshal([]byte(body), &got); err != nil {
							t.Fatalf("not JSON: %v\n%s", err, body)
						}
						if got.Error.Code != string(ec.code) || got.Error.Message != text {
							t.Errorf("JSON error = %+v, want %s %q", got.Error, ec.code, text)
						}
					case "page":
						for _, want := range []string{`<html lang="` + lang + `"`, html.EscapeString(text), ref + rid} {
							if !strings.Contains(body, want) {
								t.Errorf("page lacks %q:\n%s", want, body)
							}
						}
					case "fragment":
						if strings.Contains(body, "<html") || !strings.Contains(body, "flash-error") || !strings.Contains(body, html.EscapeString(text)) || !strings.Contains(body, rid) {
							t.Errorf("fragment = %s, want a flash-error box with %q and the request id", body, text)
						}
					}
				})
			}
		}
	}
	// Spanish and English differ where they should: the conflict names the
	// material in both.
	es, en := bundle.Translator("es").Map("error.db_unique.material_code", map[string]any{"Value": "PER-NAC3-RS"}),
		bundle.Translator("en").Map("error.db_unique.material_code", map[string]any{"Value": "PER-NAC3-RS"})
	if es != "Ya existe un material con el código PER-NAC3-RS." || en != "A material with code PER-NAC3-RS already exists." {
		t.Errorf("conflict texts: %q / %q", es, en)
	}
}

func TestPanicGivesA500PageAndTheServerKeepsServing(t *testing.T) {
	a := testutil.NewApp(t)
	a.Fiber.Get("/test/panic", func(c *fiber.Ctx) error { panic("secreto: índice fuera de rango") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- a.Fiber.Listener(ln) }()
	defer func() {
		a.Fiber.Shutdown()
		<-served
	}()
	base := "http://" + ln.Addr().String()
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for i := 0; i < 3; i++ {
		status, body := get("/test/panic")
		if status != 500 || !strings.Contains(body, "Error del servidor") || strings.Contains(body, "secreto") || strings.Contains(body, "goroutine") {
			t.Fatalf("panic %d: %d\n%s", i, status, body)
		}
		if status, _ := get("/api/health/live"); status != 200 {
			t.Fatalf("after panic %d the server answers %d", i, status)
		}
	}
	// The panic is a critical error: one group with three occurrences and
	// an alert in the log at once.
	logs := a.Logs.String()
	if !strings.Contains(logs, `"msg":"alert"`) || !strings.Contains(logs, `"rule":"critical"`) {
		t.Errorf("no critical alert logged:\n%s", logs)
	}
	if !strings.Contains(logs, `"msg":"panic"`) || !strings.Contains(logs, `"category":"error"`) {
		t.Errorf("panic not logged in the error category")
	}
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// keptFields reads back the fields an error page offers to send again.
func keptFields(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(body, -1) {
		v.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

func customerCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Reader.QueryRow(`SELECT count(*) FROM customers WHERE deleted_at IS NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBusyDatabaseRetriesThenAnswers503(t *testing.T) {
	a, cl := signedIn(t)
	form := url.Values{"name": {"Herrería La Ocupada"}, "phone": {"8112345678"}, "notes": {"Entregar por la tarde"}}

	t.Run("succeeds once the other connection releases the lock", func(t *testing.T) {
		a.DB.SetRetryPolicy(db.RetryPolicy{MaxAttempts: 100, MaxElapsed: 20 * time.Second, BaseDelay: 20 * time.Millisecond,
			MaxDelay: 100 * time.Millisecond, AttemptTimeout: 100 * time.Millisecond})
		release := testutil.HoldWriteLock(t, a.DB)
		go func() {
			time.Sleep(600 * time.Millisecond)
			release()
		}()
		before := customerCount(t, a.DB)
		resp, body := cl.PostForm(t, "/clientes", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303 after the lock was released\n%s", resp.StatusCode, body)
		}
		if customerCount(t, a.DB) != before+1 {
			t.Error("customer not created")
		}
		if st := a.DB.GuardStats(); st.BusyRetries == 0 || st.BusyRecovered == 0 {
			t.Errorf("guard stats = %+v", st)
		}
	})

	t.Run("past the budget a Spanish 503 and nothing written", func(t *testing.T) {
		a.DB.SetRetryPolicy(db.RetryPolicy{MaxAttempts: 4, MaxElapsed: 600 * time.Millisecond, BaseDelay: 20 * time.Millisecond,
			MaxDelay: 100 * time.Millisecond, AttemptTimeout: 100 * time.Millisecond})
		release := testutil.HoldWriteLock(t, a.DB)
		defer release()
		before := customerCount(t, a.DB)
		resp, body := cl.PostForm(t, "/clientes", form)
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", resp.StatusCode)
		}
		if !strings.Contains(body, "intenta de nuevo en unos segundos") || resp.Header.Get("Retry-After") != "5" {
			t.Errorf("503 page lacks the Spanish advice or Retry-After (%q):\n%s", resp.Header.Get("Retry-After"), body)
		}
		kept := keptFields(body)
		if kept.Get("name") != "Herrería La Ocupada" || kept.Get("notes") != "Entregar por la tarde" || kept.Get("_csrf") == "" {
			t.Errorf("the page does not keep the form: %v", kept)
		}
		// With htmx the form stays on screen: the answer is the message.
		resp, body = cl.PostForm(t, "/clientes", form, "HX-Request", "true")
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "flash-error") || strings.Contains(body, "<html") {
			t.Errorf("htmx answer: %d\n%s", resp.StatusCode, body)
		}
		release()
		if got := customerCount(t, a.DB); got != before {
			t.Errorf("customers = %d after refused writes, want %d", got, before)
		}
		// Sending the kept form again works once the lock is gone.
		kept.Del("_csrf")
		if resp, _ := cl.PostForm(t, "/clientes", kept); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("resending the kept form: %d", resp.StatusCode)
		}
		_, metrics := a.Get(t, "/api/health/metrics")
		for _, want := range []string{"cotizador_db_busy_gave_up_total 2", "cotizador_db_busy_retries_total", `cotizador_errors_total{category="database",code="unavailable",severity="high"} 2`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %q", want)
			}
		}
		if logs := a.Logs.String(); !strings.Contains(logs, `"msg":"database busy: gave up"`) || !strings.Contains(logs, `"msg":"database busy: retrying"`) {
			t.Errorf("retries not logged")
		}
	})
}

// fillUntilFull writes through the store until SQLite reports the disk
// full, which puts the app in read-only mode.
func fillUntilFull(t *testing.T, d *db.DB) {
	t.Helper()
	testutil.FillDisk(t, d)
	for i := 0; i < 200; i++ {
		cs := make([]*db.Customer, 50)
		for j := range cs {
			cs[j] = &db.Customer{Name: fmt.Sprintf("Relleno %d-%d con un nombre largo para ocupar páginas", i, j), Notes: strings.Repeat("nota ", 40)}
		}
		err := d.CreateCustomers(t.Context(), cs, app.SystemActor)
		if app.ErrorMessage(err) == db.MsgDiskFull {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("the disk never filled")
}

func TestReadOnlyModeServesReadsRefusesWritesAndRecovers(t *testing.T) {
	a, cl := signedIn(t)
	if resp, _ := cl.PostForm(t, "/clientes", url.Values{"name": {"Vidrios Antes del Lleno"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create before: %d", resp.StatusCode)
	}
	fillUntilFull(t, a.DB)
	before := customerCount(t, a.DB)
	const banner = "Solo lectura: el disco del servidor está lleno"

	// Reads are served, with the banner on every page (and no attempt to
	// record the session's use, which could only be refused).
	a.Clock.Advance(2 * time.Minute)
	for _, path := range []string{"/", "/clientes", "/cotizaciones", "/cuenta"} {
		resp, body := cl.Get(t, path)
		if resp.StatusCode != 200 || !strings.Contains(body, banner) {
			t.Errorf("GET %s while read-only: %d, banner %v", path, resp.StatusCode, strings.Contains(body, banner))
		}
	}
	if strings.Contains(a.Logs.String(), `"msg":"touch session"`) {
		t.Error("session touches attempted while read-only")
	}
	if _, body := cl.Get(t, "/clientes?q=Antes"); !strings.Contains(body, "Vidrios Antes del Lleno") {
		t.Error("the customer list does not show the stored customer")
	}
	anon := a.NewClient()
	if resp, body := anon.Get(t, "/login"); resp.StatusCode != 200 || !strings.Contains(body, banner) {
		t.Errorf("login page while read-only: %d", resp.StatusCode)
	}

	// A write is refused with the reason, keeping what was typed.
	form := url.Values{"name": {"Cancelería Después"}, "phone": {"5512345678"}, "address": {"Calle Pino 12"}}
	resp, body := cl.PostForm(t, "/clientes", form)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "Solo lectura") || !strings.Contains(body, "no se guardó nada") {
		t.Fatalf("write while read-only: %d\n%s", resp.StatusCode, body)
	}
	kept := keptFields(body)
	if kept.Get("name") != "Cancelería Después" || kept.Get("address") != "Calle Pino 12" {
		t.Errorf("kept form = %v", kept)
	}
	if got := customerCount(t, a.DB); got != before {
		t.Errorf("customers = %d, want %d: nothing may be written", got, before)
	}

	// Readiness says why, the gauge is up.
	resp, body = a.Get(t, "/api/health/ready")
	if resp.StatusCode != 503 || !strings.Contains(body, `"error":"read_only"`) || !strings.Contains(body, `"cause":"disk_full"`) {
		t.Errorf("ready while read-only: %d %s", resp.StatusCode, body)
	}
	if _, m := a.Get(t, "/api/health/metrics"); !strings.Contains(m, "cotizador_db_read_only 1") {
		t.Error("metrics lack cotizador_db_read_only 1")
	}
	if !strings.Contains(a.Logs.String(), `"rule":"critical"`) {
		t.Error("a full disk raised no critical alert")
	}

	// Space comes back; the periodic probe write (as serve runs it) ends
	// the mode by itself.
	go a.DB.WatchReadOnly(t.Context(), 20*time.Millisecond)
	testutil.FreeDisk(t, a.DB)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ro := a.DB.ReadOnly(); !ro {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still read-only after space returned")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if resp, _ := a.Get(t, "/api/health/ready"); resp.StatusCode != 200 {
		t.Errorf("ready after recovery: %d", resp.StatusCode)
	}
	if _, body := cl.Get(t, "/"); strings.Contains(body, banner) {
		t.Error("banner still shown after recovery")
	}
	kept.Del("_csrf")
	if resp, _ := cl.PostForm(t, "/clientes", kept); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("resending the kept form after recovery: %d", resp.StatusCode)
	}
	if _, m := a.Get(t, "/api/health/metrics"); !strings.Contains(m, "cotizador_db_read_only 0") {
		t.Error("metrics lack cotizador_db_read_only 0")
	}
}

func TestErrorsPageHealthAndMetrics(t *testing.T) {
	hook := breaker.New(breaker.Settings{Name: "alert_webhook"})
	set := &breaker.Set{}
	set.Add(hook)
	a, cl := signedIn(t, func(d *handlers.Deps) {
		d.Breakers = set
		d.Config.SlowRequest = time.Nanosecond
	})
	a.Fiber.Get("/test/boom", func(c *fiber.Ctx) error { return fmt.Errorf("db: quote %d failed", c.QueryInt("n")) })
	for i := 0; i < 3; i++ {
		cl.Get(t, fmt.Sprintf("/test/boom?n=%d", i))
	}
	cl.Get(t, "/no-existe")

	resp, body := cl.Get(t, "/errores")
	if resp.StatusCode != 200 {
		t.Fatalf("/errores: %d", resp.StatusCode)
	}
	for _, want := range []string{"<code>/test/boom</code>", "<td>3</td>", "db: quote N failed", "<code>unmatched</code>", `<svg class="errors-chart"`,
		"Errores en las últimas 24 horas", "circuito cerrado", "Interno"} {
		if !strings.Contains(body, want) {
			t.Errorf("/errores lacks %q", want)
		}
	}
	if strings.Contains(body, "style=") {
		t.Error("inline style on /errores (the CSP forbids it)")
	}
	sales := a.CreateUser(t, auth.RoleSales, "ventas@aluminios.mx")
	if resp, _ := a.Login(t, sales.Email).Get(t, "/errores"); resp.StatusCode != 403 {
		t.Errorf("salesperson on /errores: %d, want 403", resp.StatusCode)
	}

	_, body = cl.Get(t, "/api/health/detailed")
	var det struct {
		Errors struct {
			Rates map[string]struct {
				Last5m int `json:"last_5m"`
			} `json:"rates"`
			OpenAlerts []any `json:"open_alerts"`
		} `json:"errors"`
		Breakers []struct{ Name, State string } `json:"breakers"`
		DBGuard  map[string]uint64              `json:"db_guard"`
	}
	if err := json.Unmarshal([]byte(body), &det); err != nil {
		t.Fatal(err)
	}
	if det.Errors.Rates["internal"].Last5m != 3 || det.Errors.Rates["business"].Last5m < 1 {
		t.Errorf("rates = %+v", det.Errors.Rates)
	}
	if len(det.Breakers) != 1 || det.Breakers[0].Name != "alert_webhook" || det.Breakers[0].State != "closed" {
		t.Errorf("breakers = %+v", det.Breakers)
	}
	if _, ok := det.DBGuard["busy_retries"]; !ok {
		t.Errorf("db_guard = %v", det.DBGuard)
	}

	_, m := a.Get(t, "/api/health/metrics")
	for _, want := range []string{`cotizador_errors_total{category="internal",code="internal",severity="high"} 3`, `cotizador_error_rate_per_minute{category="internal"} 0.6`,
		"cotizador_open_alerts 0", `cotizador_circuit_breaker_state{name="alert_webhook"} 0`, "cotizador_db_read_only 0", "cotizador_http_slow_requests_total"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if logs := a.Logs.String(); !strings.Contains(logs, `"msg":"slow request"`) || !strings.Contains(logs, `"category":"performance"`) {
		t.Error("slow requests not logged to performance")
	}
}
