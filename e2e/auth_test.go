package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The first visit of a fresh installation: setup, then sign out and in again,
// on a phone.
func TestSetupLoginLogoutOnPhone(t *testing.T) {
	b := NewBrowser(t)
	b.Do(t, "open the app",
		chromedp.Navigate(b.URL("/")),
		chromedp.WaitVisible(chromedp.ID("company")),
	)
	if path := Eval[string](t, b, `location.pathname`); path != "/setup" {
		t.Fatalf("a fresh installation opened %s, want /setup", path)
	}
	b.Screenshot(t, "setup")

	// A weak password gets live feedback before submitting.
	b.Do(t, "type a weak password",
		chromedp.SendKeys(chromedp.ID("company"), "Aluminios del Bajío"),
		chromedp.SendKeys(chromedp.ID("name"), "Rosa Martínez"),
		chromedp.SendKeys(chromedp.ID("email"), "rosa@aluminiosbajio.mx"),
		chromedp.SendKeys(chromedp.ID("password"), "contraseña"),
		chromedp.WaitVisible(chromedp.CSS("#password-feedback .field-error")),
	)
	if fb := b.Text(t, "#password-feedback"); !strings.Contains(fb, "al menos 10") && !strings.Contains(fb, "común") {
		t.Errorf("password feedback = %q, want a Spanish policy message", fb)
	}
	b.Do(t, "type a good password and submit",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("password").value = ""`),
		chromedp.SendKeys(chromedp.ID("password"), "Cancel-de-bano-templado-8mm"),
		chromedp.WaitVisible(chromedp.CSS("#password-feedback .ok")),
		chromedp.Click(chromedp.CSS("form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".flash-success")),
	)
	b.Screenshot(t, "after-setup")
	if path := Eval[string](t, b, `location.pathname`); path != "/" {
		t.Errorf("after setup at %s, want /", path)
	}

	b.Do(t, "sign out from the phone menu",
		chromedp.Click(chromedp.CSS(".nav-toggle")),
		chromedp.Click(chromedp.CSS(".logout-form button")),
		chromedp.WaitVisible(chromedp.ID("password")),
	)
	if path := Eval[string](t, b, `location.pathname`); path != "/login" {
		t.Errorf("after logout at %s, want /login", path)
	}
	b.Do(t, "a private page now asks to sign in",
		chromedp.Navigate(b.URL("/cuenta")),
		chromedp.WaitVisible(chromedp.ID("password")),
	)
	if q := Eval[string](t, b, `location.pathname + location.search`); q != "/login?next=%2Fcuenta" {
		t.Errorf("redirected to %s, want /login?next=%%2Fcuenta", q)
	}

	b.Do(t, "wrong password",
		chromedp.SendKeys(chromedp.ID("email"), "rosa@aluminiosbajio.mx"),
		chromedp.SendKeys(chromedp.ID("password"), "no-es-esta-clave"),
		chromedp.Click(chromedp.CSS("form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".flash-error")),
	)
	if msg := b.Text(t, ".flash-error"); !strings.Contains(msg, "Correo o contraseña incorrectos") {
		t.Errorf("error = %q", msg)
	}
	if v := Eval[string](t, b, `document.getElementById("email").value`); v != "rosa@aluminiosbajio.mx" {
		t.Errorf("e-mail field = %q after a failed login, want it kept", v)
	}
	b.Screenshot(t, "login-failed")
	b.Do(t, "right password",
		chromedp.SendKeys(chromedp.ID("password"), "Cancel-de-bano-templado-8mm"),
		chromedp.Click(chromedp.CSS("form button.primary")),
		chromedp.WaitVisible(chromedp.ID("tokens")),
	)
	b.Screenshot(t, "account")
	if path := Eval[string](t, b, `location.pathname`); path != "/cuenta" {
		t.Errorf("after login at %s, want /cuenta (the page asked for)", path)
	}
	if h := b.Text(t, "h1"); h != "Mi cuenta" {
		t.Errorf("h1 = %q", h)
	}
}
