package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cotizador/app"
	"cotizador/db"
)

// A salesperson registers a customer on a phone, fixing a mistyped phone
// number, then finds them by typing part of the name without accents.
func TestCreateAndFindCustomerOnPhone(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn(t)
	// Others in the book, so the search has something to filter out.
	var book []*db.Customer
	for i := range 30 {
		book = append(book, &db.Customer{Name: fmt.Sprintf("Cliente %02d Hernández", i), Phone: fmt.Sprintf("33%08d", i)})
	}
	book = append(book, &db.Customer{Name: "Juan Nuñez", Phone: "8112345678"})
	if err := b.App.DB.CreateCustomers(t.Context(), book, app.CLIActor); err != nil {
		t.Fatal(err)
	}

	b.Do(t, "open the new customer form from the list",
		chromedp.Navigate(b.URL("/clientes")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/clientes/nuevo"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/clientes/nuevo"]`)),
		chromedp.WaitVisible(chromedp.ID("name")),
	)
	b.Do(t, "fill the form with a short phone",
		chromedp.SendKeys(chromedp.ID("name"), "María Guadalupe Núñez Ibarra"),
		chromedp.SendKeys(chromedp.ID("phone"), "55 1234 567"),
		chromedp.SendKeys(chromedp.ID("email"), "lupita@correo.mx"),
		chromedp.SendKeys(chromedp.ID("rfc"), "NUIM850214AB1"),
		chromedp.Click(chromedp.CSS("form button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#phone[aria-invalid=true]")),
	)
	b.Screenshot(t, "customer-phone-error")
	if msg := b.Text(t, "#phone ~ .field-error"); !strings.Contains(msg, "10 dígitos") {
		t.Errorf("phone error = %q, want the Spanish message", msg)
	}
	if v := Eval[string](t, b, `document.getElementById("name").value`); v != "María Guadalupe Núñez Ibarra" {
		t.Errorf("name after the failed save = %q, want it kept", v)
	}
	b.Do(t, "fix the phone and save",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("phone").value = ""`),
		chromedp.SendKeys(chromedp.ID("phone"), "55 1234 5678"),
		chromedp.Click(chromedp.CSS("form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".flash-success")),
	)
	b.Screenshot(t, "customer-saved")
	if path := Eval[string](t, b, `location.pathname`); !strings.HasPrefix(path, "/clientes/") || path == "/clientes/nuevo" {
		t.Errorf("after saving at %s, want the customer's page", path)
	}

	b.Do(t, "search as you type",
		chromedp.Navigate(b.URL("/clientes")),
		chromedp.WaitVisible(chromedp.ID("q")),
		// A marker on window survives an htmx swap but not a page load.
		chromedp.Evaluate[chromedp.Void](`window.__marker = "kept"`),
		chromedp.SendKeys(chromedp.ID("q"), "nunez gua"),
	)
	const results = `document.getElementById("customer-results").textContent`
	waitFor(t, b, results+`.includes("María Guadalupe Núñez Ibarra") && !`+results+`.includes("Juan Nuñez") && !`+results+`.includes("Hernández")`)
	b.Screenshot(t, "customer-search")
	if m := Eval[string](t, b, `window.__marker || ""`); m != "kept" {
		t.Error("the search reloaded the page instead of swapping the results")
	}
	if q := Eval[string](t, b, `new URLSearchParams(location.search).get("q") || ""`); q != "nunez gua" {
		t.Errorf("URL search = %q, want the typed search kept for the back button", q)
	}
	if got := b.Text(t, "#customer-results .customer-name"); got != "María Guadalupe Núñez Ibarra" {
		t.Errorf("first result = %q", got)
	}

	b.Do(t, "search by phone",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("q").value = ""`),
		chromedp.SendKeys(chromedp.ID("q"), "55 1234"),
	)
	// The URL follows the swap, so it tells this search's results from the last.
	waitFor(t, b, `new URLSearchParams(location.search).get("q") === "55 1234" && `+results+`.includes("María Guadalupe Núñez Ibarra")`)
	if got := b.Text(t, "#customer-results p.muted"); got != "1 cliente" {
		t.Errorf("count = %q, want 1 cliente", got)
	}
	if overflow := Eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		t.Error("the customer list is wider than the phone")
	}
}
