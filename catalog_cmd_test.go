package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cotizador/catalogio"
	"cotizador/db"
)

func TestCatalogCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "c.db")
	e := env(map[string]string{"COTIZADOR_DB": dbPath})
	cli := func(args ...string) (string, error) {
		var out, errOut strings.Builder
		err := run(ctx, append([]string{"cotizador", "catalog"}, args...), e, strings.NewReader(""), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	state := func() (int64, bool) {
		d, err := db.Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		if _, err := d.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		v, _, err := d.CatalogVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		empty, err := d.CatalogEmpty(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v, empty
	}
	testdata := func(name string) string { return filepath.Join("catalogio", "testdata", name) }

	t.Run("a bad import prints every row, fails and writes nothing", func(t *testing.T) {
		out, err := cli("import", "--format", "prototype", "--materials", testdata("prototype_bad_materials.csv"),
			"--products", testdata("prototype_bad_products.csv"))
		if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "No se aplicó nada") {
			t.Fatalf("err = %v, want a failure with exit code 1", err)
		}
		for _, want := range []string{
			"prototype_bad_materials.csv, fila 8: material CON-PIJ-8x1 → crear",
			"prototype_bad_products.csv, fila 4, campo «bom_json[0].quantity_formula»: Fórmula de la línea 1: variable desconocida «anchoo» en la posición 1",
			"13 con error.",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if v, empty := state(); v != 0 || !empty {
			t.Errorf("after a failed import: version %d, empty %v", v, empty)
		}
	})

	t.Run("dry run of the prototype seed", func(t *testing.T) {
		out, err := cli("import", "--format", "prototype", "--materials", testdata("prototype_seed_materials.csv"),
			"--products", testdata("prototype_seed_products.csv"), "--dry-run")
		if err != nil {
			t.Fatalf("err %v\n%s", err, out)
		}
		if !strings.Contains(out, "28 por crear") || !strings.Contains(out, "Vista previa: no se guardó nada.") {
			t.Errorf("output:\n%s", out)
		}
		if _, empty := state(); !empty {
			t.Error("a dry run wrote to the catalogue")
		}
	})

	t.Run("load-demo, then refuse a second time, and --if-empty is silent", func(t *testing.T) {
		out, err := cli("load-demo")
		if err != nil || !strings.Contains(out, "Catálogo cargado") {
			t.Fatalf("load-demo: %v\n%s", err, out)
		}
		v, _ := state()
		_, err = cli("load-demo")
		if err == nil || !strings.Contains(err.Error(), "ya tiene datos") {
			t.Errorf("second load-demo: err %v", err)
		}
		if out, err := cli("load-prototype", "--if-empty"); err != nil || out != "" {
			t.Errorf("--if-empty on a full catalogue: err %v, output %q; want nothing", err, out)
		}
		if v2, _ := state(); v2 != v {
			t.Errorf("version %d → %d after refused loads", v, v2)
		}
	})

	t.Run("export writes the demo files back", func(t *testing.T) {
		out, err := cli("export", "--dir", filepath.Join(dir, "export"))
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		wantM, wantP := catalogio.DemoFiles()
		for name, want := range map[string][]byte{catalogio.MaterialsFile: wantM, catalogio.ProductsFile: wantP} {
			got, err := os.ReadFile(filepath.Join(dir, "export", name))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs from the demo file", name)
			}
		}
	})

	t.Run("import of an edited export applies", func(t *testing.T) {
		path := filepath.Join(dir, "export", catalogio.MaterialsFile)
		data, _ := os.ReadFile(path)
		edited := strings.Replace(string(data), "material,upsert,HER-CAR-3,\"Carretilla 3\"\"\",Herrajes,PZA,20,", "material,upsert,HER-CAR-3,\"Carretilla 3\"\"\",Herrajes,PZA,22.5,", 1)
		if edited == string(data) {
			t.Fatal("the export has no HER-CAR-3 row to edit")
		}
		if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
			t.Fatal(err)
		}
		v, _ := state()
		out, err := cli("import", "--format", "native", "--materials", path)
		if err != nil || !strings.Contains(out, "Catálogo importado en una sola transacción.") {
			t.Fatalf("%v\n%s", err, out)
		}
		if v2, _ := state(); v2 <= v {
			t.Errorf("version did not move: %d → %d", v, v2)
		}
		d, _ := db.Open(ctx, dbPath)
		defer d.Close()
		pc, err := d.PricingCatalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := pc.Material("HER-CAR-3"); m.Cost.String() != "22.5" {
			t.Errorf("HER-CAR-3 cost = %s, want 22.5", m.Cost)
		}
	})

	for _, tt := range []struct {
		name string
		args []string
	}{
		{"no subcommand", nil},
		{"unknown subcommand", []string{"borrar"}},
		{"import without format", []string{"import", "--materials", "m.csv"}},
		{"import with an unknown format", []string{"import", "--format", "excel", "--materials", "m.csv"}},
		{"import without files", []string{"import", "--format", "native"}},
		{"export without dir", []string{"export"}},
		{"unknown flag", []string{"load-demo", "--force"}},
	} {
		t.Run("usage: "+tt.name, func(t *testing.T) {
			_, err := cli(tt.args...)
			if err == nil || exitCode(err) != 2 {
				t.Errorf("err = %v (exit %d), want a usage error (exit 2)", err, exitCode(err))
			}
		})
	}
}

func TestLoadPrototypeCommand(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "c.db")
	var out strings.Builder
	err := run(ctx, []string{"cotizador", "catalog", "load-prototype"}, env(map[string]string{"COTIZADOR_DB": dbPath}), strings.NewReader(""), &out, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	d, err := db.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	pc, err := d.PricingCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, p := range pc.Products() {
		codes = append(codes, p.Code)
	}
	var colours []string
	for _, c := range pc.Colours() {
		colours = append(colours, c.Code)
	}
	if got := strings.Join(codes, " "); got != "PROTO-COR-3 PROTO-FIJ-3 PROTO-PRO-35" {
		t.Errorf("products = %s", got)
	}
	if got := strings.Join(colours, " "); got != "NAT BLA NEG BRO CHA MCA" {
		t.Errorf("colours = %s", got)
	}
}
