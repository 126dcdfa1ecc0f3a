package catalogio

import (
	"os"
	"strings"
	"testing"

	"cotizador/db"
)

// FuzzRead: no input makes a reader panic, and every problem is on a row
// with a line number and an outcome of error.
func FuzzRead(f *testing.F) {
	for _, pair := range [][2]string{
		{"prototype_seed_materials.csv", "prototype_seed_products.csv"},
		{"prototype_bad_materials.csv", "prototype_bad_products.csv"},
		{"native_bad_materials.csv", "native_bad_products.csv"},
	} {
		m, _ := os.ReadFile("testdata/" + pair[0])
		p, _ := os.ReadFile("testdata/" + pair[1])
		f.Add(string(m), string(p), strings.HasPrefix(pair[0], "native"))
	}
	dm, dp := DemoFiles()
	f.Add(string(dm), string(dp), true)
	f.Fuzz(func(t *testing.T, materials, products string, native bool) {
		in := Input{Materials: strings.NewReader(materials), Products: strings.NewReader(products)}
		var c *db.CatalogChanges
		if native {
			c = ReadNative(in)
		} else {
			c = ReadPrototype(in)
		}
		for _, r := range c.Rows {
			if r.Line < 1 {
				t.Errorf("row without a line: %+v", r)
			}
			if r.Failed() != (r.Action == db.ActionError) {
				t.Errorf("row %d: failed %v but action %s", r.Line, r.Failed(), r.Action)
			}
		}
		for _, ch := range c.Products {
			if len(ch.BOMRows) != len(ch.Product.BOM) {
				t.Errorf("product %s: %d BOM rows for %d lines", ch.Product.Code, len(ch.BOMRows), len(ch.Product.BOM))
			}
		}
	})
}

// FuzzNeutralise: whatever a cell holds, the export's cell never starts a
// spreadsheet formula and the reader gets the value back exactly.
func FuzzNeutralise(f *testing.F) {
	for _, s := range []string{"", "=1", "'=1", "''", "-x", "\t", "'\r", "@", "+", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		cell := neutralise(v)
		if cell != "" && formulaLead(cell[0]) {
			t.Errorf("neutralise(%q) = %q starts a formula", v, cell)
		}
		if got := unneutralise(cell); got != v {
			t.Errorf("unneutralise(neutralise(%q)) = %q", v, got)
		}
	})
}
