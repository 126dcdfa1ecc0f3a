package catalogio

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"cotizador/db"
	"cotizador/locales"
	"cotizador/pricing"
)

func spanish(t *testing.T) *locales.Translator {
	t.Helper()
	b, err := locales.NewBundle(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.Translator("es")
}

func readTestdata(t *testing.T, f Format, materials, products string) *db.CatalogChanges {
	t.Helper()
	in := Input{MaterialsName: materials, ProductsName: products}
	if materials != "" {
		data, err := os.ReadFile(filepath.Join("testdata", materials))
		if err != nil {
			t.Fatal(err)
		}
		in.Materials = bytes.NewReader(data)
	}
	if products != "" {
		data, err := os.ReadFile(filepath.Join("testdata", products))
		if err != nil {
			t.Fatal(err)
		}
		in.Products = bytes.NewReader(data)
	}
	c, err := Read(f, in)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// problemsByLine renders "field=key" for each problem, by file and line.
func problemsByLine(c *db.CatalogChanges) map[string][]string {
	out := map[string][]string{}
	for _, r := range c.Rows {
		for _, p := range r.Problems {
			k := fmt.Sprintf("%s:%d", r.File, r.Line)
			out[k] = append(out[k], p.Field+"="+p.Key)
		}
	}
	return out
}

// snapshotOf turns the upserts of a parse into a snapshot, to compare
// catalogues as native text.
func snapshotOf(c *db.CatalogChanges, withPrices bool) *db.CatalogSnapshot {
	s := &db.CatalogSnapshot{}
	for _, ch := range c.Colours {
		s.Colours = append(s.Colours, ch.Colour)
	}
	for _, ch := range c.Materials {
		s.Materials = append(s.Materials, ch.Material)
	}
	if withPrices {
		for _, ch := range c.ColourPrices {
			s.ColourPrices = append(s.ColourPrices, ch.ColourPrice)
		}
	}
	for _, ch := range c.Products {
		s.Products = append(s.Products, ch.Product)
	}
	return s
}

func nativeText(t *testing.T, s *db.CatalogSnapshot) string {
	t.Helper()
	var m, p bytes.Buffer
	if err := WriteNative(&m, &p, s); err != nil {
		t.Fatal(err)
	}
	return m.String() + p.String()
}

func diffLines(t *testing.T, got, want string) {
	t.Helper()
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("line %d:\n got  %s\n want %s", i+1, gl, wl)
			return
		}
	}
}

// TestPrototypeSeedImport reads DOMAIN.md's seed catalogue written as the
// prototype exports it (action=update, PostgreSQL numbers, one extra row
// per colour price) and checks it is the seed `load-prototype` loads.
func TestPrototypeSeedImport(t *testing.T) {
	c := readTestdata(t, Prototype, "prototype_seed_materials.csv", "prototype_seed_products.csv")
	if !c.OK() {
		tr := spanish(t)
		for _, r := range c.Rows {
			for _, p := range r.Problems {
				t.Errorf("%s", Message(&r, tr, p))
			}
		}
		t.FailNow()
	}
	if got, want := len(c.Rows), 73+3; got != want {
		t.Errorf("rows = %d, want %d (every CSV row gets a result)", got, want)
	}
	if got, want := len(c.Materials), 25; got != want {
		t.Errorf("materials = %d, want %d", got, want)
	}
	if got, want := len(c.ColourPrices), 8*6; got != want {
		t.Errorf("colour prices = %d, want %d", got, want)
	}

	t.Run("colours get the seed's codes, names and factors", func(t *testing.T) {
		var got []string
		for _, ch := range c.Colours {
			if !ch.Implicit {
				t.Errorf("colour %s is not implicit", ch.Colour.Code)
			}
			got = append(got, ch.Colour.Code+" "+ch.Colour.Name+" "+ch.Colour.Factor.StringFixed(2))
		}
		want := []string{"NAT Natural 1.00", "BLA Blanco 1.15", "NEG Negro 1.20", "BRO Bronce 1.25", "CHA Champagne 1.25", "MCA Madera Clara 1.40"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("colours\n got  %v\n want %v", got, want)
		}
	})

	t.Run("every colour price is the material's cost times the colour's factor", func(t *testing.T) {
		seed := pricing.PrototypeSeedCatalog()
		for _, ch := range c.ColourPrices {
			if !ch.FactorEquivalent {
				t.Errorf("%s/%s: not marked factor-equivalent", ch.ColourPrice.MaterialCode, ch.ColourPrice.ColourCode)
			}
			m, _ := seed.Material(ch.ColourPrice.MaterialCode)
			col, _ := seed.Colour(ch.ColourPrice.ColourCode)
			if want := m.Cost.Mul(col.Factor); !ch.ColourPrice.Price.Equal(want) {
				t.Errorf("%s/%s = %s, want %s", m.Code, col.Code, ch.ColourPrice.Price, want)
			}
		}
	})

	t.Run("same catalogue as the seed", func(t *testing.T) {
		got := snapshotOf(c, false)
		for i := range got.Colours {
			got.Colours[i].Active = true
		}
		diffLines(t, nativeText(t, got), nativeText(t, SeedSnapshot()))
	})

	t.Run("ranges in mm, labour by type, hojas", func(t *testing.T) {
		p := c.Products[0].Product
		if p.Code != "PROTO-COR-3" || p.Line != `Línea 3"` || p.Hojas != 2 || p.MinWidthMM.String() != "800" ||
			p.MaxHeightMM.String() != "2500" || p.LabourRateM2.String() != "65" || p.Complexity.String() != "1.2" {
			t.Errorf("corrediza = %+v", p)
		}
		if got := c.Products[2].Product; got.Code != "PROTO-PRO-35" || got.Line != "Serie 35" || got.Hojas != 1 {
			t.Errorf("proyectante = %s %s %d", got.Code, got.Line, got.Hojas)
		}
	})
}

// TestPrototypeBadRows: every bad row is reported with the column it is
// about, the good rows are not, and reading never stops at the first error.
func TestPrototypeBadRows(t *testing.T) {
	c := readTestdata(t, Prototype, "prototype_bad_materials.csv", "prototype_bad_products.csv")
	m, p := "prototype_bad_materials.csv:", "prototype_bad_products.csv:"
	want := map[string][]string{
		m + "3":  {"cost_per_unit=catalogio.proto_contradicts"},
		m + "4":  {"unit=catalogio.choice"},
		m + "5":  {"cost_per_unit=catalogio.negative"},
		m + "6":  {"action=catalogio.proto_action"},
		m + "7":  {"cost_per_unit=catalogio.number"},
		m + "9":  {"color_price_per_unit=catalogio.number"},
		m + "11": {"id=catalogio.proto_id"},
		p + "3":  {"bom_json[1].material_id=catalogio.proto_unknown_id"},
		p + "4":  {"bom_json[0].quantity_formula=catalogio.invalid"},
		p + "5":  {"window_type=catalogio.choice"},
		p + "6":  {"bom_json=catalogio.proto_bom_json_syntax"},
		p + "7":  {"bom_json[1].material_type=catalogio.choice", "bom_json[0].waste_factor=catalogio.invalid"},
		p + "8":  {"min_width_cm=catalogio.invalid"},
	}
	got := problemsByLine(c)
	for k, w := range want {
		if strings.Join(got[k], " ") != strings.Join(w, " ") {
			t.Errorf("%s: problems %v, want %v", k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected problems %v", k, g)
		}
	}
	if got, want := len(c.Rows), 10+7; got != want {
		t.Errorf("rows = %d, want %d", got, want)
	}
	if c.OK() {
		t.Error("OK() with bad rows")
	}

	t.Run("a material without a code gets one from its name, and a new colour a code", func(t *testing.T) {
		var found bool
		for _, ch := range c.Materials {
			if ch.Material.Name == "Perfil sin código" {
				found = true
				if ch.Material.Code != "PERFIL-SIN-CODIGO" {
					t.Errorf("code = %q", ch.Material.Code)
				}
			}
		}
		if !found {
			t.Fatal("material without code not parsed")
		}
		var codes []string
		for _, ch := range c.Colours {
			codes = append(codes, ch.Colour.Code+" "+ch.Colour.Factor.String())
		}
		// Negro's row (line 9) failed, so only Gris Perla is asked for.
		if got, want := strings.Join(codes, ","), "GRIS-PERLA 1"; got != want {
			t.Errorf("colours = %s, want %s", got, want)
		}
	})

	t.Run("Spanish messages name the file, row and field", func(t *testing.T) {
		tr := spanish(t)
		var lines []string
		for _, r := range c.Rows {
			lines = append(lines, Describe(&r, tr)...)
		}
		text := strings.Join(lines, "\n")
		for _, w := range []string{
			"prototype_bad_products.csv, fila 4, campo «bom_json[0].quantity_formula»: Fórmula de la línea 1: variable desconocida «anchoo» en la posición 1",
			"prototype_bad_products.csv, fila 3, campo «bom_json[1].material_id»: No hay un material con id 99 en el archivo de materiales.",
			"prototype_bad_materials.csv, fila 3, campo «cost_per_unit»: No coincide con la fila 2 del mismo material.",
			"prototype_bad_materials.csv, fila 4, campo «unit»: «M3» no es válido; opciones: ML, M2, PZA, CARTUCHO, LTS, KG.",
			"prototype_bad_materials.csv, fila 8: material CON-PIJ-8x1 → crear o actualizar",
		} {
			if !strings.Contains(text, w) {
				t.Errorf("missing %q in\n%s", w, text)
			}
		}
		if strings.Contains(text, "catalogio.") || strings.Contains(text, "validation.") {
			t.Errorf("an untranslated message id:\n%s", text)
		}
	})
}

func TestPrototypeProductsWithoutMaterials(t *testing.T) {
	c := readTestdata(t, Prototype, "", "prototype_seed_products.csv")
	got := problemsByLine(c)["prototype_seed_products.csv:2"]
	if len(got) != 12 || got[0] != "bom_json[0].material_id=catalogio.proto_no_materials" {
		t.Errorf("problems = %v, want one proto_no_materials per BOM line", got)
	}
}

// TestPrototypeColourRowsOnly: the prototype's own exporter writes a
// profile with colours only as its colour rows, with no plain row.
func TestPrototypeColourRowsOnly(t *testing.T) {
	csv := strings.Join([]string{
		strings.Join(PrototypeMaterialColumns, ","),
		`update,1,Riel,PER-R,ML,Perfiles,50.0000,6.10,,Blanco,WHT,58.0000`,
		`update,1,Riel,PER-R,ML,Perfiles,50.0000,6.10,,Madera Oscura,,80.0000`,
		`delete,2,Vieja,PER-V,ML,Perfiles,1.0000,,,,,`,
	}, "\n")
	c := ReadPrototype(Input{Materials: strings.NewReader(csv)})
	if !c.OK() {
		t.Fatalf("rows: %+v", c.Rows)
	}
	if len(c.Materials) != 2 || c.Materials[0].Material.Code != "PER-R" || c.Materials[1].Op != db.OpDelete {
		t.Fatalf("materials = %+v", c.Materials)
	}
	if got := c.Materials[0].Material.BarLengthM.String(); got != "6.1" {
		t.Errorf("bar = %s", got)
	}
	var got []string
	for _, cp := range c.ColourPrices {
		got = append(got, fmt.Sprintf("%s/%s=%s secondary=%v", cp.ColourPrice.MaterialCode, cp.ColourPrice.ColourCode, cp.ColourPrice.Price, cp.Secondary))
	}
	want := "PER-R/WHT=58 secondary=true PER-R/MADERA-OSCURA=80 secondary=false"
	if strings.Join(got, " ") != want {
		t.Errorf("colour prices = %v, want %s", got, want)
	}
	if c.Rows[0].Kind != db.KindMaterial || c.Rows[1].Kind != db.KindColourPrice || c.Rows[2].Action != db.ActionDelete {
		t.Errorf("row kinds/actions = %+v", c.Rows)
	}
}

func TestNativeBadRows(t *testing.T) {
	c := readTestdata(t, Native, "native_bad_materials.csv", "native_bad_products.csv")
	m, p := "native_bad_materials.csv:", "native_bad_products.csv:"
	want := map[string][]string{
		m + "3":  {"factor=catalogio.invalid"},
		m + "5":  {"code=catalogio.repeated"},
		m + "6":  {"category=catalogio.choice", "active=catalogio.boolean", "waste_factor=catalogio.invalid"},
		m + "7":  {"cost=catalogio.number"},
		m + "9":  {"action=catalogio.action_invalid", "colour_code=catalogio.repeated"},
		m + "10": {"record=catalogio.choice"},
		p + "2":  {"=catalogio.bom_rows_failed"},
		p + "3":  {"cut_length_formula=catalogio.invalid"},
		p + "5":  {"category=catalogio.choice", "hojas=validation.range", "min_width_mm=catalogio.invalid"},
		p + "6":  {"quantity_formula=catalogio.invalid"},
		p + "7":  {"code=catalogio.bom_no_product"},
		p + "8":  {"waste_factor=catalogio.invalid"},
		p + "10": {"code=catalogio.bom_deleted_product"},
	}
	got := problemsByLine(c)
	for k, w := range want {
		if strings.Join(got[k], " ") != strings.Join(w, " ") {
			t.Errorf("%s: problems %v, want %v", k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected problems %v", k, g)
		}
	}
	// The BOM rows are attached to their product in file order.
	for _, pc := range c.Products {
		if pc.Product.Code == "VEN-A" {
			var codes []string
			for _, l := range pc.Product.BOM {
				codes = append(codes, fmt.Sprintf("%d:%s", l.Order, l.MaterialCode))
			}
			if got, want := strings.Join(codes, " "), "1:PER-A 2:VID-A 3:CON-PIJ"; got != want {
				t.Errorf("VEN-A BOM = %s, want %s", got, want)
			}
		}
	}
}

func TestHeaderProblems(t *testing.T) {
	for _, tt := range []struct {
		name, header string
		want         []string
	}{
		{"missing and unknown", "record,action,code,nombre", []string{"=catalogio.header_missing", "=catalogio.header_unknown"}},
		{"repeated", strings.Join(NativeMaterialColumns, ",") + ",code", []string{"=catalogio.header_repeated"}},
		{"empty", "", []string{"=catalogio.file_empty"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := ReadNative(Input{Materials: strings.NewReader(tt.header + "\nmaterial,upsert,X,Y,Otros,PZA,1\n")})
			if tt.header == "" {
				c = ReadNative(Input{Materials: strings.NewReader("")})
			}
			if len(c.Rows) != 1 || c.Rows[0].Line != 1 {
				t.Fatalf("rows = %+v, want one row for the header (the file is not read further)", c.Rows)
			}
			if got := problemsByLine(c)["materials.csv:1"]; strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("problems = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("a file saved as Windows-1252 is refused with how to save it", func(t *testing.T) {
		latin1 := strings.Join(NativeMaterialColumns, ",") + "\nmaterial,upsert,X,Z\xf3calo,Perfiles,ML,1,,,,,1,,,\n"
		c := ReadNative(Input{Materials: strings.NewReader(latin1)})
		if got := problemsByLine(c)["materials.csv:1"]; len(c.Rows) != 1 || len(got) != 1 || got[0] != "=catalogio.not_utf8" {
			t.Errorf("rows %+v", c.Rows)
		}
	})
	t.Run("a semicolon-separated file gets a hint", func(t *testing.T) {
		c := ReadNative(Input{Materials: strings.NewReader(strings.Join(NativeMaterialColumns, ";") + "\n")})
		if len(c.Rows) != 1 || len(c.Rows[0].Notes) != 2 || c.Rows[0].Notes[0].Key != "catalogio.semicolon" {
			t.Errorf("rows %+v", c.Rows)
		}
	})
	t.Run("Excel's BOM and upper-case header are fine", func(t *testing.T) {
		header := strings.ToUpper(strings.Join(NativeMaterialColumns, ","))
		c := ReadNative(Input{Materials: strings.NewReader("\ufeff" + header + "\ncolour,,NAT,Natural,,,,,,,,,,1,\n")})
		if !c.OK() || len(c.Colours) != 1 {
			t.Errorf("rows = %+v", c.Rows)
		}
	})
}

// TestCSVSyntaxErrorDoesNotStop: a row the CSV reader cannot parse is
// reported and the rows after it are still read.
func TestCSVSyntaxErrorDoesNotStop(t *testing.T) {
	csv := strings.Join(NativeMaterialColumns, ",") + "\n" +
		`material,upsert,A,Perfil "malo",Perfiles,ML,10,,,,,1,,,` + "\n" +
		`material,upsert,B,Perfil bueno,Perfiles,ML,10,,,,,1,,,` + "\n"
	c := ReadNative(Input{Materials: strings.NewReader(csv)})
	if len(c.Rows) != 2 {
		t.Fatalf("rows = %+v", c.Rows)
	}
	if got := problemsByLine(c)["materials.csv:2"]; len(got) != 1 || got[0] != "=catalogio.csv_bare_quote" {
		t.Errorf("line 2 problems = %v", got)
	}
	if c.Rows[1].Failed() || c.Rows[1].Code != "B" || c.Rows[1].Line != 3 {
		t.Errorf("row after the bad one = %+v", c.Rows[1])
	}
}

// TestDemoIsExportFormat: the embedded demo catalogue parses without error
// and is byte for byte what the native writer makes of it, so load-demo
// followed by an export gives back these files.
func TestDemoIsExportFormat(t *testing.T) {
	c, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	var m, p bytes.Buffer
	if err := WriteNative(&m, &p, snapshotOf(c, true)); err != nil {
		t.Fatal(err)
	}
	wantM, wantP := DemoFiles()
	diffLines(t, m.String(), string(wantM))
	diffLines(t, p.String(), string(wantP))
}

// TestDemoCatalogue checks the requirements on the demo data.
func TestDemoCatalogue(t *testing.T) {
	c, err := Demo()
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]int{}
	glasses, bars := 0, 0
	priced := map[string]bool{}
	for _, cp := range c.ColourPrices {
		priced[cp.ColourPrice.MaterialCode] = true
	}
	for _, ch := range c.Materials {
		m := ch.Material
		if m.Category == pricing.CategoryProfiles {
			lines[m.Line]++
			if m.BarLengthM.Equal(decimal.RequireFromString("6.10")) {
				bars++
			}
			if !priced[m.Code] {
				t.Errorf("profile %s has no per-colour prices", m.Code)
			}
		}
		if m.Category == pricing.CategoryGlass {
			glasses++
		}
	}
	for _, l := range []string{`Línea 2"`, `Línea 3"`, "Serie 35"} {
		if lines[l] == 0 {
			t.Errorf("no profiles of %s", l)
		}
	}
	if total := lines[`Línea 2"`] + lines[`Línea 3"`] + lines["Serie 35"]; bars != total {
		t.Errorf("%d of %d profiles sold in 6.10 m bars", bars, total)
	}
	if glasses < 8 {
		t.Errorf("%d glasses, want at least 8", glasses)
	}
	var cats []string
	for _, ch := range c.Products {
		cats = append(cats, ch.Product.Category+"/"+string(ch.Product.Type))
	}
	sort.Strings(cats)
	for _, w := range []string{"ventana/corrediza", "ventana/fija", "ventana/proyectante", "puerta/abatible", "cancel_bano/corrediza", "material_suelto/fija"} {
		found := false
		for _, c := range cats {
			found = found || c == w
		}
		if !found {
			t.Errorf("no %s product among %v", w, cats)
		}
	}
}

func TestEveryKindAndActionHasAMessage(t *testing.T) {
	tr := spanish(t)
	for _, k := range []db.RowKind{db.KindMaterial, db.KindColour, db.KindColourPrice, db.KindProduct, db.KindBOM, db.KindFile, db.KindUnknown} {
		for _, a := range []db.RowAction{db.ActionUpsert, db.ActionCreate, db.ActionUpdate, db.ActionDelete, db.ActionUnchanged, db.ActionError} {
			r := db.ImportRow{File: "f.csv", Line: 2, Kind: k, Code: "X", Action: a}
			if got := Describe(&r, tr)[0]; strings.Contains(got, "catalogio.") {
				t.Errorf("%s/%s renders %q", k, a, got)
			}
		}
	}
}

func TestGenerateCode(t *testing.T) {
	for _, tt := range []struct {
		name string
		max  int
		want string
	}{
		{`Ventana Corrediza 2 Hojas (Línea 3")`, 40, "VENTANA-CORREDIZA-2-HOJAS-LINEA-3"},
		{"Año ñandú  —  cañón", 40, "ANO-NANDU-CANON"},
		{"Madera Clara", 20, "MADERA-CLARA"},
		{"Ventana proyectante de aluminio anodizado", 20, "VENTANA-PROYECTANTE"},
		{"   ", 20, ""},
	} {
		if got := GenerateCode(tt.name, tt.max); got != tt.want {
			t.Errorf("GenerateCode(%q, %d) = %q, want %q", tt.name, tt.max, got, tt.want)
		}
	}
}
