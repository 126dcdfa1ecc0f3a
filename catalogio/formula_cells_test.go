package catalogio

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"cotizador/db"
)

func TestNeutraliseCells(t *testing.T) {
	tests := []struct{ value, cell string }{
		{"", ""},
		{"Riel superior", "Riel superior"},
		{"=1+1", "'=1+1"},
		{"+cmd", "'+cmd"},
		{"-2+3", "'-2+3"},
		{"@SUM(1+1)", "'@SUM(1+1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"52.50", "52.50"},
		// Values that already start with quotes: one more quote only before
		// a formula character, so that reading gives the value back.
		{"'", "'"},
		{"''", "''"},
		{"'x", "'x"},
		{"'=x", "''=x"},
		{"''-x", "'''-x"},
		{"x=1", "x=1"},
		{" =x", " =x"}, // a spreadsheet does not start a formula after a space
	}
	for _, tt := range tests {
		if got := neutralise(tt.value); got != tt.cell {
			t.Errorf("neutralise(%q) = %q, want %q", tt.value, got, tt.cell)
		}
		if got := unneutralise(tt.cell); got != tt.value {
			t.Errorf("unneutralise(%q) = %q, want %q", tt.cell, got, tt.value)
		}
	}
}

// TestExportNeutralisesFormulas: names and formulas a spreadsheet would run
// are exported after a single quote (OWASP's CSV injection advice), the
// native reader gives them back unchanged, and export → import → export is
// the same bytes.
func TestExportNeutralisesFormulas(t *testing.T) {
	evil := []string{
		`=HYPERLINK("http://evil.example/","clic")`,
		`+cmd|' /C calc'!A0`,
		`@SUM(1+1)`,
		`-2+3`,
		`'=ya con comilla`,
	}
	s := SeedSnapshot()
	for i, name := range evil {
		s.Materials[i].Name = name
	}
	s.Colours[0].Name = "=1+2"
	s.Products[0].Name = "@Ventana"
	s.Products[0].Description = "-Incluye felpa\n=y más"
	s.Products[0].BOM[0].QuantityFormula = "-1+2*width_m"
	s.Products[0].BOM[0].Description = "+Marco"
	s.Materials[len(evil)].Name = "\tTabulador al inicio"

	var m, p bytes.Buffer
	if err := WriteNative(&m, &p, s); err != nil {
		t.Fatal(err)
	}
	for file, data := range map[string][]byte{"materials": m.Bytes(), "products": p.Bytes()} {
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for i, rec := range recs {
			for j, cell := range rec {
				if cell != "" && formulaLead(cell[0]) {
					t.Errorf("%s row %d column %d: %q would be read as a formula", file, i+1, j+1, cell)
				}
			}
		}
	}
	for _, want := range append(evil, "=1+2", "@Ventana", "-1+2*width_m", "+Marco", "\tTabulador al inicio") {
		cell := neutralise(want)
		if !strings.HasPrefix(cell, "'") {
			t.Errorf("%q is not neutralised", want)
		}
		if !strings.Contains(m.String()+p.String(), strings.ReplaceAll(cell, `"`, `""`)) {
			t.Errorf("export lacks the cell %q", cell)
		}
	}

	c := ReadNative(Input{Materials: bytes.NewReader(m.Bytes()), Products: bytes.NewReader(p.Bytes())})
	if !c.OK() {
		t.Fatalf("re-import failed:\n%v", problemsByLine(c))
	}
	names := map[string]string{}
	for _, ch := range c.Materials {
		names[ch.Material.Code] = ch.Material.Name
	}
	for _, ch := range c.Colours {
		names[ch.Colour.Code] = ch.Colour.Name
	}
	for i, name := range evil {
		if got := names[s.Materials[i].Code]; got != name {
			t.Errorf("material %s name = %q, want %q", s.Materials[i].Code, got, name)
		}
	}
	// Imported text is trimmed as the forms trim it, so a leading tab cannot
	// be stored: the name comes back without it, and never as a formula.
	if got := names[s.Materials[len(evil)].Code]; got != "Tabulador al inicio" {
		t.Errorf("tab-led name = %q", got)
	}
	if got := names[s.Colours[0].Code]; got != "=1+2" {
		t.Errorf("colour name = %q", got)
	}
	var product *db.Product
	for i := range c.Products {
		if c.Products[i].Product.Code == s.Products[0].Code {
			product = &c.Products[i].Product
		}
	}
	if got := product; got.Name != "@Ventana" || got.Description != "-Incluye felpa\n=y más" ||
		got.BOM[0].QuantityFormula != "-1+2*width_m" || got.BOM[0].Description != "+Marco" {
		t.Errorf("product = %q %q %q %q", got.Name, got.Description, got.BOM[0].QuantityFormula, got.BOM[0].Description)
	}

	// The stored values export to the same bytes again.
	s.Materials[len(evil)].Name = "Tabulador al inicio"
	want := nativeText(t, s)
	diffLines(t, nativeText(t, snapshotOf(c, true)), want)
}
