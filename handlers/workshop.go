package handlers

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/workshop"
)

// The workshop: a quote's cut list, workshop orders, the offcut inventory
// and shopping lists. The rules are the workshop package's; these handlers
// parse, call and render. No page here shows a price.

// workshopWriters make workshop orders and move them on (the people who
// write quotes); everyone signed in reads them, viewers included.
var workshopWriters = access{roles: []auth.Role{auth.RoleOwner, auth.RoleAdmin, auth.RoleSales}}

func (s *server) workshop() *workshop.Service { return &workshop.Service{DB: s.DB, Clock: s.Clock} }

// quoteCutList is the cut list of the quote in the URL, to whoever may see
// the quote; printable as it is.
func (s *server) quoteCutList(c *fiber.Ctx) error {
	q, _, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	plan, err := s.workshop().QuoteCutList(c.UserContext(), q)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "cutlist", "workshop.cutlist_title", fiber.Map{"Quote": q, "Plan": plan})
}

// apiQuoteCutList is GET /api/v1/quotes/{folio}/cutlist.
func (s *server) apiQuoteCutList(c *fiber.Ctx) error {
	q, _, err := s.quotes().FindByFolio(c.UserContext(), c.Params("folio"), currentUser(c))
	if err != nil {
		return err
	}
	plan, err := s.workshop().QuoteCutList(c.UserContext(), q)
	if err != nil {
		return err
	}
	profiles := []fiber.Map{}
	for i := range plan.Profiles {
		pp := &plan.Profiles[i]
		bars := []fiber.Map{}
		for _, b := range pp.Bars {
			pieces := []fiber.Map{}
			for _, pc := range b.Pieces {
				pieces = append(pieces, fiber.Map{"length_mm": pc.LengthMM, "label": pieceLabel(pc)})
			}
			bars = append(bars, fiber.Map{"pieces": pieces, "offcut_mm": b.OffcutMM, "reusable": b.Reusable})
		}
		// Utilisation as a fraction, as the API gives every rate.
		profiles = append(profiles, fiber.Map{"material_code": pp.MaterialCode, "colour_code": pp.ColourCode,
			"bar_length_mm": pp.BarLengthMM, "bars": bars, "lower_bound": pp.LowerBound, "optimal": pp.Optimal,
			"utilisation": pp.Utilisation().Shift(-2).StringFixed(3)})
	}
	glass := []fiber.Map{}
	for _, g := range plan.Glass {
		pieces := []fiber.Map{}
		for _, pc := range g.Pieces {
			pieces = append(pieces, fiber.Map{"width_mm": pc.WidthMM, "height_mm": pc.HeightMM, "quantity": pc.Count,
				"area_m2": pc.AreaM2.StringFixed(3), "label": workshop.LineLabel(pc.Quote, pc.Line, pc.Location) + " · " + pc.Label})
		}
		glass = append(glass, fiber.Map{"glass_code": g.Code, "area_m2": g.AreaM2.StringFixed(3), "pieces": pieces})
	}
	return c.JSON(fiber.Map{"profiles": profiles, "glass": glass})
}

// pieceLabel names a piece for the API: where it goes and what it is,
// with its angle.
func pieceLabel(pc workshop.PlanPiece) string {
	l := workshop.LineLabel(pc.Quote, pc.Line, pc.Location) + " · " + pc.Label
	if pc.Angle != "" {
		l += " · " + pc.Angle
	}
	return l
}

// --- Orders ---

// workshopPage lists the orders and, to those who may make one, the
// accepted quotes not yet in an order.
func (s *server) workshopPage(c *fiber.Ctx) error {
	return s.renderWorkshop(c, fiber.StatusOK, nil, nil)
}

// renderWorkshop draws the orders page; problem is a failed order's error
// and picked the quotes that were ticked, kept ticked.
func (s *server) renderWorkshop(c *fiber.Ctx, status int, problem *app.Error, picked map[int64]bool) error {
	ctx := c.UserContext()
	const perPage = 25
	page := max(1, c.QueryInt("pagina", 1))
	f := db.OrderFilter{Status: c.Query("estado"), Limit: perPage, Offset: (page - 1) * perPage}
	if !validChoice(f.Status, db.OrderStatuses) {
		f.Status = ""
	}
	orders, total, err := s.DB.FindWorkshopOrders(ctx, f)
	if err != nil {
		return err
	}
	u := currentUser(c)
	canWrite := workshopWriters.allowsUser(u)
	var candidates []*db.Quote
	if canWrite {
		accepted, _, err := s.quotes().List(ctx, db.QuoteFilter{Status: db.StatusAccepted, Limit: 100}, u)
		if err != nil {
			return err
		}
		folios := make([]string, len(accepted))
		for i, q := range accepted {
			folios[i] = q.Folio
		}
		inOrder, err := s.DB.OrderFolios(ctx, folios)
		if err != nil {
			return err
		}
		for _, q := range accepted {
			if inOrder[q.Folio] == "" {
				candidates = append(candidates, q)
			}
		}
	}
	pages := (total + perPage - 1) / perPage
	prev, next := page-1, page+1
	if next > pages {
		next = 0
	}
	return s.renderPage(c, status, "workshop", "workshop.title", fiber.Map{
		"Orders": orders, "Total": total, "Page": page, "Pages": pages, "PrevPage": prev, "NextPage": next, "Status": f.Status,
		"Statuses": db.OrderStatuses, "CanWrite": canWrite, "Candidates": candidates, "Problem": problem, "Picked": picked,
	})
}

// workshopCreate makes an order of the quotes ticked (field cotizacion,
// one per quote id), each one the user may see.
func (s *server) workshopCreate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var quotes []*db.Quote
	picked := map[int64]bool{}
	for _, v := range c.Request().PostArgs().PeekMulti("cotizacion") {
		id, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || id <= 0 || picked[id] {
			continue
		}
		q, _, err := s.quotes().Find(ctx, id, currentUser(c))
		if err != nil {
			return err
		}
		picked[id] = true
		quotes = append(quotes, q)
	}
	o, err := s.workshop().CreateOrder(ctx, quotes, actor(c))
	if err != nil {
		var ae *app.Error
		if errors.As(err, &ae) && (ae.Code == app.EINVALID || ae.Code == app.ECONFLICT) {
			if ae.Code == app.EINVALID {
				ae = app.Errorf(app.EINVALID, "workshop.no_quotes")
			}
			return s.renderWorkshop(c, fiber.StatusUnprocessableEntity, ae, picked)
		}
		return err
	}
	s.setFlash(c, "success", "workshop.order_created")
	return redirect(c, "/taller/ordenes/"+o.Folio)
}

// loadOrder loads the order of the URL.
func (s *server) loadOrder(c *fiber.Ctx) (*workshop.Order, error) {
	return s.workshop().Order(c.UserContext(), c.Params("folio"))
}

func (s *server) workshopOrderPage(c *fiber.Ctx) error {
	o, err := s.loadOrder(c)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "workshop_order", "workshop.order_title", fiber.Map{
		"Order": o, "Plan": o.Plan, "Next": workshop.NextStatuses(o.WorkshopOrder),
		"CanWrite": workshopWriters.allowsUser(currentUser(c)),
	})
}

// workshopOrderStatus moves the order on (field estado).
func (s *server) workshopOrderStatus(c *fiber.Ctx) error {
	o, err := s.loadOrder(c)
	if err != nil {
		return err
	}
	to := c.FormValue("estado")
	if !validChoice(to, db.OrderStatuses) {
		return app.Errorf(app.EINVALID, "error.bad_request.body")
	}
	if err := s.workshop().SetStatus(c.UserContext(), o, to, actor(c)); err != nil {
		return err
	}
	s.setFlash(c, "success", "workshop.status_changed")
	return redirect(c, "/taller/ordenes/"+o.Folio)
}

func (s *server) workshopOrderDelete(c *fiber.Ctx) error {
	o, err := s.loadOrder(c)
	if err != nil {
		return err
	}
	if err := s.workshop().Delete(c.UserContext(), o, actor(c)); err != nil {
		return err
	}
	s.setFlash(c, "success", "workshop.order_deleted")
	return redirect(c, "/taller")
}

// workshopOrderPDF is the shop-floor sheet.
func (s *server) workshopOrderPDF(c *fiber.Ctx) error {
	o, err := s.loadOrder(c)
	if err != nil {
		return err
	}
	cs, err := s.DB.CompanySettings(c.UserContext())
	if err != nil {
		return err
	}
	doc, err := s.workshop().PDF(o, cs.Name, s.translator(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="`+o.Folio+`.pdf"`)
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	return c.Send(doc)
}

// workshopShopping is the order's shopping list, printable.
func (s *server) workshopShopping(c *fiber.Ctx) error {
	o, err := s.loadOrder(c)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "workshop_shopping", "workshop.shopping_title", fiber.Map{
		"Order": o, "List": o.Plan.Shopping()})
}

// workshopShoppingCSV is the same list as CSV.
func (s *server) workshopShoppingCSV(c *fiber.Ctx) error {
	o, err := s.loadOrder(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := o.Plan.Shopping().WriteCSV(&buf, s.translator(c)); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="compras-`+o.Folio+`.csv"`)
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	return c.Send(buf.Bytes())
}

// --- Offcuts ---

var offcutFields = []string{workshop.FieldMaterial, workshop.FieldColour, workshop.FieldLength, workshop.FieldNotes}

func (s *server) offcutsPage(c *fiber.Ctx) error {
	return s.renderOffcuts(c, fiber.StatusOK, newForm(c), 0, nil)
}

// renderOffcuts draws the inventory; form is the add form, and editID with
// edit an offcut's correction that failed.
func (s *server) renderOffcuts(c *fiber.Ctx, status int, form *form, editID int64, edit *form) error {
	ctx := c.UserContext()
	list, err := s.workshop().Offcuts(ctx)
	if err != nil {
		return err
	}
	u := currentUser(c)
	canEdit := ownerOnly.allowsUser(u)
	data := fiber.Map{"Offcuts": list, "CanEdit": canEdit, "Form": form, "EditID": editID, "Edit": edit}
	if canEdit {
		mats, err := s.DB.FindMaterials(ctx, db.MaterialFilter{Category: "Perfiles", ActiveOnly: true})
		if err != nil {
			return err
		}
		var profiles []*db.Material
		for _, m := range mats {
			if m.BarLengthMM() > 0 {
				profiles = append(profiles, m)
			}
		}
		cols, err := s.DB.FindColours(ctx)
		if err != nil {
			return err
		}
		data["Profiles"], data["Colours"] = profiles, cols
	}
	names, err := s.catalogNames(c)
	if err != nil {
		return err
	}
	data["Names"] = names
	return s.renderPage(c, status, "offcuts", "workshop.offcuts_title", data)
}

func (s *server) offcutCreate(c *fiber.Ctx) error {
	f := newForm(c, offcutFields...)
	in := workshop.OffcutInput{MaterialCode: f.Get(workshop.FieldMaterial), ColourCode: f.Get(workshop.FieldColour),
		LengthMM: f.Get(workshop.FieldLength), Notes: f.Get(workshop.FieldNotes)}
	if _, err := s.workshop().AddOffcut(c.UserContext(), in, actor(c)); err != nil {
		if f.mergeAppError(err) {
			return s.renderOffcuts(c, fiber.StatusUnprocessableEntity, f, 0, nil)
		}
		return err
	}
	s.setFlash(c, "success", "workshop.offcut_added")
	return redirect(c, "/taller/retazos")
}

func (s *server) offcutUpdate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	f := newForm(c, workshop.FieldLength, workshop.FieldNotes)
	in := workshop.OffcutInput{LengthMM: f.Get(workshop.FieldLength), Notes: f.Get(workshop.FieldNotes)}
	if err := s.workshop().UpdateOffcut(c.UserContext(), id, in, actor(c)); err != nil {
		if f.mergeAppError(err) {
			return s.renderOffcuts(c, fiber.StatusUnprocessableEntity, newForm(c), id, f)
		}
		return err
	}
	s.setFlash(c, "success", "workshop.offcut_updated")
	return redirect(c, "/taller/retazos")
}

func (s *server) offcutDiscard(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	if err := s.workshop().DiscardOffcut(c.UserContext(), id, actor(c)); err != nil {
		return err
	}
	s.setFlash(c, "success", "workshop.offcut_discarded")
	return redirect(c, "/taller/retazos")
}
