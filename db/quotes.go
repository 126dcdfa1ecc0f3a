package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/pricing"
)

// Quote statuses. Vencida is not stored: a draft or sent quote whose
// validity date has passed shows as vencida (EffectiveStatus).
const (
	StatusDraft     = "borrador"
	StatusSent      = "enviada"
	StatusAccepted  = "aceptada"
	StatusRejected  = "rechazada"
	StatusCancelled = "cancelada"
	StatusExpired   = "vencida"
)

// QuoteStatuses lists every status a list can filter by, vencida included.
var QuoteStatuses = []string{StatusDraft, StatusSent, StatusAccepted, StatusRejected, StatusCancelled, StatusExpired}

// transitions are the status changes a user may make.
var transitions = map[string][]string{
	StatusDraft:    {StatusSent, StatusCancelled},
	StatusSent:     {StatusAccepted, StatusRejected, StatusCancelled},
	StatusRejected: {StatusCancelled},
}

// CanTransition reports whether a quote in status from may move to to. An
// expired quote can still be cancelled or revised, not accepted.
func CanTransition(from, to string, expired bool) bool {
	if expired && to == StatusAccepted {
		return false
	}
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// mexicoCity is where dates of quotes are counted (validity, folio year):
// the store's short name for app.MexicoCity, which pages show too.
var mexicoCity = app.MexicoCity

// Today is the date in Mexico City, as quotes store dates.
func Today(now time.Time) string { return now.In(mexicoCity).Format("2006-01-02") }

// CustomerSnapshot is the customer's data as it was when quoted.
type CustomerSnapshot struct {
	Name, BusinessName, RFC, Email, Phone, Address string
}

// Quote is a priced quote with its lines.
type Quote struct {
	ID           int64
	Folio        string // COT-2026-0001
	Revision     int
	SupersededBy int64

	CustomerID int64
	Customer   CustomerSnapshot

	SalespersonID   int64
	SalespersonName string

	Status        string
	Mode          pricing.Mode
	Rates         pricing.Rates
	LabourRateM2  *decimal.Decimal
	Discount      pricing.Discount
	PriceDisplay  string // mas_iva | iva_incluido
	DimensionUnit string // cm | mm
	Cut           pricing.CutSettings
	ValidUntil    string // YYYY-MM-DD, Mexico City
	Notes         string
	Conditions    string

	CatalogVersion int64
	PricedAt       time.Time
	Totals         pricing.Totals

	SentAt, DecidedAt    *time.Time
	CreatedAt, UpdatedAt time.Time

	Items []*QuoteItem
}

// DisplayFolio is the folio with its revision: COT-2026-0001-R2.
func (q *Quote) DisplayFolio() string {
	if q.Revision > 1 {
		return fmt.Sprintf("%s-R%d", q.Folio, q.Revision)
	}
	return q.Folio
}

// Expired reports whether an open quote's validity has passed on day today.
func (q *Quote) Expired(today string) bool {
	return (q.Status == StatusDraft || q.Status == StatusSent) && q.ValidUntil < today
}

// EffectiveStatus is the status to show: vencida for an expired open quote.
func (q *Quote) EffectiveStatus(today string) string {
	if q.Expired(today) {
		return StatusExpired
	}
	return q.Status
}

// Editable reports whether the quote's lines and rates may change in place:
// only drafts; anything sent or decided needs a new revision.
func (q *Quote) Editable() bool { return q.Status == StatusDraft && q.SupersededBy == 0 }

// QuoteItem is one line: a window/door (Kind "producto") or a material sold
// on its own ("material").
type QuoteItem struct {
	ID           int64
	Position     int
	Kind         string
	ProductCode  string
	ProductName  string
	ProductType  string
	Hojas        int
	ColourCode   string
	GlassCode    string
	WidthMM      decimal.Decimal
	HeightMM     decimal.Decimal
	MaterialCode string
	MaterialName string
	Quantity     decimal.Decimal
	Location     string
	Notes        string
	Optional     bool
	Buckets      pricing.Buckets
	Cost         decimal.Decimal
	Amount       decimal.Decimal
	UnitPrice    decimal.Decimal
	Breakdown    []pricing.LineDetail
}

func optDec(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// quoteArgs are the columns shared by insert and update, in order.
func quoteArgs(q *Quote) []any {
	t := q.Totals
	return []any{q.CustomerID, q.Customer.Name, q.Customer.BusinessName, q.Customer.RFC, q.Customer.Email, q.Customer.Phone, q.Customer.Address,
		q.SalespersonID, string(q.Mode), q.Rates.Profit.String(), q.Rates.Indirect.String(), q.Rates.IVA.String(), q.Rates.IVAExempt,
		q.Rates.Deposit.String(), optDec(q.LabourRateM2), decText(q.Rates.ProfileWaste, true), decText(q.Discount.Rate, true), decText(q.Discount.Amount, true),
		q.PriceDisplay, q.DimensionUnit, q.Cut.KerfMM, q.Cut.TrimMM, q.Cut.MinOffcutMM, q.ValidUntil, q.Notes, q.Conditions,
		q.CatalogVersion, app.FormatTime(q.PricedAt),
		t.Materials.String(), t.Labour.String(), t.Cost.String(), t.Profit.String(), t.Indirect.String(), t.Subtotal.String(), t.Discount.String(),
		t.IVA.String(), t.Total.String(), t.Deposit.String(), t.Balance.String(), t.OptionalAmount.String()}
}

const quoteDataColumns = `customer_id, customer_name, customer_business, customer_rfc, customer_email, customer_phone, customer_address,
	salesperson_id, pricing_mode, profit_rate, indirect_rate, iva_rate, iva_exempt, deposit_rate, labor_rate_m2, profile_waste,
	discount_rate, discount_amount, price_display, dimension_unit, kerf_mm, trim_mm, min_offcut_mm, valid_until, notes, conditions,
	catalog_version, priced_at, materials, labour, cost, profit, indirect, subtotal, discount, iva, total, deposit, balance, optional_amount`

// CreateQuote saves a new quote with its lines and gives it the next folio
// of prefix for the current year (Mexico City), inside one transaction.
// newCustomer, when not nil, is created in the same transaction and becomes
// the quote's customer: a quote that fails to save leaves no customer behind.
func (db *DB) CreateQuote(ctx context.Context, q *Quote, prefix string, newCustomer *Customer, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := db.Clock.Now()
	if err := attachNewCustomer(ctx, tx, q, newCustomer, now, actor); err != nil {
		return err
	}
	year := now.In(mexicoCity).Year()
	var seq int
	if err := tx.QueryRowContext(ctx, `INSERT INTO folio_counters (prefix, year, last) VALUES (?, ?, 1)
		ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1 RETURNING last`, prefix, year).Scan(&seq); err != nil {
		return fmt.Errorf("db: allocate folio: %w", err)
	}
	q.Folio = fmt.Sprintf("%s-%d-%04d", prefix, year, seq)
	if q.Revision == 0 {
		q.Revision = 1
	}
	if err := insertQuote(ctx, tx, q, now, actor); err != nil {
		return err
	}
	return tx.Commit()
}

func insertQuote(ctx context.Context, tx *sql.Tx, q *Quote, now time.Time, actor app.Actor) error {
	if q.Status == "" {
		q.Status = StatusDraft
	}
	ts := app.FormatTime(now)
	args := append([]any{q.Folio, q.Revision, q.Status}, quoteArgs(q)...)
	args = append(args, ts, actor, ts, actor)
	res, err := tx.ExecContext(ctx, `INSERT INTO quotes (folio, revision, status, `+quoteDataColumns+`, created_at, created_by, updated_at, updated_by)
		VALUES (?, ?, ?, `+strings.Repeat("?, ", 40)+`?, ?, ?, ?)`, args...)
	if err != nil {
		return fmt.Errorf("db: insert quote: %w", err)
	}
	q.ID, _ = res.LastInsertId()
	q.CreatedAt, q.UpdatedAt = now, now
	return insertItems(ctx, tx, q, ts, actor)
}

func insertItems(ctx context.Context, tx *sql.Tx, q *Quote, ts string, actor app.Actor) error {
	for i, it := range q.Items {
		it.Position = i + 1
		bd, err := encodeBreakdown(it.Breakdown)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO quote_items (quote_id, position, kind, product_code, product_name, product_type, hojas,
			colour_code, glass_code, width_mm, height_mm, material_code, material_name, quantity, location, notes, optional,
			profiles, glass, hardware, consumables, labour, cost, amount, unit_price, breakdown, breakdown_json, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?)`,
			q.ID, it.Position, it.Kind, it.ProductCode, it.ProductName, it.ProductType, it.Hojas, it.ColourCode, it.GlassCode,
			decText(it.WidthMM, true), decText(it.HeightMM, true), it.MaterialCode, it.MaterialName, it.Quantity.String(), it.Location, it.Notes, it.Optional,
			it.Buckets.Profiles.String(), it.Buckets.Glass.String(), it.Buckets.Hardware.String(), it.Buckets.Consumables.String(), it.Buckets.Labour.String(),
			it.Cost.String(), it.Amount.String(), it.UnitPrice.String(), bd, ts, actor, ts, actor)
		if err != nil {
			return fmt.Errorf("db: insert quote item: %w", err)
		}
		it.ID, _ = res.LastInsertId()
	}
	return nil
}

// attachNewCustomer creates newCustomer (if any) inside tx and points the
// quote at it.
func attachNewCustomer(ctx context.Context, tx *sql.Tx, q *Quote, newCustomer *Customer, now time.Time, actor app.Actor) error {
	if newCustomer == nil {
		return nil
	}
	if err := insertCustomers(ctx, tx, []*Customer{newCustomer}, now, actor); err != nil {
		return err
	}
	q.CustomerID = newCustomer.ID
	return nil
}

// UpdateQuote replaces a draft's data and lines (and creates newCustomer,
// if any, in the same transaction). A quote that is not a draft (or was
// superseded) is locked: ECONFLICT.
func (db *DB) UpdateQuote(ctx context.Context, id int64, q *Quote, newCustomer *Customer, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var status string
	var superseded sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT status, superseded_by FROM quotes WHERE id = ? AND deleted_at IS NULL`, id).Scan(&status, &superseded)
	if errors.Is(err, sql.ErrNoRows) {
		return app.Errorf(app.ENOTFOUND, "quote.not_found")
	} else if err != nil {
		return err
	}
	if status != StatusDraft || superseded.Valid {
		return app.Errorf(app.ECONFLICT, "quote.locked")
	}
	now := db.Clock.Now()
	if err := attachNewCustomer(ctx, tx, q, newCustomer, now, actor); err != nil {
		return err
	}
	ts := app.FormatTime(now)
	sets := strings.Split(strings.ReplaceAll(quoteDataColumns, "\n", ""), ",")
	for i := range sets {
		sets[i] = strings.TrimSpace(sets[i]) + " = ?"
	}
	args := append(quoteArgs(q), ts, actor, id)
	if _, err := tx.ExecContext(ctx, `UPDATE quotes SET `+strings.Join(sets, ", ")+`, updated_at = ?, updated_by = ? WHERE id = ?`, args...); err != nil {
		return fmt.Errorf("db: update quote: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE quote_items SET deleted_at = ?, deleted_by = ?, updated_at = ?, updated_by = ? WHERE quote_id = ? AND deleted_at IS NULL`,
		ts, actor, ts, actor, id); err != nil {
		return err
	}
	q.ID = id
	if err := insertItems(ctx, tx, q, ts, actor); err != nil {
		return err
	}
	return tx.Commit()
}

const quoteSelect = `SELECT q.id, q.folio, q.revision, coalesce(q.superseded_by, 0), q.status, u.name, q.created_at, q.updated_at,
	coalesce(q.sent_at, ''), coalesce(q.decided_at, ''), ` + quoteDataColumnsQ + ` FROM quotes q JOIN users u ON u.id = q.salesperson_id`

const quoteDataColumnsQ = `q.customer_id, q.customer_name, q.customer_business, q.customer_rfc, q.customer_email, q.customer_phone, q.customer_address,
	q.salesperson_id, q.pricing_mode, q.profit_rate, q.indirect_rate, q.iva_rate, q.iva_exempt, q.deposit_rate, q.labor_rate_m2, q.profile_waste,
	q.discount_rate, q.discount_amount, q.price_display, q.dimension_unit, q.kerf_mm, q.trim_mm, q.min_offcut_mm, q.valid_until, q.notes, q.conditions,
	q.catalog_version, q.priced_at, q.materials, q.labour, q.cost, q.profit, q.indirect, q.subtotal, q.discount, q.iva, q.total, q.deposit, q.balance, q.optional_amount`

func scanQuote(row interface{ Scan(...any) error }) (*Quote, error) {
	var q Quote
	var created, updated, sent, decided, mode, profit, indirect, iva, deposit, labour, waste, drate, damount, priced string
	var materials, lab, cost, prof, ind, sub, disc, ivaAmt, total, dep, bal, opt string
	var customerID sql.NullInt64
	err := row.Scan(&q.ID, &q.Folio, &q.Revision, &q.SupersededBy, &q.Status, &q.SalespersonName, &created, &updated, &sent, &decided,
		&customerID, &q.Customer.Name, &q.Customer.BusinessName, &q.Customer.RFC, &q.Customer.Email, &q.Customer.Phone, &q.Customer.Address,
		&q.SalespersonID, &mode, &profit, &indirect, &iva, &q.Rates.IVAExempt, &deposit, &labour, &waste, &drate, &damount,
		&q.PriceDisplay, &q.DimensionUnit, &q.Cut.KerfMM, &q.Cut.TrimMM, &q.Cut.MinOffcutMM, &q.ValidUntil, &q.Notes, &q.Conditions,
		&q.CatalogVersion, &priced, &materials, &lab, &cost, &prof, &ind, &sub, &disc, &ivaAmt, &total, &dep, &bal, &opt)
	if err != nil {
		return nil, err
	}
	q.CustomerID = customerID.Int64
	q.Mode = pricing.Mode(mode)
	q.Rates.Profit, q.Rates.Indirect, q.Rates.IVA, q.Rates.Deposit = parseDec(profit), parseDec(indirect), parseDec(iva), parseDec(deposit)
	q.Rates.ProfileWaste = parseDec(waste)
	if labour != "" {
		l := parseDec(labour)
		q.LabourRateM2 = &l
	}
	q.Discount = pricing.Discount{Rate: parseDec(drate), Amount: parseDec(damount)}
	q.PricedAt, _ = app.ParseTime(priced)
	q.CreatedAt, _ = app.ParseTime(created)
	q.UpdatedAt, _ = app.ParseTime(updated)
	if sent != "" {
		t, _ := app.ParseTime(sent)
		q.SentAt = &t
	}
	if decided != "" {
		t, _ := app.ParseTime(decided)
		q.DecidedAt = &t
	}
	q.Totals = pricing.Totals{Materials: parseDec(materials), Labour: parseDec(lab), Cost: parseDec(cost), Profit: parseDec(prof),
		Indirect: parseDec(ind), Subtotal: parseDec(sub), Discount: parseDec(disc), IVA: parseDec(ivaAmt), Total: parseDec(total),
		Deposit: parseDec(dep), Balance: parseDec(bal), OptionalAmount: parseDec(opt)}
	q.Totals.TaxBase = q.Totals.Subtotal.Sub(q.Totals.Discount)
	return &q, nil
}

// FindQuoteByID returns a quote with its lines.
func (db *DB) FindQuoteByID(ctx context.Context, id int64) (*Quote, error) {
	q, err := scanQuote(db.Reader.QueryRowContext(ctx, quoteSelect+` WHERE q.id = ? AND q.deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "quote.not_found")
	} else if err != nil {
		return nil, err
	}
	return q, db.loadItems(ctx, q)
}

// FindQuoteByFolio returns a quote by its folio: "COT-2026-0001" is the
// latest revision, "COT-2026-0001-R2" that revision.
func (db *DB) FindQuoteByFolio(ctx context.Context, folio string) (*Quote, error) {
	base, rev := folio, 0
	if i := strings.LastIndex(folio, "-R"); i > 0 {
		if n, err := strconv.Atoi(folio[i+2:]); err == nil && n > 0 {
			base, rev = folio[:i], n
		}
	}
	q := quoteSelect + ` WHERE q.folio = ? AND q.deleted_at IS NULL`
	args := []any{base}
	if rev > 0 {
		q += ` AND q.revision = ?`
		args = append(args, rev)
	}
	q += ` ORDER BY q.revision DESC LIMIT 1`
	quote, err := scanQuote(db.Reader.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "quote.not_found")
	} else if err != nil {
		return nil, err
	}
	return quote, db.loadItems(ctx, quote)
}

func (db *DB) loadItems(ctx context.Context, q *Quote) error {
	rows, err := db.Reader.QueryContext(ctx, `SELECT id, position, kind, product_code, product_name, product_type, hojas, colour_code, glass_code,
		width_mm, height_mm, material_code, material_name, quantity, location, notes, optional, profiles, glass, hardware, consumables, labour,
		cost, amount, unit_price, coalesce(breakdown, breakdown_json) FROM quote_items WHERE quote_id = ? AND deleted_at IS NULL ORDER BY position`, q.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	q.Items = nil
	for rows.Next() {
		var it QuoteItem
		var w, h, qty, pr, gl, hw, cs, lb, cost, amount, unit string
		var bd []byte
		if err := rows.Scan(&it.ID, &it.Position, &it.Kind, &it.ProductCode, &it.ProductName, &it.ProductType, &it.Hojas, &it.ColourCode, &it.GlassCode,
			&w, &h, &it.MaterialCode, &it.MaterialName, &qty, &it.Location, &it.Notes, &it.Optional, &pr, &gl, &hw, &cs, &lb,
			&cost, &amount, &unit, &bd); err != nil {
			return err
		}
		it.WidthMM, it.HeightMM, it.Quantity = parseDec(w), parseDec(h), parseDec(qty)
		it.Buckets = pricing.Buckets{Profiles: parseDec(pr), Glass: parseDec(gl), Hardware: parseDec(hw), Consumables: parseDec(cs), Labour: parseDec(lb)}
		it.Cost, it.Amount, it.UnitPrice = parseDec(cost), parseDec(amount), parseDec(unit)
		// The binary breakdown, or the JSON of a row migration 00050 has
		// not converted yet (breakdown is NULL until it does).
		if it.Breakdown, err = decodeBreakdown(bd); err != nil {
			return fmt.Errorf("db: quote item %d breakdown: %w", it.ID, err)
		}
		q.Items = append(q.Items, &it)
	}
	return rows.Err()
}

// SetQuoteStatus moves a quote to a new status, checking the transition in
// the same transaction as the write.
func (db *DB) SetQuoteStatus(ctx context.Context, id int64, to string, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var status, validUntil string
	var superseded sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT status, valid_until, superseded_by FROM quotes WHERE id = ? AND deleted_at IS NULL`, id).Scan(&status, &validUntil, &superseded)
	if errors.Is(err, sql.ErrNoRows) {
		return app.Errorf(app.ENOTFOUND, "quote.not_found")
	} else if err != nil {
		return err
	}
	now := db.Clock.Now()
	expired := (status == StatusDraft || status == StatusSent) && validUntil < Today(now)
	if superseded.Valid || !CanTransition(status, to, expired) {
		e := app.Errorf(app.ECONFLICT, "quote.bad_transition")
		e.Args = map[string]any{"From": status, "To": to}
		return e
	}
	ts := app.FormatTime(now)
	q := `UPDATE quotes SET status = ?, updated_at = ?, updated_by = ?`
	args := []any{to, ts, actor}
	switch to {
	case StatusSent:
		q += `, sent_at = ?`
		args = append(args, ts)
	case StatusAccepted, StatusRejected, StatusCancelled:
		q += `, decided_at = ?`
		args = append(args, ts)
	}
	if _, err := tx.ExecContext(ctx, q+` WHERE id = ?`, append(args, id)...); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateRevision copies a quote that is no longer a draft (or a draft
// someone wants to keep as it is) into a new draft revision with the same
// folio; the earlier revision stays, readable and marked as superseded.
func (db *DB) CreateRevision(ctx context.Context, id int64, validUntil string, actor app.Actor) (*Quote, error) {
	q, err := db.FindQuoteByID(ctx, id)
	if err != nil {
		return nil, err
	}
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var latest int
	var superseded sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT superseded_by FROM quotes WHERE id = ?`, id).Scan(&superseded); err != nil {
		return nil, err
	}
	if superseded.Valid {
		return nil, app.Errorf(app.ECONFLICT, "quote.already_revised")
	}
	if err := tx.QueryRowContext(ctx, `SELECT max(revision) FROM quotes WHERE folio = ?`, q.Folio).Scan(&latest); err != nil {
		return nil, err
	}
	rev := *q
	rev.ID, rev.Revision, rev.Status, rev.SupersededBy = 0, latest+1, StatusDraft, 0
	rev.SentAt, rev.DecidedAt = nil, nil
	rev.ValidUntil = validUntil
	now := db.Clock.Now()
	if err := insertQuote(ctx, tx, &rev, now, actor); err != nil {
		return nil, err
	}
	ts := app.FormatTime(now)
	if _, err := tx.ExecContext(ctx, `UPDATE quotes SET superseded_by = ?, updated_at = ?, updated_by = ? WHERE id = ?`, rev.ID, ts, actor, id); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return &rev, nil
}

// QuoteRevisions lists every revision of a folio, oldest first.
func (db *DB) QuoteRevisions(ctx context.Context, folio string) ([]*Quote, error) {
	rows, err := db.Reader.QueryContext(ctx, quoteSelect+` WHERE q.folio = ? AND q.deleted_at IS NULL ORDER BY q.revision`, folio)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Quote
	for rows.Next() {
		q, err := scanQuote(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}
