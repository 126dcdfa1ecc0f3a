package handlers

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/quoting"
)

// mexicoCity is the handlers' short name for app.MexicoCity, where pages
// show the time.
var mexicoCity = app.MexicoCity

// home is the start page: for whoever quotes, a big "Nueva cotización",
// the answers customers gave through links, the quotes awaiting an answer
// and the latest ones; then the Tablero (owner and admin: everyone's
// figures; a salesperson: their own).
func (s *server) home(c *fiber.Ctx) error {
	u := currentUser(c)
	desk, err := s.quotes().DeskFor(c.UserContext(), u)
	if err != nil {
		return err
	}
	data := fiber.Map{"ProxyWarning": s.ownerProxyWarning(c), "Desk": desk, "CanQuote": quoteWriters.allowsUser(u), "Today": s.today()}
	if quoting.MayDashboard(u) {
		if data["Dash"], err = s.dashboard(c, u); err != nil {
			return err
		}
	}
	return s.renderPage(c, fiber.StatusOK, "home", "", data)
}

// dashboardPage is the Tablero alone: what its filters load through htmx
// (the fragment replaces #tablero), and a page of its own without it.
func (s *server) dashboardPage(c *fiber.Ctx) error {
	d, err := s.dashboard(c, currentUser(c))
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "dashboard", "dashboard.title", fiber.Map{"Dash": d})
}

// statusPage is the human view of the readiness check.
func (s *server) statusPage(c *fiber.Ctx) error {
	r := s.checkReady(c.UserContext())
	now := s.Clock.Now()
	up := now.Sub(s.started).Round(time.Second)
	days := int(up / (24 * time.Hour))
	l := s.translator(c)
	uptime := fmt.Sprintf("%02d:%02d:%02d", int(up.Hours())%24, int(up.Minutes())%60, int(up.Seconds())%60)
	if days > 0 {
		uptime = l.N("status.uptime_days", days) + ", " + uptime
	}
	return s.renderPage(c, fiber.StatusOK, "status", "status.heading", fiber.Map{
		"DBOK":          r.DatabaseOK,
		"LatencyMS":     fmt.Sprintf("%.2f", r.LatencyMS),
		"SchemaCurrent": r.SchemaCurrent,
		"SchemaLatest":  r.SchemaLatest,
		"Uptime":        uptime,
		"CheckedAt":     now.In(mexicoCity).Format("02/01/2006 15:04:05"),
		"ProxyWarning":  s.proxyWarning(),
	})
}

// manifest is the web app manifest, built here so its icon URL carries the
// content hash and its name the user's language.
func (s *server) manifest(c *fiber.Ctx) error {
	l := s.translator(c)
	icon, err := s.assets.URL("img/favicon.svg")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/manifest+json")
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	c.Vary(fiber.HeaderAcceptLanguage)
	return c.JSON(fiber.Map{
		"name":             l.T("app.name"),
		"short_name":       l.T("app.name"),
		"description":      l.T("app.tagline"),
		"lang":             l.Lang,
		"start_url":        "/",
		"display":          "standalone",
		"background_color": "#ffffff",
		"theme_color":      "#1d4e89",
		"icons":            []fiber.Map{{"src": icon, "sizes": "any", "type": "image/svg+xml", "purpose": "any"}},
	}, "application/manifest+json")
}
