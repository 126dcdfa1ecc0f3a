package handlers

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cotizador/locales"
)

// navItem is one entry of the main navigation.
type navItem struct {
	Href   string
	Label  string
	Access access
	Active bool
}

// navigation lists the main menu; later features add their pages here.
var navigation = []navItem{
	{Href: "/", Label: "nav.home", Access: anyUser},
	{Href: "/cotizaciones", Label: "nav.quotes", Access: anyUser},
	{Href: "/clientes", Label: "customer.nav", Access: anyUser},
	{Href: "/taller", Label: "nav.workshop", Access: anyUser},
	{Href: "/catalogo/materiales", Label: "nav.catalog", Access: anyUser},
	{Href: "/usuarios", Label: "nav.users", Access: managers},
	{Href: "/configuracion", Label: "settings.nav", Access: managers},
	{Href: "/seguridad", Label: "nav.security", Access: ownerOnly},
	{Href: "/auditoria", Label: "nav.audit", Access: ownerOnly},
	{Href: "/papelera", Label: "nav.trash", Access: managers},
	{Href: "/respaldos", Label: "backup.nav", Access: ownerOnly},
	{Href: "/estado", Label: "nav.status", Access: managers},
	{Href: "/errores", Label: "nav.errors", Access: managers},
	{Href: "/cuenta", Label: "nav.account", Access: anyUser},
}

// flashMessage is a message shown once above the page content. Message is a
// locale message id, never text.
type flashMessage struct {
	Kind    string
	Message string
}

// isFragment reports whether the request wants only the changed part of the
// page: an htmx request that is neither a boosted navigation nor a history
// restore (those replace the whole document and need the layout).
func isFragment(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-Boosted") == "" && c.Get("HX-History-Restore-Request") == ""
}

// translator returns the request's translator, set by the language middleware.
func (s *server) translator(c *fiber.Ctx) *locales.Translator {
	if t, ok := c.Locals(localsTranslator).(*locales.Translator); ok {
		return t
	}
	return s.bundle.Translator("es")
}

// pageData returns the data every template may use, merged with data.
func (s *server) pageData(c *fiber.Ctx, titleKey string, data fiber.Map) fiber.Map {
	l := s.translator(c)
	var nav []navItem
	if u := currentUser(c); u != nil {
		for _, n := range navigation {
			if n.Access.allowsUser(u) {
				n.Active = n.Href == c.Path() || (n.Href != "/" && strings.HasPrefix(c.Path(), strings.TrimSuffix(n.Href, "/materiales")))
				nav = append(nav, n)
			}
		}
	}
	u := currentUser(c)
	csrfToken, _ := c.Locals(localsCSRF).(string)
	m := fiber.Map{
		"L":       l,
		"Nav":     nav,
		"Version": s.Config.Build.Version,
		"Flash":   s.takeFlash(c),
		"User":    u,
		"CSRF":    csrfToken,
		// While the database refuses writes every page says so.
		"ReadOnlyBanner": s.readOnlyBanner(),
	}
	if titleKey != "" {
		m["Title"] = l.T(titleKey)
	}
	for k, v := range data {
		m[k] = v
	}
	return m
}

// renderPage renders views/pages/<name>.html: inside the layout for normal
// requests, alone (the content of #main) for htmx fragment requests.
func (s *server) renderPage(c *fiber.Ctx, status int, name, titleKey string, data fiber.Map) error {
	return s.renderMain(c, status, "pages/"+name, titleKey, data)
}

// renderMain renders a template that fills #main, with or without the layout.
// The page is rendered into a buffer first and then placed in the layout:
// the engine's own layout mechanism prints a failing page's error message
// into the response with status 200 (and serialises renders behind a lock).
func (s *server) renderMain(c *fiber.Ctx, status int, tmpl, titleKey string, data fiber.Map) error {
	c.Vary("HX-Request")
	m := s.pageData(c, titleKey, data)
	var content bytes.Buffer
	if err := s.views.Render(&content, tmpl, m); err != nil {
		return err
	}
	if isFragment(c) {
		return s.sendHTML(c, status, content.Bytes())
	}
	m["Content"] = template.HTML(content.String())
	notices := s.deviceNotices(c)
	m["Notices"] = notices
	var page bytes.Buffer
	if err := s.views.Render(&page, "layouts/base", m); err != nil {
		return err
	}
	s.noticesShown(c, notices)
	return s.sendHTML(c, status, page.Bytes())
}

// sendHTML answers with body, copied: callers may reuse their buffer (the
// live recalculation keeps its buffers in a pool).
func (s *server) sendHTML(c *fiber.Ctx, status int, body []byte) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Status(status).Response().SetBody(body)
	return nil
}

// renderPartial renders views/partials/<name>.html without a layout.
func (s *server) renderPartial(c *fiber.Ctx, status int, name string, data fiber.Map) error {
	c.Vary("HX-Request")
	var buf bytes.Buffer
	if err := s.views.Render(&buf, "partials/"+name, s.pageData(c, "", data)); err != nil {
		return err
	}
	return s.sendHTML(c, status, buf.Bytes())
}
