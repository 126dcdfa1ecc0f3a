package catalogio

import (
	"bytes"
	"embed"

	"cotizador/db"
	"cotizador/pricing"
)

// seedLines are the aluminium lines of the prototype seed's products (the
// seed in pricing/ has no line; the prototype's export says
// nacional_serie_3 / nacional_serie_35, which the importer maps to these).
var seedLines = map[string]string{
	"PROTO-COR-3":  `Línea 3"`,
	"PROTO-FIJ-3":  `Línea 3"`,
	"PROTO-PRO-35": "Serie 35",
}

// SeedSnapshot is the prototype seed catalogue of DOMAIN.md as a snapshot:
// active colours, materials and products (category ventana, with their
// line), no explicit colour prices (the colours' factors give them).
func SeedSnapshot() *db.CatalogSnapshot {
	seed := pricing.PrototypeSeedCatalog()
	s := &db.CatalogSnapshot{}
	for _, c := range seed.Colours() {
		s.Colours = append(s.Colours, db.Colour{Colour: c, Active: true})
	}
	for _, m := range seed.Materials() {
		s.Materials = append(s.Materials, db.Material{Material: m, Active: true})
	}
	for _, p := range seed.Products() {
		s.Products = append(s.Products, db.Product{Product: p, Category: "ventana", Line: seedLines[p.Code], Active: true})
	}
	s.ColourPrices = seed.ColourPrices()
	return s
}

// PrototypeSeed is the prototype seed catalogue as changes, for `catalog
// load-prototype`. It goes through the native writer and reader, so it is
// loaded exactly as an import of its export would be.
func PrototypeSeed() (*db.CatalogChanges, error) {
	return fromSnapshot(SeedSnapshot(), "prototipo-materials.csv", "prototipo-products.csv")
}

func fromSnapshot(s *db.CatalogSnapshot, matName, prodName string) (*db.CatalogChanges, error) {
	var mat, prod bytes.Buffer
	if err := WriteNative(&mat, &prod, s); err != nil {
		return nil, err
	}
	c := ReadNative(Input{Materials: &mat, MaterialsName: matName, Products: &prod, ProductsName: prodName})
	if !c.OK() {
		return nil, errf("seed catalogue: error at line %d", firstError(c))
	}
	return c, nil
}

func firstError(c *db.CatalogChanges) int {
	for _, r := range c.Rows {
		if r.Failed() {
			return r.Line
		}
	}
	return 0
}

//go:embed demo/materials.csv demo/products.csv
var demoFS embed.FS

// DemoFiles returns the demo catalogue's two native CSV files.
func DemoFiles() (materials, products []byte) {
	m, err := demoFS.ReadFile("demo/materials.csv")
	if err != nil {
		panic("catalogio: demo materials missing: " + err.Error())
	}
	p, err := demoFS.ReadFile("demo/products.csv")
	if err != nil {
		panic("catalogio: demo products missing: " + err.Error())
	}
	return m, p
}

// Demo is the demo catalogue as changes, for `catalog load-demo` and the
// setup page's "cargar catálogo de ejemplo": a realistic Mexican shop's
// catalogue, kept as native CSV in demo/.
func Demo() (*db.CatalogChanges, error) {
	m, p := DemoFiles()
	c := ReadNative(Input{Materials: bytes.NewReader(m), MaterialsName: "demo/materials.csv",
		Products: bytes.NewReader(p), ProductsName: "demo/products.csv"})
	if !c.OK() {
		return nil, errf("demo catalogue: error at line %d", firstError(c))
	}
	return c, nil
}
