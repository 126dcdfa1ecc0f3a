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
)

// A catalogue import is worked out first and written after, so that the
// database's single writer is never held for long (a 40,000-row import
// once made a quote being saved wait 5.8 s):
//
//  1. planImport reads the catalogue in one read transaction and, without
//     writing, decides every row's result and the list of writes that
//     applies them (new rows get their ids then). A dry run stops here, so
//     its results are by construction those an apply reports.
//  2. applyPlan writes the list. A short list goes in one write
//     transaction. A long one is written into a copy of the catalogue
//     tables in short transactions and swapped in, in one short
//     transaction (catalog_stage.go). Every write transaction first checks
//     that the catalogue version is still the plan's; if it moved, the
//     import is worked out again.
//
// Either way the import is all or nothing: nothing is visible until one
// transaction commits, and a failure before it leaves the catalogue as it
// was.

// ImportResult is the outcome of ApplyCatalog: every row's result, with
// what only the database can tell (create or update, unknown materials).
type ImportResult struct {
	Rows    []ImportRow
	Summary ImportSummary
	DryRun  bool
	// Applied: the changes were committed. False for a dry run and whenever
	// any row failed, in which case nothing at all was written.
	Applied bool
	// Staged: the import was written into staging tables and swapped in.
	Staged bool
	// WriteTransactions counts the write transactions applying took, and
	// LongestWrite is the longest of them: the longest any other write (a
	// quote being saved) can have waited for the import.
	WriteTransactions int
	LongestWrite      time.Duration
}

// OK reports whether no row failed.
func (r *ImportResult) OK() bool { return r.Summary.Errors == 0 }

// maxImportAttempts bounds how many times an import is worked out again
// because the catalogue changed while it was being written.
const maxImportAttempts = 3

// errCatalogChanged: the catalogue is no longer at the version an import
// was planned on.
var errCatalogChanged = errors.New("db: the catalogue changed during the import")

// ApplyCatalog applies a parsed import, all or nothing: colours,
// materials, colour prices, then products (upsert by code, soft delete).
// Every row gets its result; if any row fails, or for a dry run, nothing is
// written, and a dry run reports exactly what applying would do. The error
// is for the database itself failing, never for a bad row; ECONFLICT
// import.catalog_busy when the catalogue kept changing while the import was
// being written.
func (db *DB) ApplyCatalog(ctx context.Context, ch *CatalogChanges, actor app.Actor, dryRun bool) (*ImportResult, error) {
	return db.applyCatalog(ctx, ch, actor, dryRun, false)
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

// applyCatalog is ApplyCatalog that, with requireEmpty, refuses (ECONFLICT
// catalogio.not_empty) a catalogue that already has anything; the version
// check makes the refusal hold until the import commits.
func (db *DB) applyCatalog(ctx context.Context, ch *CatalogChanges, actor app.Actor, dryRun, requireEmpty bool) (*ImportResult, error) {
	for attempt := 1; ; attempt++ {
		p, err := db.planImport(ctx, ch, actor)
		if err != nil {
			return nil, err
		}
		if requireEmpty && !p.empty {
			return nil, app.Errorf(app.ECONFLICT, "catalogio.not_empty")
		}
		res := &ImportResult{DryRun: dryRun, Rows: p.rows, Summary: SummarizeRows(p.rows)}
		if res.Summary.Errors > 0 || dryRun {
			return res, nil
		}
		err = db.applyPlan(ctx, p, res)
		switch {
		case errors.Is(err, errCatalogChanged) && attempt < maxImportAttempts:
			continue
		case errors.Is(err, errCatalogChanged):
			return nil, app.Errorf(app.ECONFLICT, "import.catalog_busy")
		case err != nil:
			return nil, err
		}
		res.Applied = true
		return res, nil
	}
}

// catalogWrite is one statement of a plan, written against the live
// tables' names (catalog_stage.go renames them for the staging copy).
type catalogWrite struct {
	query string
	args  []any
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

// storedProduct is what an update from the prototype's files keeps.
type storedProduct struct {
	id             int64
	category       string
	hojas          int
	rate, cx       string
	deductW, deduc int64
	active         bool
}

// importPlan is an import worked out against one read of the catalogue:
// every row's result and the writes that apply them, in order.
type importPlan struct {
	version int64 // catalog_meta.version when the catalogue was read
	empty   bool  // no material, colour or product was stored
	// stageable: the catalogue tables can be swapped (see stageable).
	stageable bool
	rows      []ImportRow
	writes    []catalogWrite
	now       string
	actor     app.Actor

	colours       map[string]*storedColour // by code
	colourByName  map[string]*storedColour // by lower-case name
	colourAliases map[string]string        // a file's colour code → the stored colour's code
	materials     map[string]*storedMaterial
	products      map[string]*storedProduct
	prices        map[[2]int64]bool // (material id, colour id) of stored colour prices
	// failedMaterials: codes of material rows with errors, by line, so a
	// BOM line using one says so instead of "unknown material".
	failedMaterials map[string]int
	// lastID is the highest id of each table, deleted rows included: new
	// rows get the next ones, as SQLite would give them.
	lastID map[string]int64
}

// planImport reads the catalogue and works the import out against it.
func (db *DB) planImport(ctx context.Context, ch *CatalogChanges, actor app.Actor) (*importPlan, error) {
	p := &importPlan{rows: make([]ImportRow, len(ch.Rows)), now: app.FormatTime(db.Clock.Now()), actor: actor,
		colours: map[string]*storedColour{}, colourByName: map[string]*storedColour{}, colourAliases: map[string]string{},
		materials: map[string]*storedMaterial{}, products: map[string]*storedProduct{}, prices: map[[2]int64]bool{},
		failedMaterials: map[string]int{}, lastID: map[string]int64{}}
	for i, r := range ch.Rows {
		// The plan adds problems to rows: copy their slices so the parsed
		// changes can be applied again (preview, then apply).
		r.Problems = append([]RowProblem(nil), r.Problems...)
		r.Notes = append([]RowProblem(nil), r.Notes...)
		p.rows[i] = r
	}
	if err := p.load(ctx, db.Reader); err != nil {
		return nil, fmt.Errorf("db: read the catalogue for an import: %w", err)
	}
	for _, c := range ch.Colours {
		p.colour(c)
	}
	for _, m := range ch.Materials {
		p.material(m)
	}
	for _, cp := range ch.ColourPrices {
		p.colourPrice(cp)
	}
	for _, pc := range ch.Products {
		p.product(pc)
	}
	return p, nil
}

// load reads, in one read transaction, what planning looks up: the
// version, the stored colours, materials, products and colour prices (not
// deleted) and each table's highest id.
func (p *importPlan) load(ctx context.Context, pool *sql.DB) error {
	tx, err := pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT version FROM catalog_meta WHERE id = 1`).Scan(&p.version); err != nil {
		return err
	}
	var lc, lm, lp, lcp int64
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(id), 0) FROM colours), (SELECT coalesce(max(id), 0) FROM materials),
		(SELECT coalesce(max(id), 0) FROM products), (SELECT coalesce(max(id), 0) FROM colour_prices)`).Scan(&lc, &lm, &lp, &lcp); err != nil {
		return err
	}
	p.lastID = map[string]int64{"colours": lc, "materials": lm, "products": lp, "colour_prices": lcp}
	if p.stageable, err = stageable(ctx, tx); err != nil {
		return err
	}
	scan := func(query string, row func(*sql.Rows) error) error {
		rows, err := tx.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := row(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	// By id, so that of two colours with one name the older is found.
	if err := scan(`SELECT id, code, name, factor FROM colours WHERE deleted_at IS NULL ORDER BY id`, func(rows *sql.Rows) error {
		var c storedColour
		var factor string
		if err := rows.Scan(&c.id, &c.code, &c.name, &factor); err != nil {
			return err
		}
		c.factor = parseDec(factor)
		p.remember(&c)
		return nil
	}); err != nil {
		return err
	}
	if err := scan(`SELECT id, code, cost, line, waste_factor, active FROM materials WHERE deleted_at IS NULL`, func(rows *sql.Rows) error {
		var m storedMaterial
		var code, cost string
		if err := rows.Scan(&m.id, &code, &cost, &m.line, &m.waste, &m.active); err != nil {
			return err
		}
		m.cost = parseDec(cost)
		p.materials[code] = &m
		return nil
	}); err != nil {
		return err
	}
	if err := scan(`SELECT id, code, category, hojas, labor_rate_m2, complexity, glass_deduct_w_mm, glass_deduct_h_mm, active
		FROM products WHERE deleted_at IS NULL`, func(rows *sql.Rows) error {
		var s storedProduct
		var code string
		if err := rows.Scan(&s.id, &code, &s.category, &s.hojas, &s.rate, &s.cx, &s.deductW, &s.deduc, &s.active); err != nil {
			return err
		}
		p.products[code] = &s
		return nil
	}); err != nil {
		return err
	}
	if err := scan(`SELECT material_id, colour_id FROM colour_prices WHERE deleted_at IS NULL`, func(rows *sql.Rows) error {
		var k [2]int64
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			return err
		}
		p.prices[k] = true
		return nil
	}); err != nil {
		return err
	}
	p.empty = len(p.colours)+len(p.materials)+len(p.products) == 0
	return nil
}

func (p *importPlan) write(query string, args ...any) {
	p.writes = append(p.writes, catalogWrite{query: query, args: args})
}

func (p *importPlan) newID(table string) int64 {
	p.lastID[table]++
	return p.lastID[table]
}

func (p *importPlan) softDelete(table string, id int64) {
	p.write(softDeleteSQL(table), p.now, p.actor, p.now, p.actor, id)
}

// setAction records a row's outcome unless it already failed.
func (p *importPlan) setAction(row int, act RowAction) {
	if !p.rows[row].Failed() {
		p.rows[row].Action = act
	}
}

func (p *importPlan) remember(c *storedColour) {
	p.colours[c.code] = c
	if _, ok := p.colourByName[strings.ToLower(c.name)]; !ok {
		p.colourByName[strings.ToLower(c.name)] = c
	}
}

func (p *importPlan) forget(c *storedColour) {
	delete(p.colours, c.code)
	if p.colourByName[strings.ToLower(c.name)] == c {
		delete(p.colourByName, strings.ToLower(c.name))
	}
}

func (p *importPlan) colour(ch ColourChange) {
	row := &p.rows[ch.Row]
	if row.Failed() {
		return
	}
	c := ch.Colour
	existing := p.colours[c.Code]
	if ch.Implicit {
		if existing == nil {
			existing = p.colourByName[strings.ToLower(c.Name)]
		}
		if existing != nil {
			p.colourAliases[c.Code] = existing.code
			if existing.code != c.Code {
				row.Note("catalogio.colour_matched", map[string]any{"Name": existing.name, "Code": existing.code})
			}
			return
		}
	}
	switch {
	case ch.Op == OpDelete:
		if existing == nil {
			row.Fail("code", "catalogio.not_found", map[string]any{"Code": c.Code})
			return
		}
		p.softDelete("colours", existing.id)
		p.forget(existing)
		p.setAction(ch.Row, ActionDelete)
	case existing != nil:
		p.write(updateColourSQL, c.Code, c.Name, c.Factor.String(), c.Active, p.now, p.actor, existing.id)
		p.forget(existing)
		existing.name, existing.factor = c.Name, c.Factor
		p.remember(existing)
		p.setAction(ch.Row, ActionUpdate)
	default:
		id := p.newID("colours")
		p.write(insertColourSQL, id, c.Code, c.Name, c.Factor.String(), c.Active, p.now, p.actor, p.now, p.actor)
		p.remember(&storedColour{id: id, code: c.Code, name: c.Name, factor: c.Factor})
		if ch.Implicit {
			p.colourAliases[c.Code] = c.Code
			row.Note("catalogio.colour_created", map[string]any{"Name": c.Name, "Code": c.Code, "Factor": c.Factor.String()})
		} else {
			p.setAction(ch.Row, ActionCreate)
		}
	}
}

// findMaterial returns a material that is not deleted, stored or created
// earlier in this import.
func (p *importPlan) findMaterial(code string) *storedMaterial {
	if m := p.materials[code]; m != nil && !m.deleted {
		return m
	}
	return nil
}

func (p *importPlan) material(ch MaterialChange) {
	row := &p.rows[ch.Row]
	m := ch.Material
	if row.Failed() {
		if m.Code != "" {
			p.failedMaterials[m.Code] = row.Line
		}
		return
	}
	existing := p.findMaterial(m.Code)
	switch {
	case ch.Op == OpDelete:
		if existing == nil {
			row.Fail("code", "catalogio.not_found", map[string]any{"Code": m.Code})
			return
		}
		p.softDelete("materials", existing.id)
		existing.deleted = true
		p.setAction(ch.Row, ActionDelete)
	case existing != nil:
		if ch.Partial {
			m.Line, m.Active = existing.line, existing.active
			m.WasteFactor = parseDec(existing.waste)
		}
		p.write(updateMaterialSQL, updateMaterialArgs(existing.id, &m, p.now, p.actor)...)
		existing.cost, existing.line, existing.waste, existing.active = m.Cost, m.Line, decText(m.WasteFactor, true), m.Active
		p.setAction(ch.Row, ActionUpdate)
	default:
		id := p.newID("materials")
		p.write(insertMaterialSQL, insertMaterialArgs(id, &m, p.now, p.actor)...)
		p.materials[m.Code] = &storedMaterial{id: id, cost: m.Cost, line: m.Line, waste: decText(m.WasteFactor, true), active: m.Active}
		p.setAction(ch.Row, ActionCreate)
	}
}

// missingMaterial records on a row why a material code cannot be used.
func (p *importPlan) missingMaterial(row *ImportRow, field, code string) {
	if line, ok := p.failedMaterials[code]; ok {
		row.Fail(field, "catalogio.material_row_failed", map[string]any{"Code": code, "Line": line})
		return
	}
	row.Fail(field, "catalogio.unknown_material", map[string]any{"Code": code})
}

func (p *importPlan) colourPrice(ch ColourPriceChange) {
	row := &p.rows[ch.Row]
	if row.Failed() {
		return
	}
	cp := ch.ColourPrice
	mat := p.findMaterial(cp.MaterialCode)
	if mat == nil {
		p.missingMaterial(row, "code", cp.MaterialCode)
		return
	}
	code := cp.ColourCode
	if alias, ok := p.colourAliases[code]; ok {
		code = alias
	}
	col := p.colours[code]
	if col == nil {
		row.Fail("colour_code", "catalogio.unknown_colour", map[string]any{"Code": cp.ColourCode})
		return
	}
	key := [2]int64{mat.id, col.id}
	stored := p.prices[key]
	act := ActionCreate
	switch {
	case ch.Op == OpDelete:
		if !stored {
			row.Fail("colour_code", "catalogio.not_found", map[string]any{"Code": cp.MaterialCode + " / " + cp.ColourCode})
			return
		}
		p.retireColourPrice(key)
		act = ActionDelete
	case ch.FactorEquivalent && col.factor.IsPositive() && mat.cost.Mul(col.factor).Equal(cp.Price):
		// The factor already gives this price: keep no explicit price, so
		// the colour follows the material's cost as it changes.
		act = ActionUnchanged
		if stored {
			p.retireColourPrice(key)
			act = ActionUpdate
		}
		row.Note("catalogio.colour_price_factor", map[string]any{"Colour": col.name, "Price": cp.Price.String(), "Factor": col.factor.String()})
	default:
		if stored {
			act = ActionUpdate
			p.write(updateColourPriceSQL, cp.Price.String(), p.now, p.actor, mat.id, col.id)
		} else {
			p.write(insertColourPriceSQL, p.newID("colour_prices"), mat.id, col.id, cp.Price.String(), p.now, p.actor, p.now, p.actor)
			p.prices[key] = true
		}
		if ch.Secondary {
			row.Note("catalogio.colour_price_set", map[string]any{"Colour": col.name, "Price": cp.Price.String()})
		}
	}
	if !ch.Secondary {
		p.setAction(ch.Row, act)
	}
}

// retireColourPrice soft-deletes the stored price of a material in a
// colour.
func (p *importPlan) retireColourPrice(key [2]int64) {
	p.write(`UPDATE colour_prices SET deleted_at = ?, deleted_by = ?, updated_at = ?, updated_by = ?
		WHERE material_id = ? AND colour_id = ? AND deleted_at IS NULL`, p.now, p.actor, p.now, p.actor, key[0], key[1])
	delete(p.prices, key)
}

func (p *importPlan) product(ch ProductChange) {
	row := &p.rows[ch.Row]
	if row.Failed() {
		return
	}
	pr := ch.Product
	existing := p.products[pr.Code]
	if ch.Op == OpDelete {
		if existing == nil {
			row.Fail("code", "catalogio.not_found", map[string]any{"Code": pr.Code})
			return
		}
		p.softDelete("products", existing.id)
		delete(p.products, pr.Code)
		p.setAction(ch.Row, ActionDelete)
		return
	}
	// Every BOM material must exist (created earlier in this import or
	// already stored, and not deleted).
	bad := false
	materialIDs := make([]int64, len(pr.BOM))
	for i, l := range pr.BOM {
		if l.MaterialCode == "" {
			bad = true // the parser already reported it
			continue
		}
		if m := p.findMaterial(l.MaterialCode); m != nil {
			materialIDs[i] = m.id
			continue
		}
		bad = true
		if r := bomRow(ch, i); r >= 0 {
			p.missingMaterial(&p.rows[r], "material_code", l.MaterialCode)
			if !row.Failed() {
				row.Fail("", "catalogio.bom_rows_failed", nil)
			}
		} else {
			p.missingMaterial(row, fmt.Sprintf("bom_json[%d].material_id", i), l.MaterialCode)
		}
	}
	if bad || row.Failed() {
		return
	}
	act := ActionCreate
	var id int64
	if existing != nil {
		act, id = ActionUpdate, existing.id
		if ch.Partial {
			pr.Category, pr.Hojas, pr.Active = existing.category, existing.hojas, existing.active
			pr.LabourRateM2, pr.Complexity = parseDec(existing.rate), parseDec(existing.cx)
			pr.GlassDeductWMM, pr.GlassDeductHMM = decimal.NewFromInt(existing.deductW), decimal.NewFromInt(existing.deduc)
		}
		p.write(updateProductSQL, updateProductArgs(id, &pr, p.now, p.actor)...)
		p.write(retireBOMSQL, p.now, p.actor, p.now, p.actor, id)
	} else {
		id = p.newID("products")
		p.write(insertProductSQL, insertProductArgs(id, &pr, p.now, p.actor)...)
		p.products[pr.Code] = &storedProduct{id: id, category: pr.Category, hojas: pr.Hojas, rate: pr.LabourRateM2.String(),
			cx: pr.Complexity.String(), deductW: pr.GlassDeductWMM.IntPart(), deduc: pr.GlassDeductHMM.IntPart(), active: pr.Active}
	}
	for i := range pr.BOM {
		p.write(insertBOMLineSQL, bomLineArgs(id, materialIDs[i], i, &pr.BOM[i], p.now, p.actor)...)
	}
	p.setAction(ch.Row, act)
	for _, r := range ch.BOMRows {
		if r >= 0 {
			p.setAction(r, act)
		}
	}
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
