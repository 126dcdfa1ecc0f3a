package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cotizador/auth"
	"cotizador/internal/testutil"
)

const (
	uaLaptop = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	uaPhone  = "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
)

// loginWith signs in through the form with a browser's user agent.
func loginWith(t *testing.T, a *testutil.App, email, ua string) *testutil.Client {
	t.Helper()
	cl := a.NewClient()
	cl.Get(t, "/login", "User-Agent", ua)
	resp, body := cl.PostForm(t, "/login", url.Values{"email": {email}, "password": {testutil.Password}}, "User-Agent", ua)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d\n%s", resp.StatusCode, body)
	}
	return cl
}

var noticeForm = regexp.MustCompile(`action="/cuenta/sesiones/(\d+)/cerrar"><input type="hidden" name="_csrf" value="[^"]*"><input type="hidden" name="aviso" value="1">`)

func TestNewDeviceNoticeShownOnceAndEndsThatSession(t *testing.T) {
	a := testutil.NewApp(t)
	a.CreateUser(t, auth.RoleOwner, "duena@aluminios.mx")
	const notice = "Nuevo inicio de sesión desde Chrome · Android"

	laptop := loginWith(t, a, "duena@aluminios.mx", uaLaptop)
	if _, body := laptop.Get(t, "/"); strings.Contains(body, "Nuevo inicio de sesión") {
		t.Fatal("a first sign-in is not an anomaly")
	}
	if strings.Contains(a.Logs.String(), "login_new_device") {
		t.Fatal("the first sign-in was logged as a new device")
	}

	phone := loginWith(t, a, "duena@aluminios.mx", uaPhone)
	if !strings.Contains(a.Logs.String(), `"kind":"login_new_device"`) || !strings.Contains(a.Logs.String(), `"category":"security"`) {
		t.Fatal("the sign-in from a new device is not a security event")
	}
	// The phone's own pages do not warn about the phone.
	if _, body := phone.Get(t, "/cuenta"); strings.Contains(body, "Nuevo inicio de sesión") {
		t.Error("the new session was warned about itself")
	}

	// The laptop's next page shows the notice with its one-tap button…
	_, body := laptop.Get(t, "/cotizaciones")
	if !strings.Contains(body, notice) || !strings.Contains(body, "¿Fuiste tú?") || !strings.Contains(body, "Cerrar esa sesión") {
		t.Fatalf("notice missing on the next page:\n%s", body)
	}
	m := noticeForm.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no end-session form in the notice")
	}
	// …once.
	if _, again := laptop.Get(t, "/"); strings.Contains(again, "Nuevo inicio de sesión") {
		t.Error("the notice appeared twice")
	}

	// One tap ends the phone's session.
	resp, _ := laptop.PostForm(t, "/cuenta/sesiones/"+m[1]+"/cerrar", url.Values{"aviso": {"1"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/cuenta" {
		t.Fatalf("cerrar esa sesión: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := laptop.Get(t, "/cuenta"); !strings.Contains(body, "Se cerró esa sesión") {
		t.Error("no confirmation after ending the session")
	}
	if resp, _ := phone.Get(t, "/cuenta"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("the ended session still works: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	// Listed on /seguridad for the owner.
	if _, body := laptop.Get(t, "/seguridad"); !strings.Contains(body, "Inicio de sesión desde un dispositivo o red nuevos") || !strings.Contains(body, "Chrome · Android") {
		t.Errorf("/seguridad does not list the new-device sign-in:\n%s", body)
	}

	// The same laptop signing in again is nothing new.
	n := strings.Count(a.Logs.String(), `"kind":"login_new_device"`)
	loginWith(t, a, "duena@aluminios.mx", uaLaptop)
	if strings.Count(a.Logs.String(), `"kind":"login_new_device"`) != n {
		t.Error("a known device was flagged again")
	}
}
