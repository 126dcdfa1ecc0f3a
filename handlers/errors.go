package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/db"
)

// statusByCode maps every app error code to its HTTP status: the one table.
var statusByCode = map[app.Code]int{
	app.EINVALID:      fiber.StatusUnprocessableEntity,
	app.ENOTFOUND:     fiber.StatusNotFound,
	app.ECONFLICT:     fiber.StatusConflict,
	app.EUNAUTHORIZED: fiber.StatusUnauthorized,
	app.EFORBIDDEN:    fiber.StatusForbidden,
	app.ERATELIMIT:    fiber.StatusTooManyRequests,
	app.EUNAVAILABLE:  fiber.StatusServiceUnavailable,
	app.EINTERNAL:     fiber.StatusInternalServerError,
}

// messageByStatus gives the title and text ids for errors that come from
// Fiber itself (no route, wrong method, body too large) rather than from us.
var messageByStatus = map[int][2]string{
	fiber.StatusBadRequest:            {"error.bad_request.title", "error.bad_request.body"},
	fiber.StatusUnauthorized:          {"error.unauthorized.title", "error.unauthorized.body"},
	fiber.StatusForbidden:             {"error.forbidden.title", "error.forbidden.body"},
	fiber.StatusNotFound:              {"error.not_found.title", "error.not_found.body"},
	fiber.StatusMethodNotAllowed:      {"error.method_not_allowed.title", "error.method_not_allowed.body"},
	fiber.StatusConflict:              {"error.conflict.title", "error.conflict.body"},
	fiber.StatusRequestEntityTooLarge: {"error.too_large.title", "error.too_large.body"},
	fiber.StatusUnprocessableEntity:   {"error.invalid.title", "error.invalid.body"},
	fiber.StatusTooManyRequests:       {"error.rate_limited.title", "error.rate_limited.body"},
	fiber.StatusServiceUnavailable:    {"error.unavailable.title", "error.unavailable.body"},
	fiber.StatusInternalServerError:   {"error.internal.title", "error.internal.body"},
}

// handleError is Fiber's error handler. It never sends err.Error() to the
// client: the user sees a Spanish page (or fragment, or JSON for /api/), the
// log gets the cause with the request id.
func (s *server) handleError(c *fiber.Ctx, err error) error {
	// A raw SQLite error (a constraint no store method mapped, a lock held
	// past the retry budget) gets its app error here, once for all.
	err = db.AppError(err)
	status := fiber.StatusInternalServerError
	var text string
	var fe *fiber.Error
	var ae *app.Error
	switch {
	case errors.As(err, &ae):
		status = statusByCode[ae.Code]
		if status == 0 {
			status = fiber.StatusInternalServerError
		}
		if ae.Code != app.EINTERNAL {
			text = s.translator(c).Map(ae.Message, ae.Args)
		}
	case errors.As(err, &fe):
		status = fe.Code
	}
	ids, ok := messageByStatus[status]
	if !ok {
		ids = messageByStatus[fiber.StatusInternalServerError]
		if status < 500 {
			ids = messageByStatus[fiber.StatusBadRequest]
		}
	}
	l := s.translator(c)
	if text == "" {
		text = l.T(ids[1])
	}
	rid := requestIDFrom(c)
	s.recordError(c, status, err, ae)
	if status >= 500 {
		cat, sev := app.ErrorClass(err)
		s.Logger.Error("request failed", "request_id", rid, "method", c.Method(), "path", c.Path(), "status", status,
			"error_category", string(cat), "severity", string(sev), "err", err)
	}

	// Whatever a handler had started writing is dropped: an error replaces it.
	c.Response().ResetBody()
	c.Set(fiber.HeaderCacheControl, "no-store")
	if ae != nil && ae.Message == db.MsgBusy {
		// The lock was held past the retry budget: a client that retries
		// by itself (the API's) should wait a few seconds, as the page says.
		c.Set(fiber.HeaderRetryAfter, "5")
	}
	if strings.HasPrefix(c.Path(), "/api/") {
		body := fiber.Map{"error": fiber.Map{"code": errorCodeName(status, ae), "message": text}}
		if ae != nil && len(ae.Fields) > 0 {
			fields := make(fiber.Map, len(ae.Fields))
			for k, f := range ae.Fields {
				fields[k] = l.Map(f.Message, f.Args)
			}
			body["error"].(fiber.Map)["fields"] = fields
		}
		return c.Status(status).JSON(body)
	}
	data := fiber.Map{"ErrorTitle": ids[0], "ErrorText": text, "RequestID": rid}
	if status >= 500 {
		// A refused write (read-only, busy, a bug) gives the user back what
		// they sent, ready to send again.
		if k := keepForm(c); k != nil {
			data["Kept"] = k
		}
	}
	var rerr error
	if isFragment(c) {
		rerr = s.renderPartial(c, status, "error", data)
	} else {
		rerr = s.renderMain(c, status, "errors/error", ids[0], data)
	}
	if rerr != nil {
		// The error page itself failed: fall back to plain text, still Spanish.
		s.Logger.Error("error page failed", "request_id", rid, "err", rerr)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(status).SendString(l.T(ids[0]))
	}
	return nil
}

func errorCodeName(status int, ae *app.Error) string {
	if ae != nil {
		return string(ae.Code)
	}
	for code, st := range statusByCode {
		if st == status {
			return string(code)
		}
	}
	switch status {
	case fiber.StatusMethodNotAllowed:
		return "method_not_allowed"
	case fiber.StatusRequestEntityTooLarge:
		return "too_large"
	}
	return "bad_request"
}
