package db

import (
	"context"
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

// softDeleteSQL soft-deletes the row of table with an id: its arguments
// are the time and the actor twice, then the id.
func softDeleteSQL(table string) string {
	return `UPDATE ` + table + ` SET deleted_at = ?, deleted_by = ?, updated_at = ?, updated_by = ? WHERE id = ? AND deleted_at IS NULL`
}

func (db *DB) softDelete(ctx context.Context, table string, id int64, actor app.Actor, notFound string) error {
	now := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, softDeleteSQL(table), now, actor, now, actor, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return app.Errorf(app.ENOTFOUND, notFound)
	}
	return nil
}
