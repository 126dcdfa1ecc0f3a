package testutil

import (
	"testing"

	"cotizador/app"
	"cotizador/db"
	"cotizador/pricing"
)

// LoadCatalog writes a catalogue into the database through the store, as a
// user would through the pages: materials (profiles in line "Línea 3""),
// colours, explicit colour prices, products with their BOM (category
// "ventana", line "Línea 3"").
func LoadCatalog(t testing.TB, d *db.DB, cat *pricing.MemCatalog) {
	t.Helper()
	ctx := t.Context()
	materialIDs := map[string]int64{}
	for _, m := range cat.Materials() {
		dm := &db.Material{Material: m, Active: true}
		if m.Category == pricing.CategoryProfiles {
			dm.Line = `Línea 3"`
		}
		if err := d.CreateMaterial(ctx, dm, app.CLIActor); err != nil {
			t.Fatalf("material %s: %v", m.Code, err)
		}
		materialIDs[m.Code] = dm.ID
	}
	colourIDs := map[string]int64{}
	for _, c := range cat.Colours() {
		dc := &db.Colour{Colour: c, Active: true}
		if err := d.CreateColour(ctx, dc, app.CLIActor); err != nil {
			t.Fatalf("colour %s: %v", c.Code, err)
		}
		colourIDs[c.Code] = dc.ID
	}
	for _, cp := range cat.ColourPrices() {
		if err := d.SetColourPrice(ctx, materialIDs[cp.MaterialCode], colourIDs[cp.ColourCode], cp.Price, app.CLIActor); err != nil {
			t.Fatalf("colour price %s/%s: %v", cp.MaterialCode, cp.ColourCode, err)
		}
	}
	for _, p := range cat.Products() {
		dp := &db.Product{Product: p, Category: "ventana", Line: `Línea 3"`, Active: true}
		if err := d.CreateProduct(ctx, dp, app.CLIActor); err != nil {
			t.Fatalf("product %s: %v", p.Code, err)
		}
	}
}
