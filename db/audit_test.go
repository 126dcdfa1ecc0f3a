package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/catalogio"
	"cotizador/db"
)

// auditDB is a migrated database with a company, its owner (user 1) and the
// prototype's seed catalogue, on a fake clock.
func auditDB(t testing.TB) (*db.DB, *app.FakeClock, *db.User) {
	t.Helper()
	d := migratedDB(t)
	clock := app.NewFakeClock(time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC))
	d.Clock = clock
	owner := &db.User{Email: "duena@taller.mx", Name: "Dueña", PasswordHash: "argon2id$secret-hash-owner"}
	if err := d.Setup(context.Background(), "Taller", owner, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	if _, err := loadBuiltIn(t, d, catalogio.PrototypeSeed); err != nil {
		t.Fatal(err)
	}
	return d, clock, owner
}

// lastAudit returns the newest audit entries of a record, newest first.
func lastAudit(t testing.TB, d *db.DB, table string, id int64) []*db.AuditEntry {
	t.Helper()
	es, err := d.FindAudit(context.Background(), db.AuditFilter{Table: table, RowID: id, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// expectEntry checks the newest entry of a record.
func expectEntry(t *testing.T, d *db.DB, table string, id int64, action string, actor app.Actor, keys ...string) *db.AuditEntry {
	t.Helper()
	es := lastAudit(t, d, table, id)
	if len(es) == 0 {
		t.Fatalf("%s %d: no audit entry", table, id)
	}
	e := es[0]
	if e.Action != action || e.Actor != string(actor) {
		t.Fatalf("%s %d: newest entry %s by %s, want %s by %s", table, id, e.Action, e.Actor, action, actor)
	}
	for _, k := range keys {
		if _, ok := e.After[k]; !ok {
			t.Errorf("%s %d %s: after image has no %q: %v", table, id, action, k, e.After)
		}
	}
	return e
}

func verifyOK(t testing.TB, d *db.DB) *db.AuditVerification {
	t.Helper()
	v, err := d.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() {
		t.Fatalf("chain broken at %+v", v.Broken)
	}
	return v
}

// Every table with id, created_at and created_by has the three generated
// triggers unless audit_tables leaves it out, and every column of it but the
// secrets, the derived ones and the entry's own time/actor columns is in the
// insert trigger's image. A table another feature adds is covered the same
// way; this test names those that must be.
func TestAuditCoversEveryBusinessTable(t *testing.T) {
	d, _, _ := auditDB(t)
	ctx := context.Background()
	audited, err := d.AuditedTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"company", "users", "api_tokens", "password_resets", "customers", "materials", "colours",
		"colour_prices", "products", "bom_lines", "quotes", "quote_items", "retention_policies", "exports"} {
		if !slices.Contains(audited, want) {
			t.Errorf("%s is not audited (audited: %v)", want, audited)
		}
	}
	rows, err := d.Reader.QueryContext(ctx, `SELECT m.name FROM sqlite_schema m WHERE m.type = 'table'
		AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'created_by')
		AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'id')
		AND m.name NOT IN (SELECT table_name FROM audit_tables WHERE audited = 0)
		AND m.name NOT LIKE 'audit\_%' ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	var business []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		business = append(business, n)
	}
	rows.Close()
	for _, table := range business {
		if !slices.Contains(audited, table) {
			t.Errorf("business table %s is not audited", table)
			continue
		}
		for _, kind := range []string{"insert", "update", "delete"} {
			var def string
			if err := d.Reader.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?`,
				"audit_row_"+table+"_"+kind).Scan(&def); err != nil {
				t.Errorf("%s: no %s trigger: %v", table, kind, err)
				continue
			}
			if kind != "insert" {
				continue
			}
			cols, err := d.Reader.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
			if err != nil {
				t.Fatal(err)
			}
			for cols.Next() {
				var c string
				cols.Scan(&c)
				recorded := strings.Contains(def, "'"+c+"', ")
				secret := strings.HasSuffix(c, "_hash") || strings.HasSuffix(c, "_token")
				meta := c == "id" || strings.HasPrefix(c, "created_") || strings.HasPrefix(c, "updated_") || strings.HasPrefix(c, "deleted_")
				derived := table == "customers" && (c == "sort_name" || c == "search_terms")
				if want := !secret && !meta && !derived; recorded != want {
					t.Errorf("%s.%s recorded %v, want %v", table, c, recorded, want)
				}
			}
			cols.Close()
		}
	}
	verifyOK(t, d)
}

// Each action on each business table the app writes leaves its entry, in
// the same transaction, with the actor of the row's *_by column.
func TestAuditRecordsEachAction(t *testing.T) {
	d, clock, owner := auditDB(t)
	ctx := context.Background()
	ana := app.UserActor(7)

	// company and settings
	expectEntry(t, d, "company", 1, "insert", app.CLIActor, "name")
	s, err := d.CompanySettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.Phone = "5512345678"
	clock.Advance(time.Minute)
	if err := d.UpdateCompanySettings(ctx, s, ana); err != nil {
		t.Fatal(err)
	}
	e := expectEntry(t, d, "company", 1, "update", ana, "phone")
	if e.Before["phone"] != "" || e.After["phone"] != "5512345678" || e.After["name"] != nil {
		t.Errorf("settings change: before %v after %v, want the phone and no unchanged field", e.Before, e.After)
	}
	if !e.At.Equal(clock.Now()) {
		t.Errorf("entry time %v, want the row's updated_at %v", e.At, clock.Now())
	}
	if _, err := d.SetCompanyLogo(ctx, []byte("\x89PNG fake logo bytes"), ana); err != nil {
		t.Fatal(err)
	}
	e = expectEntry(t, d, "company", 1, "update", ana, "logo_png")
	if v, _ := e.After["logo_png"].(string); !strings.HasPrefix(v, "sha256:") {
		t.Errorf("logo recorded as %q, want its SHA-256", v)
	}

	// users: created, changed, password changed (never the hash), rehash (nothing)
	u := &db.User{Email: "vende@taller.mx", Name: "Vendedor", Role: auth.RoleSales, PasswordHash: "argon2id$secret-hash-sales"}
	if err := d.CreateUser(ctx, u, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "users", u.ID, "insert", app.UserActor(owner.ID), "email", "role")
	role := auth.RoleAdmin
	if _, err := d.UpdateUser(ctx, u.ID, db.UserUpdate{Role: &role}, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "users", u.ID, "update", app.UserActor(owner.ID), "role")
	clock.Advance(time.Minute)
	if err := d.SetPassword(ctx, u.ID, "argon2id$secret-hash-new", 0, app.UserActor(u.ID)); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "users", u.ID, "update", app.UserActor(u.ID), "password_changed_at")
	before := len(lastAudit(t, d, "users", u.ID))
	if err := d.RehashPassword(ctx, u.ID, "argon2id$secret-hash-rehashed"); err != nil {
		t.Fatal(err)
	}
	if after := len(lastAudit(t, d, "users", u.ID)); after != before {
		t.Errorf("a rehash wrote an audit entry (%d → %d)", before, after)
	}

	// API tokens: created, used (nothing), revoked
	_, tok, err := d.CreateAPIToken(ctx, u.ID, "integración", app.UserActor(u.ID))
	if err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "api_tokens", tok.ID, "insert", app.UserActor(u.ID), "name", "prefix")
	before = len(lastAudit(t, d, "api_tokens", tok.ID))
	if err := d.TouchAPIToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(lastAudit(t, d, "api_tokens", tok.ID)); n != before {
		t.Errorf("using a token wrote an audit entry")
	}
	if err := d.RevokeAPIToken(ctx, tok.ID, 0, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "api_tokens", tok.ID, "revoke", app.UserActor(owner.ID), "revoked_at")

	// password reset link
	if _, err := d.CreatePasswordReset(ctx, u.ID, time.Hour, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	var resetID int64
	d.Reader.QueryRow(`SELECT max(id) FROM password_resets`).Scan(&resetID)
	expectEntry(t, d, "password_resets", resetID, "insert", app.UserActor(owner.ID), "user_id", "expires_at")

	// customers: create, update, delete, restore
	c := &db.Customer{Name: "Juana Pérez", Phone: "5512345678", Email: "juana@example.mx"}
	if err := d.CreateCustomer(ctx, c, ana); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "customers", c.ID, "insert", ana, "name", "phone", "email")
	c.Address = "Av. Juárez 10"
	if err := d.UpdateCustomer(ctx, c.ID, c, ana); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "customers", c.ID, "update", ana, "address")
	if err := d.DeleteCustomer(ctx, c.ID, ana); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "customers", c.ID, "delete", ana)
	if err := d.RestoreFromTrash(ctx, db.TrashCustomer, c.ID, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "customers", c.ID, "restore", app.UserActor(owner.ID))

	// catalogue: material, colour, colour price, product with its BOM
	mats, err := d.FindMaterials(ctx, db.MaterialFilter{})
	if err != nil || len(mats) == 0 {
		t.Fatalf("materials: %v", err)
	}
	m := *mats[0]
	m.Code, m.ID = "AUD-MAT-1", 0
	if err := d.CreateMaterial(ctx, &m, ana); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "materials", m.ID, "insert", ana, "code", "cost")
	m.Cost = m.Cost.Add(decimal.NewFromInt(3))
	if err := d.UpdateMaterial(ctx, m.ID, &m, ana); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "materials", m.ID, "update", ana, "cost")
	col := &db.Colour{Active: true}
	col.Code, col.Name, col.Factor = "AUD", "Auditado", decimal.RequireFromString("1.3")
	if err := d.CreateColour(ctx, col, ana); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "colours", col.ID, "insert", ana, "code", "factor")
	if err := d.SetColourPrice(ctx, m.ID, col.ID, decimal.RequireFromString("99.5"), ana); err != nil {
		t.Fatal(err)
	}
	prices, _ := d.FindColourPrices(ctx, m.ID)
	if len(prices) != 1 {
		t.Fatalf("colour prices %d", len(prices))
	}
	expectEntry(t, d, "colour_prices", prices[0].ID, "insert", ana, "price")
	if err := d.DeleteColourPrice(ctx, prices[0].ID, ana); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "colour_prices", prices[0].ID, "delete", ana)
	prods, err := d.FindProducts(ctx, db.ProductFilter{})
	if err != nil || len(prods) == 0 {
		t.Fatalf("products: %v", err)
	}
	p, err := d.FindProductByID(ctx, prods[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	p.Code, p.ID = "AUD-PROD-1", 0
	if err := d.CreateProduct(ctx, p, ana); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "products", p.ID, "insert", ana, "code", "min_width_mm")
	var bomID int64
	d.Reader.QueryRow(`SELECT min(id) FROM bom_lines WHERE product_id = ?`, p.ID).Scan(&bomID)
	expectEntry(t, d, "bom_lines", bomID, "insert", ana, "quantity_formula", "material_id")
	p.Name = "Producto auditado"
	if err := d.UpdateProduct(ctx, p.ID, p, ana); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "products", p.ID, "update", ana, "name")
	expectEntry(t, d, "bom_lines", bomID, "delete", ana) // the BOM is replaced: old lines soft-deleted
	for _, k := range []struct {
		kind, table string
		id          int64
		del         func(context.Context, int64, app.Actor) error
	}{
		{db.TrashMaterial, "materials", m.ID, d.DeleteMaterial},
		{db.TrashColour, "colours", col.ID, d.DeleteColour},
		{db.TrashProduct, "products", p.ID, d.DeleteProduct},
	} {
		if err := k.del(ctx, k.id, ana); err != nil {
			t.Fatal(err)
		}
		expectEntry(t, d, k.table, k.id, "delete", ana)
		if err := d.RestoreFromTrash(ctx, k.kind, k.id, app.UserActor(owner.ID)); err != nil {
			t.Fatal(err)
		}
		expectEntry(t, d, k.table, k.id, "restore", app.UserActor(owner.ID))
	}

	// quotes and their lines
	q := sampleQuote(owner.ID)
	q.CustomerID = c.ID
	if err := d.CreateQuote(ctx, q, "COT", nil, ana); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "quotes", q.ID, "insert", ana, "folio", "total", "customer_name")
	e = expectEntry(t, d, "quote_items", q.Items[0].ID, "insert", ana, "breakdown", "cost")
	if v, _ := e.After["breakdown"].(string); !strings.HasPrefix(v, "sha256:") || len(v) != 71 {
		t.Errorf("breakdown recorded as %q, want sha256:<64 hex>", v)
	}
	if err := d.SetQuoteStatus(ctx, q.ID, db.StatusSent, ana); err != nil {
		t.Fatal(err)
	}
	e = expectEntry(t, d, "quotes", q.ID, "update", ana, "status", "sent_at")
	if e.Before["status"] != "borrador" || e.After["status"] != "enviada" {
		t.Errorf("status change %v → %v", e.Before, e.After)
	}
	if err := d.DeleteQuote(ctx, q.ID, ana); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "quotes", q.ID, "delete", ana)
	if err := d.RestoreFromTrash(ctx, db.TrashQuote, q.ID, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	expectEntry(t, d, "quotes", q.ID, "restore", app.UserActor(owner.ID))

	// retention policies
	if err := d.UpdateRetentionPolicies(ctx, map[string]int{db.PolicyTrash: 45}, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	var polID int64
	d.Reader.QueryRow(`SELECT id FROM retention_policies WHERE key = 'trash'`).Scan(&polID)
	e = expectEntry(t, d, "retention_policies", polID, "update", app.UserActor(owner.ID), "amount")
	if fmt.Sprint(e.Before["amount"]) != "30" || fmt.Sprint(e.After["amount"]) != "45" {
		t.Errorf("policy change %v → %v", e.Before, e.After)
	}

	// No secret anywhere in the trail.
	var leaks int
	if err := d.Reader.QueryRow(`SELECT count(*) FROM (SELECT coalesce(audit_unpack(before), '') || coalesce(audit_unpack(after), '') AS i FROM audit_log)
		WHERE i LIKE '%secret-hash%' OR i LIKE '%token_hash%'`).Scan(&leaks); err != nil {
		t.Fatal(err)
	}
	if leaks != 0 {
		t.Errorf("%d audit entries hold a password or token hash", leaks)
	}
	verifyOK(t, d)
}

// The trail cannot be edited or deleted through the app's connection, and
// its anchor only moves forward.
func TestAuditAppendOnly(t *testing.T) {
	d, _, _ := auditDB(t)
	ctx := context.Background()
	for _, q := range []string{
		`UPDATE audit_log SET actor = 'user:99' WHERE id = 2`,
		`UPDATE audit_log SET after = '{}' WHERE id = 2`,
		`UPDATE audit_log SET hash = zeroblob(32) WHERE id = 2`,
		`DELETE FROM audit_log WHERE id = 2`,
		`DELETE FROM audit_log`,
		`UPDATE audit_anchor SET upto_id = 5, hash = zeroblob(32)`,
		`DELETE FROM audit_anchor`,
		`DELETE FROM materials WHERE id = 1`,
	} {
		_, err := d.Writer.ExecContext(ctx, q)
		if err == nil {
			t.Errorf("%s: accepted", q)
		} else if !strings.Contains(err.Error(), "append-only") && !strings.Contains(err.Error(), "audit_anchor") &&
			!strings.Contains(err.Error(), "soft-deleted") {
			t.Errorf("%s: %v", q, err)
		}
	}
	verifyOK(t, d)
}

// rawConn opens the database file as another program would: mattn's plain
// driver, without the app's functions.
func rawConn(t *testing.T, d *db.DB) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+d.Path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return raw
}

// A write from outside the app fails loudly: the triggers call audit_hash,
// which only the app's connections have.
func TestAuditWriteFromOutsideFails(t *testing.T) {
	d, _, _ := auditDB(t)
	raw := rawConn(t, d)
	for _, q := range []string{
		`UPDATE customers SET name = 'x'`, // no rows yet, but compiling the trigger needs the function… only when a row changes
		`INSERT INTO customers (name, sort_name, created_at, created_by, updated_at, updated_by) VALUES ('Fuera', 'fuera', '2026', 'x', '2026', 'x')`,
		`UPDATE materials SET cost = '1' WHERE id = 1`,
	} {
		_, err := raw.Exec(q)
		if strings.HasPrefix(q, "UPDATE customers") {
			continue // nothing to update: no trigger runs
		}
		if err == nil || !strings.Contains(err.Error(), "no such function") {
			t.Errorf("%s from another program: %v, want no such function", q, err)
		}
	}
	var n int
	d.Reader.QueryRow(`SELECT count(*) FROM customers`).Scan(&n)
	if n != 0 {
		t.Errorf("a customer was written from outside the app")
	}
	verifyOK(t, d)
}

// An attacker with the file drops the guards and edits, deletes or inserts
// audit rows: verification names exactly the first row tampered with.
func TestAuditTamperDetected(t *testing.T) {
	cases := []struct {
		name  string
		sql   []string
		first int64
		gap   bool
	}{
		{"edit a value", []string{`UPDATE audit_log SET after = replace(after, '"', '') WHERE id = 12`}, 12, false},
		{"edit the actor", []string{`UPDATE audit_log SET actor = 'user:1' WHERE id = 9`}, 9, false},
		{"edit the time", []string{`UPDATE audit_log SET at = '2020-01-01T00:00:00Z' WHERE id = 15`}, 15, false},
		{"edit two rows", []string{`UPDATE audit_log SET action = 'update' WHERE id = 20`, `UPDATE audit_log SET action = 'update' WHERE id = 11`}, 11, false},
		{"re-hash the edited row", []string{`UPDATE audit_log SET after = '{}', hash = randomblob(32) WHERE id = 13`}, 13, false},
		{"delete a row", []string{`DELETE FROM audit_log WHERE id = 10`}, 11, true},
		{"delete the first rows", []string{`DELETE FROM audit_log WHERE id <= 3`}, 4, true},
		{"insert a forged row at the end", []string{`INSERT INTO audit_log (id, at, actor, action, table_name, row_id, before, after, hash)
			SELECT max(id) + 1, '2026-11-26T18:00:00Z', 'user:1', 'delete', 'customers', 1, NULL, NULL, (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) FROM audit_log`}, -1, false},
		{"replace a deleted row", []string{`DELETE FROM audit_log WHERE id = 14`,
			`INSERT INTO audit_log (id, at, actor, action, table_name, row_id, before, after, hash) SELECT 14, at, actor, action, table_name, row_id, before, after, hash FROM audit_log WHERE id = 13`}, 14, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, _, owner := auditDB(t)
			ctx := context.Background()
			for i := range 5 {
				c := &db.Customer{Name: fmt.Sprintf("Juana %d", i), Phone: "5512345678"}
				if err := d.CreateCustomer(ctx, c, app.UserActor(owner.ID)); err != nil {
					t.Fatal(err)
				}
				if err := d.DeleteCustomer(ctx, c.ID, app.UserActor(owner.ID)); err != nil {
					t.Fatal(err)
				}
			}
			v := verifyOK(t, d)
			if v.Count < 25 {
				t.Fatalf("only %d entries", v.Count)
			}
			raw := rawConn(t, d)
			for _, g := range []string{"audit_log_no_update", "audit_log_no_delete"} {
				if _, err := raw.Exec(`DROP TRIGGER ` + g); err != nil {
					t.Fatal(err)
				}
			}
			for _, q := range tc.sql {
				if _, err := raw.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			want := tc.first
			if want < 0 {
				want = v.HeadID + 1
			}
			got, err := d.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got.OK() {
				t.Fatalf("tampering not detected")
			}
			if got.Broken.ID != want || got.Broken.Missing != tc.gap {
				t.Errorf("first broken row %+v, want id %d (missing %v)", got.Broken, want, tc.gap)
			}
		})
	}
}

// A column added to an audited table is recorded from the next sync on;
// a table marked not audited loses its triggers.
func TestAuditFollowsTheSchema(t *testing.T) {
	d, _, _ := auditDB(t)
	ctx := context.Background()
	if _, err := d.Writer.ExecContext(ctx, `ALTER TABLE customers ADD COLUMN nickname TEXT NOT NULL DEFAULT ''`); err != nil {
		t.Fatal(err)
	}
	if n, err := d.SyncAuditTriggers(ctx); err != nil || n == 0 {
		t.Fatalf("sync after a new column: %d changed, %v", n, err)
	}
	if n, err := d.SyncAuditTriggers(ctx); err != nil || n != 0 {
		t.Fatalf("second sync changed %d (%v), want nothing", n, err)
	}
	c := &db.Customer{Name: "Con apodo"}
	if err := d.CreateCustomer(ctx, c, "user:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Writer.ExecContext(ctx, `UPDATE customers SET nickname = 'Juanita', updated_at = updated_at WHERE id = ?`, c.ID); err != nil {
		t.Fatal(err)
	}
	e := lastAudit(t, d, "customers", c.ID)[0]
	if e.Action != "update" || e.After["nickname"] != "Juanita" {
		t.Errorf("new column's change recorded as %s %v", e.Action, e.After)
	}
	if _, err := d.Writer.ExecContext(ctx, `INSERT INTO audit_tables (table_name, audited) VALUES ('colours', 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SyncAuditTriggers(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	d.Reader.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'audit_row_colours_%'`).Scan(&n)
	if n != 0 {
		t.Errorf("%d triggers left on a table no longer audited", n)
	}
	verifyOK(t, d)
}

// Rolling back and re-applying migrations works with the generated triggers
// (a down step can drop columns they name).
func TestAuditMigrateDownAndUp(t *testing.T) {
	d, _, _ := auditDB(t)
	ctx := context.Background()
	st, err := d.MigrationStatuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range st {
		if _, err := d.MigrateDown(ctx); err != nil {
			t.Fatalf("down: %v", err)
		}
	}
	if _, err := d.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	c := &db.Customer{Name: "Después"}
	if err := d.CreateCustomer(ctx, c, "user:1"); err != nil {
		t.Fatal(err)
	}
	if es := lastAudit(t, d, "customers", c.ID); len(es) != 1 {
		t.Errorf("%d entries after re-migrating", len(es))
	}
	verifyOK(t, d)
}

// catalogueAudit lists the catalogue tables' audit entries as text, in
// the order given.
func catalogueAudit(t *testing.T, d *db.DB, order string) []string {
	t.Helper()
	rows, err := d.Reader.Query(`SELECT action || ' ' || table_name || ' ' || coalesce(row_id, '') || ' ' || coalesce(audit_unpack(before), '') || ' ' || coalesce(audit_unpack(after), '')
		FROM audit_log WHERE table_name IN ('materials', 'colours', 'colour_prices', 'products', 'bom_lines') ORDER BY ` + order)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// A staged catalogue import (written into a copy and swapped in) is audited
// entry for entry like the same import applied in one transaction, and the
// chain holds.
func TestStagedImportIsAudited(t *testing.T) {
	entries := func(d *db.DB) []string { return catalogueAudit(t, d, "table_name, row_id, id") }
	direct := migratedDB(t)
	staged := migratedDB(t)
	m, p := generatedCatalogue(300, 60)
	for _, d := range []*db.DB{direct, staged} {
		c := catalogio.ReadNative(catalogio.Input{Materials: strings.NewReader(m), Products: strings.NewReader(p)})
		limit := 1_000_000
		if d == staged {
			limit = 10
		}
		restore := db.SetImportStaging(limit, nil)
		res, err := d.ApplyCatalog(context.Background(), c, app.CLIActor, false)
		restore()
		if err != nil || !res.Applied || res.Staged != (d == staged) {
			t.Fatalf("import: %v applied %v staged %v", err, res.Applied, res.Staged)
		}
	}
	a, b := entries(direct), entries(staged)
	if len(a) < 300 || !slices.Equal(a, b) {
		t.Fatalf("direct import: %d entries, staged: %d (equal: %v)", len(a), len(b), slices.Equal(a, b))
	}
	verifyOK(t, staged)
	var left int
	staged.Reader.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name LIKE 'catalog_stage%' OR name LIKE 'audit_stage%'`).Scan(&left)
	if left != 0 {
		t.Errorf("%d staging objects left", left)
	}
}

// A staged import's audit entries are kept by the swap's transaction and
// chained after it in short batches: a crash between the two loses none
// (the next drain chains them), the chain verifies at every step, and
// entries altered while they wait are refused, not chained.
func TestStagedImportAuditKeptAcrossACrash(t *testing.T) {
	ctx := context.Background()
	catalogueEntries := func(d *db.DB) []string { return catalogueAudit(t, d, "id") }
	pendingTables := func(d *db.DB) int {
		var n int
		d.Reader.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name LIKE 'audit\_pending\_%' ESCAPE '\'`).Scan(&n)
		return n
	}
	// crashedImport stages an import and "crashes" right after the swap
	// commits, before its entries are chained.
	crashedImport := func(t *testing.T) *db.DB {
		d := migratedDB(t)
		m, p := generatedCatalogue(120, 20)
		c := catalogio.ReadNative(catalogio.Input{Materials: strings.NewReader(m), Products: strings.NewReader(p)})
		restore := db.SetImportStaging(10, func(step string) error {
			if step == "swap" {
				return errors.New("crash after the swap")
			}
			return nil
		})
		_, err := d.ApplyCatalog(ctx, c, app.CLIActor, false)
		restore()
		if err == nil || !strings.Contains(err.Error(), "crash after the swap") {
			t.Fatalf("import: %v", err)
		}
		if n := counts(t, d); !strings.Contains(n, "materials=120") {
			t.Fatalf("the swap did not commit: %s", n)
		}
		return d
	}
	want := func() []string {
		d := migratedDB(t)
		m, p := generatedCatalogue(120, 20)
		c := catalogio.ReadNative(catalogio.Input{Materials: strings.NewReader(m), Products: strings.NewReader(p)})
		if res, err := d.ApplyCatalog(ctx, c, app.CLIActor, false); err != nil || res.Staged {
			t.Fatalf("direct import: %v", err)
		}
		return catalogueEntries(d)
	}()

	t.Run("drained after the crash", func(t *testing.T) {
		d := crashedImport(t)
		if got := catalogueEntries(d); len(got) != 0 || pendingTables(d) != 1 {
			t.Fatalf("before the drain: %d entries chained, %d pending tables; want 0 and 1", len(got), pendingTables(d))
		}
		es, err := d.FindAudit(ctx, db.AuditFilter{Table: "audit_log", Limit: 5})
		if err != nil || len(es) != 1 || es[0].Action != db.AuditPending || fmt.Sprint(es[0].After["entries"]) != fmt.Sprint(len(want)) {
			t.Fatalf("the swap's commitment: %v, %v", es, err)
		}
		verifyOK(t, d)
		// Another write between the swap and the drain is chained first.
		cu := &db.Customer{Name: "Entre medias"}
		if err := d.CreateCustomer(ctx, cu, "user:1"); err != nil {
			t.Fatal(err)
		}
		defer db.SetPendingBatch(7)()
		if err := d.DrainPendingAudit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := catalogueEntries(d); !slices.Equal(got, want) {
			t.Errorf("after the drain: %d entries, want the direct import's %d (equal: %v)", len(got), len(want), slices.Equal(got, want))
		}
		if n := pendingTables(d); n != 0 {
			t.Errorf("%d pending tables left", n)
		}
		verifyOK(t, d)
		if err := d.DrainPendingAudit(ctx); err != nil {
			t.Errorf("a second drain: %v", err)
		}
	})

	t.Run("altered while waiting", func(t *testing.T) {
		d := crashedImport(t)
		var table string
		d.Reader.QueryRow(`SELECT name FROM sqlite_schema WHERE name LIKE 'audit\_pending\_%' ESCAPE '\'`).Scan(&table)
		// Through the app's own driver: the entries' generated columns call
		// its functions (another program's write fails on them).
		if _, err := d.Writer.Exec(`UPDATE ` + table + ` SET actor = 'user:99' WHERE seq = 3`); err != nil {
			t.Fatal(err)
		}
		if err := d.DrainPendingAudit(ctx); !errors.Is(err, db.ErrPendingAuditAltered) {
			t.Fatalf("drain of altered entries: %v, want ErrPendingAuditAltered", err)
		}
		if got := catalogueEntries(d); len(got) != 0 || pendingTables(d) != 1 {
			t.Errorf("%d altered entries chained, %d pending tables; want none chained, the table kept", len(got), pendingTables(d))
		}
		verifyOK(t, d)
	})
}

// A chain long enough to be checked in parallel ranges still names exactly
// the first tampered row, wherever the ranges split it.
func TestAuditVerifyLongChain(t *testing.T) {
	d, _, _ := auditDB(t)
	ctx := context.Background()
	if err := db.FillAudit(ctx, d, 150_000, false); err != nil {
		t.Fatal(err)
	}
	v := verifyOK(t, d)
	raw := rawConn(t, d)
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	// Two tamperings, one near the end and one where two ranges meet: the
	// earlier one is the answer, whichever range found it.
	late, early := v.HeadID-10, v.HeadID/2+1
	for _, q := range []string{
		fmt.Sprintf(`UPDATE audit_log SET actor = 'user:99' WHERE id = %d`, late),
		fmt.Sprintf(`DELETE FROM audit_log WHERE id = %d`, early),
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	got, err := d.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.OK() || got.Broken.ID != early+1 || !got.Broken.Missing || got.Broken.MissingFrom != early {
		t.Errorf("broken %+v, want row %d with %d missing", got.Broken, early+1, early)
	}
}
