package workshop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"cotizador/app"
	"cotizador/db"
	"cotizador/pricing"
	"cotizador/validate"
)

// Service holds what the workshop's use cases need.
type Service struct {
	DB    *db.DB
	Clock app.Clock
}

// QuoteCutList is the cut list of one saved quote: its pieces packed with
// the saw settings it was priced with and no offcuts, so an optimizado
// quote's list is the very plan its price paid for (same bars).
func (s *Service) QuoteCutList(ctx context.Context, q *db.Quote) (*Plan, error) {
	cat, err := s.catalogFor(ctx, []*db.Quote{q})
	if err != nil {
		return nil, err
	}
	return planOrError(BuildPlan([]*db.Quote{q}, cat, q.Cut, nil))
}

// planOrError turns a piece that no longer fits its bar into the user's
// message.
func planOrError(p *Plan, err error) (*Plan, error) {
	var tooLong *PieceTooLongError
	if errors.As(err, &tooLong) {
		e := app.Errorf(app.ECONFLICT, "workshop.piece_too_long")
		e.Args = map[string]any{"Length": tooLong.LengthMM, "Material": tooLong.Material, "Bar": tooLong.BarMM,
			"Quote": tooLong.Quote, "Line": tooLong.Line}
		e.Err = err
		return nil, e
	}
	return p, err
}

// catalogFor reads what the plan needs of the catalogue for quotes.
func (s *Service) catalogFor(ctx context.Context, quotes []*db.Quote) (*db.WorkshopCatalog, error) {
	mats, prods := map[string]bool{}, map[string]bool{}
	for _, q := range quotes {
		for _, it := range q.Items {
			if it.MaterialCode != "" {
				mats[it.MaterialCode] = true
			}
			if it.ProductCode != "" {
				prods[it.ProductCode] = true
			}
			for _, ld := range it.Breakdown {
				if ld.MaterialCode != "" {
					mats[ld.MaterialCode] = true
				}
			}
		}
	}
	return s.DB.FindWorkshopCatalog(ctx, keys(mats), keys(prods))
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// createTries bounds how often an order is planned again when another
// order took one of its offcuts between the plan and the write.
const createTries = 3

// CreateOrder makes a workshop order cutting quotes together (same profile
// and colour across quotes in the same bars), with the company's saw
// settings, cutting the offcuts in stock first and reserving them. Every
// quote must be accepted and not cut by another order.
func (s *Service) CreateOrder(ctx context.Context, quotes []*db.Quote, actor app.Actor) (*db.WorkshopOrder, error) {
	if len(quotes) == 0 {
		errs := validate.Errors{}
		errs.Add("quotes", "workshop.no_quotes", nil)
		return nil, errs.Err()
	}
	ids := make([]int64, len(quotes))
	for i, q := range quotes {
		if q.Status != db.StatusAccepted {
			e := app.Errorf(app.ECONFLICT, "workshop.quote_not_accepted")
			e.Args = map[string]any{"Folio": q.DisplayFolio()}
			return nil, e
		}
		ids[i] = q.ID
	}
	settings, err := s.DB.CompanySettings(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := s.catalogFor(ctx, quotes)
	if err != nil {
		return nil, err
	}
	for range createTries {
		stock, err := s.stock(ctx)
		if err != nil {
			return nil, err
		}
		plan, err := planOrError(BuildPlan(quotes, cat, settings.Cut, stock))
		if err != nil {
			return nil, err
		}
		raw, err := json.Marshal(plan)
		if err != nil {
			return nil, err
		}
		o := &db.WorkshopOrder{Cut: settings.Cut, Plan: raw}
		err = s.DB.CreateWorkshopOrder(ctx, o, ids, plan.OffcutsUsed(), actor)
		if errors.Is(err, db.ErrOffcutTaken) {
			continue // another order took an offcut meanwhile: plan with what is left
		}
		if err != nil {
			return nil, err
		}
		return o, nil
	}
	return nil, app.Errorf(app.ECONFLICT, "workshop.offcuts_busy")
}

// stock is the offcuts available now, by profile and colour.
func (s *Service) stock(ctx context.Context) (map[db.OffcutKey][]pricing.Offcut, error) {
	list, err := s.DB.FindOffcuts(ctx, db.OffcutFilter{Status: db.OffcutAvailable})
	if err != nil {
		return nil, err
	}
	out := map[db.OffcutKey][]pricing.Offcut{}
	for _, o := range list {
		k := db.OffcutKey{MaterialCode: o.MaterialCode, ColourCode: o.ColourCode}
		out[k] = append(out[k], pricing.Offcut{ID: o.ID, LengthMM: o.LengthMM})
	}
	return out, nil
}

// Order is an order with its plan.
type Order struct {
	*db.WorkshopOrder
	Plan *Plan
}

// Order loads an order by folio.
func (s *Service) Order(ctx context.Context, folio string) (*Order, error) {
	o, err := s.DB.FindWorkshopOrder(ctx, folio)
	if err != nil {
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(o.Plan, &p); err != nil {
		return nil, fmt.Errorf("workshop: order %s plan: %w", o.Folio, err)
	}
	return &Order{WorkshopOrder: o, Plan: &p}, nil
}

// SetStatus moves an order on: pendiente → en corte → terminada (or
// straight to terminada). Finishing it uses up the offcuts it reserved and
// puts the reusable offcuts it leaves into stock, once.
func (s *Service) SetStatus(ctx context.Context, o *Order, to string, actor app.Actor) error {
	var leftovers []db.Offcut
	if to == db.OrderDone {
		leftovers = o.Plan.Leftovers()
	}
	return s.DB.SetWorkshopOrderStatus(ctx, o.ID, to, leftovers, actor)
}

// NextStatuses are the statuses an order may move to.
func NextStatuses(o *db.WorkshopOrder) []string {
	var out []string
	for _, st := range db.OrderStatuses {
		if db.CanOrderTransition(o.Status, st) {
			out = append(out, st)
		}
	}
	return out
}

// Delete removes a pending order, freeing its quotes and offcuts.
func (s *Service) Delete(ctx context.Context, o *Order, actor app.Actor) error {
	return s.DB.DeleteWorkshopOrder(ctx, o.ID, actor)
}

// Offcut form fields.
const (
	FieldMaterial = "material_code"
	FieldColour   = "colour_code"
	FieldLength   = "length_mm"
	FieldNotes    = "notes"
)

// OffcutInput is the offcut form as typed.
type OffcutInput struct {
	MaterialCode, ColourCode, LengthMM, Notes string
}

// maxOffcutMM is longer than any bar sold.
const maxOffcutMM = 12_000

// AddOffcut puts an offcut measured by hand into stock: a profile sold by
// the bar, an existing colour (or none), a length up to the bar's.
func (s *Service) AddOffcut(ctx context.Context, in OffcutInput, actor app.Actor) (*db.Offcut, error) {
	errs := validate.Errors{}
	code := validate.Text(errs, FieldMaterial, in.MaterialCode, true, 40)
	colour := validate.Text(errs, FieldColour, in.ColourCode, false, 40)
	length := validate.Int(errs, FieldLength, in.LengthMM, true, 1, maxOffcutMM)
	notes := validate.Text(errs, FieldNotes, in.Notes, false, 200)
	if !errs.Has(FieldMaterial) {
		cat, err := s.DB.FindWorkshopCatalog(ctx, []string{code}, nil)
		if err != nil {
			return nil, err
		}
		m, ok := cat.Materials[code]
		switch {
		case !ok:
			errs.Add(FieldMaterial, "workshop.offcut_material_unknown", map[string]any{"Code": code})
		case m.Category != pricing.CategoryProfiles || m.BarLengthMM() == 0:
			errs.Add(FieldMaterial, "workshop.offcut_not_profile", map[string]any{"Code": code})
		case length > m.BarLengthMM():
			errs.Add(FieldLength, "workshop.offcut_too_long", map[string]any{"Bar": m.BarLengthMM()})
		}
		if _, ok := cat.Colours[colour]; colour != "" && !ok {
			errs.Add(FieldColour, "workshop.offcut_colour_unknown", map[string]any{"Code": colour})
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	o := &db.Offcut{MaterialCode: code, ColourCode: colour, LengthMM: length, Notes: notes}
	return o, s.DB.CreateOffcut(ctx, o, actor)
}

// UpdateOffcut corrects an available offcut's length (measured again) and
// notes.
func (s *Service) UpdateOffcut(ctx context.Context, id int64, in OffcutInput, actor app.Actor) error {
	errs := validate.Errors{}
	length := validate.Int(errs, FieldLength, in.LengthMM, true, 1, maxOffcutMM)
	notes := validate.Text(errs, FieldNotes, in.Notes, false, 200)
	if err := errs.Err(); err != nil {
		return err
	}
	return s.DB.UpdateOffcut(ctx, id, length, notes, actor)
}

// DiscardOffcut takes an available offcut out of stock.
func (s *Service) DiscardOffcut(ctx context.Context, id int64, actor app.Actor) error {
	return s.DB.DiscardOffcut(ctx, id, actor)
}

// Offcuts lists the stock: available and reserved offcuts.
func (s *Service) Offcuts(ctx context.Context) ([]*db.Offcut, error) {
	all, err := s.DB.FindOffcuts(ctx, db.OffcutFilter{})
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, o := range all {
		if o.Status != db.OffcutUsed {
			out = append(out, o)
		}
	}
	return out, nil
}
