package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/pricing"
)

// Material is a catalogue material with what the store adds to the
// pricing view of it.
type Material struct {
	ID int64
	pricing.Material
	Line        string
	Description string
	Active      bool
	UpdatedAt   time.Time
	// UsedBy counts the products whose BOM uses the material (lists only).
	UsedBy int
}

// Colour is a finish.
type Colour struct {
	ID int64
	pricing.Colour
	Active bool
}

// ColourPrice is an explicit price of a material in a colour.
type ColourPrice struct {
	ID         int64
	MaterialID int64
	ColourID   int64
	ColourCode string
	ColourName string
	Price      decimal.Decimal
}

// Product categories.
var ProductCategories = []string{"ventana", "puerta", "cancel_bano", "barandal", "domo", "material_suelto"}

// Product is a sellable window or door with its BOM.
type Product struct {
	ID int64
	pricing.Product
	Category    string
	Line        string
	Description string
	Active      bool
	UpdatedAt   time.Time
	// BOMInfo runs parallel to BOM: what the editor shows about each line's
	// material.
	BOMInfo []BOMLineInfo
	// BOMLines counts the BOM (lists only, where BOM is not loaded).
	BOMLines int
	// MissingMaterials counts BOM lines whose material was deleted or
	// deactivated: the product cannot be priced until they are replaced.
	MissingMaterials int
}

// BOMLineInfo describes a BOM line's material.
type BOMLineInfo struct {
	MaterialID   int64
	MaterialName string
	Unit         pricing.Unit
	Missing      bool // deleted or inactive
}

func parseDec(s string) decimal.Decimal {
	if s == "" {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return d
}

// decText stores a decimal; zero becomes ” where ” means unset.
func decText(d decimal.Decimal, zeroIsEmpty bool) string {
	if zeroIsEmpty && d.IsZero() {
		return ""
	}
	return d.String()
}

func codeTaken(field string) error {
	e := app.Errorf(app.EINVALID, "validation.form_invalid")
	e.Fields = map[string]app.FieldError{field: {Message: "catalog.code_taken"}}
	return e
}

// --- Materials ---

// MaterialFilter narrows FindMaterials.
type MaterialFilter struct {
	Search     string // code or name, case-insensitive
	Category   string
	Line       string
	ActiveOnly bool
}

const materialColumns = `m.id, m.code, m.name, m.category, m.unit, m.cost, m.bar_length_m, m.line, m.waste_factor, m.description, m.active, m.updated_at`

func scanMaterial(row interface{ Scan(...any) error }, extra ...any) (*Material, error) {
	var m Material
	var cat, unit, cost, bar, waste, updated string
	dest := append([]any{&m.ID, &m.Code, &m.Name, &cat, &unit, &cost, &bar, &m.Line, &waste, &m.Description, &m.Active, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	m.Category, m.Unit = pricing.Category(cat), pricing.Unit(unit)
	m.Cost, m.BarLengthM, m.WasteFactor = parseDec(cost), parseDec(bar), parseDec(waste)
	m.UpdatedAt, _ = app.ParseTime(updated)
	return &m, nil
}

// FindMaterials lists materials that are not deleted, by category then code.
func (db *DB) FindMaterials(ctx context.Context, f MaterialFilter) ([]*Material, error) {
	q := `SELECT ` + materialColumns + `,
		(SELECT count(DISTINCT b.product_id) FROM bom_lines b JOIN products p ON p.id = b.product_id
		  WHERE b.material_id = m.id AND b.deleted_at IS NULL AND p.deleted_at IS NULL)
		FROM materials m WHERE m.deleted_at IS NULL`
	var args []any
	if s := strings.TrimSpace(f.Search); s != "" {
		q += ` AND (m.code LIKE ? ESCAPE '\' OR m.name LIKE ? ESCAPE '\')`
		like := "%" + escapeLike(s) + "%"
		args = append(args, like, like)
	}
	if f.Category != "" {
		q += ` AND m.category = ?`
		args = append(args, f.Category)
	}
	if f.Line != "" {
		q += ` AND m.line = ?`
		args = append(args, f.Line)
	}
	if f.ActiveOnly {
		q += ` AND m.active = 1`
	}
	q += ` ORDER BY CASE m.category WHEN 'Perfiles' THEN 0 WHEN 'Vidrio' THEN 1 WHEN 'Herrajes' THEN 2 WHEN 'Consumibles' THEN 3 WHEN 'Mano de obra' THEN 4 ELSE 5 END, m.code`
	rows, err := db.Reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Material
	for rows.Next() {
		var used int
		m, err := scanMaterial(rows, &used)
		if err != nil {
			return nil, err
		}
		m.UsedBy = used
		out = append(out, m)
	}
	return out, rows.Err()
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// MaterialLines lists the aluminium lines in use, for filters and forms.
func (db *DB) MaterialLines(ctx context.Context) ([]string, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT DISTINCT line FROM materials WHERE deleted_at IS NULL AND line != ''
		UNION SELECT DISTINCT line FROM products WHERE deleted_at IS NULL AND line != '' ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// FindMaterialByID returns a material that is not deleted.
func (db *DB) FindMaterialByID(ctx context.Context, id int64) (*Material, error) {
	m, err := scanMaterial(db.Reader.QueryRowContext(ctx, `SELECT `+materialColumns+` FROM materials m WHERE m.id = ? AND m.deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "catalog.material_not_found")
	}
	return m, err
}

// CreateMaterial adds a material; its code must be free.
func (db *DB) CreateMaterial(ctx context.Context, m *Material, actor app.Actor) error {
	now := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, `INSERT INTO materials (code, name, category, unit, cost, bar_length_m, line, waste_factor, description, active, created_at, created_by, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Code, m.Name, string(m.Category), string(m.Unit), m.Cost.String(), decText(m.BarLengthM, true), m.Line, decText(m.WasteFactor, true),
		m.Description, m.Active, now, actor, now, actor)
	if isUniqueViolation(err) {
		return codeTaken("code")
	}
	if err != nil {
		return fmt.Errorf("db: create material: %w", err)
	}
	m.ID, _ = res.LastInsertId()
	return nil
}

// UpdateMaterial replaces a material's fields.
func (db *DB) UpdateMaterial(ctx context.Context, id int64, m *Material, actor app.Actor) error {
	now := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, `UPDATE materials SET code = ?, name = ?, category = ?, unit = ?, cost = ?, bar_length_m = ?, line = ?,
		waste_factor = ?, description = ?, active = ?, updated_at = ?, updated_by = ? WHERE id = ? AND deleted_at IS NULL`,
		m.Code, m.Name, string(m.Category), string(m.Unit), m.Cost.String(), decText(m.BarLengthM, true), m.Line, decText(m.WasteFactor, true),
		m.Description, m.Active, now, actor, id)
	if isUniqueViolation(err) {
		return codeTaken("code")
	}
	if err != nil {
		return fmt.Errorf("db: update material: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return app.Errorf(app.ENOTFOUND, "catalog.material_not_found")
	}
	m.ID = id
	return nil
}

// DeleteMaterial soft-deletes a material. Products that use it keep their
// BOM line and show a warning until it is replaced.
func (db *DB) DeleteMaterial(ctx context.Context, id int64, actor app.Actor) error {
	return db.softDelete(ctx, "materials", id, actor, "catalog.material_not_found")
}

func (db *DB) softDelete(ctx context.Context, table string, id int64, actor app.Actor, notFound string) error {
	now := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, `UPDATE `+table+` SET deleted_at = ?, deleted_by = ?, updated_at = ?, updated_by = ? WHERE id = ? AND deleted_at IS NULL`,
		now, actor, now, actor, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return app.Errorf(app.ENOTFOUND, notFound)
	}
	return nil
}

// --- Colours ---

// FindColours lists the colours that are not deleted.
func (db *DB) FindColours(ctx context.Context) ([]*Colour, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT id, code, name, factor, active FROM colours WHERE deleted_at IS NULL ORDER BY factor, name`)
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

// CreateColour adds a colour.
func (db *DB) CreateColour(ctx context.Context, c *Colour, actor app.Actor) error {
	now := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, `INSERT INTO colours (code, name, factor, active, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Code, c.Name, c.Factor.String(), c.Active, now, actor, now, actor)
	if isUniqueViolation(err) {
		return codeTaken("code")
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
	res, err := db.Writer.ExecContext(ctx, `UPDATE colours SET code = ?, name = ?, factor = ?, active = ?, updated_at = ?, updated_by = ? WHERE id = ? AND deleted_at IS NULL`,
		c.Code, c.Name, c.Factor.String(), c.Active, now, actor, id)
	if isUniqueViolation(err) {
		return codeTaken("code")
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
	res, err := tx.ExecContext(ctx, `UPDATE colour_prices SET price = ?, updated_at = ?, updated_by = ? WHERE material_id = ? AND colour_id = ? AND deleted_at IS NULL`,
		price.String(), now, actor, materialID, colourID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO colour_prices (material_id, colour_id, price, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		materialID, colourID, price.String(), now, actor, now, actor)
	return err
}

// DeleteColourPrice removes an explicit price (the colour factor applies again).
func (db *DB) DeleteColourPrice(ctx context.Context, id int64, actor app.Actor) error {
	return db.softDelete(ctx, "colour_prices", id, actor, "catalog.price_not_found")
}

// --- Products ---

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
	rows, err := db.Reader.QueryContext(ctx, `SELECT b.material_id, m.code, m.name, m.unit, (m.deleted_at IS NOT NULL OR m.active = 0),
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
	res, err := tx.ExecContext(ctx, `INSERT INTO products (code, name, category, type, line, hojas, min_width_mm, max_width_mm, min_height_mm, max_height_mm,
		labor_rate_m2, complexity, glass_deduct_w_mm, glass_deduct_h_mm, description, active, created_at, created_by, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, productArgs(p, now, actor)...)
	if isUniqueViolation(err) {
		return codeTaken("code")
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

func productArgs(p *Product, now string, actor app.Actor) []any {
	cx := p.Complexity
	if cx.IsZero() {
		cx = decimal.NewFromInt(1)
	}
	return []any{p.Code, p.Name, p.Category, string(p.Type), p.Line, p.Hojas,
		p.MinWidthMM.IntPart(), p.MaxWidthMM.IntPart(), p.MinHeightMM.IntPart(), p.MaxHeightMM.IntPart(),
		p.LabourRateM2.String(), cx.String(), p.GlassDeductWMM.IntPart(), p.GlassDeductHMM.IntPart(),
		p.Description, p.Active, now, actor, now, actor}
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
		order := l.Order
		if order == 0 {
			order = i + 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bom_lines (product_id, material_id, role, quantity_formula, cut_count_formula, cut_length_formula,
			waste_factor, description, sort_order, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, materialID, string(l.Role), l.QuantityFormula, l.CutCountFormula, l.CutLengthFormula, decText(l.WasteFactor, true),
			l.Description, order, now, actor, now, actor); err != nil {
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
	args := productArgs(p, now, actor)
	// productArgs ends with created_at, created_by, updated_at, updated_by.
	args = append(args[:16], now, actor, id)
	res, err := tx.ExecContext(ctx, `UPDATE products SET code = ?, name = ?, category = ?, type = ?, line = ?, hojas = ?, min_width_mm = ?, max_width_mm = ?,
		min_height_mm = ?, max_height_mm = ?, labor_rate_m2 = ?, complexity = ?, glass_deduct_w_mm = ?, glass_deduct_h_mm = ?, description = ?, active = ?,
		updated_at = ?, updated_by = ? WHERE id = ? AND deleted_at IS NULL`, args...)
	if isUniqueViolation(err) {
		return codeTaken("code")
	}
	if err != nil {
		return fmt.Errorf("db: update product: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return app.Errorf(app.ENOTFOUND, "catalog.product_not_found")
	}
	p.ID = id
	if _, err := tx.ExecContext(ctx, `UPDATE bom_lines SET deleted_at = ?, deleted_by = ?, updated_at = ?, updated_by = ? WHERE product_id = ? AND deleted_at IS NULL`,
		now, actor, now, actor, id); err != nil {
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

// --- The catalogue for pricing ---

// CatalogVersion is the catalogue's change counter and the time of the last
// change.
func (db *DB) CatalogVersion(ctx context.Context) (int64, time.Time, error) {
	var v int64
	var at string
	if err := db.Reader.QueryRowContext(ctx, `SELECT version, changed_at FROM catalog_meta WHERE id = 1`).Scan(&v, &at); err != nil {
		return 0, time.Time{}, err
	}
	t, _ := app.ParseTime(at)
	return v, t, nil
}

// PricingCatalog is an immutable snapshot of the active catalogue, as the
// pricer reads it, with the version it was taken at.
type PricingCatalog struct {
	*pricing.MemCatalog
	Version int64
}

// PricingCatalog returns the active catalogue for pricing. It costs one
// small query when nothing changed since the last call.
func (db *DB) PricingCatalog(ctx context.Context) (*PricingCatalog, error) {
	v, _, err := db.CatalogVersion(ctx)
	if err != nil {
		return nil, err
	}
	c := &db.memo.catalog
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != nil && c.snap.Version == v {
		return c.snap, nil
	}
	mc, err := db.loadPricingCatalog(ctx)
	if err != nil {
		return nil, err
	}
	c.snap = &PricingCatalog{MemCatalog: mc, Version: v}
	return c.snap, nil
}

func (db *DB) loadPricingCatalog(ctx context.Context) (*pricing.MemCatalog, error) {
	mats, err := db.FindMaterials(ctx, MaterialFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	materials := make([]pricing.Material, len(mats))
	for i, m := range mats {
		materials[i] = m.Material
	}
	cols, err := db.FindColours(ctx)
	if err != nil {
		return nil, err
	}
	var colours []pricing.Colour
	for _, c := range cols {
		if c.Active {
			colours = append(colours, c.Colour)
		}
	}
	rows, err := db.Reader.QueryContext(ctx, `SELECT m.code, c.code, cp.price FROM colour_prices cp
		JOIN materials m ON m.id = cp.material_id JOIN colours c ON c.id = cp.colour_id
		WHERE cp.deleted_at IS NULL AND m.deleted_at IS NULL AND m.active = 1 AND c.deleted_at IS NULL AND c.active = 1`)
	if err != nil {
		return nil, err
	}
	var prices []pricing.ColourPrice
	for rows.Next() {
		var cp pricing.ColourPrice
		var price string
		if err := rows.Scan(&cp.MaterialCode, &cp.ColourCode, &price); err != nil {
			rows.Close()
			return nil, err
		}
		cp.Price = parseDec(price)
		prices = append(prices, cp)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	prods, err := db.FindProducts(ctx, ProductFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	products := make([]pricing.Product, 0, len(prods))
	for _, p := range prods {
		if err := db.loadBOM(ctx, p); err != nil {
			return nil, err
		}
		products = append(products, p.Product)
	}
	return pricing.NewMemCatalog(materials, colours, products, prices)
}

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
	var where string
	var args []any
	if f.Category != "" {
		where += ` AND m.category = ?`
		args = append(args, f.Category)
	}
	if f.Line != "" {
		where += ` AND m.line = ?`
		args = append(args, f.Line)
	}
	if f.ActiveOnly {
		where += ` AND m.active = 1`
	}
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
