package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"cotizador/app"
	"cotizador/pricing"
)

// Materials: the catalogue's priced inputs (profiles, glass, hardware, …).

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

// where is the filter's category, line and active conditions on materials
// aliased m (the search box is FindMaterials' own).
func (f MaterialFilter) where() (string, []any) {
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
	return where, args
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
	where, wargs := f.where()
	q += where
	args = append(args, wargs...)
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

// The statements that write a material, shared by the forms and the
// catalogue import. An insert's id is nil (SQLite picks it) or the id an
// import planned.
const (
	insertMaterialSQL = `INSERT INTO materials (id, code, name, category, unit, cost, bar_length_m, line, waste_factor, description, active,
		created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	updateMaterialSQL = `UPDATE materials SET code = ?, name = ?, category = ?, unit = ?, cost = ?, bar_length_m = ?, line = ?,
		waste_factor = ?, description = ?, active = ?, updated_at = ?, updated_by = ? WHERE id = ? AND deleted_at IS NULL`
)

func materialValues(m *Material) []any {
	return []any{m.Code, m.Name, string(m.Category), string(m.Unit), m.Cost.String(), decText(m.BarLengthM, true), m.Line,
		decText(m.WasteFactor, true), m.Description, m.Active}
}

func insertMaterialArgs(id any, m *Material, now string, actor app.Actor) []any {
	return append(append([]any{id}, materialValues(m)...), now, actor, now, actor)
}

func updateMaterialArgs(id int64, m *Material, now string, actor app.Actor) []any {
	return append(materialValues(m), now, actor, id)
}

// CreateMaterial adds a material; its code must be free.
func (db *DB) CreateMaterial(ctx context.Context, m *Material, actor app.Actor) error {
	now := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, insertMaterialSQL, insertMaterialArgs(nil, m, now, actor)...)
	if isUniqueViolation(err) {
		return ConstraintError(err, m.Code)
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
	res, err := db.Writer.ExecContext(ctx, updateMaterialSQL, updateMaterialArgs(id, m, now, actor)...)
	if isUniqueViolation(err) {
		return ConstraintError(err, m.Code)
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
