package handlers

import (
	"errors"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/db"
)

// The Papelera (owner and admin): deleted customers, quotes, materials,
// products and colours, who deleted them and when the retention job will
// purge them; each can be restored.

// trashItemView adds what the page shows to an item.
type trashItemView struct {
	*db.TrashItem
	KindLabel string
	When      string
	PurgeWhen string
}

// trashPage lists the Papelera, of one kind when ?tipo= names one.
func (s *server) trashPage(c *fiber.Ctx) error {
	return s.renderTrash(c, fiber.StatusOK, nil)
}

func (s *server) renderTrash(c *fiber.Ctx, status int, problem *app.Error) error {
	kind := c.Query("tipo")
	if !slices.Contains(db.TrashKinds, kind) {
		kind = ""
	}
	items, err := s.DB.FindTrash(c.UserContext(), kind)
	if err != nil {
		return err
	}
	l := s.translator(c)
	views := make([]trashItemView, len(items))
	for i, it := range items {
		v := trashItemView{TrashItem: it, KindLabel: l.T("trash.kind." + it.Kind), When: it.DeletedAt.In(mexicoCity).Format("02/01/2006 15:04")}
		if !it.PurgeAt.IsZero() {
			v.PurgeWhen = it.PurgeAt.In(mexicoCity).Format("02/01/2006")
		}
		views[i] = v
	}
	ps, err := s.DB.RetentionPolicies(c.UserContext())
	if err != nil {
		return err
	}
	grace := 0
	for _, p := range ps {
		if p.Key == db.PolicyTrash {
			grace = p.Amount
		}
	}
	data := fiber.Map{"Items": views, "Kind": kind, "Kinds": db.TrashKinds, "Grace": grace}
	if problem != nil {
		data["Problem"] = l.Map(problem.Message, problem.Args)
	}
	return s.renderPage(c, status, "trash", "trash.title", data)
}

// trashRestore brings a record back. A code another record took meanwhile
// is explained on the Papelera itself (409), nothing changes.
func (s *server) trashRestore(c *fiber.Ctx) error {
	kind := c.Params("kind")
	if !slices.Contains(db.TrashKinds, kind) {
		return app.Errorf(app.ENOTFOUND, "error.not_found.body")
	}
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.DB.RestoreFromTrash(c.UserContext(), kind, id, actor(c)); err != nil {
		var ae *app.Error
		if errors.As(err, &ae) && ae.Code == app.ECONFLICT {
			return s.renderTrash(c, fiber.StatusConflict, ae)
		}
		return err
	}
	s.setFlash(c, "success", "trash.restored."+kind)
	return redirect(c, "/papelera")
}

// quoteDelete sends a quote to the Papelera (owner and admin).
func (s *server) quoteDelete(c *fiber.Ctx) error {
	return s.softDelete(c, s.DB.DeleteQuote, "quote.deleted", "/cotizaciones")
}

// historyLink is where a record's "Historial" link goes, for the owner
// (the Auditoría is theirs); "" for everyone else.
func historyLink(c *fiber.Ctx, table string, id int64) string {
	if !ownerOnly.allowsUser(currentUser(c)) {
		return ""
	}
	return "/auditoria/" + table + "/" + strconv.FormatInt(id, 10)
}
