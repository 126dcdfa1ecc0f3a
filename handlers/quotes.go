package handlers

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/pricing"
	"cotizador/quoting"
	"cotizador/validate"
)

// quoteWriters may create and edit quotes; viewers only read them.
var quoteWriters = access{roles: []auth.Role{auth.RoleOwner, auth.RoleAdmin, auth.RoleSales}}

// quoteSettings are the company's defaults for quotes.
type quoteSettings = quoting.Settings

// quotes is the quoting core, the one home of quote rules.
func (s *server) quotes() *quoting.Service { return &quoting.Service{DB: s.DB, Clock: s.Clock} }

func (s *server) quoteSettings(ctx context.Context) (quoteSettings, error) {
	return s.quotes().Settings(ctx)
}

// loadQuote loads the quote of the URL, as a 404 when the user may not see it.
func (s *server) loadQuote(c *fiber.Ctx) (*db.Quote, quoteSettings, error) {
	id, err := paramID(c)
	if err != nil {
		return nil, quoteSettings{}, err
	}
	return s.quotes().Find(c.UserContext(), id, currentUser(c))
}

func (s *server) today() string { return db.Today(s.Clock.Now()) }

// --- List ---

func (s *server) quotesPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := db.QuoteFilter{
		Status: c.Query("estado"), From: c.Query("desde"), To: c.Query("hasta"), Search: c.Query("q"),
		Today: s.today(), Limit: db.DefaultQuoteLimit,
	}
	if !validChoice(f.Status, db.QuoteStatuses) {
		f.Status = ""
	}
	if !isDay(f.From) {
		f.From = ""
	}
	if !isDay(f.To) {
		f.To = ""
	}
	f.SalespersonID, _ = strconv.ParseInt(c.Query("vendedor"), 10, 64)
	f.CustomerID, _ = strconv.ParseInt(c.Query("cliente"), 10, 64)
	// Keyset pages: antes=<id> the older quotes after a page, despues=<id>
	// the newer ones before it.
	f.Before, _ = strconv.ParseInt(c.Query("antes"), 10, 64)
	f.After, _ = strconv.ParseInt(c.Query("despues"), 10, 64)
	f.Before, f.After = max(f.Before, 0), max(f.After, 0)
	u := currentUser(c)
	page, err := s.quotes().Page(ctx, f, u)
	if err != nil {
		return err
	}
	users, err := s.DB.FindUsers(ctx)
	if err != nil {
		return err
	}
	// The pager's links keep the filters (as the request wrote them) and
	// change only the cursor.
	query := listQuery(c, "antes", "despues")
	pageURL := func(key string, id int64) string {
		parts := query
		if key != "" {
			parts += "&" + key + "=" + strconv.FormatInt(id, 10)
		}
		if parts = strings.TrimPrefix(parts, "&"); parts == "" {
			return "/cotizaciones"
		}
		return "/cotizaciones?" + parts
	}
	data := fiber.Map{
		"Quotes": page.Quotes, "Page": page, "CountCap": pricing.FormatNumber(decimal.NewFromInt(db.QuoteCountCap), 0),
		"CountShown": pricing.FormatNumber(decimal.NewFromInt(int64(page.Count)), 0), "Filter": f,
		"Statuses": db.QuoteStatuses, "Users": users, "Today": f.Today, "CanWrite": quoteWriters.allowsUser(u),
	}
	if f.Before > 0 || f.After > 0 {
		data["FirstURL"] = pageURL("", 0)
	}
	if page.Newer > 0 {
		data["NewerURL"] = pageURL("despues", page.Newer)
	}
	if page.Older > 0 {
		data["OlderURL"] = pageURL("antes", page.Older)
	}
	return s.renderPage(c, fiber.StatusOK, "quotes", "quote.list_title", data)
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

// listQuery is the request's query without some keys, for pager links.
func listQuery(c *fiber.Ctx, drop ...string) string {
	var parts []string
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if !slices.Contains(drop, string(k)) && len(v) > 0 {
			parts = append(parts, urlEscape(string(k))+"="+urlEscape(string(v)))
		}
	})
	return strings.Join(parts, "&")
}

// --- Editor ---

// editorData is what the quote editor needs besides the draft.
func (s *server) editorData(c *fiber.Ctx, v *quoteView, q *db.Quote) (fiber.Map, error) {
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
	return fiber.Map{"Q": v, "Quote": q, "Products": products, "Colours": colours, "Glasses": glasses, "Materials": materials,
		"Modes": pricingModes, "Action": action}, nil
}

func (s *server) renderEditor(c *fiber.Ctx, status int, d *quoting.Draft, next int, q *db.Quote) error {
	v := &quoteView{Draft: d, NextN: next, ClientView: c.FormValue("vista_cliente") != ""}
	v.withSpareLine()
	data, err := s.editorData(c, v, q)
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
	in := quoting.NewInput(st, s.today())
	if id, err := strconv.ParseInt(c.Query("cliente"), 10, 64); err == nil {
		if cu, err := s.DB.FindCustomerByID(ctx, id); err == nil {
			v := in.Fields
			v[quoting.FieldCustomerID] = strconv.FormatInt(cu.ID, 10)
			v[quoting.FieldCustomerName], v[quoting.FieldCustomerPhone], v[quoting.FieldCustomerEmail] = cu.Name, cu.Phone, cu.Email
			v[quoting.FieldCustomerRFC], v[quoting.FieldCustomerAddress] = cu.RFC, cu.Address
		}
	}
	// A new quote is not priced until it has a line: no problems to show yet.
	d := &quoting.Draft{Input: in, Errors: validate.Errors{}, Settings: st}
	return s.renderEditor(c, fiber.StatusOK, d, 0, nil)
}

func (s *server) quoteCreate(c *fiber.Ctx) error { return s.submitEditor(c, nil) }

// submitEditor answers the editor's POST for a new quote (existing nil) or
// a draft: "calcular" re-renders it priced (the page without JavaScript),
// "guardar" saves it when every field and line is valid.
func (s *server) submitEditor(c *fiber.Ctx, existing *db.Quote) error {
	in, next := parseQuoteForm(c)
	u := currentUser(c)
	d, err := s.quotes().Price(c.UserContext(), in, u)
	if err != nil {
		return err
	}
	if c.FormValue("accion") != "guardar" {
		return s.renderEditor(c, fiber.StatusOK, d, next, existing)
	}
	q, err := s.quotes().Save(c.UserContext(), d, u, existing, actor(c))
	if app.ErrorCode(err) == app.EINVALID {
		return s.renderEditor(c, fiber.StatusUnprocessableEntity, d, next, existing)
	} else if err != nil {
		return err
	}
	s.setFlash(c, "success", "quote.saved")
	return redirect(c, "/cotizaciones/"+strconv.FormatInt(q.ID, 10))
}

// --- Live recalculation ---

// quoteCalc reprices the editor as the user types (htmx). linea names the
// line that changed: the answer is that line's result plus the totals out of
// band; "all" (a rate changed) answers the totals plus every line. A line
// with an error answers only its message and leaves the totals as they were.
func (s *server) quoteCalc(c *fiber.Ctx) error {
	in, _ := parseQuoteForm(c)
	d, err := s.quotes().Price(c.UserContext(), in, currentUser(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	which := c.FormValue("linea")
	if which == "all" || which == "" {
		return s.sendRecalc(c, d, nil, nil)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(which, "mat-"))
	if err != nil {
		return app.Errorf(app.EINVALID, "error.bad_request.body")
	}
	var line *quoting.Line
	var mat *quoting.MatLine
	if strings.HasPrefix(which, "mat-") {
		for _, m := range d.Mats {
			if m.N == n {
				mat = m
			}
		}
	} else {
		for _, l := range d.Lines {
			if l.N == n {
				line = l
			}
		}
	}
	if line != nil && c.FormValue("detalle") != "" {
		if line.Result == nil {
			return s.sendRecalc(c, d, line, nil)
		}
		return s.renderPartial(c, fiber.StatusOK, "quote_breakdown", fiber.Map{"Lines": line.Result.Lines})
	}
	// A line that was just removed answers every box: the rest may have changed.
	return s.sendRecalc(c, d, line, mat)
}

var lastLineKey = regexp.MustCompile(`^item-(\d{1,3})-(product_code|color_code|glass_code)$`)

// quoteLineRow is a new empty line for the editor's "add line" buttons.
func (s *server) quoteLineRow(c *fiber.Ctx) error {
	n := c.QueryInt("n")
	if n < 0 || n > 999 {
		return app.Errorf(app.EINVALID, "error.bad_request.body")
	}
	v := &quoteView{Draft: &quoting.Draft{Input: &quoting.Input{Fields: map[string]string{}}, Errors: validate.Errors{}}}
	data, err := s.editorData(c, v, nil)
	if err != nil {
		return err
	}
	// The add buttons move on to the next free line number.
	data["NextN"] = n + 1
	if c.Query("tipo") == "material" {
		data["Mat"] = &quoting.MatLine{MaterialInput: quoting.MaterialInput{N: n, Quantity: "1"}, Errors: validate.Errors{}}
		return s.renderPartial(c, fiber.StatusOK, "quote_mat", data)
	}
	// A new window usually repeats the last one's product, colour and glass
	// (the add button sends the last line's choices): only its size is new.
	line := &quoting.Line{ItemInput: quoting.ItemInput{N: n, Quantity: "1"}, Errors: validate.Errors{}}
	last := -1
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		m := lastLineKey.FindSubmatch(k)
		if m == nil {
			return
		}
		k2, _ := strconv.Atoi(string(m[1]))
		if k2 < last {
			return
		}
		last = k2
		switch string(m[2]) {
		case quoting.ItemProduct:
			line.ProductCode = string(v)
		case quoting.ItemColour:
			line.ColorCode = string(v)
		case quoting.ItemGlass:
			line.GlassCode = string(v)
		}
	})
	data["Line"] = line
	data["Unit"] = validChoiceOr(c.Query("unit"), []string{quoting.UnitCM, quoting.UnitMM}, quoting.UnitCM)
	return s.renderPartial(c, fiber.StatusOK, "quote_line", data)
}

// --- A saved quote ---

func (s *server) quotePage(c *fiber.Ctx) error {
	q, st, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	return s.renderQuote(c, q, st, "", nil)
}

// renderQuote shows a saved quote; token and sh are a link just made, whose
// URL can be shown only now.
func (s *server) renderQuote(c *fiber.Ctx, q *db.Quote, st quoteSettings, token string, sh *db.QuoteShare) error {
	ctx := c.UserContext()
	revisions, err := s.DB.QuoteRevisions(ctx, q.Folio)
	if err != nil {
		return err
	}
	_, changedAt, err := s.DB.CatalogVersion(ctx)
	if err != nil {
		return err
	}
	u := currentUser(c)
	canWrite := quoteWriters.allowsUser(u)
	a := quoting.ActionsFor(q, canWrite, s.today(), changedAt, s.Clock.Now())
	share, err := s.shareData(c, q, token, sh)
	if err != nil {
		return err
	}
	names, err := s.catalogNames(c)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "quote", "quote.view_title", fiber.Map{
		"Quote": q, "Status": a.Status, "Revisions": revisions, "Stale": a.Stale, "StaleDays": a.StaleDays, "Next": a.Next,
		"CanWrite": canWrite, "CanEdit": a.CanEdit, "CanRevise": a.CanRevise, "CanReprice": a.CanReprice, "CanSend": a.CanSend,
		"ShowInternal": canWrite && c.Query("vista") != "cliente",
		"PlusIVA":      q.PriceDisplay != quoting.DisplayIVAIncluded, "Settings": st, "Share": share, "Names": names,
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
	d, err := s.quotes().Price(c.UserContext(), quoting.InputOf(q), currentUser(c))
	if err != nil {
		return err
	}
	return s.renderEditor(c, fiber.StatusOK, d, 0, q)
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
	back := "/cotizaciones/" + strconv.FormatInt(q.ID, 10)
	to := c.FormValue("estado")
	if quoting.NeedsConfirmation(to) && c.FormValue("confirmado") == "" {
		// Without JavaScript nobody asked yet: ask on a page of its own.
		return s.renderPage(c, fiber.StatusOK, "quote_confirm", "quote.confirm_title", fiber.Map{"Quote": q, "To": to})
	}
	if err := s.quotes().SetStatus(c.UserContext(), q, to, actor(c)); err != nil {
		if app.ErrorCode(err) == app.ECONFLICT {
			s.setFlash(c, "error", "quote.bad_transition")
			return redirect(c, back)
		}
		return err
	}
	s.setFlash(c, "success", "quote.status_changed")
	return redirect(c, back)
}

func (s *server) quoteRevise(c *fiber.Ctx) error {
	q, st, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	rev, err := s.quotes().Revise(c.UserContext(), q, st, actor(c))
	if err != nil {
		return err
	}
	s.setFlash(c, "success", "quote.revision_created")
	return redirect(c, "/cotizaciones/"+strconv.FormatInt(rev.ID, 10)+"/editar")
}

// quoteDuplicate starts a new quote (new folio, draft) with the same lines
// and rates, repriced with today's catalogue.
func (s *server) quoteDuplicate(c *fiber.Ctx) error {
	q, _, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	dup, d, err := s.quotes().Duplicate(c.UserContext(), q, currentUser(c), actor(c))
	if err != nil {
		return err
	}
	if dup == nil {
		// Something in the catalogue changed so that a line no longer
		// prices: open the editor with the messages instead of saving.
		return s.renderEditor(c, fiber.StatusOK, d, 0, nil)
	}
	s.setFlash(c, "success", "quote.duplicated")
	return redirect(c, "/cotizaciones/"+strconv.FormatInt(dup.ID, 10)+"/editar")
}

// quoteReprice prices a draft again with today's catalogue, same lines and
// rates.
func (s *server) quoteReprice(c *fiber.Ctx) error {
	q, _, err := s.loadQuote(c)
	if err != nil {
		return err
	}
	d, err := s.quotes().Reprice(c.UserContext(), q, currentUser(c), actor(c))
	if app.ErrorCode(err) == app.EINVALID || (err == nil && !d.OK()) {
		return s.renderEditor(c, fiber.StatusUnprocessableEntity, d, 0, q)
	} else if err != nil {
		return err
	}
	s.setFlash(c, "success", "quote.repriced")
	return redirect(c, "/cotizaciones/"+strconv.FormatInt(q.ID, 10))
}

// customerQuotes lists a customer's latest quotes that the user may see,
// for the customer's page.
func (s *server) customerQuotes(c *fiber.Ctx, customerID int64) ([]*db.Quote, error) {
	quotes, _, err := s.quotes().List(c.UserContext(), db.QuoteFilter{CustomerID: customerID, Limit: 50}, currentUser(c))
	return quotes, err
}

// isDay reports whether s is a date as <input type="date"> sends it.
func isDay(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}
