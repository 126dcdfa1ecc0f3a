package db_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/catalogio"
	"cotizador/db"
	"cotizador/pricing"
)

func migratedDB(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "cat.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.MigrateUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

func readFiles(t testing.TB, f catalogio.Format, materials, products string) *db.CatalogChanges {
	t.Helper()
	in := catalogio.Input{MaterialsName: filepath.Base(materials), ProductsName: filepath.Base(products)}
	if materials != "" {
		data, err := os.ReadFile(materials)
		if err != nil {
			t.Fatal(err)
		}
		in.Materials = bytes.NewReader(data)
	}
	if products != "" {
		data, err := os.ReadFile(products)
		if err != nil {
			t.Fatal(err)
		}
		in.Products = bytes.NewReader(data)
	}
	c, err := catalogio.Read(f, in)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readStrings(t testing.TB, f catalogio.Format, materials, products string) *db.CatalogChanges {
	t.Helper()
	in := catalogio.Input{}
	if materials != "" {
		in.Materials = strings.NewReader(materials)
	}
	if products != "" {
		in.Products = strings.NewReader(products)
	}
	c, err := catalogio.Read(f, in)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// loadBuiltIn loads a built-in catalogue (catalogio.Demo or
// catalogio.PrototypeSeed) as the CLI and the setup page do.
func loadBuiltIn(t testing.TB, d *db.DB, changes func() (*db.CatalogChanges, error)) (*db.ImportResult, error) {
	t.Helper()
	ch, err := changes()
	if err != nil {
		t.Fatal(err)
	}
	return d.LoadEmptyCatalog(context.Background(), ch, app.CLIActor)
}

func mustApply(t testing.TB, d *db.DB, c *db.CatalogChanges, dryRun bool) *db.ImportResult {
	t.Helper()
	res, err := d.ApplyCatalog(context.Background(), c, app.CLIActor, dryRun)
	if err != nil {
		t.Fatalf("ApplyCatalog: %v", err)
	}
	return res
}

func rowProblems(rows []db.ImportRow) string {
	var out []string
	for _, r := range rows {
		for _, p := range r.Problems {
			out = append(out, fmt.Sprintf("%s:%d %s=%s %v", r.File, r.Line, p.Field, p.Key, p.Args))
		}
	}
	return strings.Join(out, "\n")
}

// pricingText renders what the pricer reads, so two catalogues compare as
// text with a readable diff.
func pricingText(t testing.TB, d *db.DB) string {
	t.Helper()
	pc, err := d.PricingCatalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, m := range pc.Materials() {
		fmt.Fprintf(&b, "M %s|%s|%s|%s|%s|%s|%s\n", m.Code, m.Name, m.Category, m.Unit, m.Cost, m.BarLengthM, m.WasteFactor)
	}
	for _, c := range pc.Colours() {
		fmt.Fprintf(&b, "C %s|%s|%s\n", c.Code, c.Name, c.Factor)
	}
	for _, cp := range pc.ColourPrices() {
		fmt.Fprintf(&b, "P %s|%s|%s\n", cp.MaterialCode, cp.ColourCode, cp.Price)
	}
	for _, p := range pc.Products() {
		fmt.Fprintf(&b, "R %s|%s|%s|%d|%s-%s|%s-%s|%s|%s|%s|%s\n", p.Code, p.Name, p.Type, p.Hojas, p.MinWidthMM, p.MaxWidthMM,
			p.MinHeightMM, p.MaxHeightMM, p.LabourRateM2, p.Complexity, p.GlassDeductWMM, p.GlassDeductHMM)
		for _, l := range p.BOM {
			fmt.Fprintf(&b, "  %d %s|%s|%s|%s|%s|%s|%s\n", l.Order, l.MaterialCode, l.Role, l.QuantityFormula, l.CutCountFormula,
				l.CutLengthFormula, l.WasteFactor, l.Description)
		}
	}
	return b.String()
}

func exportText(t testing.TB, d *db.DB) (string, string) {
	t.Helper()
	s, err := d.ExportCatalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var m, p bytes.Buffer
	if err := catalogio.WriteNative(&m, &p, s); err != nil {
		t.Fatal(err)
	}
	return m.String(), p.String()
}

func sameText(t *testing.T, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
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
			t.Errorf("%s differ at line %d:\n got  %q\n want %q", what, i+1, gl, wl)
			return
		}
	}
}

func workedExample(t *testing.T, d *db.DB) decimal.Decimal {
	t.Helper()
	pc, err := d.PricingCatalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res, err := pricing.PriceQuote(pc, pricing.QuoteInput{Mode: pricing.ModeCompatible, Rates: pricing.DefaultRates(),
		Items: []pricing.ItemInput{{ProductCode: "PROTO-COR-3", ColourCode: "NAT", GlassCode: "VID-CLARO-6",
			WidthMM: decimal.NewFromInt(1500), HeightMM: decimal.NewFromInt(1200), Quantity: 1}}})
	if err != nil {
		t.Fatalf("PriceQuote: %v", err)
	}
	return res.Totals.Total
}

const seedDir = "../catalogio/testdata"

// TestPrototypeImportEqualsLoadPrototype: importing DOMAIN.md's seed
// catalogue as the prototype exports it gives the catalogue `catalog
// load-prototype` gives, and the worked example prices 3926.67 on both.
func TestPrototypeImportEqualsLoadPrototype(t *testing.T) {
	loaded := migratedDB(t)
	if _, err := loadBuiltIn(t, loaded, catalogio.PrototypeSeed); err != nil {
		t.Fatal(err)
	}
	imported := migratedDB(t)
	c := readFiles(t, catalogio.Prototype, seedDir+"/prototype_seed_materials.csv", seedDir+"/prototype_seed_products.csv")
	res := mustApply(t, imported, c, false)
	if !res.Applied {
		t.Fatalf("not applied:\n%s", rowProblems(res.Rows))
	}

	sameText(t, "pricing catalogues", pricingText(t, imported), pricingText(t, loaded))
	lm, lp := exportText(t, loaded)
	im, ip := exportText(t, imported)
	sameText(t, "exported materials", im, lm)
	sameText(t, "exported products", ip, lp)
	for name, d := range map[string]*db.DB{"load-prototype": loaded, "prototype import": imported} {
		if got := workedExample(t, d); got.StringFixed(2) != "3926.67" {
			t.Errorf("%s: worked example total = %s, want 3926.67", name, got.StringFixed(2))
		}
	}

	t.Run("row results", func(t *testing.T) {
		want := db.ImportSummary{Create: 25 + 3, Unchanged: 48}
		if res.Summary != want {
			t.Errorf("summary = %+v, want %+v", res.Summary, want)
		}
		r := res.Rows[1] // Natural colour row of the first profile
		if r.Kind != db.KindColourPrice || r.Action != db.ActionUnchanged || len(r.Notes) != 2 ||
			r.Notes[0].Key != "catalogio.colour_created" || r.Notes[1].Key != "catalogio.colour_price_factor" {
			t.Errorf("row 3 = %+v", r)
		}
	})

	t.Run("importing again updates and changes nothing else", func(t *testing.T) {
		again := mustApply(t, imported, c, false)
		want := db.ImportSummary{Update: 25 + 3, Unchanged: 48}
		if !again.Applied || again.Summary != want {
			t.Fatalf("summary = %+v, want %+v\n%s", again.Summary, want, rowProblems(again.Rows))
		}
		sameText(t, "pricing catalogues", pricingText(t, imported), pricingText(t, loaded))
	})
}

// counts counts every row of the catalogue tables, deleted or not.
func counts(t testing.TB, d *db.DB) string {
	t.Helper()
	var out []string
	for _, table := range []string{"materials", "colours", "colour_prices", "products", "bom_lines"} {
		var n int
		if err := d.Reader.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d", table, n))
	}
	return strings.Join(out, " ")
}

func version(t testing.TB, d *db.DB) int64 {
	t.Helper()
	v, _, err := d.CatalogVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var nativeMaterials = strings.Join(catalogio.NativeMaterialColumns, ",") + "\n"
var nativeProducts = strings.Join(catalogio.NativeProductColumns, ",") + "\n"

// TestImportAllOrNothing: one bad row, found by the parser or only by the
// database, and nothing at all is written; the other rows still get their
// results.
func TestImportAllOrNothing(t *testing.T) {
	ctx := context.Background()
	d := migratedDB(t)
	if _, err := loadBuiltIn(t, d, catalogio.Demo); err != nil {
		t.Fatal(err)
	}
	beforeVersion, beforeCounts := version(t, d), counts(t, d)
	beforeM, beforeP := exportText(t, d)

	good := nativeMaterials +
		"colour,upsert,GRA,Grafito,,,,,,,,1,,1.3,\n" +
		"material,upsert,PER-L3-RS,\"Riel superior 3\"\"\",Perfiles,ML,105,6.10,,\"Línea 3\"\"\",,1,,,\n" +
		"material,upsert,VID-NUEVO-8,Vidrio claro 8 mm,Vidrio,M2,410,,,,,1,,,\n" +
		"material,delete,MO-FLETE,,,,,,,,,,,,\n" +
		"colour_price,upsert,PER-L3-RS,,,,,,,,,,GRA,,131\n"
	tests := []struct {
		name      string
		materials string
		products  string
		wantLine  int
		wantKey   string
	}{
		{"bad cost (parser)", good + "material,upsert,HER-X,Herraje X,Herrajes,PZA,doce,,,,,1,,,\n", "", 7, "catalogio.number"},
		{"BOM uses an unknown material (database)", good,
			nativeProducts + "product,upsert,VEN-NUEVA,Ventana nueva,ventana,fija,,1,0,0,0,0,100,1,0,0,,1,,,,,,,\n" +
				"bom,upsert,VEN-NUEVA,,,,,,,,,,,,,,Marco,,1,PER-NO-EXISTE,perfil,2 * width_m,,,\n", 3, "catalogio.unknown_material"},
		{"delete of a code that is not there (database)", good + "material,delete,NO-EXISTE,,,,,,,,,,,,\n", "", 7, "catalogio.not_found"},
		{"colour price in an unknown colour (database)", good + "colour_price,upsert,PER-L3-RS,,,,,,,,,,ZZZ,,99\n", "", 7, "catalogio.unknown_colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := readStrings(t, catalogio.Native, tt.materials, tt.products)
			res := mustApply(t, d, c, false)
			if res.Applied || res.OK() {
				t.Fatalf("applied = %v, ok = %v: want a failed import", res.Applied, res.OK())
			}
			var failed []db.ImportRow
			for _, r := range res.Rows {
				if r.Failed() {
					failed = append(failed, r)
				}
			}
			found := false
			for _, r := range failed {
				found = found || (r.Line == tt.wantLine && r.Problems[0].Key == tt.wantKey)
			}
			if !found {
				t.Errorf("failed rows = %+v, want line %d with %s", failed, tt.wantLine, tt.wantKey)
			}
			// The good rows still say what they would have done.
			if got := res.Rows[0].Action; got != db.ActionCreate {
				t.Errorf("colour GRA: %s, want create", got)
			}
			if got := res.Rows[1].Action; got != db.ActionUpdate {
				t.Errorf("PER-L3-RS: %s, want update", got)
			}
			if got := res.Rows[3].Action; got != db.ActionDelete {
				t.Errorf("MO-FLETE: %s, want delete", got)
			}
			if v := version(t, d); v != beforeVersion {
				t.Errorf("catalogue version %d → %d: something was written", beforeVersion, v)
			}
			if got := counts(t, d); got != beforeCounts {
				t.Errorf("row counts %s → %s", beforeCounts, got)
			}
			m, p := exportText(t, d)
			sameText(t, "materials", m, beforeM)
			sameText(t, "products", p, beforeP)
		})
	}

	t.Run("dry run of the good rows reports and writes nothing", func(t *testing.T) {
		res := mustApply(t, d, readStrings(t, catalogio.Native, good, ""), true)
		want := db.ImportSummary{Create: 3, Update: 1, Delete: 1}
		if res.Applied || !res.OK() || res.Summary != want {
			t.Fatalf("applied %v summary %+v, want not applied %+v\n%s", res.Applied, res.Summary, want, rowProblems(res.Rows))
		}
		if v := version(t, d); v != beforeVersion {
			t.Errorf("version moved on a dry run: %d → %d", beforeVersion, v)
		}
	})

	t.Run("the same changes then apply", func(t *testing.T) {
		c := readStrings(t, catalogio.Native, good, "")
		res := mustApply(t, d, c, false)
		if !res.Applied {
			t.Fatalf("not applied:\n%s", rowProblems(res.Rows))
		}
		if v := version(t, d); v <= beforeVersion {
			t.Errorf("version did not move")
		}
		mats, err := d.FindMaterials(ctx, db.MaterialFilter{Search: "MO-FLETE"})
		if err != nil || len(mats) != 0 {
			t.Errorf("MO-FLETE still listed (err %v)", err)
		}
		var deleted int
		_ = d.Reader.QueryRow(`SELECT count(*) FROM materials WHERE code = 'MO-FLETE' AND deleted_at IS NOT NULL`).Scan(&deleted)
		if deleted != 1 {
			t.Errorf("MO-FLETE: %d soft-deleted rows, want 1 (never removed)", deleted)
		}
		pc, err := d.PricingCatalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p, ok := pc.ColourPrice("PER-L3-RS", "GRA"); !ok || p.String() != "131" {
			t.Errorf("PER-L3-RS in GRA = %s %v", p, ok)
		}
		if m, _ := pc.Material("PER-L3-RS"); m.Cost.String() != "105" {
			t.Errorf("PER-L3-RS cost = %s", m.Cost)
		}
		// The parsed changes are not modified by applying: apply them again.
		if again := mustApply(t, d, c, true); again.OK() {
			t.Error("deleting MO-FLETE a second time should fail: it no longer exists")
		}
	})
}

// TestNativeRoundTrip: load-demo → export → import into an empty database
// → export again gives the same bytes, which are the embedded demo files.
func TestNativeRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := migratedDB(t)
	if _, err := loadBuiltIn(t, src, catalogio.Demo); err != nil {
		t.Fatal(err)
	}
	m1, p1 := exportText(t, src)
	wantM, wantP := catalogio.DemoFiles()
	sameText(t, "demo materials", m1, string(wantM))
	sameText(t, "demo products", p1, string(wantP))

	dst := migratedDB(t)
	c := catalogio.ReadNative(catalogio.Input{Materials: strings.NewReader(m1), Products: strings.NewReader(p1)})
	res := mustApply(t, dst, c, false)
	if !res.Applied {
		t.Fatalf("not applied:\n%s", rowProblems(res.Rows))
	}
	m2, p2 := exportText(t, dst)
	if m2 != m1 || p2 != p1 {
		sameText(t, "materials", m2, m1)
		sameText(t, "products", p2, p1)
	}
	sameText(t, "pricing catalogues", pricingText(t, dst), pricingText(t, src))

	t.Run("inactive records travel too", func(t *testing.T) {
		mats, err := dst.FindMaterials(ctx, db.MaterialFilter{Search: "VID-CLA-3"})
		if err != nil || len(mats) != 1 {
			t.Fatalf("VID-CLA-3: %v %v", mats, err)
		}
		m := mats[0]
		m.Active = false
		m.Description = "Descontinuado, \"sin\" existencias;\nya no se surte"
		if err := dst.UpdateMaterial(ctx, m.ID, m, app.CLIActor); err != nil {
			t.Fatal(err)
		}
		m3, p3 := exportText(t, dst)
		if !strings.Contains(m3, `,0,,,`) {
			t.Errorf("inactive material not exported as active=0")
		}
		third := migratedDB(t)
		res := mustApply(t, third, catalogio.ReadNative(catalogio.Input{Materials: strings.NewReader(m3), Products: strings.NewReader(p3)}), false)
		if !res.Applied {
			t.Fatalf("not applied:\n%s", rowProblems(res.Rows))
		}
		m4, p4 := exportText(t, third)
		sameText(t, "materials", m4, m3)
		sameText(t, "products", p4, p3)
	})
}

func TestLoadRefusesANonEmptyCatalogue(t *testing.T) {
	ctx := context.Background()
	d := migratedDB(t)
	if empty, err := d.CatalogEmpty(ctx); err != nil || !empty {
		t.Fatalf("fresh database: empty = %v, err %v", empty, err)
	}
	res, err := loadBuiltIn(t, d, catalogio.Demo)
	if err != nil || !res.Applied {
		t.Fatalf("load demo: %v", err)
	}
	if empty, _ := d.CatalogEmpty(ctx); empty {
		t.Error("empty after loading the demo")
	}
	before := counts(t, d)
	for name, changes := range map[string]func() (*db.CatalogChanges, error){
		"demo": catalogio.Demo, "prototype": catalogio.PrototypeSeed,
	} {
		_, err := loadBuiltIn(t, d, changes)
		if app.ErrorCode(err) != app.ECONFLICT || app.ErrorMessage(err) != "catalogio.not_empty" {
			t.Errorf("%s on a loaded catalogue: err %v, want ECONFLICT catalogio.not_empty", name, err)
		}
	}
	if got := counts(t, d); got != before {
		t.Errorf("counts %s → %s", before, got)
	}
}

// TestDemoPricesInEveryMode: every demo product prices in the three modes
// at a size inside its range, in a colour, with a glass.
func TestDemoPricesInEveryMode(t *testing.T) {
	ctx := context.Background()
	d := migratedDB(t)
	if _, err := loadBuiltIn(t, d, catalogio.Demo); err != nil {
		t.Fatal(err)
	}
	pc, err := d.PricingCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	products := pc.Products()
	if len(products) < 6 {
		t.Fatalf("%d demo products, want at least 6", len(products))
	}
	mid := func(lo, hi decimal.Decimal) decimal.Decimal { return lo.Add(hi).Div(decimal.NewFromInt(2)).Round(0) }
	for _, p := range products {
		for _, mode := range []pricing.Mode{pricing.ModeByMetre, pricing.ModeOptimised, pricing.ModeCompatible} {
			t.Run(p.Code+"/"+string(mode), func(t *testing.T) {
				in := pricing.QuoteInput{Mode: mode, Rates: pricing.DefaultRates(), Items: []pricing.ItemInput{{
					ProductCode: p.Code, ColourCode: "BLA", GlassCode: "VID-FIL-6",
					WidthMM: mid(p.MinWidthMM, p.MaxWidthMM), HeightMM: mid(p.MinHeightMM, p.MaxHeightMM), Quantity: 2}}}
				res, err := pricing.PriceQuote(pc, in)
				if err != nil {
					t.Fatalf("PriceQuote: %v", err)
				}
				b := res.Items[0].Buckets
				if !b.Glass.IsPositive() || !res.Totals.Total.IsPositive() {
					t.Errorf("glass %s total %s", b.Glass, res.Totals.Total)
				}
				if p.Code != "MAT-VID-MED" && (!b.Profiles.IsPositive() || !b.Consumables.IsPositive() || !b.Labour.IsPositive()) {
					t.Errorf("buckets %+v: profiles, consumables and labour should cost something", b)
				}
				// A fixed window has no hardware; everything that opens has.
				if hasHardware := b.Hardware.IsPositive(); hasHardware != (p.Type != pricing.TypeFija) {
					t.Errorf("%s: hardware %s", p.Type, b.Hardware)
				}
			})
		}
	}
	t.Run("a Línea 3\" sliding window costs what a Mexican shop charges", func(t *testing.T) {
		res, err := pricing.PriceQuote(pc, pricing.QuoteInput{Rates: pricing.DefaultRates(), Items: []pricing.ItemInput{{
			ProductCode: "VEN-COR-L3-2H", ColourCode: "NAT", GlassCode: "VID-CLA-6",
			WidthMM: decimal.NewFromInt(1500), HeightMM: decimal.NewFromInt(1200), Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		// 1.5 × 1.2 m corrediza in natural with 6 mm clear glass: a few
		// thousand pesos with IVA, not hundreds nor tens of thousands.
		if total := res.Totals.Total; total.LessThan(decimal.NewFromInt(2500)) || total.GreaterThan(decimal.NewFromInt(9000)) {
			t.Errorf("total %s MXN is not a realistic price", total)
		}
	})
}

// TestPrototypeUpdateKeepsWhatItDoesNotCarry: the prototype's files have no
// line, waste or labour columns, so updating from them keeps the stored ones.
func TestPrototypeUpdateKeepsWhatItDoesNotCarry(t *testing.T) {
	ctx := context.Background()
	d := migratedDB(t)
	if _, err := loadBuiltIn(t, d, catalogio.PrototypeSeed); err != nil {
		t.Fatal(err)
	}
	mats, _ := d.FindMaterials(ctx, db.MaterialFilter{Search: "PER-NAC3-RS"})
	m := mats[0]
	m.Line, m.WasteFactor = `Línea 3"`, decimal.RequireFromString("1.12")
	if err := d.UpdateMaterial(ctx, m.ID, m, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	csv := strings.Join(catalogio.PrototypeMaterialColumns, ",") + "\n" +
		`update,1,"Riel Superior 3"" reforzado",PER-NAC3-RS,ML,Perfiles,57.5000,6.10,Nuevo proveedor,Blanco,,70.0000` + "\n"
	res := mustApply(t, d, readStrings(t, catalogio.Prototype, csv, ""), false)
	if !res.Applied || res.Rows[0].Action != db.ActionUpdate {
		t.Fatalf("result %+v\n%s", res.Rows, rowProblems(res.Rows))
	}
	got, err := d.FindMaterialByID(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != `Riel Superior 3" reforzado` || got.Cost.String() != "57.5" || got.BarLengthM.String() != "6.1" ||
		got.Line != `Línea 3"` || got.WasteFactor.String() != "1.12" || got.Description != "Nuevo proveedor" {
		t.Errorf("material = %+v", got)
	}
	prices, _ := d.FindColourPrices(ctx, m.ID)
	if len(prices) != 1 || prices[0].ColourCode != "BLA" || prices[0].Price.String() != "70" {
		t.Errorf("colour prices = %+v, want BLA 70 (not cost × factor, so explicit)", prices)
	}
}

// generatedCatalogue is a native import of materials profiles and
// products of 12 BOM lines each, cut formulas included.
func generatedCatalogue(materials, products int) (string, string) {
	var m, p strings.Builder
	m.WriteString(nativeMaterials)
	p.WriteString(nativeProducts)
	for i := range materials {
		fmt.Fprintf(&m, "material,upsert,MAT-%05d,Material %d,Perfiles,ML,%d.50,6.10,,\"Línea 3\"\"\",,1,,,\n", i, i, 40+i%60)
	}
	for i := range products {
		fmt.Fprintf(&p, "product,upsert,PROD-%04d,Producto %d,ventana,corrediza,,2,500,3000,400,2400,220,1.2,0,0,,1,,,,,,,\n", i, i)
		for j := range 12 {
			fmt.Fprintf(&p, "bom,upsert,PROD-%04d,,,,,,,,,,,,,,Línea %d,,%d,MAT-%05d,perfil,,hojas,(width_mm - 24) / hojas - %d,\n", i, j, j+1, (i*12+j)%materials, j)
		}
	}
	return m.String(), p.String()
}

// BenchmarkImport applies a generated native catalogue of 2,000 materials
// and 500 products of 12 BOM lines (8,500 rows) to an empty database.
func BenchmarkImport(b *testing.B) {
	m, p := generatedCatalogue(2000, 500)
	for b.Loop() {
		b.StopTimer()
		d := migratedDB(b)
		b.StartTimer()
		c := readStrings(b, catalogio.Native, m, p)
		res := mustApply(b, d, c, false)
		if !res.Applied {
			b.Fatalf("not applied: %s", rowProblems(res.Rows))
		}
	}
}

// TestExportNeutralisesFormulas: catalogue text a spreadsheet would run as
// a formula is exported after a single quote, imports back to the same
// value, and export → import → export stays the same bytes.
func TestExportNeutralisesFormulas(t *testing.T) {
	ctx := context.Background()
	src := migratedDB(t)
	if _, err := loadBuiltIn(t, src, catalogio.Demo); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{
		"VID-CLA-3": `=HYPERLINK("http://evil.example/","clic")`,
		"VID-CLA-4": `+cmd|' /C calc'!A0`,
		"VID-CLA-6": `@SUM(1+1)`,
		"VID-FIL-6": `-2+3`,
		"VID-TIN-6": "\tTintex con tabulador",
	}
	for code, name := range names {
		mats, err := src.FindMaterials(ctx, db.MaterialFilter{Search: code})
		if err != nil || len(mats) != 1 {
			t.Fatalf("%s: %v %v", code, mats, err)
		}
		mats[0].Name = name
		if err := src.UpdateMaterial(ctx, mats[0].ID, mats[0], app.CLIActor); err != nil {
			t.Fatal(err)
		}
	}
	m1, p1 := exportText(t, src)
	for code, name := range names {
		want := "material,upsert," + code + `,"'` + strings.ReplaceAll(name, `"`, `""`) + `",`
		if !strings.Contains(m1, want) && !strings.Contains(m1, "material,upsert,"+code+",'"+name+",") {
			t.Errorf("%s: the name is not exported as text after a quote:\n%s", code, m1)
		}
	}

	dst := migratedDB(t)
	c := catalogio.ReadNative(catalogio.Input{Materials: strings.NewReader(m1), Products: strings.NewReader(p1)})
	if res := mustApply(t, dst, c, false); !res.Applied {
		t.Fatalf("not applied:\n%s", rowProblems(res.Rows))
	}
	for code, name := range names {
		mats, err := dst.FindMaterials(ctx, db.MaterialFilter{Search: code})
		if err != nil || len(mats) != 1 {
			t.Fatalf("%s: %v %v", code, mats, err)
		}
		// A leading tab is white space, trimmed from imported text as the
		// forms trim it; every other value comes back as it was.
		if want := strings.TrimLeft(name, "\t"); mats[0].Name != want {
			t.Errorf("%s imported as %q, want %q", code, mats[0].Name, want)
		}
	}
	// The round trip from the imported catalogue is exact.
	m2, p2 := exportText(t, dst)
	third := migratedDB(t)
	if res := mustApply(t, third, catalogio.ReadNative(catalogio.Input{Materials: strings.NewReader(m2), Products: strings.NewReader(p2)}), false); !res.Applied {
		t.Fatalf("not applied:\n%s", rowProblems(res.Rows))
	}
	m3, p3 := exportText(t, third)
	sameText(t, "materials", m3, m2)
	sameText(t, "products", p3, p2)
	sameText(t, "materials after the first import", m2, strings.Replace(m1, "'\tTintex", "Tintex", 1))
	sameText(t, "products after the first import", p2, p1)
}

func TestSummarizeRows(t *testing.T) {
	rows := []db.ImportRow{{Action: db.ActionCreate}, {Action: db.ActionCreate}, {Action: db.ActionUpdate}, {Action: db.ActionDelete},
		{Action: db.ActionUnchanged}, {Action: db.ActionUpsert}, {Action: db.ActionError, Problems: []db.RowProblem{{Key: "x"}}}}
	got := db.SummarizeRows(rows)
	want := db.ImportSummary{Upsert: 1, Create: 2, Update: 1, Delete: 1, Unchanged: 1, Errors: 1}
	if got != want {
		t.Errorf("SummarizeRows = %+v, want %+v", got, want)
	}
}
