package db

import (
	"context"
	"database/sql"
)

// ExportCatalog reads the whole catalogue (active and inactive, not
// deleted) for the native export, in one read transaction so the files
// are consistent.
func (db *DB) ExportCatalog(ctx context.Context) (*CatalogSnapshot, error) {
	tx, err := db.Reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	s := &CatalogSnapshot{}
	colours, err := colourList(ctx, tx, "code")
	if err != nil {
		return nil, err
	}
	for _, c := range colours {
		s.Colours = append(s.Colours, *c)
	}

	rows, err := tx.QueryContext(ctx, `SELECT `+materialColumns+` FROM materials m WHERE m.deleted_at IS NULL ORDER BY m.code`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		m, err := scanMaterial(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		s.Materials = append(s.Materials, *m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	if s.ColourPrices, err = colourPriceList(ctx, tx, false); err != nil {
		return nil, err
	}

	rows, err = tx.QueryContext(ctx, `SELECT `+productColumns+` FROM products p WHERE p.deleted_at IS NULL ORDER BY p.code`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		s.Products = append(s.Products, *p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range s.Products {
		if err := loadBOMFrom(ctx, tx, &s.Products[i]); err != nil {
			return nil, err
		}
	}
	return s, nil
}
