package quoting

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/validate"
)

// Save writes a draft that passed every check: a new quote (existing nil)
// or the new contents of an existing draft. The customer picked
// (customer_id) is used as is; otherwise a new customer is made from the
// typed data and written in the same transaction as the quote and its
// lines, so a quote that fails to save leaves no customer behind.
func (s *Service) Save(ctx context.Context, d *Draft, u *db.User, existing *db.Quote, actor app.Actor) (*db.Quote, error) {
	if err := d.Err(); err != nil {
		return nil, err
	}
	cust, isNew, err := s.customer(ctx, d)
	if err != nil {
		return nil, err
	}
	q := d.quote(cust, u.ID, s.Clock)
	var newCustomer *db.Customer
	if isNew {
		newCustomer = cust
	}
	if existing == nil {
		err = s.DB.CreateQuote(ctx, q, d.Settings.Prefix, newCustomer, actor)
	} else {
		// The quote keeps its salesperson when someone else edits it.
		q.SalespersonID = existing.SalespersonID
		err = s.DB.UpdateQuote(ctx, existing.ID, q, newCustomer, actor)
	}
	if err != nil {
		return nil, err
	}
	return q, nil
}

// customer is the customer picked in the draft, or a new one (not yet
// written) from the typed name, phone, e-mail, RFC and address.
func (s *Service) customer(ctx context.Context, d *Draft) (*db.Customer, bool, error) {
	in := d.Input
	if raw := strings.TrimSpace(in.Get(FieldCustomerID)); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err == nil && id > 0 {
			c, err := s.DB.FindCustomerByID(ctx, id)
			if app.ErrorCode(err) == app.ENOTFOUND {
				return nil, false, invalid(FieldCustomerName, "quote.customer_gone")
			}
			return c, false, err
		}
		return nil, false, invalid(FieldCustomerName, "quote.customer_gone")
	}
	errs := validate.Errors{}
	c := &db.Customer{
		Name:    validate.Text(errs, FieldCustomerName, in.Get(FieldCustomerName), true, 200),
		Phone:   validate.Phone(errs, FieldCustomerPhone, in.Get(FieldCustomerPhone), false),
		Email:   validate.Email(errs, FieldCustomerEmail, in.Get(FieldCustomerEmail), false),
		RFC:     validate.RFC(errs, FieldCustomerRFC, in.Get(FieldCustomerRFC), false),
		Address: validate.Multiline(errs, FieldCustomerAddress, in.Get(FieldCustomerAddress), false, 500),
	}
	if len(errs) > 0 {
		for k, v := range errs {
			d.Errors[k] = v
		}
		return nil, false, errs.Err()
	}
	if in.Get(FieldCustomerNew) == "" {
		same, err := s.Lookalikes(ctx, c.Name, c.Phone)
		if err != nil {
			return nil, false, err
		}
		if len(same) > 0 {
			d.Lookalikes = same
			names := make([]string, len(same))
			for i, c := range same {
				names[i] = c.Name + " (#" + strconv.FormatInt(c.ID, 10) + ")"
			}
			d.Errors.Add(FieldCustomerName, "quote.customer_lookalike", map[string]any{"Names": strings.Join(names, ", ")})
			return nil, false, d.Err()
		}
	}
	return c, true, nil
}

// Lookalikes are the existing customers a typed one may be: the same name
// but for case and accents, or the same phone.
func (s *Service) Lookalikes(ctx context.Context, name, phone string) ([]*db.Customer, error) {
	var out []*db.Customer
	seen := map[int64]bool{}
	folded := db.FoldText(strings.TrimSpace(name))
	add := func(search string, same func(*db.Customer) bool) error {
		if search == "" {
			return nil
		}
		found, _, err := s.DB.FindCustomers(ctx, db.CustomerFilter{Search: search, Limit: 10})
		if err != nil {
			return err
		}
		for _, c := range found {
			if !seen[c.ID] && same(c) {
				seen[c.ID] = true
				out = append(out, c)
			}
		}
		return nil
	}
	if err := add(name, func(c *db.Customer) bool { return db.FoldText(strings.TrimSpace(c.Name)) == folded }); err != nil {
		return nil, err
	}
	if err := add(phone, func(c *db.Customer) bool { return c.Phone == phone }); err != nil {
		return nil, err
	}
	return out, nil
}

func invalid(field, message string) error {
	errs := validate.Errors{}
	errs.Add(field, message, nil)
	return errs.Err()
}

// quote is the quote to save: the customer's snapshot, the rates and
// figures as priced, each line with its breakdown.
func (d *Draft) quote(cust *db.Customer, salesperson int64, clock app.Clock) *db.Quote {
	r, st := d.Result, d.Settings
	q := &db.Quote{
		CustomerID:    cust.ID,
		Customer:      db.CustomerSnapshot{Name: cust.Name, BusinessName: cust.BusinessName, RFC: cust.RFC, Email: cust.Email, Phone: cust.Phone, Address: cust.Address},
		SalespersonID: salesperson,
		Mode:          r.Mode, Rates: r.Rates, LabourRateM2: r.LabourRateM2, Discount: r.Discount,
		PriceDisplay: d.display, DimensionUnit: d.unit, Cut: st.Cut, Conditions: st.Conditions,
		CatalogVersion: d.Catalog.Version, PricedAt: clock.Now(), Totals: r.Totals,
		ValidUntil: d.validUntil, Notes: strings.TrimSpace(d.Get(FieldNotes)),
	}
	if d.Input.has(FieldConditions) {
		q.Conditions = strings.TrimSpace(d.Get(FieldConditions))
	}
	for i := range r.Items {
		it := &r.Items[i]
		l := d.Lines[it.Index]
		q.Items = append(q.Items, &db.QuoteItem{Kind: "producto", ProductCode: it.ProductCode, ProductName: it.ProductName,
			ProductType: l.Kind, Hojas: l.Hojas, ColourCode: it.ColourCode, GlassCode: it.GlassCode,
			WidthMM: it.WidthMM, HeightMM: it.HeightMM, Quantity: decimal.NewFromInt(int64(it.Quantity)),
			Location: strings.TrimSpace(l.Location), Notes: strings.TrimSpace(l.Notes),
			Optional: it.Optional, Buckets: it.Buckets, Cost: it.Cost, Amount: it.Amount, UnitPrice: it.UnitPrice, Breakdown: it.Lines})
	}
	for i := range r.Materials {
		m := &r.Materials[i]
		q.Items = append(q.Items, &db.QuoteItem{Kind: "material", MaterialCode: m.MaterialCode, MaterialName: m.MaterialName,
			ColourCode: m.ColourCode, Quantity: m.Quantity, Optional: m.Optional, Cost: m.Cost, Amount: m.Amount, UnitPrice: m.UnitPrice})
	}
	return q
}

// InputOf is the editor's input for a saved quote: its customer, rates as
// percentages, sizes in the unit it was typed in, every line.
func InputOf(q *db.Quote) *Input {
	in := &Input{Percent: true, Fields: map[string]string{}}
	v := in.Fields
	if q.CustomerID != 0 {
		v[FieldCustomerID] = strconv.FormatInt(q.CustomerID, 10)
	}
	v[FieldCustomerName], v[FieldCustomerPhone], v[FieldCustomerEmail] = q.Customer.Name, q.Customer.Phone, q.Customer.Email
	v[FieldCustomerRFC], v[FieldCustomerAddress] = q.Customer.RFC, q.Customer.Address
	v[FieldUnit], v[FieldMode], v[FieldPriceDisplay] = q.DimensionUnit, string(q.Mode), q.PriceDisplay
	v[FieldProfitRate], v[FieldIndirectRate], v[FieldDepositRate] = Pct(q.Rates.Profit), Pct(q.Rates.Indirect), Pct(q.Rates.Deposit)
	v[FieldIVARate] = IVAChoice(q.Rates.IVA, q.Rates.IVAExempt)
	v[FieldLabourRate] = ""
	if q.LabourRateM2 != nil {
		v[FieldLabourRate] = q.LabourRateM2.String()
	}
	if !q.Discount.Amount.IsZero() {
		v[FieldDiscountAmount] = q.Discount.Amount.String()
	} else if !q.Discount.Rate.IsZero() {
		v[FieldDiscountRate] = Pct(q.Discount.Rate)
	}
	v[FieldValidUntil], v[FieldNotes], v[FieldConditions] = q.ValidUntil, q.Notes, q.Conditions
	n := 0
	for _, it := range q.Items {
		if it.Kind == "material" {
			in.Materials = append(in.Materials, MaterialInput{N: n, MaterialCode: it.MaterialCode, Quantity: it.Quantity.String(),
				ColorCode: it.ColourCode, Optional: it.Optional})
			n++
			continue
		}
		w, h := it.WidthMM, it.HeightMM
		if q.DimensionUnit == UnitCM {
			w, h = w.Shift(-1), h.Shift(-1)
		}
		in.Items = append(in.Items, ItemInput{N: n, ProductCode: it.ProductCode, Width: w.String(), Height: h.String(),
			Quantity: it.Quantity.String(), ColorCode: it.ColourCode, GlassCode: it.GlassCode, Location: it.Location,
			Notes: it.Notes, Optional: it.Optional})
		n++
	}
	return in
}

// NewInput is the editor's input of a new quote: the company's defaults and
// no lines.
func NewInput(st Settings, today string) *Input {
	in := &Input{Percent: true, Fields: map[string]string{}}
	v := in.Fields
	v[FieldUnit], v[FieldMode], v[FieldPriceDisplay] = UnitCM, string(st.Mode), DisplayPlusIVA
	v[FieldProfitRate], v[FieldIndirectRate], v[FieldDepositRate] = Pct(st.Rates.Profit), Pct(st.Rates.Indirect), Pct(st.Rates.Deposit)
	v[FieldIVARate] = IVAChoice(st.Rates.IVA, st.Rates.IVAExempt)
	v[FieldLabourRate] = ""
	if st.LabourRateM2 != nil {
		v[FieldLabourRate] = st.LabourRateM2.String()
	}
	v[FieldValidUntil] = addDays(today, st.ValidityDays)
	v[FieldConditions] = st.Conditions
	return in
}

// Pct writes a fraction as the percentage the editor shows ("0.25" → "25").
func Pct(d decimal.Decimal) string { return d.Shift(2).String() }

// IVAChoice is the editor's IVA choice for a rate: "16", "8", "0" or "exento".
func IVAChoice(rate decimal.Decimal, exempt bool) string {
	if exempt {
		return IVAExempt
	}
	return Pct(rate)
}

// SetStatus moves a quote to another status (the allowed moves are checked
// in the same transaction as the write).
func (s *Service) SetStatus(ctx context.Context, q *db.Quote, to string, actor app.Actor) error {
	return s.DB.SetQuoteStatus(ctx, q.ID, to, actor)
}

// NeedsConfirmation reports whether moving a quote to status to ends it,
// so the user is asked first (cancel, reject).
func NeedsConfirmation(to string) bool { return to == db.StatusCancelled || to == db.StatusRejected }

// NextStatuses are the statuses u's quote q may move to today.
func NextStatuses(q *db.Quote, today string, canWrite bool) []string {
	var next []string
	for _, to := range []string{db.StatusSent, db.StatusAccepted, db.StatusRejected, db.StatusCancelled} {
		if canWrite && q.SupersededBy == 0 && db.CanTransition(q.Status, to, q.Expired(today)) {
			next = append(next, to)
		}
	}
	return next
}

// Revise starts a new revision of q (same folio), valid for the company's
// usual number of days from today.
func (s *Service) Revise(ctx context.Context, q *db.Quote, st Settings, actor app.Actor) (*db.Quote, error) {
	return s.DB.CreateRevision(ctx, q.ID, addDays(s.Today(), st.ValidityDays), actor)
}

// Duplicate prices q's lines and rates with today's catalogue as a new
// quote for the same customer (new folio, draft) and saves it. When a line
// no longer prices, nothing is saved and the draft comes back with the
// problems, for the editor.
func (s *Service) Duplicate(ctx context.Context, q *db.Quote, u *db.User, actor app.Actor) (*db.Quote, *Draft, error) {
	in := InputOf(q)
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, nil, err
	}
	in.Fields[FieldValidUntil] = addDays(s.Today(), st.ValidityDays)
	d, err := s.Price(ctx, in, u)
	if err != nil {
		return nil, nil, err
	}
	if !d.OK() {
		return nil, d, nil
	}
	dup, err := s.Save(ctx, d, u, nil, actor)
	return dup, d, err
}

// Reprice prices a draft again with today's catalogue, same lines and rates,
// and saves it. When a line no longer prices, nothing is saved and the
// draft comes back with the problems.
func (s *Service) Reprice(ctx context.Context, q *db.Quote, u *db.User, actor app.Actor) (*Draft, error) {
	if !q.Editable() {
		return nil, app.Errorf(app.ECONFLICT, "quote.locked")
	}
	d, err := s.Price(ctx, InputOf(q), u)
	if err != nil || !d.OK() {
		return d, err
	}
	_, err = s.Save(ctx, d, u, q, actor)
	return d, err
}

// List finds quotes for u (see Page) and how many match, exactly up to
// db.QuoteCountCap.
func (s *Service) List(ctx context.Context, f db.QuoteFilter, u *db.User) ([]*db.Quote, int, error) {
	p, err := s.Page(ctx, f, u)
	if err != nil {
		return nil, 0, err
	}
	return p.Quotes, p.Count, nil
}

// Page finds a page of quotes for u: a salesperson who may not see every
// quote sees only their own, whatever the filter asks.
func (s *Service) Page(ctx context.Context, f db.QuoteFilter, u *db.User) (*db.QuotePage, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, app.Errorf(app.ENOTFOUND, "quote.not_found")
	}
	if u.Role == auth.RoleSales && !st.SalesSeeAll {
		f.SalespersonID = u.ID
	}
	if f.Today == "" {
		f.Today = s.Today()
	}
	return s.DB.FindQuotes(ctx, f)
}

// Actions says what a user who may write quotes (canWrite) can do with q
// today, and whether its prices are older than the catalogue.
type Actions struct {
	Status                         string   // as shown: vencida for an expired open quote
	Next                           []string // statuses it may move to
	CanEdit, CanRevise, CanReprice bool
	// CanSend: a link can be made (a draft or sent quote, current, valid).
	CanSend bool
	// Stale: an open quote priced before the catalogue last changed;
	// StaleDays is how old its prices are.
	Stale     bool
	StaleDays int
}

// ActionsFor applies the status rules to q for today's date, the time the
// catalogue last changed and the time now.
func ActionsFor(q *db.Quote, canWrite bool, today string, catalogChanged, now time.Time) Actions {
	status := q.EffectiveStatus(today)
	open := status == db.StatusDraft || status == db.StatusSent
	a := Actions{Status: status, Next: NextStatuses(q, today, canWrite)}
	a.Stale = open && q.SupersededBy == 0 && catalogChanged.After(q.PricedAt)
	a.StaleDays = int(now.Sub(q.PricedAt).Hours() / 24)
	a.CanEdit = canWrite && q.Editable()
	a.CanRevise = canWrite && q.SupersededBy == 0 && q.Status != db.StatusDraft
	a.CanReprice = canWrite && a.Stale && q.Editable()
	a.CanSend = canWrite && open && q.SupersededBy == 0
	return a
}

// Desk is a salesperson's start page: what to do next.
type Desk struct {
	Recent   []*db.Quote           // latest quotes
	Awaiting []*db.Quote           // sent, still valid, no answer yet
	Answers  []*db.DecisionSummary // latest answers through links
}

// DeskFor gathers u's desk: their own quotes, or everyone's when they may
// see all.
func (s *Service) DeskFor(ctx context.Context, u *db.User) (*Desk, error) {
	var d Desk
	var err error
	if d.Recent, _, err = s.List(ctx, db.QuoteFilter{Limit: 6}, u); err != nil {
		return nil, err
	}
	if d.Awaiting, _, err = s.List(ctx, db.QuoteFilter{Status: db.StatusSent, Limit: 6}, u); err != nil {
		return nil, err
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var own int64
	if u.Role == auth.RoleSales && !st.SalesSeeAll {
		own = u.ID
	}
	if d.Answers, err = s.DB.RecentDecisions(ctx, own, 5); err != nil {
		return nil, err
	}
	return &d, nil
}
