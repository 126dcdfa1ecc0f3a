package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cotizador/catalogio"
)

// TestCatalogImportRefusesUnevaluableFormulas: a products CSV whose BOM
// formulas compile but cannot be evaluated at a corner of the product's
// size range (1/0, an overflow, round() to 20 digits) is refused by the
// import, dry run included: the rows count as errors with a Spanish message
// naming the formula, the line and the size, and nothing is written.
func TestCatalogImportRefusesUnevaluableFormulas(t *testing.T) {
	dir := t.TempDir()
	materials, _ := catalogio.DemoFiles()
	products := "record,action,code,name,category,type,line,hojas,min_width_mm,max_width_mm,min_height_mm,max_height_mm," +
		"labour_rate_m2,complexity,glass_deduct_w_mm,glass_deduct_h_mm,description,active,order,material_code,role," +
		"quantity_formula,cut_count_formula,cut_length_formula,waste_factor\n"
	for _, p := range []struct{ code, formula string }{
		{"T-OK", "2 * (width_m + height_m)"},
		{"T-DIV", "1/0"},
		{"T-POW", "pow(10,400)"},
		{"T-ROUND", "round(1, 20)"},
	} {
		products += "product,upsert," + p.code + ",Prueba " + p.code + ",ventana,fija,,1,800,2400,600,2000,0,1,0,0,,1,,,,,,,\n" +
			"bom,upsert," + p.code + ",,,,,,,,,,,,,,Marco,,1,CON-SIL-TR,consumible,1,,,\n" +
			"bom,upsert," + p.code + ",,,,,,,,,,,,,,Prueba,,2,CON-SIL-TR,consumible,\"" + p.formula + "\",,,\n"
	}
	mPath, pPath := filepath.Join(dir, "materials.csv"), filepath.Join(dir, "products.csv")
	if err := os.WriteFile(mPath, materials, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pPath, []byte(products), 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "c.db")
	e := env(map[string]string{"COTIZADOR_DB": dbPath})
	for _, dry := range []bool{true, false} {
		name := "apply"
		args := []string{"cotizador", "catalog", "import", "--format", "native", "--materials", mPath, "--products", pPath}
		if dry {
			name = "dry run"
			args = append(args, "--dry-run")
		}
		t.Run(name, func(t *testing.T) {
			var out strings.Builder
			err := run(context.Background(), args, e, strings.NewReader(""), &out, &out)
			if err == nil || exitCode(err) != 1 {
				t.Fatalf("err = %v, want exit code 1\n%s", err, out.String())
			}
			// Each bad product: its BOM row and the product row itself.
			for _, want := range []string{
				"products.csv, fila 7, campo «quantity_formula»: La fórmula «1/0» de la línea 2 no se puede calcular con 800 × 600 mm: " +
					"el resultado no es un número válido (¿división entre cero o raíz de un negativo?)",
				"products.csv, fila 10, campo «quantity_formula»: La fórmula «pow(10,400)» de la línea 2 no se puede calcular con 800 × 600 mm",
				"products.csv, fila 13, campo «quantity_formula»: La fórmula «round(1, 20)» de la línea 2 no se puede calcular con 800 × 600 mm: " +
					"los decimales de round deben ser un número entero entre -15 y 15",
				" 6 con error.",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
