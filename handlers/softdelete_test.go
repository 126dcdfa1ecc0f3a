package handlers_test

import (
	"fmt"
	"net/http"
	"testing"

	"cotizador/app"
	"cotizador/db"
)

// TestSoftDeleteHandlers walks the four "Eliminar" buttons that share one
// handler: each keeps the row marked with who deleted it, returns to its
// list with the flash, and a second delete, an unknown id or a malformed one
// is a 404.
func TestSoftDeleteHandlers(t *testing.T) {
	a, admin := catalogApp(t)
	customer := &db.Customer{Name: "María Guadalupe Núñez"}
	if err := a.DB.CreateCustomer(t.Context(), customer, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	rowID := func(table, code string) int64 {
		t.Helper()
		var id int64
		if err := a.DB.Reader.QueryRow(`SELECT id FROM `+table+` WHERE code = ? AND deleted_at IS NULL`, code).Scan(&id); err != nil {
			t.Fatalf("%s %s: %v", table, code, err)
		}
		return id
	}
	for _, tt := range []struct {
		table, base, list, flash string
		id                       int64
	}{
		{"materials", "/catalogo/materiales/", "/catalogo/materiales", "Eliminado. Sigue en el historial.", rowID("materials", "PER-NAC3-TR")},
		{"colours", "/catalogo/colores/", "/catalogo/colores", "Eliminado. Sigue en el historial.", rowID("colours", "NEG")},
		{"products", "/catalogo/productos/", "/catalogo/productos", "Eliminado. Sigue en el historial.", rowID("products", "PROTO-FIJ-3")},
		{"customers", "/clientes/", "/clientes", "Cliente eliminado.", customer.ID},
	} {
		t.Run(tt.table, func(t *testing.T) {
			del := fmt.Sprintf("%s%d/eliminar", tt.base, tt.id)
			resp, _ := admin.PostForm(t, del, nil)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tt.list {
				t.Fatalf("delete: %d → %q, want 303 → %s", resp.StatusCode, resp.Header.Get("Location"), tt.list)
			}
			_, body := admin.Get(t, tt.list)
			assertContains(t, "list after delete", body, tt.flash)
			var deletedBy string
			if err := a.DB.Reader.QueryRow(`SELECT deleted_by FROM `+tt.table+` WHERE id = ? AND deleted_at IS NOT NULL`, tt.id).Scan(&deletedBy); err != nil {
				t.Fatalf("row not kept as deleted: %v", err)
			}
			if want := fmt.Sprintf("user:%d", userID(t, a, "admin@aluminios.mx")); deletedBy != want {
				t.Errorf("deleted_by = %q, want %q", deletedBy, want)
			}
			for _, path := range []string{del, tt.base + "999999/eliminar", tt.base + "abc/eliminar"} {
				if resp, _ := admin.PostForm(t, path, nil); resp.StatusCode != http.StatusNotFound {
					t.Errorf("POST %s: %d, want 404", path, resp.StatusCode)
				}
			}
		})
	}
}
