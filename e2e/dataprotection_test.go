package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cotizador/app"
	"cotizador/db"
)

// On a phone, the owner deletes a customer, finds it in the Papelera,
// restores it, and sees both events in the customer's Historial.
func TestDeleteRestoreCustomerHistoryOnPhone(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn(t)
	c := &db.Customer{Name: "Rogelio Castañeda", Phone: "5587651234"}
	if err := b.App.DB.CreateCustomer(t.Context(), c, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/clientes/%d", c.ID)
	row := fmt.Sprintf(`tr[data-kind="customer"][data-id="%d"]`, c.ID)

	b.Do(t, "delete the customer from its page",
		chromedp.Navigate(b.URL(page)),
		chromedp.WaitVisible(chromedp.CSS("form.danger-zone button")),
		chromedp.Click(chromedp.CSS("form.danger-zone button")),
		chromedp.WaitVisible(chromedp.CSS(".flash-success")),
	)
	if path := Eval[string](t, b, `location.pathname`); path != "/clientes" {
		t.Errorf("after deleting at %s, want the list", path)
	}
	b.Do(t, "find it in the Papelera",
		chromedp.Navigate(b.URL("/papelera")),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	b.Screenshot(t, "papelera")
	if text := b.Text(t, row); !strings.Contains(text, "Rogelio Castañeda") || !strings.Contains(text, "Usuario owner") {
		t.Errorf("Papelera row %q, want the customer and who deleted it", text)
	}
	if w := Eval[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the Papelera is %d px wide on a 390 px phone", w)
	}
	b.Do(t, "restore it",
		chromedp.Click(chromedp.CSS(row+" button")),
		chromedp.WaitVisible(chromedp.CSS(".flash-success")),
	)
	if msg := b.Text(t, ".flash-success"); !strings.Contains(msg, "Cliente restaurado.") {
		t.Errorf("flash %q", msg)
	}
	if n := Eval[int](t, b, fmt.Sprintf(`document.querySelectorAll(%q).length`, row)); n != 0 {
		t.Error("the restored customer is still in the Papelera")
	}
	b.Do(t, "open the customer's Historial",
		chromedp.Navigate(b.URL(page)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[href="/auditoria/customers/%d"]`, c.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/auditoria/customers/%d"]`, c.ID))),
		chromedp.WaitVisible(chromedp.CSS(`li[data-action="restore"]`)),
	)
	b.Screenshot(t, "historial")
	actions := Eval[[]string](t, b, `[...document.querySelectorAll("ol.history > li")].map(li => li.dataset.action)`)
	if strings.Join(actions, ",") != "insert,delete,restore" {
		t.Errorf("history %v, want insert, delete, restore in order", actions)
	}
	for sel, want := range map[string]string{
		`li[data-action="delete"]`:  "Eliminación (a la Papelera)",
		`li[data-action="restore"]`: "Restauración",
	} {
		if text := b.Text(t, sel); !strings.Contains(text, want) || !strings.Contains(text, "Usuario owner") {
			t.Errorf("%s: %q, want %q by the owner", sel, text, want)
		}
	}
	if w := Eval[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the Historial is %d px wide on a 390 px phone", w)
	}
}
