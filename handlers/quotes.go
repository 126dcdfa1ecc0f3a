package handlers

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/pricing"
	"cotizador/validate"
)

// quoteWriters may create and edit quotes; viewers only read them.
var quoteWriters = access{roles: []auth.Role{auth.RoleOwner, auth.RoleAdmin, auth.RoleSales}}

// quoteSettings reads the company's defaults for quotes (Configuración).
func (s *server) quoteSettings(ctx context.Context) (quoteSettings, error) {
	cs, err := s.DB.CompanySettings(ctx)
	if err != nil {
		return quoteSettings{}, err
	}
	st := quoteSettings{Prefix: cs.FolioPrefix, ValidityDays: cs.ValidityDays, Mode: cs.PricingMode, Rates: cs.Rates,
		LabourRateM2: cs.LabourRateM2, Cut: cs.Cut, Conditions: cs.Conditions, SalesSeeAll: cs.SalesSeeAllQuotes}
	if st.Prefix == "" {
		st.Prefix = "COT"
	}
	if st.Mode == "" {
		st.Mode = pricing.ModeByMetre
	}
	return st, nil
}

// mayReadQuote: a salesperson sees their own quotes unless the company
// lets them see all; everyone else sees every quote.
func (s *server) mayReadQuote(c *fiber.Ctx, q *db.Quote, st quoteSettings) bool {
	u := currentUser(c)
	return u.Role != auth.RoleSales || st.SalesSeeAll || q.SalespersonID == u.ID
}

// loadQuote loads the quote of the URL, as a 404 when the user may not see it.
func (s *server) loadQuote(c *fiber.Ctx) (*db.Quote, quoteSettings, error) {
	ctx := c.UserContext()
	st, err := s.quoteSettings(ctx)
	if err != nil {
		return nil, st, err
	}
	id, err := paramID(c)
	if err != nil {
		return nil, st, err
	}
	q, err := s.DB.FindQuoteByID(ctx, id)
	if err != nil {
		return nil, st, err
	}
	if !s.mayReadQuote(c, q, st) {
		return nil, st, app.Errorf(app.ENOTFOUND, "quote.not_found")
	}
	return q, st, nil
}

func (s *server) today() string { return db.Today(s.Clock.Now()) }

// --- List ---

func (s *server) quotesPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	st, err := s.quoteSettings(ctx)
	if err != nil {
		return err
	}
	const perPage = 25
	page := max(1, c.QueryInt("pagina", 1))
	f := db.QuoteFilter{
		Status: c.Query("estado"), From: c.Query("desde"), To: c.Query("hasta"), Search: c.Query("q"),
		Today: s.today(), Limit: perPage, Offset: (page - 1) * perPage,
	}
	if !validChoice(f.Status, db.QuoteStatuses) {
		f.Status = ""
	}
	if _, err := parseDay(f.From); err != nil {
		f.From = ""
	}
	if _, err := parseDay(f.To); err != nil {
		f.To = ""
	}
	f.SalespersonID, _ = strconv.ParseInt(c.Query("vendedor"), 10, 64)
	f.CustomerID, _ = strconv.ParseInt(c.Query("cliente"), 10, 64)
	u := currentUser(c)
	if u.Role == auth.RoleSales && !st.SalesSeeAll {
		f.SalespersonID = u.ID
	}
	quotes, total, err := s.DB.FindQuotes(ctx, f)
	if err != nil {
		return err
	}
	users, err := s.DB.FindUsers(ctx)
	if err != nil {
		return err
	}
	pages := max(1, (total+perPage-1)/perPage)
	return s.renderPage(c, fiber.StatusOK, "quotes", "quote.list_title", fiber.Map{
		"Quotes": quotes, "Total": total, "Filter": f, "Statuses": db.QuoteStatuses, "Users": users, "Today": f.Today,
		"Page": page, "Pages": pages, "HasPrev": page > 1, "HasNext": page < pages, "PrevPage": page - 1, "NextPage": page + 1,
		"Query": listQuery(c, "pagina"), "CanWrite": quoteWriters.allowsUser(u),
	})
}

func validChoiceOr(v string, allowed []string, fallback string) string {
	if validChoice(v, allowed) {
		return v
	}
	return fallback
}

func validChoice(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// listQuery is the request's query without one key, for pager links.
func listQuery(c *fiber.Ctx, drop string) string {
	var parts []string
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if string(k) != drop && len(v) > 0 {
			parts = append(parts, urlEscape(string(k))+"="+urlEscape(string(v)))
		}
	})
	return strings.Join(parts, "&")
}

// --- Editor ---

// editorData is what the quote editor needs besides the form.
func (s *server) editorData(c *fiber.Ctx, qf *quoteForm, q *db.Quote) (fiber.Map, error) {
	ctx := c.UserContext()
	products, err := s.DB.FindProducts(ctx, db.ProductFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	colours, err := s.DB.FindColours(ctx)
	if err != nil {
		return nil, err
	}
	materials, err := s.DB.FindMaterials(ctx, db.MaterialFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	var glasses []*db.Material
	for _, m := range materials {
		if m.Category == pricing.CategoryGlass {
			glasses = append(glasses, m)
		}
	}
	action := "/cotizaciones"
	if q != nil {
		action = "/cotizaciones/" + strconv.FormatInt(q.ID, 10)
	}
	return fiber.Map{"Q": qf, "Quote": q, "Products": products, "Colours": colours, "Glasses": glasses, "Materials": materials,
		"Modes": pricingModes, "Action": action}, nil
}

func (s *server) renderEditor(c *fiber.Ctx, status int, qf *quoteForm, q *db.Quote) error {
	qf.withSpareLine()
	data, err := s.editorData(c, qf, q)
	if err != nil {
		return err
	}
	title := "quote.new_title"
	if q != nil {
		title = "quote.edit_title"
	}
	return s.renderPage(c, status, "quote_edit", title, data)
}

func (s *server) quoteNew(c *fiber.Ctx) error {
	ctx := c.UserContext()
	st, err := s.quoteSettings(ctx)
	if err != nil {
		return err
	}
	qf := newQuoteForm(st, s.today())
	if id, err := strconv.ParseInt(c.Query("cliente"), 10, 64); err == nil {
		if cu, err := s.DB.FindCustomerByID(ctx, id); err == nil {
			qf.Values["customer_id"] = strconv.FormatInt(cu.ID, 10)
			qf.Values["customer_name"], qf.Values["customer_phone"], qf.Values["customer_email"] = cu.Name, cu.Phone, cu.Email
			qf.Values["customer_rfc"], qf.Values["customer_address"] = cu.RFC, cu.Address
		}
	}
	return s.renderEditor(c, fiber.StatusOK, qf, nil)
}

// priceForm prices an editor against the current catalogue.
func (s *server) priceForm(c *fiber.Ctx, qf *quoteForm) (*db.PricingCatalog, quoteSettings, error) {
	ctx := c.UserContext()
	st, err := s.quoteSettings(ctx)
	if err != nil {
		return nil, st, err
	}
	cat, err := s.DB.PricingCatalog(ctx)
	if err != nil {
		return nil, st, err
	}
	return cat, st, s.price(cat, qf, currentUser(c), st)
}

func (s *server) quoteCreate(c *fiber.Ctx) error { return s.submitEditor(c, nil) }

// submitEditor answers the editor's POST for a new quote (existing nil) or
// a draft: "calcular" re-renders it priced (the page without JavaScript),
// "guardar" saves it when every field and line is valid.
func (s *server) submitEditor(c *fiber.Ctx, existing *db.Quote) error {
	qf := parseQuoteForm(c)
	cat, st, err := s.priceForm(c, qf)
	if err != nil {
		return err
	}
	save := c.FormValue("accion") == "guardar"
	if !save || !qf.valid() {
		status := fiber.StatusOK
		if save {
			status = fiber.StatusUnprocessableEntity
		}
		return s.renderEditor(c, status, qf, existing)
	}
	q, err := s.quoteFromForm(c, qf, cat, st)
	if err != nil {
		if qf.mergeAppError(err) {
			return s.renderEditor(c, fiber.StatusUnprocessableEntity, qf, existing)
		}
		return err
	}
	if existing == nil {
		err = s.DB.CreateQuote(c.UserContext(), q, st.Prefix, actor(c))
	} else {
		// The quote keeps its salesperson when someone else edits it.
		q.SalespersonID = existing.SalespersonID
		err = s.DB.UpdateQuote(c.UserContext(), existing.ID, q, actor(c))
	}
	if err != nil {
		return err
	}
	s.setFlash(c, "success", "quote.saved")
	return redirect(c, "/cotizaciones/"+strconv.FormatInt(q.ID, 10))
}

// valid reports whether the editor can be saved: no field or line errors
// and a priced result with at least one line.
func (qf *quoteForm) valid() bool {
	if len(qf.Errors) > 0 || qf.Excluded > 0 || qf.Result == nil {
		return false
	}
	if len(qf.Lines)+len(qf.Mats) == 0 {
		qf.Errors.Add("lines", "quote.no_lines", nil)
		return false
	}
	return true
}

// quoteFromForm builds the quote to save from a priced editor, resolving the
// customer: the one picked, or a new customer from the typed data.
func (s *server) quoteFromForm(c *fiber.Ctx, qf *quoteForm, cat *db.PricingCatalog, st quoteSettings) (*db.Quote, error) {
	f := qf.form
	cust, err := s.resolveCustomer(c, f)
	if err != nil {
		return nil, err
	}
	q := pricedQuote(qf.Result, cat, cust, currentUser(c).ID, st, s.Clock.Now(), func(i int) (string, string) {
		return qf.Lines[i].Location, qf.Lines[i].Notes
	})
	q.PriceDisplay, q.DimensionUnit, q.ValidUntil = f.Get("mostrar"), f.Get("unidad"), f.Get("vigencia")
	q.Notes, q.Conditions = strings.TrimSpace(f.Get("notas")), strings.TrimSpace(f.Get("condiciones"))
	return q, nil
}

// pricedQuote is the quote to save for a pricing result: the customer's
// snapshot, the rates and figures as priced, each line with its breakdown.
// lineText gives a window line's location and notes.
func pricedQuote(r *pricing.QuoteResult, cat *db.PricingCatalog, cust *db.Customer, salesperson int64, st quoteSettings, now time.Time,
	lineText func(i int) (location, notes string)) *db.Quote {
	q := &db.Quote{
		CustomerID:    cust.ID,
		Customer:      db.CustomerSnapshot{Name: cust.Name, BusinessName: cust.BusinessName, RFC: cust.RFC, Email: cust.Email, Phone: cust.Phone, Address: cust.Address},
		SalespersonID: salesperson,
		Mode:          r.Mode, Rates: r.Rates, LabourRateM2: r.LabourRateM2, Discount: r.Discount,
		PriceDisplay: "mas_iva", DimensionUnit: "mm", Cut: st.Cut, Conditions: st.Conditions,
		CatalogVersion: cat.Version, PricedAt: now, Totals: r.Totals,
	}
	for i, it := range r.Items {
		p, _ := cat.Product(it.ProductCode)
		location, notes := lineText(i)
		q.Items = append(q.Items, &db.QuoteItem{Kind: "producto", ProductCode: it.ProductCode, ProductName: it.ProductName,
			ProductType: string(p.Type), Hojas: p.Hojas, ColourCode: it.ColourCode, GlassCode: it.GlassCode,
			WidthMM: it.WidthMM, HeightMM: it.HeightMM, Quantity: decimal.NewFromInt(int64(it.Quantity)), Location: location, Notes: notes,
			Optional: it.Optional, Buckets: it.Buckets, Cost: it.Cost, Amount: it.Amount, UnitPrice: it.UnitPrice, Breakdown: it.Lines})
	}
	for _, m := range r.Materials {
		q.Items = append(q.Items, &db.QuoteItem{Kind: "material", MaterialCode: m.MaterialCode, MaterialName: m.MaterialName,
			ColourCode: m.ColourCode, Quantity: m.Quantity, Optional: m.Optional, Cost: m.Cost, Amount: m.Amount, UnitPrice: m.UnitPrice})
	}
	return q
}

// resolveCustomer returns the customer picked in the editor, or creates one
// from the name, phone, e-mail, RFC and address typed there.
func (s *server) resolveCustomer(c *fiber.Ctx, f *form) (*db.Customer, error) {
	ctx := c.UserContext()
	if id, err := strconv.ParseInt(f.Get("customer_id"), 10, 64); err == nil && id > 0 {
		return s.DB.FindCustomerByID(ctx, id)
	}
	errs := validate.Errors{}
	cu := &db.Customer{
		Name:    validate.Text(errs, "customer_name", f.Get("customer_name"), true, 200),
		Phone:   validate.Phone(errs, "customer_phone", f.Get("customer_phone"), false),
		Email:   validate.Email(errs, "customer_email", f.Get("customer_email"), false),
		RFC:     validate.RFC(errs, "customer_rfc", f.Get("customer_rfc"), false),
		Address: validate.Multiline(errs, "customer_address", f.Get("customer_address"), false, 500),
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if err := s.DB.CreateCustomer(ctx, cu, actor(c)); err != nil {
		return nil, err
	}
	return cu, nil
}

// --- Live recalculation ---

// quoteCalc reprices the editor as the user types (htmx). linea names the
// line that changed: the answer is that line's result plus the totals out of
// band; "all" (a rate changed) answers the totals plus every line. A line
// with an error answers only its message and leaves the totals as they were.
func (s *server) quoteCalc(c *fiber.Ctx) error {
	qf := parseQuoteForm(c)
	if _, _, err := s.priceForm(c, qf); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	which := c.FormValue("linea")
	if which == "all" || which == "" {
		return s.renderPartial(c, fiber.StatusOK, "quote_recalc", fiber.Map{"Q": qf, "All": true})
	}
	n, err := strconv.Atoi(strings.TrimPrefix(which, "mat-"))
	if err != nil {
		return app.Errorf(app.EINVALID, "error.bad_request.body")
	}
	data := fiber.Map{"Q": qf}
	if strings.HasPrefix(which, "mat-") {
		for _, m := range qf.Mats {
			if m.N == n {
				data["Mat"] = m
			}
		}
	} else {
		for _, l := range qf.Lines {
			if l.N == n {
				data["Line"] = l
			}
		}
	}
	if data["Line"] == nil && data["Mat"] == nil {
		// The line was just removed: everything else may have changed.
		return s.renderPartial(c, fiber.StatusOK, "quote_recalc", fiber.Map{"Q": qf, "All": true})
	}
	if c.FormValue("detalle") != "" {
		l, _ := data["Line"].(*lineForm)
		if l == nil || l.Result == nil {
			return s.renderPartial(c, fiber.StatusOK, "quote_recalc", data)
		}
		return s.renderPartial(c, fiber.StatusOK, "quote_recalc", fiber.Map{"Detail": l.Result.Lines})
	}
	return s.renderPartial(c, fiber.StatusOK, "quote_recalc", data)
}

// quoteLineRow is a new empty line for the editor's "add line" buttons.
func (s *server) quoteLineRow(c *fiber.Ctx) error {
	n := c.QueryInt("n")
	if n < 0 || n > 999 {
		return app.Errorf(app.EINVALID, "error.bad_request.body")
	}
	qf := &quoteForm{form: &form{Values: map[string]string{"unidad": c.Query("unidad", "cm")}, Errors: validate.Errors{}}}
	data, err := s.editorData(c, qf, nil)
	if err != nil {
		return err
	}
	if c.Query("tipo") == "material" {
		data["Mat"] = &matForm{N: n, Qty: "1", Errors: map[string]*fieldMsg{}}
		data["NextN"] = n + 1
		return s.renderPartial(c, fiber.StatusOK, "quote_mat", data)
	}
	data["Line"] = &lineForm{N: n, Qty: "1", Errors: map[string]*fieldMsg{}}
	data["Unit"] = validChoiceOr(c.Query("unidad"), []string{"cm", "mm"}, "cm")
	// The add buttons move on to the next free line number.
	data["NextN"] = n + 1
	return s.renderPartial(c, fiber.StatusOK, "quote_line", data)
}

// --- A saved quote ---

func (s *server) quotePage(c *fiber.Ctx) error {
	q, st, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	revisions, err := s.DB.QuoteRevisions(ctx, q.Folio)
	if err != nil {
		return err
	}
	_, changedAt, err := s.DB.CatalogVersion(ctx)
	if err != nil {
		return err
	}
	today := s.today()
	status := q.EffectiveStatus(today)
	open := status == db.StatusDraft || status == db.StatusSent
	stale := open && q.SupersededBy == 0 && changedAt.After(q.PricedAt)
	u := currentUser(c)
	canWrite := quoteWriters.allowsUser(u)
	var next []string
	for _, to := range []string{db.StatusSent, db.StatusAccepted, db.StatusRejected, db.StatusCancelled} {
		if canWrite && q.SupersededBy == 0 && db.CanTransition(q.Status, to, q.Expired(today)) {
			next = append(next, to)
		}
	}
	return s.renderPage(c, fiber.StatusOK, "quote", "quote.view_title", fiber.Map{
		"Quote": q, "Status": status, "Revisions": revisions, "Stale": stale,
		"StaleDays": int(s.Clock.Now().Sub(q.PricedAt).Hours() / 24), "Next": next, "CanWrite": canWrite,
		"CanEdit": canWrite && q.Editable(), "CanRevise": canWrite && q.SupersededBy == 0 && q.Status != db.StatusDraft,
		"CanReprice": canWrite && stale && q.Editable(), "PlusIVA": q.PriceDisplay != "iva_incluido", "Settings": st,
	})
}

func (s *server) quoteEdit(c *fiber.Ctx) error {
	q, _, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	if !q.Editable() {
		return app.Errorf(app.ECONFLICT, "quote.locked")
	}
	qf := quoteFormFrom(q)
	if _, _, err := s.priceForm(c, qf); err != nil {
		return err
	}
	return s.renderEditor(c, fiber.StatusOK, qf, q)
}

func (s *server) quoteUpdate(c *fiber.Ctx) error {
	existing, _, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	if !existing.Editable() {
		return app.Errorf(app.ECONFLICT, "quote.locked")
	}
	return s.submitEditor(c, existing)
}

func (s *server) quoteStatus(c *fiber.Ctx) error {
	q, _, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	to := c.FormValue("estado")
	if err := s.DB.SetQuoteStatus(c.UserContext(), q.ID, to, actor(c)); err != nil {
		if app.ErrorCode(err) == app.ECONFLICT {
			s.setFlash(c, "error", "quote.bad_transition")
			return redirect(c, "/cotizaciones/"+strconv.FormatInt(q.ID, 10))
		}
		return err
	}
	s.setFlash(c, "success", "quote.status_changed")
	return redirect(c, "/cotizaciones/"+strconv.FormatInt(q.ID, 10))
}

func (s *server) quoteRevise(c *fiber.Ctx) error {
	q, st, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	rev, err := s.DB.CreateRevision(c.UserContext(), q.ID, addDays(s.today(), st.ValidityDays), actor(c))
	if err != nil {
		return err
	}
	s.setFlash(c, "success", "quote.revision_created")
	return redirect(c, "/cotizaciones/"+strconv.FormatInt(rev.ID, 10)+"/editar")
}

// quoteDuplicate starts a new quote (new folio, draft) with the same lines
// and rates, repriced with today's catalogue.
func (s *server) quoteDuplicate(c *fiber.Ctx) error {
	q, st, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	qf := quoteFormFrom(q)
	qf.Values["vigencia"] = addDays(s.today(), st.ValidityDays)
	cat, _, err := s.priceForm(c, qf)
	if err != nil {
		return err
	}
	if !qf.valid() {
		// Something in the catalogue changed so that a line no longer
		// prices: open the editor with the messages instead of saving.
		qf.Values["customer_id"] = ""
		return s.renderEditor(c, fiber.StatusOK, qf, nil)
	}
	dup, err := s.quoteFromForm(c, qf, cat, st)
	if err != nil {
		return err
	}
	if err := s.DB.CreateQuote(c.UserContext(), dup, st.Prefix, actor(c)); err != nil {
		return err
	}
	s.setFlash(c, "success", "quote.duplicated")
	return redirect(c, "/cotizaciones/"+strconv.FormatInt(dup.ID, 10)+"/editar")
}

// quoteReprice prices a draft again with today's catalogue, same lines and
// rates.
func (s *server) quoteReprice(c *fiber.Ctx) error {
	q, st, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	if !q.Editable() {
		return app.Errorf(app.ECONFLICT, "quote.locked")
	}
	qf := quoteFormFrom(q)
	cat, _, err := s.priceForm(c, qf)
	if err != nil {
		return err
	}
	if !qf.valid() {
		return s.renderEditor(c, fiber.StatusUnprocessableEntity, qf, q)
	}
	updated, err := s.quoteFromForm(c, qf, cat, st)
	if err != nil {
		return err
	}
	updated.SalespersonID = q.SalespersonID
	if err := s.DB.UpdateQuote(c.UserContext(), q.ID, updated, actor(c)); err != nil {
		return err
	}
	s.setFlash(c, "success", "quote.repriced")
	return redirect(c, "/cotizaciones/"+strconv.FormatInt(q.ID, 10))
}

// customerQuotes lists a customer's latest quotes that the user may see,
// for the customer's page.
func (s *server) customerQuotes(c *fiber.Ctx, customerID int64) ([]*db.Quote, error) {
	st, err := s.quoteSettings(c.UserContext())
	if err != nil {
		return nil, err
	}
	f := db.QuoteFilter{CustomerID: customerID, Today: s.today(), Limit: 50}
	if u := currentUser(c); u.Role == auth.RoleSales && !st.SalesSeeAll {
		f.SalespersonID = u.ID
	}
	quotes, _, err := s.DB.FindQuotes(c.UserContext(), f)
	return quotes, err
}
