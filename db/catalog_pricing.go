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

// catalogRecheck bounds how long the pricing catalogue is used without
// asking for the catalogue's version when no commit happened in this
// process: a change by another process (the CLI) is seen within it.
const catalogRecheck = time.Second

// PricingCatalog returns the active catalogue for pricing. When nothing was
// committed in this process since the last check, and that check is under
// catalogRecheck old, it costs nothing; otherwise one small query, and a
// reload only when the catalogue's version (kept by triggers) moved.
func (db *DB) PricingCatalog(ctx context.Context) (*PricingCatalog, error) {
	c := &db.memo.catalog
	seen := commits.Load()
	c.mu.Lock()
	if c.snap != nil && c.commits == seen && time.Since(c.checked) < catalogRecheck {
		snap := c.snap
		c.mu.Unlock()
		return snap, nil
	}
	c.mu.Unlock()
	v, _, err := db.CatalogVersion(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	checked := time.Now()
	if c.snap != nil && c.snap.Version == v {
		c.commits, c.checked = seen, checked
		return c.snap, nil
	}
	mc, err := db.loadPricingCatalog(ctx)
	if err != nil {
		return nil, err
	}
	c.snap = &PricingCatalog{MemCatalog: mc, Version: v}
	c.commits, c.checked = seen, checked
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
