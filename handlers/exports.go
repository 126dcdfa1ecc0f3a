package handlers

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/db"
	"cotizador/export"
)

// Exportaciones (owner): ARCO access exports of a customer or a user and
// the whole-business export, built in the background (the page polls its
// progress), kept for the exports policy's days, and downloaded through a
// single-use link that expires. ARCO cancellation of a customer lives here
// too, behind a confirmation page.

// exportLinkTTL is how long a download link works once made.
const exportLinkTTL = 24 * time.Hour

// exportView adds what the pages show to an export.
type exportView struct {
	*db.Export
	What     string
	When     string
	Expires  string
	Running  bool
	Progress int
}

func (s *server) exportViews(c *fiber.Ctx, es []*db.Export) ([]exportView, error) {
	l := s.translator(c)
	ps, err := s.DB.RetentionPolicies(c.UserContext())
	if err != nil {
		return nil, err
	}
	var keep *db.RetentionPolicy
	for _, p := range ps {
		if p.Key == db.PolicyExports {
			keep = p
		}
	}
	out := make([]exportView, len(es))
	for i, e := range es {
		v := exportView{Export: e, When: e.CreatedAt.In(mexicoCity).Format("02/01/2006 15:04"),
			Running: e.Status == db.ExportPending || e.Status == db.ExportRunning, Progress: e.Progress}
		switch e.Kind {
		case db.ExportBusiness:
			v.What = l.T("export.kind.business")
		default:
			v.What = l.T("export.kind."+e.Kind, "ID", e.SubjectID)
		}
		if e.FinishedAt != nil && keep != nil && e.Status == db.ExportReady {
			v.Expires = keep.After(*e.FinishedAt).In(mexicoCity).Format("02/01/2006 15:04")
		}
		out[i] = v
	}
	return out, nil
}

func (s *server) exportsPage(c *fiber.Ctx) error {
	es, err := s.DB.FindExports(c.UserContext(), 50)
	if err != nil {
		return err
	}
	views, err := s.exportViews(c, es)
	if err != nil {
		return err
	}
	users, err := s.DB.FindUsers(c.UserContext())
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "exports", "export.title", fiber.Map{"Exports": views, "Users": users,
		"Customer": c.QueryInt("cliente")})
}

// exportCreate records a new export and builds it in the background.
func (s *server) exportCreate(c *fiber.Ctx) error {
	kind := c.FormValue("kind")
	var subject int64
	if kind != db.ExportBusiness {
		n, err := strconv.ParseInt(c.FormValue("subject_id"), 10, 64)
		if err != nil || n <= 0 {
			return app.Errorf(app.EINVALID, "export.subject_missing")
		}
		subject = n
	}
	e, err := s.DB.CreateExport(c.UserContext(), kind, subject, actor(c))
	if err != nil {
		return err
	}
	s.startExport(e)
	return redirect(c, "/exportaciones/"+strconv.FormatInt(e.ID, 10))
}

// startExport builds an export on its own goroutine: the request that
// asked for it returns at once. The build reads in one read transaction
// and writes only its progress, so nobody's writes wait for it.
func (s *server) startExport(e *db.Export) {
	go func() {
		if err := export.Build(context.Background(), s.DB, e); err != nil {
			s.Logger.Error("export failed", "export", e.ID, "err", err)
		}
	}()
}

func (s *server) findExportView(c *fiber.Ctx) (*exportView, error) {
	id, err := paramID(c)
	if err != nil {
		return nil, err
	}
	e, err := s.DB.FindExport(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	vs, err := s.exportViews(c, []*db.Export{e})
	if err != nil {
		return nil, err
	}
	return &vs[0], nil
}

// exportPage shows one export: its progress bar while it is built (htmx
// polls exportProgress), then the button that makes a download link.
func (s *server) exportPage(c *fiber.Ctx) error {
	v, err := s.findExportView(c)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "export", "export.title_one", fiber.Map{"E": v})
}

// exportProgress is the fragment the page polls every second while the
// export runs; once it is done the fragment stops polling.
func (s *server) exportProgress(c *fiber.Ctx) error {
	v, err := s.findExportView(c)
	if err != nil {
		return err
	}
	return s.renderPartial(c, fiber.StatusOK, "export_progress", fiber.Map{"E": v})
}

// exportLink makes a new single-use download link and shows it once.
func (s *server) exportLink(c *fiber.Ctx) error {
	v, err := s.findExportView(c)
	if err != nil {
		return err
	}
	raw, expires, err := s.DB.CreateExportLink(c.UserContext(), v.ID, exportLinkTTL, actor(c))
	if err != nil {
		return err
	}
	base := s.Config.BaseURL
	if base == "" {
		base = c.BaseURL()
	}
	return s.renderPage(c, fiber.StatusOK, "export", "export.title_one", fiber.Map{"E": v,
		"Link": base + "/descargas/" + raw, "LinkExpires": expires.In(mexicoCity).Format("02/01/2006 15:04")})
}

// exportDownload serves a file through its link, once: the link is spent
// (and the download recorded) before the first byte goes out. Whoever has
// the link may download it (the owner can send it to the customer who
// asked for their data); any bad, used or expired link is the same 404.
func (s *server) exportDownload(c *fiber.Ctx) error {
	e, err := s.DB.UseExportLink(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	f, err := export.Open(s.DB, e)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+export.FileName(e)+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Checksum-SHA256", e.SHA256)
	return c.SendStream(f, int(e.SizeBytes))
}

// anonymisePage is the confirmation step of an ARCO cancellation.
func (s *server) anonymisePage(c *fiber.Ctx) error {
	return s.renderAnonymise(c, fiber.StatusOK, newForm(c))
}

func (s *server) renderAnonymise(c *fiber.Ctx, status int, f *form) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	cu, err := s.DB.FindCustomerForARCO(c.UserContext(), id)
	if err != nil {
		return err
	}
	n, err := s.DB.CustomerQuoteCount(c.UserContext(), id)
	if err != nil {
		return err
	}
	return s.renderPage(c, status, "anonymise", "anonymise.title", fiber.Map{"Customer": cu, "Quotes": n, "Form": f,
		"NewName": db.AnonymisedName(id)})
}

// anonymiseSubmit erases the customer's personal data once the owner ticked
// the confirmation; the audit trail's redaction and re-seal go on in the
// background.
func (s *server) anonymiseSubmit(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	f := newForm(c, "confirm")
	if f.Get("confirm") != "1" {
		f.Errors["confirm"] = app.FieldError{Message: "anonymise.confirm_required"}
		return s.renderAnonymise(c, fiber.StatusUnprocessableEntity, f)
	}
	if _, err := s.DB.AnonymiseCustomer(c.UserContext(), id, actor(c)); err != nil {
		return err
	}
	// The anonymisation expired stored exports that held the customer.
	_, _ = s.DB.RemoveExpiredExportFiles(c.UserContext())
	go func() {
		if err := s.DB.RunReseals(context.Background()); err != nil {
			s.Logger.Error("audit re-seal", "err", err)
		}
	}()
	s.setFlash(c, "success", "anonymise.done")
	return redirect(c, "/clientes/"+strconv.FormatInt(id, 10))
}
