package db

import (
	"context"
	"database/sql"

	"cotizador/pricing"
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

	rows, err := tx.QueryContext(ctx, `SELECT code, name, factor, active FROM colours WHERE deleted_at IS NULL ORDER BY code`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c Colour
		var factor string
		if err := rows.Scan(&c.Code, &c.Name, &factor, &c.Active); err != nil {
			rows.Close()
			return nil, err
		}
		c.Factor = parseDec(factor)
		s.Colours = append(s.Colours, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = tx.QueryContext(ctx, `SELECT `+materialColumns+` FROM materials m WHERE m.deleted_at IS NULL ORDER BY m.code`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		m, err := scanMaterial(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		s.Materials = append(s.Materials, Material{Material: m.Material, Line: m.Line, Description: m.Description, Active: m.Active})
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
	var products []*Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		products = append(products, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, p := range products {
		if err := exportBOM(ctx, tx, p); err != nil {
			return nil, err
		}
		s.Products = append(s.Products, Product{Product: p.Product, Category: p.Category, Line: p.Line,
			Description: p.Description, Active: p.Active})
	}
	return s, nil
}

// exportBOM reads a product's BOM inside the export's transaction. Lines
// whose material was deleted keep its code: the file then says which
// material is missing, and importing it reports that line.
func exportBOM(ctx context.Context, tx *sql.Tx, p *Product) error {
	rows, err := tx.QueryContext(ctx, `SELECT m.code, b.role, b.quantity_formula, b.cut_count_formula, b.cut_length_formula, b.waste_factor, b.description, b.sort_order
		FROM bom_lines b JOIN materials m ON m.id = b.material_id
		WHERE b.product_id = ? AND b.deleted_at IS NULL ORDER BY b.sort_order, b.id`, p.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	p.BOM = nil
	for rows.Next() {
		var l pricing.BOMLine
		var role, waste string
		if err := rows.Scan(&l.MaterialCode, &role, &l.QuantityFormula, &l.CutCountFormula, &l.CutLengthFormula, &waste, &l.Description, &l.Order); err != nil {
			return err
		}
		l.Role, l.WasteFactor = pricing.Role(role), parseDec(waste)
		p.BOM = append(p.BOM, l)
	}
	return rows.Err()
}
