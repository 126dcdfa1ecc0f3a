package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"cotizador/app"
)

// ImportResult is the outcome of ApplyCatalog: every row's result, with
// what only the database can tell (create or update, unknown materials).
type ImportResult struct {
	Rows    []ImportRow
	Summary ImportSummary
	DryRun  bool
	// Applied: the changes were committed. False for a dry run and whenever
	// any row failed, in which case nothing at all was written.
	Applied bool
}

// OK reports whether no row failed.
func (r *ImportResult) OK() bool { return r.Summary.Errors == 0 }

// ApplyCatalog applies a parsed import in one transaction: colours,
// materials, colour prices, then products (upsert by code, soft delete).
// Every row gets its result; if any row fails, or for a dry run, the
// transaction is rolled back, so a dry run reports exactly what applying
// would do and a failed import changes nothing. The error is for the
// database itself failing, never for a bad row.
func (db *DB) ApplyCatalog(ctx context.Context, ch *CatalogChanges, actor app.Actor, dryRun bool) (*ImportResult, error) {
	return db.applyCatalog(ctx, ch, actor, dryRun, false)
}

// applyCatalog is ApplyCatalog that, with requireEmpty, refuses (ECONFLICT
// catalogio.not_empty) a catalogue that already has anything, checked in
// the same transaction.
func (db *DB) applyCatalog(ctx context.Context, ch *CatalogChanges, actor app.Actor, dryRun, requireEmpty bool) (*ImportResult, error) {
	res := &ImportResult{DryRun: dryRun, Rows: make([]ImportRow, len(ch.Rows))}
	for i, r := range ch.Rows {
		// The store adds problems to rows: copy their slices so the parsed
		// changes can be applied again (preview, then apply).
		r.Problems = append([]RowProblem(nil), r.Problems...)
		r.Notes = append([]RowProblem(nil), r.Notes...)
		res.Rows[i] = r
	}
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if requireEmpty {
		empty, err := catalogEmpty(ctx, tx)
		if err != nil {
			return nil, err
		}
		if !empty {
			return nil, app.Errorf(app.ECONFLICT, "catalogio.not_empty")
		}
	}
	a := &applier{ctx: ctx, tx: tx, rows: res.Rows, now: app.FormatTime(db.Clock.Now()), actor: actor,
		materials: map[string]*storedMaterial{}, failedMaterials: map[string]int{}}
	if err := a.loadColours(); err != nil {
		return nil, err
	}
	for _, c := range ch.Colours {
		if err := a.colour(c); err != nil {
			return nil, fmt.Errorf("db: import colour %s: %w", c.Colour.Code, err)
		}
	}
	for _, m := range ch.Materials {
		if err := a.material(m); err != nil {
			return nil, fmt.Errorf("db: import material %s: %w", m.Material.Code, err)
		}
	}
	for _, cp := range ch.ColourPrices {
		if err := a.colourPrice(cp); err != nil {
			return nil, fmt.Errorf("db: import colour price %s/%s: %w", cp.ColourPrice.MaterialCode, cp.ColourPrice.ColourCode, err)
		}
	}
	for _, p := range ch.Products {
		if err := a.product(p); err != nil {
			return nil, fmt.Errorf("db: import product %s: %w", p.Product.Code, err)
		}
	}
	res.Summary = SummarizeRows(res.Rows)
	if res.Summary.Errors > 0 || dryRun {
		return res, nil
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	res.Applied = true
	return res, nil
}

type storedColour struct {
	id     int64
	code   string
	name   string
	factor decimal.Decimal
}

type storedMaterial struct {
	id      int64
	cost    decimal.Decimal
	deleted bool // soft-deleted by this import
	line    string
	waste   string
	active  bool
}

// applier holds one import's transaction and what it learnt so far.
type applier struct {
	ctx   context.Context
	tx    *sql.Tx
	rows  []ImportRow
	now   string
	actor app.Actor

	colours       map[string]*storedColour // by code
	colourByName  map[string]*storedColour // by lower-case name
	colourAliases map[string]string        // a file's colour code → the stored colour's code
	materials     map[string]*storedMaterial
	// failedMaterials: codes of material rows with errors, by line, so a
	// BOM line using one says so instead of "unknown material".
	failedMaterials map[string]int
}

// setAction records a row's outcome unless it already failed.
func (a *applier) setAction(row int, act RowAction) {
	if !a.rows[row].Failed() {
		a.rows[row].Action = act
	}
}

func (a *applier) loadColours() error {
	a.colours, a.colourByName, a.colourAliases = map[string]*storedColour{}, map[string]*storedColour{}, map[string]string{}
	rows, err := a.tx.QueryContext(a.ctx, `SELECT id, code, name, factor FROM colours WHERE deleted_at IS NULL ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c storedColour
		var factor string
		if err := rows.Scan(&c.id, &c.code, &c.name, &factor); err != nil {
			return err
		}
		c.factor = parseDec(factor)
		a.remember(&c)
	}
	return rows.Err()
}

func (a *applier) remember(c *storedColour) {
	a.colours[c.code] = c
	if _, ok := a.colourByName[strings.ToLower(c.name)]; !ok {
		a.colourByName[strings.ToLower(c.name)] = c
	}
}

func (a *applier) forget(c *storedColour) {
	delete(a.colours, c.code)
	if a.colourByName[strings.ToLower(c.name)] == c {
		delete(a.colourByName, strings.ToLower(c.name))
	}
}

func (a *applier) colour(ch ColourChange) error {
	row := &a.rows[ch.Row]
	if row.Failed() {
		return nil
	}
	c := ch.Colour
	existing := a.colours[c.Code]
	if ch.Implicit {
		if existing == nil {
			existing = a.colourByName[strings.ToLower(c.Name)]
		}
		if existing != nil {
			a.colourAliases[c.Code] = existing.code
			if existing.code != c.Code {
				row.Note("catalogio.colour_matched", map[string]any{"Name": existing.name, "Code": existing.code})
			}
			return nil
		}
	}
	switch {
	case ch.Op == OpDelete:
		if existing == nil {
			row.Fail("code", "catalogio.not_found", map[string]any{"Code": c.Code})
			return nil
		}
		if err := a.softDelete("colours", existing.id); err != nil {
			return err
		}
		a.forget(existing)
		a.setAction(ch.Row, ActionDelete)
	case existing != nil:
		if _, err := a.tx.ExecContext(a.ctx, `UPDATE colours SET name = ?, factor = ?, active = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
			c.Name, c.Factor.String(), c.Active, a.now, a.actor, existing.id); err != nil {
			return err
		}
		a.forget(existing)
		existing.name, existing.factor = c.Name, c.Factor
		a.remember(existing)
		a.setAction(ch.Row, ActionUpdate)
	default:
		res, err := a.tx.ExecContext(a.ctx, `INSERT INTO colours (code, name, factor, active, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Code, c.Name, c.Factor.String(), c.Active, a.now, a.actor, a.now, a.actor)
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		a.remember(&storedColour{id: id, code: c.Code, name: c.Name, factor: c.Factor})
		if ch.Implicit {
			a.colourAliases[c.Code] = c.Code
			row.Note("catalogio.colour_created", map[string]any{"Name": c.Name, "Code": c.Code, "Factor": c.Factor.String()})
		} else {
			a.setAction(ch.Row, ActionCreate)
		}
	}
	return nil
}

func (a *applier) softDelete(table string, id int64) error {
	_, err := a.tx.ExecContext(a.ctx, `UPDATE `+table+` SET deleted_at = ?, deleted_by = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
		a.now, a.actor, a.now, a.actor, id)
	return err
}

// findMaterial returns a material that is not deleted, from this import's
// memory or the table.
func (a *applier) findMaterial(code string) (*storedMaterial, error) {
	if m, ok := a.materials[code]; ok {
		if m.deleted {
			return nil, nil
		}
		return m, nil
	}
	var m storedMaterial
	var cost string
	err := a.tx.QueryRowContext(a.ctx, `SELECT id, cost, line, waste_factor, active FROM materials WHERE code = ? AND deleted_at IS NULL`, code).
		Scan(&m.id, &cost, &m.line, &m.waste, &m.active)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m.cost = parseDec(cost)
	a.materials[code] = &m
	return &m, nil
}

func (a *applier) material(ch MaterialChange) error {
	row := &a.rows[ch.Row]
	m := ch.Material
	if row.Failed() {
		if m.Code != "" {
			a.failedMaterials[m.Code] = row.Line
		}
		return nil
	}
	existing, err := a.findMaterial(m.Code)
	if err != nil {
		return err
	}
	switch {
	case ch.Op == OpDelete:
		if existing == nil {
			row.Fail("code", "catalogio.not_found", map[string]any{"Code": m.Code})
			return nil
		}
		if err := a.softDelete("materials", existing.id); err != nil {
			return err
		}
		existing.deleted = true
		a.setAction(ch.Row, ActionDelete)
	case existing != nil:
		line, waste, active := m.Line, decText(m.WasteFactor, true), m.Active
		if ch.Partial {
			line, waste, active = existing.line, existing.waste, existing.active
		}
		if _, err := a.tx.ExecContext(a.ctx, `UPDATE materials SET name = ?, category = ?, unit = ?, cost = ?, bar_length_m = ?, line = ?,
			waste_factor = ?, description = ?, active = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
			m.Name, string(m.Category), string(m.Unit), m.Cost.String(), decText(m.BarLengthM, true), line, waste,
			m.Description, active, a.now, a.actor, existing.id); err != nil {
			return err
		}
		existing.cost, existing.line, existing.waste, existing.active = m.Cost, line, waste, active
		a.setAction(ch.Row, ActionUpdate)
	default:
		res, err := a.tx.ExecContext(a.ctx, `INSERT INTO materials (code, name, category, unit, cost, bar_length_m, line, waste_factor, description, active,
			created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			m.Code, m.Name, string(m.Category), string(m.Unit), m.Cost.String(), decText(m.BarLengthM, true), m.Line, decText(m.WasteFactor, true),
			m.Description, m.Active, a.now, a.actor, a.now, a.actor)
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		a.materials[m.Code] = &storedMaterial{id: id, cost: m.Cost, line: m.Line, waste: decText(m.WasteFactor, true), active: m.Active}
		a.setAction(ch.Row, ActionCreate)
	}
	return nil
}

// missingMaterial records on a row why a material code cannot be used.
func (a *applier) missingMaterial(row *ImportRow, field, code string) {
	if line, ok := a.failedMaterials[code]; ok {
		row.Fail(field, "catalogio.material_row_failed", map[string]any{"Code": code, "Line": line})
		return
	}
	row.Fail(field, "catalogio.unknown_material", map[string]any{"Code": code})
}

func (a *applier) colourPrice(ch ColourPriceChange) error {
	row := &a.rows[ch.Row]
	if row.Failed() {
		return nil
	}
	cp := ch.ColourPrice
	mat, err := a.findMaterial(cp.MaterialCode)
	if err != nil {
		return err
	}
	if mat == nil {
		a.missingMaterial(row, "code", cp.MaterialCode)
		return nil
	}
	code := cp.ColourCode
	if alias, ok := a.colourAliases[code]; ok {
		code = alias
	}
	col := a.colours[code]
	if col == nil {
		row.Fail("colour_code", "catalogio.unknown_colour", map[string]any{"Code": cp.ColourCode})
		return nil
	}
	var existingID int64
	err = a.tx.QueryRowContext(a.ctx, `SELECT id FROM colour_prices WHERE material_id = ? AND colour_id = ? AND deleted_at IS NULL`, mat.id, col.id).Scan(&existingID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	act := ActionCreate
	switch {
	case ch.Op == OpDelete:
		if existingID == 0 {
			row.Fail("colour_code", "catalogio.not_found", map[string]any{"Code": cp.MaterialCode + " / " + cp.ColourCode})
			return nil
		}
		if err := a.softDelete("colour_prices", existingID); err != nil {
			return err
		}
		act = ActionDelete
	case ch.FactorEquivalent && col.factor.IsPositive() && mat.cost.Mul(col.factor).Equal(cp.Price):
		// The factor already gives this price: keep no explicit price, so
		// the colour follows the material's cost as it changes.
		act = ActionUnchanged
		if existingID != 0 {
			if err := a.softDelete("colour_prices", existingID); err != nil {
				return err
			}
			act = ActionUpdate
		}
		row.Note("catalogio.colour_price_factor", map[string]any{"Colour": col.name, "Price": cp.Price.String(), "Factor": col.factor.String()})
	default:
		if existingID != 0 {
			act = ActionUpdate
		}
		if err := setColourPrice(a.ctx, a.tx, mat.id, col.id, cp.Price, a.now, a.actor); err != nil {
			return err
		}
		if ch.Secondary {
			row.Note("catalogio.colour_price_set", map[string]any{"Colour": col.name, "Price": cp.Price.String()})
		}
	}
	if !ch.Secondary {
		a.setAction(ch.Row, act)
	}
	return nil
}

func (a *applier) product(ch ProductChange) error {
	row := &a.rows[ch.Row]
	if row.Failed() {
		return nil
	}
	p := ch.Product
	var existing Product
	var typ, rate, cx string
	var dw, dh int64
	err := a.tx.QueryRowContext(a.ctx, `SELECT id, category, hojas, labor_rate_m2, complexity, glass_deduct_w_mm, glass_deduct_h_mm, active, type
		FROM products WHERE code = ? AND deleted_at IS NULL`, p.Code).
		Scan(&existing.ID, &existing.Category, &existing.Hojas, &rate, &cx, &dw, &dh, &existing.Active, &typ)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	found := err == nil
	if ch.Op == OpDelete {
		if !found {
			row.Fail("code", "catalogio.not_found", map[string]any{"Code": p.Code})
			return nil
		}
		if err := a.softDelete("products", existing.ID); err != nil {
			return err
		}
		a.setAction(ch.Row, ActionDelete)
		return nil
	}
	// Every BOM material must exist (created earlier in this import or
	// already stored, and not deleted).
	bad := false
	for i, l := range p.BOM {
		if l.MaterialCode == "" {
			bad = true // the parser already reported it
			continue
		}
		m, err := a.findMaterial(l.MaterialCode)
		if err != nil {
			return err
		}
		if m != nil {
			continue
		}
		bad = true
		if r := bomRow(ch, i); r >= 0 {
			a.missingMaterial(&a.rows[r], "material_code", l.MaterialCode)
			if !row.Failed() {
				row.Fail("", "catalogio.bom_rows_failed", nil)
			}
		} else {
			a.missingMaterial(row, fmt.Sprintf("bom_json[%d].material_id", i), l.MaterialCode)
		}
	}
	if bad || row.Failed() {
		return nil
	}
	dp := &Product{Product: p.Product, Category: p.Category, Line: p.Line, Description: p.Description, Active: p.Active}
	act := ActionCreate
	if found {
		act = ActionUpdate
		if ch.Partial {
			dp.Category, dp.Hojas, dp.Active = existing.Category, existing.Hojas, existing.Active
			dp.LabourRateM2, dp.Complexity = parseDec(rate), parseDec(cx)
			dp.GlassDeductWMM, dp.GlassDeductHMM = decimal.NewFromInt(dw), decimal.NewFromInt(dh)
		}
		args := productArgs(dp, a.now, a.actor)
		args = append(args[:16], a.now, a.actor, existing.ID)
		if _, err := a.tx.ExecContext(a.ctx, `UPDATE products SET code = ?, name = ?, category = ?, type = ?, line = ?, hojas = ?, min_width_mm = ?, max_width_mm = ?,
			min_height_mm = ?, max_height_mm = ?, labor_rate_m2 = ?, complexity = ?, glass_deduct_w_mm = ?, glass_deduct_h_mm = ?, description = ?, active = ?,
			updated_at = ?, updated_by = ? WHERE id = ?`, args...); err != nil {
			return err
		}
		dp.ID = existing.ID
		if _, err := a.tx.ExecContext(a.ctx, `UPDATE bom_lines SET deleted_at = ?, deleted_by = ?, updated_at = ?, updated_by = ? WHERE product_id = ? AND deleted_at IS NULL`,
			a.now, a.actor, a.now, a.actor, existing.ID); err != nil {
			return err
		}
	} else {
		res, err := a.tx.ExecContext(a.ctx, `INSERT INTO products (code, name, category, type, line, hojas, min_width_mm, max_width_mm, min_height_mm, max_height_mm,
			labor_rate_m2, complexity, glass_deduct_w_mm, glass_deduct_h_mm, description, active, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, productArgs(dp, a.now, a.actor)...)
		if err != nil {
			return err
		}
		dp.ID, _ = res.LastInsertId()
	}
	if err := insertBOM(a.ctx, a.tx, dp, a.now, a.actor); err != nil {
		return err
	}
	a.setAction(ch.Row, act)
	for _, r := range ch.BOMRows {
		if r >= 0 {
			a.setAction(r, act)
		}
	}
	return nil
}

func bomRow(ch ProductChange, i int) int {
	if i < len(ch.BOMRows) {
		return ch.BOMRows[i]
	}
	return -1
}

// catalogEmpty reports whether no material, colour or product is stored
// (deleted ones do not count).
func catalogEmpty(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM materials WHERE deleted_at IS NULL)
		+ (SELECT count(*) FROM colours WHERE deleted_at IS NULL) + (SELECT count(*) FROM products WHERE deleted_at IS NULL)`).Scan(&n)
	return n == 0, err
}

// CatalogEmpty reports whether the catalogue has no material, colour or
// product (a fresh installation).
func (db *DB) CatalogEmpty(ctx context.Context) (bool, error) {
	return catalogEmpty(ctx, db.Reader)
}

// LoadEmptyCatalog applies a built-in catalogue (catalogio's demo or the
// prototype seed) into an empty catalogue; ECONFLICT catalogio.not_empty
// when the catalogue has anything. A row that fails is a bug of the
// built-in catalogue, reported as an error.
func (db *DB) LoadEmptyCatalog(ctx context.Context, ch *CatalogChanges, actor app.Actor) (*ImportResult, error) {
	res, err := db.applyCatalog(ctx, ch, actor, false, true)
	if err != nil {
		return nil, err
	}
	if !res.Applied {
		// Built-in catalogues are tested to load: this is a bug, not input.
		return res, fmt.Errorf("db: built-in catalogue did not apply: %d rows failed", res.Summary.Errors)
	}
	return res, nil
}
