package handlers

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/db"
)

// Retención (owner): how long each kind of data is kept. Each policy is
// edited within its range; the minimums are legal or what the app needs.

func (s *server) retentionPage(c *fiber.Ctx) error {
	ps, err := s.DB.RetentionPolicies(c.UserContext())
	if err != nil {
		return err
	}
	f := &form{Values: map[string]string{}, Errors: map[string]app.FieldError{}}
	for _, p := range ps {
		f.Values[p.Key] = strconv.Itoa(p.Amount)
	}
	return s.renderRetention(c, fiber.StatusOK, ps, f)
}

func (s *server) renderRetention(c *fiber.Ctx, status int, ps []*db.RetentionPolicy, f *form) error {
	last, err := s.DB.LastRetentionRun(c.UserContext())
	if err != nil {
		return err
	}
	data := fiber.Map{"Policies": ps, "Form": f}
	if !last.IsZero() {
		data["LastRun"] = last.In(mexicoCity).Format("02/01/2006 15:04")
	}
	return s.renderPage(c, status, "retention", "retention.title", data)
}

// retentionUpdate saves the policies; a value outside its range is shown
// on its field and nothing is saved.
func (s *server) retentionUpdate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	ps, err := s.DB.RetentionPolicies(ctx)
	if err != nil {
		return err
	}
	f := newForm(c)
	amounts := map[string]int{}
	for _, p := range ps {
		v := strings.TrimSpace(c.FormValue(p.Key))
		f.Values[p.Key] = v
		n, err := strconv.Atoi(v)
		if err != nil {
			f.Errors[p.Key] = app.FieldError{Message: "retention.not_a_number"}
			continue
		}
		amounts[p.Key] = n
	}
	if len(f.Errors) == 0 {
		err = s.DB.UpdateRetentionPolicies(ctx, amounts, actor(c))
		if err == nil {
			s.setFlash(c, "success", "retention.saved")
			return redirect(c, "/retencion")
		}
		if !f.mergeAppError(err) {
			return err
		}
	}
	return s.renderRetention(c, fiber.StatusUnprocessableEntity, ps, f)
}
