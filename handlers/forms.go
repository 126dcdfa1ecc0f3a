package handlers

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/validate"
)

// form is a submitted form: the values as the user typed them (shown again
// on a re-render, so nothing typed is lost) and the field errors.
type form struct {
	Values map[string]string
	Errors validate.Errors
}

func newForm(c *fiber.Ctx, fields ...string) *form {
	f := &form{Values: map[string]string{}, Errors: validate.Errors{}}
	for _, name := range fields {
		f.Values[name] = c.FormValue(name)
	}
	return f
}

// Get returns a submitted value (templates: {{.Form.Get "email"}}).
func (f *form) Get(name string) string { return f.Values[name] }

// Error returns a field's error, if any (templates: {{with .Form.Error "email"}}).
func (f *form) Error(name string) *app.FieldError {
	if e, ok := f.Errors[name]; ok {
		return &e
	}
	return nil
}

// mergeAppError copies the field errors of an EINVALID app error, or of a
// conflict that names its field (a code already taken: db.ConstraintError),
// into the form; it reports whether err was such an error.
func (f *form) mergeAppError(err error) bool {
	var ae *app.Error
	if !errors.As(err, &ae) || !(ae.Code == app.EINVALID || ae.Code == app.ECONFLICT && len(ae.Fields) > 0) {
		return false
	}
	for k, v := range ae.Fields {
		f.Errors[k] = v
	}
	return true
}

// Flash messages travel in a short-lived cookie as a message id, never
// text, and are shown once on the next page.
const flashCookie = "cotizador_flash"

func (s *server) setFlash(c *fiber.Ctx, kind, messageID string) {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: kind + ":" + messageID, Path: "/", HTTPOnly: true,
		Secure: s.Config.Production(), SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 60})
}

func (s *server) takeFlash(c *fiber.Ctx) []flashMessage {
	v := c.Cookies(flashCookie)
	if v == "" {
		return nil
	}
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", HTTPOnly: true,
		Secure: s.Config.Production(), SameSite: fiber.CookieSameSiteLaxMode, MaxAge: -1, Expires: time.Unix(0, 0)})
	kind, id, ok := strings.Cut(v, ":")
	// Only known kinds and message-id-shaped values: the cookie is user input.
	if !ok || (kind != "success" && kind != "error") || !validMessageID(id) {
		return nil
	}
	return []flashMessage{{Kind: kind, Message: id}}
}

func validMessageID(id string) bool {
	if id == "" || len(id) > 80 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}

// redirect answers a form post: a 303 for plain forms, HX-Redirect for htmx.
func redirect(c *fiber.Ctx, to string) error {
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

// safeNext accepts only a local path as a post-login destination, so the
// login page cannot be used to send users to another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

func paramID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, app.Errorf(app.ENOTFOUND, "error.not_found.body")
	}
	return id, nil
}
