package db

import (
	"context"
	"time"

	"cotizador/app"
	"cotizador/pricing"
)

// The catalogue as the pricer reads it.

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
	prices, err := colourPriceList(ctx, db.Reader, true)
	if err != nil {
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
