package db

import (
	"context"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/pricing"
)

// Bulk price changes (Actualizar precios).

// PriceChange is one price a bulk update changes.
type PriceChange struct {
	MaterialID int64
	Code       string
	Name       string
	ColourCode string // "" for the material's base cost
	Old, New   decimal.Decimal
}

// BulkPriceChange changes by pct percent (8 = +8 %, -5 = -5 %) the cost of
// every material f selects, and their explicit colour prices, rounding each
// new price HALF_UP to the centavo. With apply false nothing is written: the
// result is the preview. expectVersion guards the apply: if the catalogue
// changed since the preview was shown, nothing is written and ECONFLICT
// says so.
func (db *DB) BulkPriceChange(ctx context.Context, f MaterialFilter, pct decimal.Decimal, apply bool, expectVersion int64, actor app.Actor) ([]PriceChange, error) {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if apply {
		var v int64
		if err := tx.QueryRowContext(ctx, `SELECT version FROM catalog_meta WHERE id = 1`).Scan(&v); err != nil {
			return nil, err
		}
		if v != expectVersion {
			return nil, app.Errorf(app.ECONFLICT, "bulk.catalog_changed")
		}
	}
	q := `SELECT m.id, m.code, m.name, m.cost, '' , 0 FROM materials m WHERE m.deleted_at IS NULL`
	qp := `SELECT m.id, m.code, m.name, cp.price, c.code, cp.id FROM colour_prices cp
		JOIN materials m ON m.id = cp.material_id JOIN colours c ON c.id = cp.colour_id
		WHERE cp.deleted_at IS NULL AND c.deleted_at IS NULL AND m.deleted_at IS NULL`
	where, args := f.where()
	rows, err := tx.QueryContext(ctx, q+where+` UNION ALL `+qp+where+` ORDER BY 2, 5`, append(append([]any{}, args...), args...)...)
	if err != nil {
		return nil, err
	}
	factor := decimal.NewFromInt(1).Add(pct.Div(decimal.NewFromInt(100)))
	type target struct {
		change  PriceChange
		priceID int64
	}
	var targets []target
	for rows.Next() {
		var t target
		var old string
		if err := rows.Scan(&t.change.MaterialID, &t.change.Code, &t.change.Name, &old, &t.change.ColourCode, &t.priceID); err != nil {
			rows.Close()
			return nil, err
		}
		t.change.Old = parseDec(old)
		t.change.New = pricing.RoundMoney(t.change.Old.Mul(factor))
		targets = append(targets, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]PriceChange, len(targets))
	for i, t := range targets {
		out[i] = t.change
	}
	if !apply {
		return out, nil
	}
	now := app.FormatTime(db.Clock.Now())
	for _, t := range targets {
		var err error
		if t.priceID == 0 {
			_, err = tx.ExecContext(ctx, `UPDATE materials SET cost = ?, updated_at = ?, updated_by = ? WHERE id = ?`, t.change.New.String(), now, actor, t.change.MaterialID)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE colour_prices SET price = ?, updated_at = ?, updated_by = ? WHERE id = ?`, t.change.New.String(), now, actor, t.priceID)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, tx.Commit()
}
