package db_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cotizador/app"
	"cotizador/db"
)

func customersDB(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "customers.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.MigrateUp(context.Background()); err != nil {
		t.Fatalf("MigrateUp: %v", err)
	}
	d.Clock = app.NewFakeClock(time.Date(2026, 11, 26, 20, 30, 0, 0, time.UTC))
	return d
}

func names(cs []*db.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// searchFixture is a small book of customers whose search results are
// known by heart.
func searchFixture(t *testing.T) *db.DB {
	t.Helper()
	d := customersDB(t)
	cs := []*db.Customer{
		{Name: "María Guadalupe Núñez Ibarra", RFC: "NUIM850214AB1", Phone: "5512345678", Email: "lupita@gmail.com"},
		{Name: "Juan Nuñez", Phone: "3398765432"},
		{Name: "Constructora del Bajío", BusinessName: "Constructora del Bajío S.A. de C.V.", RFC: "CBA010203XY9", Phone: "4421112233"},
		{Name: "Óscar García-López", RFC: "GALO561231GR8", Phone: "8180001122"},
		{Name: "Hotel Playa Azul", BusinessName: "Servicios Turísticos Peña S. de R.L. de C.V.", Phone: "9981234567"},
		{Name: "Público en general", RFC: "XAXX010101000"},
	}
	if err := d.CreateCustomers(t.Context(), cs, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSearchCustomers(t *testing.T) {
	d := searchFixture(t)
	tests := []struct {
		search string
		want   []string
	}{
		{"", []string{"Constructora del Bajío", "Hotel Playa Azul", "Juan Nuñez", "María Guadalupe Núñez Ibarra", "Óscar García-López", "Público en general"}},
		{"nunez", []string{"Juan Nuñez", "María Guadalupe Núñez Ibarra"}},
		{"NÚÑEZ", []string{"Juan Nuñez", "María Guadalupe Núñez Ibarra"}},
		{"nú", []string{"Juan Nuñez", "María Guadalupe Núñez Ibarra"}},
		{"maria nunez", []string{"María Guadalupe Núñez Ibarra"}},
		{"nunez maria", []string{"María Guadalupe Núñez Ibarra"}},
		{"guada ib", []string{"María Guadalupe Núñez Ibarra"}},
		// Words are matched by their start, not anywhere inside.
		{"lupe", nil},
		{"juan ibarra", nil},
		{"oscar", []string{"Óscar García-López"}},
		{"lopez", []string{"Óscar García-López"}},
		{"garcía-ló", []string{"Óscar García-López"}},
		{"bajio", []string{"Constructora del Bajío"}},
		// The razón social is searched too.
		{"turisticos pena", []string{"Hotel Playa Azul"}},
		// RFC prefix, whatever the case and the dashes people type.
		{"NUIM85", []string{"María Guadalupe Núñez Ibarra"}},
		{"galo-561231", []string{"Óscar García-López"}},
		{"xaxx", []string{"Público en general"}},
		// Phone prefix, with the separators people type, with the country
		// code, and the local number without the area code.
		{"551234", []string{"María Guadalupe Núñez Ibarra"}},
		{"55 1234-56", []string{"María Guadalupe Núñez Ibarra"}},
		{"(33) 9876", []string{"Juan Nuñez"}},
		{"+52 81 8000 1122", []string{"Óscar García-López"}},
		{"1234 5678", []string{"María Guadalupe Núñez Ibarra"}},
		{"998 123", []string{"Hotel Playa Azul"}},
		{"123 4567", []string{"Hotel Playa Azul", "María Guadalupe Núñez Ibarra"}},
		{"nadie", nil},
		// Nothing searchable: the whole list, not an error.
		{"  -  ", []string{"Constructora del Bajío", "Hotel Playa Azul", "Juan Nuñez", "María Guadalupe Núñez Ibarra", "Óscar García-López", "Público en general"}},
		// LIKE wildcards are dropped, never obeyed ("%ez" is not "ends in ez").
		{"%", []string{"Constructora del Bajío", "Hotel Playa Azul", "Juan Nuñez", "María Guadalupe Núñez Ibarra", "Óscar García-López", "Público en general"}},
		{"%ez", nil},
		{"j_an", nil},
	}
	for _, tt := range tests {
		t.Run(tt.search, func(t *testing.T) {
			got, total, err := d.FindCustomers(t.Context(), db.CustomerFilter{Search: tt.search})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(got), tt.want) {
				t.Errorf("FindCustomers(%q) = %q, want %q", tt.search, names(got), tt.want)
			}
			if total != len(tt.want) {
				t.Errorf("total = %d, want %d", total, len(tt.want))
			}
		})
	}
}

func TestCustomerCRUD(t *testing.T) {
	d := customersDB(t)
	ctx := t.Context()
	c := &db.Customer{Name: "Rosa Martínez", BusinessName: "", RFC: "MARR800101AB1", Email: "rosa@example.mx", Phone: "5511112222",
		Address: "Calle Hidalgo 12, Centro, Querétaro", TaxRegime: "612", PostalCode: "76000", CFDIUse: "G03", Notes: "Prefiere WhatsApp"}
	if err := d.CreateCustomer(ctx, c, app.UserActor(7)); err != nil {
		t.Fatal(err)
	}
	if c.ID == 0 || c.CreatedAt.IsZero() {
		t.Fatalf("after create: ID %d, CreatedAt %v", c.ID, c.CreatedAt)
	}
	got, err := d.FindCustomerByID(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *c {
		t.Errorf("FindCustomerByID = %+v, want %+v", got, c)
	}
	var createdBy, updatedBy string
	d.Reader.QueryRow(`SELECT created_by, updated_by FROM customers WHERE id = ?`, c.ID).Scan(&createdBy, &updatedBy)
	if createdBy != "user:7" || updatedBy != "user:7" {
		t.Errorf("created_by, updated_by = %q, %q; want user:7", createdBy, updatedBy)
	}

	t.Run("update rewrites the search terms", func(t *testing.T) {
		upd := *c
		upd.Name = "Rosa Elena Quiñones"
		upd.Phone = "3312345678"
		if err := d.UpdateCustomer(ctx, c.ID, &upd, app.UserActor(8)); err != nil {
			t.Fatal(err)
		}
		if upd.CreatedAt != c.CreatedAt {
			t.Errorf("CreatedAt after update = %v, want %v", upd.CreatedAt, c.CreatedAt)
		}
		for search, want := range map[string]int{"martinez": 0, "5511": 0, "quinones": 1, "elena": 1, "3312": 1, "marr80": 1} {
			if _, n, err := d.FindCustomers(ctx, db.CustomerFilter{Search: search}); err != nil || n != want {
				t.Errorf("search %q after update: %d found (err %v), want %d", search, n, err, want)
			}
		}
		d.Reader.QueryRow(`SELECT updated_by FROM customers WHERE id = ?`, c.ID).Scan(&updatedBy)
		if updatedBy != "user:8" {
			t.Errorf("updated_by = %q, want user:8", updatedBy)
		}
	})

	t.Run("soft delete", func(t *testing.T) {
		if err := d.DeleteCustomer(ctx, c.ID, app.UserActor(9)); err != nil {
			t.Fatal(err)
		}
		var deletedAt, deletedBy string
		if err := d.Reader.QueryRow(`SELECT deleted_at, deleted_by FROM customers WHERE id = ?`, c.ID).Scan(&deletedAt, &deletedBy); err != nil {
			t.Fatalf("the row is gone, want it kept: %v", err)
		}
		if deletedAt == "" || deletedBy != "user:9" {
			t.Errorf("deleted_at, deleted_by = %q, %q", deletedAt, deletedBy)
		}
		if _, err := d.FindCustomerByID(ctx, c.ID); app.ErrorCode(err) != app.ENOTFOUND || app.ErrorMessage(err) != "customer.not_found" {
			t.Errorf("FindCustomerByID after delete: %v, want ENOTFOUND customer.not_found", err)
		}
		if _, n, _ := d.FindCustomers(ctx, db.CustomerFilter{Search: "quinones"}); n != 0 {
			t.Errorf("a deleted customer is still found by search")
		}
		if _, n, _ := d.FindCustomers(ctx, db.CustomerFilter{}); n != 0 {
			t.Errorf("a deleted customer is still listed")
		}
		for name, err := range map[string]error{
			"update": d.UpdateCustomer(ctx, c.ID, c, app.UserActor(9)),
			"delete": d.DeleteCustomer(ctx, c.ID, app.UserActor(9)),
		} {
			if app.ErrorCode(err) != app.ENOTFOUND {
				t.Errorf("%s of a deleted customer: %v, want ENOTFOUND", name, err)
			}
		}
	})

	t.Run("the database refuses what the validators would", func(t *testing.T) {
		for name, bad := range map[string]*db.Customer{
			"no name":       {Name: ""},
			"short phone":   {Name: "X", Phone: "55123"},
			"letters phone": {Name: "X", Phone: "55123456AB"},
			"rfc length":    {Name: "X", RFC: "ABC"},
			"postal code":   {Name: "X", PostalCode: "7600"},
		} {
			if err := d.CreateCustomer(ctx, bad, app.CLIActor); err == nil {
				t.Errorf("%s: stored", name)
			}
		}
	})

	t.Run("all or none", func(t *testing.T) {
		err := d.CreateCustomers(ctx, []*db.Customer{{Name: "Primero"}, {Name: ""}}, app.CLIActor)
		if err == nil {
			t.Fatal("a batch with an invalid customer was stored")
		}
		if _, n, _ := d.FindCustomers(ctx, db.CustomerFilter{Search: "primero"}); n != 0 {
			t.Errorf("the valid half of a failed batch was stored")
		}
	})
}

func TestFindCustomersPagination(t *testing.T) {
	d := customersDB(t)
	var cs []*db.Customer
	for i := range 45 {
		cs = append(cs, &db.Customer{Name: fmt.Sprintf("Cliente %02d Pérez", i)})
	}
	cs = append(cs, &db.Customer{Name: "Álvaro Pérez"}, &db.Customer{Name: "alma Pérez"})
	if err := d.CreateCustomers(t.Context(), cs, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	var all []string
	for offset := 0; ; offset += 20 {
		page, total, err := d.FindCustomers(t.Context(), db.CustomerFilter{Search: "perez", Limit: 20, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		if total != 47 {
			t.Fatalf("total = %d, want 47", total)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 20 {
			t.Fatalf("page of %d, want at most 20", len(page))
		}
		all = append(all, names(page)...)
	}
	if len(all) != 47 {
		t.Fatalf("pages held %d customers, want 47 (none twice, none skipped)", len(all))
	}
	// Sorted ignoring case and accents: "alma" and "Álvaro" before "Cliente".
	if all[0] != "alma Pérez" || all[1] != "Álvaro Pérez" || all[2] != "Cliente 00 Pérez" || all[46] != "Cliente 44 Pérez" {
		t.Errorf("order: %q … %q", all[:3], all[46])
	}
	if page, total, _ := d.FindCustomers(t.Context(), db.CustomerFilter{Offset: 1000}); len(page) != 0 || total != 47 {
		t.Errorf("offset past the end: %d rows, total %d; want 0, 47", len(page), total)
	}
	if page, _, _ := d.FindCustomers(t.Context(), db.CustomerFilter{Limit: 10_000}); len(page) != 47 {
		t.Errorf("a huge limit returned %d rows", len(page))
	}
	if page, _, _ := d.FindCustomers(t.Context(), db.CustomerFilter{}); len(page) != db.DefaultCustomerLimit {
		t.Errorf("no limit returned %d rows, want the default %d", len(page), db.DefaultCustomerLimit)
	}
}

// queryPlan returns SQLite's plan for a statement, one line per step.
func queryPlan(t testing.TB, d *db.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := d.Reader.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return out
}

// planSearches are the kinds of search the plan must serve from indexes.
var planSearches = []string{"", "nunez", "m", "maria nunez", "juan de la cruz", "GODE561231", "55 1234", "+52 81 8000 1122"}

// checkSearchPlans fails when a customer search would read a whole table.
// Allowed: index SEARCHes, the ordered walk of customers_sort_name when there
// is no search, and scans of the search's own intermediate results (the
// co-routine "m" holding one page, the distinct matches being counted).
func checkSearchPlans(t testing.TB, d *db.DB) {
	t.Helper()
	for _, search := range planSearches {
		countSQL, pageSQL, args := db.CustomerQueries(search)
		for _, q := range []struct {
			name string
			sql  string
			args []any
		}{{"count", countSQL, args}, {"page", pageSQL, append(slices.Clone(args), 20, 0)}} {
			plan := queryPlan(t, d, q.sql, q.args...)
			joined := strings.Join(plan, " | ")
			for _, step := range plan {
				if !strings.HasPrefix(step, "SCAN ") {
					continue
				}
				ok := step == "SCAN m" || strings.HasPrefix(step, "SCAN (subquery-") ||
					search == "" && strings.Contains(step, "INDEX customers_sort_name")
				if !ok {
					t.Errorf("search %q, %s: full scan %q in plan %s", search, q.name, step, joined)
				}
			}
			if search == "" {
				if !strings.Contains(joined, "customers_sort_name") {
					t.Errorf("list %s does not use customers_sort_name: %s", q.name, joined)
				}
				continue
			}
			if !strings.Contains(joined, "SEARCH d USING PRIMARY KEY (term>? AND term<?)") {
				t.Errorf("search %q, %s: the typed prefix is not a range of customer_terms' key: %s", search, q.name, joined)
			}
			if q.name == "count" && strings.Contains(joined, "SEARCH c USING") {
				t.Errorf("search %q: the count reads customers: %s", search, joined)
			}
			if q.name == "page" && !strings.Contains(joined, "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)") {
				t.Errorf("search %q: the page's customers are not read by id: %s", search, joined)
			}
		}
	}
}

func TestSearchCustomersQueryPlan(t *testing.T) {
	d := customersDB(t)
	if err := d.CreateCustomers(t.Context(), mexicanCustomers(2000, 1), app.CLIActor); err != nil {
		t.Fatal(err)
	}
	t.Run("without statistics", func(t *testing.T) { checkSearchPlans(t, d) })
	// The planner's choice may change once it has statistics (PRAGMA
	// optimize runs ANALYZE): the plan must not.
	if _, err := d.Writer.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	t.Run("with statistics", func(t *testing.T) { checkSearchPlans(t, d) })
}

func TestFoldText(t *testing.T) {
	for in, want := range map[string]string{"Núñez": "nunez", "ÁLVAREZ": "alvarez", "Pingüino": "pinguino", "Ça va": "ca va", "Ñandú": "nandu"} {
		if got := db.FoldText(in); got != want {
			t.Errorf("FoldText(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkSearchCustomers100k searches a book of 100,000 customers the way
// the search box does (first page of 20 and the total). Run:
//
//	go test -run '^$' -bench BenchmarkSearchCustomers100k -benchtime 2s ./db/
func BenchmarkSearchCustomers100k(b *testing.B) {
	d := customersDB(b)
	start := time.Now()
	customers := mexicanCustomers(100_000, 42)
	if err := d.CreateCustomers(context.Background(), customers, app.CLIActor); err != nil {
		b.Fatal(err)
	}
	b.Logf("inserted 100,000 customers in %v", time.Since(start).Round(time.Millisecond))
	checkSearchPlans(b, d)
	rare := customers[77_777]
	for _, s := range []struct{ name, search string }{
		{"name_prefix", "nuñ"},
		{"full_name", db.FoldText(rare.Name)},
		{"two_words", "maria hern"},
		{"one_letter", "m"},
		{"rfc_prefix", "GAL"},
		{"phone_prefix", "55 12"},
		{"no_search", ""},
	} {
		b.Run(s.name, func(b *testing.B) {
			var total int
			for b.Loop() {
				var err error
				_, total, err = d.FindCustomers(context.Background(), db.CustomerFilter{Search: s.search, Limit: 20})
				if err != nil {
					b.Fatal(err)
				}
			}
			if total == 0 {
				b.Fatalf("search %q found nothing", s.search)
			}
			b.ReportMetric(float64(total), "matches")
		})
	}
	var n int
	if err := d.Reader.QueryRow(`SELECT count(*) FROM customers`).Scan(&n); err != nil || n != 100_000 {
		b.Fatalf("customers = %d, %v", n, err)
	}
}
