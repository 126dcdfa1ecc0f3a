package db

import (
	"context"
	"database/sql"
	"errors"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/pricing"
)

// Colours (finishes with a price factor) and explicit colour prices.

// FindColours lists the colours that are not deleted.
func (db *DB) FindColours(ctx context.Context) ([]*Colour, error) {
	return colourList(ctx, db.Reader, "factor, name")
}

// colourList lists the colours that are not deleted, in the given order
// (columns of colours): the pages by factor, the export by code.
func colourList(ctx context.Context, q queryer, orderBy string) ([]*Colour, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, code, name, factor, active FROM colours WHERE deleted_at IS NULL ORDER BY `+orderBy)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Colour
	for rows.Next() {
		var c Colour
		var factor string
		if err := rows.Scan(&c.ID, &c.Code, &c.Name, &factor, &c.Active); err != nil {
			return nil, err
		}
		c.Factor = parseDec(factor)
		out = append(out, &c)
	}
	return out, rows.Err()
}

// FindColourByID returns a colour that is not deleted.
func (db *DB) FindColourByID(ctx context.Context, id int64) (*Colour, error) {
	var c Colour
	var factor string
	err := db.Reader.QueryRowContext(ctx, `SELECT id, code, name, factor, active FROM colours WHERE id = ? AND deleted_at IS NULL`, id).
		Scan(&c.ID, &c.Code, &c.Name, &factor, &c.Active)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "catalog.colour_not_found")
	} else if err != nil {
		return nil, err
	}
	c.Factor = parseDec(factor)
	return &c, nil
}

// The statements that write colours and colour prices, shared by the
// forms and the catalogue import (an insert's id: nil, or the id an import
// planned).
const (
	insertColourSQL = `INSERT INTO colours (id, code, name, factor, active, created_at, created_by, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	updateColourSQL = `UPDATE colours SET code = ?, name = ?, factor = ?, active = ?, updated_at = ?, updated_by = ?
		WHERE id = ? AND deleted_at IS NULL`
	insertColourPriceSQL = `INSERT INTO colour_prices (id, material_id, colour_id, price, created_at, created_by, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	updateColourPriceSQL = `UPDATE colour_prices SET price = ?, updated_at = ?, updated_by = ?
		WHERE material_id = ? AND colour_id = ? AND deleted_at IS NULL`
)

// CreateColour adds a colour.
func (db *DB) CreateColour(ctx context.Context, c *Colour, actor app.Actor) error {
	now := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, insertColourSQL, nil, c.Code, c.Name, c.Factor.String(), c.Active, now, actor, now, actor)
	if isUniqueViolation(err) {
		return ConstraintError(err, c.Code)
	}
	if err != nil {
		return err
	}
	c.ID, _ = res.LastInsertId()
	return nil
}

// UpdateColour replaces a colour's fields.
func (db *DB) UpdateColour(ctx context.Context, id int64, c *Colour, actor app.Actor) error {
	now := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, updateColourSQL, c.Code, c.Name, c.Factor.String(), c.Active, now, actor, id)
	if isUniqueViolation(err) {
		return ConstraintError(err, c.Code)
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return app.Errorf(app.ENOTFOUND, "catalog.colour_not_found")
	}
	c.ID = id
	return nil
}

// DeleteColour soft-deletes a colour.
func (db *DB) DeleteColour(ctx context.Context, id int64, actor app.Actor) error {
	return db.softDelete(ctx, "colours", id, actor, "catalog.colour_not_found")
}

// FindColourPrices lists a material's explicit colour prices.
func (db *DB) FindColourPrices(ctx context.Context, materialID int64) ([]*ColourPrice, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT cp.id, cp.material_id, cp.colour_id, c.code, c.name, cp.price
		FROM colour_prices cp JOIN colours c ON c.id = cp.colour_id
		WHERE cp.material_id = ? AND cp.deleted_at IS NULL AND c.deleted_at IS NULL ORDER BY c.factor, c.name`, materialID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ColourPrice
	for rows.Next() {
		var cp ColourPrice
		var price string
		if err := rows.Scan(&cp.ID, &cp.MaterialID, &cp.ColourID, &cp.ColourCode, &cp.ColourName, &price); err != nil {
			return nil, err
		}
		cp.Price = parseDec(price)
		out = append(out, &cp)
	}
	return out, rows.Err()
}

// queryer is a pool or a transaction to read from.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// colourPriceList lists the explicit colour prices of materials and
// colours that are not deleted, by material and colour code: the export
// reads them all, the pricer (activeOnly) only those of active materials
// and colours.
func colourPriceList(ctx context.Context, q queryer, activeOnly bool) ([]pricing.ColourPrice, error) {
	query := `SELECT m.code, c.code, cp.price FROM colour_prices cp
		JOIN materials m ON m.id = cp.material_id JOIN colours c ON c.id = cp.colour_id
		WHERE cp.deleted_at IS NULL AND m.deleted_at IS NULL AND c.deleted_at IS NULL`
	if activeOnly {
		query += ` AND m.active = 1 AND c.active = 1`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY m.code, c.code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pricing.ColourPrice
	for rows.Next() {
		var cp pricing.ColourPrice
		var price string
		if err := rows.Scan(&cp.MaterialCode, &cp.ColourCode, &price); err != nil {
			return nil, err
		}
		cp.Price = parseDec(price)
		out = append(out, cp)
	}
	return out, rows.Err()
}

// SetColourPrice sets (or replaces) the explicit price of a material in a
// colour.
func (db *DB) SetColourPrice(ctx context.Context, materialID, colourID int64, price decimal.Decimal, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := setColourPrice(ctx, tx, materialID, colourID, price, app.FormatTime(db.Clock.Now()), actor); err != nil {
		return err
	}
	return tx.Commit()
}

func setColourPrice(ctx context.Context, tx *sql.Tx, materialID, colourID int64, price decimal.Decimal, now string, actor app.Actor) error {
	res, err := tx.ExecContext(ctx, updateColourPriceSQL, price.String(), now, actor, materialID, colourID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, insertColourPriceSQL, nil, materialID, colourID, price.String(), now, actor, now, actor)
	return err
}

// DeleteColourPrice removes an explicit price (the colour factor applies again).
func (db *DB) DeleteColourPrice(ctx context.Context, id int64, actor app.Actor) error {
	return db.softDelete(ctx, "colour_prices", id, actor, "catalog.price_not_found")
}
