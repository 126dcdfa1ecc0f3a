package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"cotizador/app"
	"cotizador/pricing"
)

// The workshop's store: orders (orden de taller) and the offcuts in stock
// (retazos). The plan an order carries is opaque here (JSON made and read
// by the workshop package); the store keeps it, the quotes it cuts and the
// offcuts it reserves consistent, each change in one short transaction.

// Workshop order statuses.
const (
	OrderPending = "pendiente"
	OrderCutting = "en_corte"
	OrderDone    = "terminada"
)

// OrderStatuses lists them in their order.
var OrderStatuses = []string{OrderPending, OrderCutting, OrderDone}

// orderTransitions are the status changes a user may make.
var orderTransitions = map[string][]string{
	OrderPending: {OrderCutting, OrderDone},
	OrderCutting: {OrderDone},
}

// CanOrderTransition reports whether an order in status from may move to to.
func CanOrderTransition(from, to string) bool {
	for _, s := range orderTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Offcut statuses.
const (
	OffcutAvailable = "disponible"
	OffcutReserved  = "reservado"
	OffcutUsed      = "usado"
)

// ErrOffcutTaken says an offcut a plan counted on was reserved, used,
// changed or discarded after the plan read it: plan again.
var ErrOffcutTaken = errors.New("db: an offcut of the plan is no longer available")

// WorkshopOrder is an orden de taller.
type WorkshopOrder struct {
	ID     int64
	Folio  string // OT-2026-0001
	Status string
	Cut    pricing.CutSettings
	// Plan is the workshop package's JSON.
	Plan                  []byte
	Quotes                []OrderQuote
	StartedAt, FinishedAt *time.Time
	CreatedAt, UpdatedAt  time.Time
	CreatedBy             string
}

// OrderQuote is a quote an order cuts.
type OrderQuote struct {
	QuoteID int64
	Folio   string // the quote's folio with its revision
}

// Offcut is a piece of bar in stock.
type Offcut struct {
	ID           int64
	MaterialCode string
	ColourCode   string
	LengthMM     int
	Status       string
	// SourceFolio is the order whose cutting left it ("" when entered by
	// hand); ReservedFolio the order that cuts it.
	SourceOrderID, ReservedOrderID int64
	SourceFolio, ReservedFolio     string
	Notes                          string
	CreatedAt, UpdatedAt           time.Time
}

// OffcutKey is a profile in a colour.
type OffcutKey struct{ MaterialCode, ColourCode string }

// CreateWorkshopOrder saves a new order for the quotes (ids) and gives it
// the next folio OT-AAAA-NNNN of the year (Mexico City), in one
// transaction that also checks every quote is still accepted and not cut
// by another order (ECONFLICT), and reserves the offcuts its plan cuts
// (ErrOffcutTaken when one is no longer available: nothing is written).
func (db *DB) CreateWorkshopOrder(ctx context.Context, o *WorkshopOrder, quoteIDs []int64, reserve []int64, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	o.Quotes = o.Quotes[:0]
	var folios []string // without revision: an order cuts every revision of a folio
	for _, id := range quoteIDs {
		var folio, status string
		var rev int
		err := tx.QueryRowContext(ctx, `SELECT folio, revision, status FROM quotes WHERE id = ? AND deleted_at IS NULL`, id).Scan(&folio, &rev, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return app.Errorf(app.ENOTFOUND, "quote.not_found")
		} else if err != nil {
			return err
		}
		display := (&Quote{Folio: folio, Revision: rev}).DisplayFolio()
		if status != StatusAccepted {
			e := app.Errorf(app.ECONFLICT, "workshop.quote_not_accepted")
			e.Args = map[string]any{"Folio": display}
			return e
		}
		var other string
		err = tx.QueryRowContext(ctx, `SELECT o.folio FROM workshop_order_quotes oq JOIN workshop_orders o ON o.id = oq.order_id
			WHERE oq.folio = ? AND oq.deleted_at IS NULL AND o.deleted_at IS NULL LIMIT 1`, folio).Scan(&other)
		if err == nil {
			e := app.Errorf(app.ECONFLICT, "workshop.quote_in_order")
			e.Args = map[string]any{"Folio": display, "Order": other}
			return e
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		o.Quotes = append(o.Quotes, OrderQuote{QuoteID: id, Folio: display})
		folios = append(folios, folio)
	}
	now := db.Clock.Now()
	year := now.In(mexicoCity).Year()
	var seq int
	if err := tx.QueryRowContext(ctx, `INSERT INTO workshop_counters (year, last) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last`, year).Scan(&seq); err != nil {
		return fmt.Errorf("db: allocate order folio: %w", err)
	}
	o.Folio = fmt.Sprintf("OT-%d-%04d", year, seq)
	o.Status = OrderPending
	ts := app.FormatTime(now)
	res, err := tx.ExecContext(ctx, `INSERT INTO workshop_orders (folio, status, kerf_mm, trim_mm, min_offcut_mm, plan,
		created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.Folio, o.Status, o.Cut.KerfMM, o.Cut.TrimMM, o.Cut.MinOffcutMM, string(o.Plan), ts, actor, ts, actor)
	if err != nil {
		return fmt.Errorf("db: insert workshop order: %w", err)
	}
	o.ID, _ = res.LastInsertId()
	for i, q := range o.Quotes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO workshop_order_quotes (order_id, quote_id, folio, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, o.ID, q.QuoteID, folios[i], ts, actor, ts, actor); err != nil {
			return err
		}
	}
	for _, id := range reserve {
		res, err := tx.ExecContext(ctx, `UPDATE offcuts SET status = 'reservado', reserved_order_id = ?, updated_at = ?, updated_by = ?
			WHERE id = ? AND status = 'disponible' AND deleted_at IS NULL`, o.ID, ts, actor, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrOffcutTaken
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	o.CreatedAt, o.UpdatedAt, o.CreatedBy = now, now, string(actor)
	return nil
}

const orderColumns = `o.id, o.folio, o.status, o.kerf_mm, o.trim_mm, o.min_offcut_mm, coalesce(o.started_at, ''), coalesce(o.finished_at, ''),
	o.created_at, o.created_by, o.updated_at`

func scanOrder(row interface{ Scan(...any) error }, extra ...any) (*WorkshopOrder, error) {
	var o WorkshopOrder
	var started, finished, created, updated string
	dest := append([]any{&o.ID, &o.Folio, &o.Status, &o.Cut.KerfMM, &o.Cut.TrimMM, &o.Cut.MinOffcutMM, &started, &finished,
		&created, &o.CreatedBy, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	o.CreatedAt, _ = app.ParseTime(created)
	o.UpdatedAt, _ = app.ParseTime(updated)
	if started != "" {
		t, _ := app.ParseTime(started)
		o.StartedAt = &t
	}
	if finished != "" {
		t, _ := app.ParseTime(finished)
		o.FinishedAt = &t
	}
	return &o, nil
}

// FindWorkshopOrder returns an order by folio, with its plan and quotes.
func (db *DB) FindWorkshopOrder(ctx context.Context, folio string) (*WorkshopOrder, error) {
	var plan string
	o, err := scanOrder(db.Reader.QueryRowContext(ctx, `SELECT `+orderColumns+`, o.plan FROM workshop_orders o
		WHERE o.folio = ? AND o.deleted_at IS NULL`, folio), &plan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "workshop.order_not_found")
	} else if err != nil {
		return nil, err
	}
	o.Plan = []byte(plan)
	if err := db.loadOrderQuotes(ctx, []*WorkshopOrder{o}); err != nil {
		return nil, err
	}
	return o, nil
}

// loadOrderQuotes fills the quotes of orders, with each quote's folio and
// revision as it is now.
func (db *DB) loadOrderQuotes(ctx context.Context, orders []*WorkshopOrder) error {
	if len(orders) == 0 {
		return nil
	}
	byID := map[int64]*WorkshopOrder{}
	ids := make([]any, len(orders))
	for i, o := range orders {
		byID[o.ID], ids[i] = o, o.ID
	}
	rows, err := db.Reader.QueryContext(ctx, `SELECT oq.order_id, q.id, q.folio, q.revision FROM workshop_order_quotes oq
		JOIN quotes q ON q.id = oq.quote_id WHERE oq.deleted_at IS NULL AND oq.order_id IN (`+placeholders(len(ids))+`) ORDER BY oq.id`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var order, id int64
		var folio string
		var rev int
		if err := rows.Scan(&order, &id, &folio, &rev); err != nil {
			return err
		}
		byID[order].Quotes = append(byID[order].Quotes, OrderQuote{QuoteID: id, Folio: (&Quote{Folio: folio, Revision: rev}).DisplayFolio()})
	}
	return rows.Err()
}

func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// OrderFilter narrows FindWorkshopOrders.
type OrderFilter struct {
	Status        string // one of OrderStatuses, or "" for all
	Limit, Offset int
}

// FindWorkshopOrders lists orders, newest first, without their plans, and
// how many there are.
func (db *DB) FindWorkshopOrders(ctx context.Context, f OrderFilter) ([]*WorkshopOrder, int, error) {
	where := ` WHERE o.deleted_at IS NULL`
	var args []any
	if f.Status != "" {
		where += ` AND o.status = ?`
		args = append(args, f.Status)
	}
	var total int
	if err := db.Reader.QueryRowContext(ctx, `SELECT count(*) FROM workshop_orders o`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 25
	}
	rows, err := db.Reader.QueryContext(ctx, `SELECT `+orderColumns+` FROM workshop_orders o`+where+
		` ORDER BY o.created_at DESC, o.id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*WorkshopOrder
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	return out, total, db.loadOrderQuotes(ctx, out)
}

// OrderFolios maps each quote folio (without revision) in an active order
// to that order's folio, for the folios asked.
func (db *DB) OrderFolios(ctx context.Context, quoteFolios []string) (map[string]string, error) {
	out := map[string]string{}
	if len(quoteFolios) == 0 {
		return out, nil
	}
	args := make([]any, len(quoteFolios))
	for i, f := range quoteFolios {
		args[i] = f
	}
	rows, err := db.Reader.QueryContext(ctx, `SELECT oq.folio, o.folio FROM workshop_order_quotes oq JOIN workshop_orders o ON o.id = oq.order_id
		WHERE oq.deleted_at IS NULL AND o.deleted_at IS NULL AND oq.folio IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var q, o string
		if err := rows.Scan(&q, &o); err != nil {
			return nil, err
		}
		out[q] = o
	}
	return out, rows.Err()
}

// SetWorkshopOrderStatus moves an order to status to, checking the
// transition in the same transaction as the write. Finishing it
// (terminada) marks the offcuts it reserved as used and puts leftovers
// (the reusable offcuts its plan leaves) into stock: the status check makes
// that happen once, however many requests finish the same order at once.
func (db *DB) SetWorkshopOrderStatus(ctx context.Context, id int64, to string, leftovers []Offcut, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	from, err := orderStatus(ctx, tx, id)
	if err != nil {
		return err
	}
	if !CanOrderTransition(from, to) {
		e := app.Errorf(app.ECONFLICT, "workshop.bad_transition")
		e.Args = map[string]any{"From": from, "To": to}
		return e
	}
	ts := app.FormatTime(db.Clock.Now())
	q := `UPDATE workshop_orders SET status = ?, updated_at = ?, updated_by = ?`
	args := []any{to, ts, actor}
	switch to {
	case OrderCutting:
		q += `, started_at = ?`
		args = append(args, ts)
	case OrderDone:
		q += `, finished_at = ?, started_at = coalesce(started_at, ?)`
		args = append(args, ts, ts)
	}
	if _, err := tx.ExecContext(ctx, q+` WHERE id = ? AND status = ?`, append(args, id, from)...); err != nil {
		return err
	}
	if to == OrderDone {
		if _, err := tx.ExecContext(ctx, `UPDATE offcuts SET status = 'usado', updated_at = ?, updated_by = ?
			WHERE reserved_order_id = ? AND status = 'reservado'`, ts, actor, id); err != nil {
			return err
		}
		for _, l := range leftovers {
			if _, err := tx.ExecContext(ctx, `INSERT INTO offcuts (material_code, colour_code, length_mm, source_order_id,
				created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				l.MaterialCode, l.ColourCode, l.LengthMM, id, ts, actor, ts, actor); err != nil {
				return fmt.Errorf("db: insert offcut: %w", err)
			}
		}
	}
	return tx.Commit()
}

// orderStatus reads an order's status inside a write transaction.
func orderStatus(ctx context.Context, tx *sql.Tx, id int64) (string, error) {
	var status string
	err := tx.QueryRowContext(ctx, `SELECT status FROM workshop_orders WHERE id = ? AND deleted_at IS NULL`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", app.Errorf(app.ENOTFOUND, "workshop.order_not_found")
	}
	return status, err
}

// DeleteWorkshopOrder soft-deletes a pending order, frees its quotes for
// another order and gives the offcuts it reserved back to stock. An order
// being cut or finished stays (ECONFLICT).
func (db *DB) DeleteWorkshopOrder(ctx context.Context, id int64, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	status, err := orderStatus(ctx, tx, id)
	if err != nil {
		return err
	}
	if status != OrderPending {
		return app.Errorf(app.ECONFLICT, "workshop.order_not_pending")
	}
	ts := app.FormatTime(db.Clock.Now())
	if _, err := tx.ExecContext(ctx, softDeleteSQL("workshop_orders"), ts, actor, ts, actor, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE workshop_order_quotes SET deleted_at = ?, deleted_by = ?, updated_at = ?, updated_by = ?
		WHERE order_id = ? AND deleted_at IS NULL`, ts, actor, ts, actor, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE offcuts SET status = 'disponible', reserved_order_id = NULL, updated_at = ?, updated_by = ?
		WHERE reserved_order_id = ? AND status = 'reservado'`, ts, actor, id); err != nil {
		return err
	}
	return tx.Commit()
}

// OffcutFilter narrows FindOffcuts.
type OffcutFilter struct {
	Status string      // "" for every status
	Keys   []OffcutKey // only these profiles and colours, when set
}

// FindOffcuts lists offcuts that are not discarded, by profile, colour and
// length (longest first).
func (db *DB) FindOffcuts(ctx context.Context, f OffcutFilter) ([]*Offcut, error) {
	q := `SELECT c.id, c.material_code, c.colour_code, c.length_mm, c.status, coalesce(c.source_order_id, 0), coalesce(c.reserved_order_id, 0),
		coalesce(s.folio, ''), coalesce(r.folio, ''), c.notes, c.created_at, c.updated_at
		FROM offcuts c LEFT JOIN workshop_orders s ON s.id = c.source_order_id LEFT JOIN workshop_orders r ON r.id = c.reserved_order_id
		WHERE c.deleted_at IS NULL`
	var args []any
	if f.Status != "" {
		q += ` AND c.status = ?`
		args = append(args, f.Status)
	}
	if len(f.Keys) > 0 {
		var ors []string
		for _, k := range f.Keys {
			ors = append(ors, `(c.material_code = ? AND c.colour_code = ?)`)
			args = append(args, k.MaterialCode, k.ColourCode)
		}
		q += ` AND (` + strings.Join(ors, ` OR `) + `)`
	}
	rows, err := db.Reader.QueryContext(ctx, q+` ORDER BY c.material_code, c.colour_code, c.length_mm DESC, c.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Offcut
	for rows.Next() {
		var o Offcut
		var created, updated string
		if err := rows.Scan(&o.ID, &o.MaterialCode, &o.ColourCode, &o.LengthMM, &o.Status, &o.SourceOrderID, &o.ReservedOrderID,
			&o.SourceFolio, &o.ReservedFolio, &o.Notes, &created, &updated); err != nil {
			return nil, err
		}
		o.CreatedAt, _ = app.ParseTime(created)
		o.UpdatedAt, _ = app.ParseTime(updated)
		out = append(out, &o)
	}
	return out, rows.Err()
}

// CreateOffcut puts an offcut measured by hand into stock.
func (db *DB) CreateOffcut(ctx context.Context, o *Offcut, actor app.Actor) error {
	ts := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, `INSERT INTO offcuts (material_code, colour_code, length_mm, notes, created_at, created_by, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, o.MaterialCode, o.ColourCode, o.LengthMM, o.Notes, ts, actor, ts, actor)
	if err != nil {
		return fmt.Errorf("db: insert offcut: %w", err)
	}
	o.ID, _ = res.LastInsertId()
	o.Status = OffcutAvailable
	return nil
}

// UpdateOffcut corrects an available offcut's length and notes; one that
// an order reserved or used cannot change (ECONFLICT).
func (db *DB) UpdateOffcut(ctx context.Context, id int64, lengthMM int, notes string, actor app.Actor) error {
	ts := app.FormatTime(db.Clock.Now())
	return db.changeAvailableOffcut(ctx, id, `UPDATE offcuts SET length_mm = ?, notes = ?, updated_at = ?, updated_by = ?
		WHERE id = ? AND status = 'disponible' AND deleted_at IS NULL`, lengthMM, notes, ts, actor, id)
}

// DiscardOffcut takes an available offcut out of stock (soft delete).
func (db *DB) DiscardOffcut(ctx context.Context, id int64, actor app.Actor) error {
	ts := app.FormatTime(db.Clock.Now())
	return db.changeAvailableOffcut(ctx, id, softDeleteSQL("offcuts")+` AND status = 'disponible'`, ts, actor, ts, actor, id)
}

// changeAvailableOffcut runs a write that applies only to an available
// offcut and tells not found from not available.
func (db *DB) changeAvailableOffcut(ctx context.Context, id int64, query string, args ...any) error {
	res, err := db.Writer.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var status string
	err = db.Reader.QueryRowContext(ctx, `SELECT status FROM offcuts WHERE id = ? AND deleted_at IS NULL`, id).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return app.Errorf(app.ENOTFOUND, "workshop.offcut_not_found")
	} else if err != nil {
		return err
	}
	return app.Errorf(app.ECONFLICT, "workshop.offcut_not_available")
}

// WorkshopCatalog is what the workshop reads of the catalogue about the
// materials and products of saved quotes: bar lengths, names and units,
// glass deductions. A code deleted since the quote was priced is still
// found (the row not deleted first, then the latest).
type WorkshopCatalog struct {
	Materials map[string]pricing.Material
	Products  map[string]pricing.Product
	Colours   map[string]string // code → name
}

// FindWorkshopCatalog reads the materials and products with these codes,
// and every colour's name.
func (db *DB) FindWorkshopCatalog(ctx context.Context, materialCodes, productCodes []string) (*WorkshopCatalog, error) {
	out := &WorkshopCatalog{Materials: map[string]pricing.Material{}, Products: map[string]pricing.Product{}, Colours: map[string]string{}}
	if len(materialCodes) > 0 {
		rows, err := db.Reader.QueryContext(ctx, `SELECT `+materialColumns+` FROM materials m WHERE m.code IN (`+placeholders(len(materialCodes))+`)
			ORDER BY m.deleted_at IS NULL, m.id`, anySlice(materialCodes)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMaterial(rows)
			if err != nil {
				return nil, err
			}
			out.Materials[m.Code] = m.Material // later rows win: not deleted, then newest
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if len(productCodes) > 0 {
		rows, err := db.Reader.QueryContext(ctx, `SELECT `+productColumns+` FROM products p WHERE p.code IN (`+placeholders(len(productCodes))+`)
			ORDER BY p.deleted_at IS NULL, p.id`, anySlice(productCodes)...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanProduct(rows)
			if err != nil {
				return nil, err
			}
			out.Products[p.Code] = p.Product
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	rows, err := db.Reader.QueryContext(ctx, `SELECT code, name FROM colours ORDER BY deleted_at IS NULL, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			return nil, err
		}
		out.Colours[code] = name
	}
	return out, rows.Err()
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
