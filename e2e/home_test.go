package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestHomePageOnPhone(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn(t)
	b.Do(t, "load home",
		chromedp.Navigate(b.URL("/")),
		chromedp.WaitVisible(chromedp.CSS("h1")),
	)
	b.Screenshot(t, "home")
	if h := b.Text(t, "h1"); !strings.Contains(h, "Hola, ") {
		t.Errorf("h1 = %q, want the Spanish greeting", h)
	}
	if got := b.Text(t, "#new-quote"); got != "Nueva cotización" {
		t.Errorf("start button = %q, want «Nueva cotización»", got)
	}
	if lang := Eval[string](t, b, `document.documentElement.lang`); lang != "es" {
		t.Errorf("html lang = %q, want es", lang)
	}
	if v := Eval[string](t, b, `window.htmx ? htmx.version : ""`); v != "2.0.11" {
		t.Errorf("htmx.version = %q, want 2.0.11 (htmx did not load?)", v)
	}
	if w := Eval[int](t, b, `window.innerWidth`); w != 390 {
		t.Errorf("viewport width = %d, want 390", w)
	}

	t.Run("phone menu collapses and opens", func(t *testing.T) {
		const shown = `getComputedStyle(document.getElementById("site-nav")).display !== "none"`
		before := Eval[bool](t, b, shown)
		b.Do(t, "open menu", chromedp.Click(chromedp.CSS(".nav-toggle")))
		after := Eval[bool](t, b, shown)
		if before || !after {
			t.Errorf("nav visible before/after toggle = %v/%v, want false/true", before, after)
		}
		b.Screenshot(t, "home-menu")
	})

	t.Run("no horizontal scroll at 390 px", func(t *testing.T) {
		if Eval[bool](t, b, `document.documentElement.scrollWidth > window.innerWidth`) {
			t.Error("page is wider than the phone viewport")
		}
	})
}

// The status page refreshes its section through htmx, without a page load.
func TestStatusRefreshThroughHTMX(t *testing.T) {
	b := NewBrowser(t)
	b.SignIn(t)
	b.Do(t, "load status and refresh",
		chromedp.Navigate(b.URL("/estado")),
		chromedp.WaitVisible(chromedp.ID("status")),
		// A marker on window survives an htmx swap but not a navigation.
		chromedp.Evaluate[chromedp.Void](`window.__marker = "kept"; document.getElementById("status").dataset.old = "1"`),
		chromedp.Click(chromedp.CSS("#status a.button")),
		chromedp.WaitNotPresent(chromedp.CSS(`#status[data-old="1"]`)),
	)
	if m := Eval[string](t, b, `window.__marker || ""`); m != "kept" {
		t.Error("the refresh reloaded the page instead of swapping the fragment")
	}
	if text := b.Text(t, "#status"); !strings.Contains(text, "En funcionamiento") {
		t.Errorf("status section = %q", text)
	}
}
