package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/pricing"
)

// Products and their bill of materials.

// ProductFilter narrows FindProducts.
type ProductFilter struct {
	Search     string
	Category   string
	ActiveOnly bool
}

const productColumns = `p.id, p.code, p.name, p.category, p.type, p.line, p.hojas, p.min_width_mm, p.max_width_mm, p.min_height_mm, p.max_height_mm,
	p.labor_rate_m2, p.complexity, p.glass_deduct_w_mm, p.glass_deduct_h_mm, p.description, p.active, p.updated_at`

func scanProduct(row interface{ Scan(...any) error }, extra ...any) (*Product, error) {
	var p Product
	var typ, rate, cx, updated string
	var minW, maxW, minH, maxH, dw, dh int64
	dest := append([]any{&p.ID, &p.Code, &p.Name, &p.Category, &typ, &p.Line, &p.Hojas, &minW, &maxW, &minH, &maxH,
		&rate, &cx, &dw, &dh, &p.Description, &p.Active, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	p.Type = pricing.ProductType(typ)
	p.MinWidthMM, p.MaxWidthMM = decimal.NewFromInt(minW), decimal.NewFromInt(maxW)
	p.MinHeightMM, p.MaxHeightMM = decimal.NewFromInt(minH), decimal.NewFromInt(maxH)
	p.LabourRateM2, p.Complexity = parseDec(rate), parseDec(cx)
	p.GlassDeductWMM, p.GlassDeductHMM = decimal.NewFromInt(dw), decimal.NewFromInt(dh)
	p.UpdatedAt, _ = app.ParseTime(updated)
	return &p, nil
}

// FindProducts lists products that are not deleted, with their BOM size and
// how many of their materials are missing.
func (db *DB) FindProducts(ctx context.Context, f ProductFilter) ([]*Product, error) {
	q := `SELECT ` + productColumns + `,
		(SELECT count(*) FROM bom_lines b WHERE b.product_id = p.id AND b.deleted_at IS NULL),
		(SELECT count(*) FROM bom_lines b JOIN materials m ON m.id = b.material_id
		  WHERE b.product_id = p.id AND b.deleted_at IS NULL AND (m.deleted_at IS NOT NULL OR m.active = 0))
		FROM products p WHERE p.deleted_at IS NULL`
	var args []any
	if s := strings.TrimSpace(f.Search); s != "" {
		q += ` AND (p.code LIKE ? ESCAPE '\' OR p.name LIKE ? ESCAPE '\')`
		like := "%" + escapeLike(s) + "%"
		args = append(args, like, like)
	}
	if f.Category != "" {
		q += ` AND p.category = ?`
		args = append(args, f.Category)
	}
	if f.ActiveOnly {
		q += ` AND p.active = 1`
	}
	q += ` ORDER BY p.category, p.name`
	rows, err := db.Reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Product
	for rows.Next() {
		var lines, missing int
		p, err := scanProduct(rows, &lines, &missing)
		if err != nil {
			return nil, err
		}
		p.BOMLines, p.MissingMaterials = lines, missing
		out = append(out, p)
	}
	return out, rows.Err()
}

// FindProductByID returns a product with its BOM.
func (db *DB) FindProductByID(ctx context.Context, id int64) (*Product, error) {
	p, err := scanProduct(db.Reader.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products p WHERE p.id = ? AND p.deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "catalog.product_not_found")
	} else if err != nil {
		return nil, err
	}
	return p, db.loadBOM(ctx, p)
}

func (db *DB) loadBOM(ctx context.Context, p *Product) error {
	return loadBOMFrom(ctx, db.Reader, p)
}

// loadBOMFrom reads a product's BOM through a pool or a transaction. Lines
// whose material was deleted keep its code (the export then names the
// missing material, and importing it reports that line).
func loadBOMFrom(ctx context.Context, q queryer, p *Product) error {
	rows, err := q.QueryContext(ctx, `SELECT b.material_id, m.code, m.name, m.unit, (m.deleted_at IS NOT NULL OR m.active = 0),
			b.role, b.quantity_formula, b.cut_count_formula, b.cut_length_formula, b.waste_factor, b.description, b.sort_order
		FROM bom_lines b JOIN materials m ON m.id = b.material_id
		WHERE b.product_id = ? AND b.deleted_at IS NULL ORDER BY b.sort_order, b.id`, p.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	p.BOM, p.BOMInfo = nil, nil
	for rows.Next() {
		var l pricing.BOMLine
		var info BOMLineInfo
		var role, waste, unit string
		if err := rows.Scan(&info.MaterialID, &l.MaterialCode, &info.MaterialName, &unit, &info.Missing,
			&role, &l.QuantityFormula, &l.CutCountFormula, &l.CutLengthFormula, &waste, &l.Description, &l.Order); err != nil {
			return err
		}
		l.Role, l.WasteFactor, info.Unit = pricing.Role(role), parseDec(waste), pricing.Unit(unit)
		if info.Missing {
			p.MissingMaterials++
		}
		p.BOM = append(p.BOM, l)
		p.BOMInfo = append(p.BOMInfo, info)
	}
	p.BOMLines = len(p.BOM)
	return rows.Err()
}

// CreateProduct adds a product with its BOM in one transaction. BOM lines
// name their material by code; an unknown code is a field error.
func (db *DB) CreateProduct(ctx context.Context, p *Product, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := app.FormatTime(db.Clock.Now())
	res, err := tx.ExecContext(ctx, insertProductSQL, insertProductArgs(nil, p, now, actor)...)
	if isUniqueViolation(err) {
		return ConstraintError(err, p.Code)
	}
	if err != nil {
		return fmt.Errorf("db: create product: %w", err)
	}
	p.ID, _ = res.LastInsertId()
	if err := insertBOM(ctx, tx, p, now, actor); err != nil {
		return err
	}
	return tx.Commit()
}

// The statements that write products and BOM lines, shared by the forms
// and the catalogue import (an insert's id: nil, or the id an import
// planned). Replacing a BOM soft-deletes the old lines (history keeps
// them) and inserts the new ones.
const (
	insertProductSQL = `INSERT INTO products (id, code, name, category, type, line, hojas, min_width_mm, max_width_mm, min_height_mm, max_height_mm,
		labor_rate_m2, complexity, glass_deduct_w_mm, glass_deduct_h_mm, description, active, created_at, created_by, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	updateProductSQL = `UPDATE products SET code = ?, name = ?, category = ?, type = ?, line = ?, hojas = ?, min_width_mm = ?, max_width_mm = ?,
		min_height_mm = ?, max_height_mm = ?, labor_rate_m2 = ?, complexity = ?, glass_deduct_w_mm = ?, glass_deduct_h_mm = ?, description = ?, active = ?,
		updated_at = ?, updated_by = ? WHERE id = ? AND deleted_at IS NULL`
	retireBOMSQL = `UPDATE bom_lines SET deleted_at = ?, deleted_by = ?, updated_at = ?, updated_by = ?
		WHERE product_id = ? AND deleted_at IS NULL`
	insertBOMLineSQL = `INSERT INTO bom_lines (product_id, material_id, role, quantity_formula, cut_count_formula, cut_length_formula,
		waste_factor, description, sort_order, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

func productValues(p *Product) []any {
	cx := p.Complexity
	if cx.IsZero() {
		cx = decimal.NewFromInt(1)
	}
	return []any{p.Code, p.Name, p.Category, string(p.Type), p.Line, p.Hojas,
		p.MinWidthMM.IntPart(), p.MaxWidthMM.IntPart(), p.MinHeightMM.IntPart(), p.MaxHeightMM.IntPart(),
		p.LabourRateM2.String(), cx.String(), p.GlassDeductWMM.IntPart(), p.GlassDeductHMM.IntPart(),
		p.Description, p.Active}
}

func insertProductArgs(id any, p *Product, now string, actor app.Actor) []any {
	return append(append([]any{id}, productValues(p)...), now, actor, now, actor)
}

func updateProductArgs(id int64, p *Product, now string, actor app.Actor) []any {
	return append(productValues(p), now, actor, id)
}

// bomLineArgs are insertBOMLineSQL's arguments for the i-th line of a BOM;
// a line without an order keeps its place.
func bomLineArgs(productID, materialID int64, i int, l *pricing.BOMLine, now string, actor app.Actor) []any {
	order := l.Order
	if order == 0 {
		order = i + 1
	}
	return []any{productID, materialID, string(l.Role), l.QuantityFormula, l.CutCountFormula, l.CutLengthFormula,
		decText(l.WasteFactor, true), l.Description, order, now, actor, now, actor}
}

func insertBOM(ctx context.Context, tx *sql.Tx, p *Product, now string, actor app.Actor) error {
	for i, l := range p.BOM {
		var materialID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM materials WHERE code = ? AND deleted_at IS NULL`, l.MaterialCode).Scan(&materialID)
		if errors.Is(err, sql.ErrNoRows) {
			e := app.Errorf(app.EINVALID, "validation.form_invalid")
			e.Fields = map[string]app.FieldError{fmt.Sprintf("bom[%d].material", i): {Message: "catalog.unknown_material", Args: map[string]any{"Code": l.MaterialCode}}}
			return e
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insertBOMLineSQL, bomLineArgs(p.ID, materialID, i, &p.BOM[i], now, actor)...); err != nil {
			return fmt.Errorf("db: insert bom line: %w", err)
		}
	}
	return nil
}

// UpdateProduct replaces a product's fields and its whole BOM in one
// transaction (the old lines are soft-deleted, so history keeps them).
func (db *DB) UpdateProduct(ctx context.Context, id int64, p *Product, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := app.FormatTime(db.Clock.Now())
	res, err := tx.ExecContext(ctx, updateProductSQL, updateProductArgs(id, p, now, actor)...)
	if isUniqueViolation(err) {
		return ConstraintError(err, p.Code)
	}
	if err != nil {
		return fmt.Errorf("db: update product: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return app.Errorf(app.ENOTFOUND, "catalog.product_not_found")
	}
	p.ID = id
	if _, err := tx.ExecContext(ctx, retireBOMSQL, now, actor, now, actor, id); err != nil {
		return err
	}
	if err := insertBOM(ctx, tx, p, now, actor); err != nil {
		return err
	}
	return tx.Commit()
}

// DeleteProduct soft-deletes a product.
func (db *DB) DeleteProduct(ctx context.Context, id int64, actor app.Actor) error {
	return db.softDelete(ctx, "products", id, actor, "catalog.product_not_found")
}
