package db_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cotizador/app"
	"cotizador/db"
)

func exists(t *testing.T, d *db.DB, table string, where string, args ...any) bool {
	t.Helper()
	var n int
	if err := d.Reader.QueryRow(`SELECT count(*) FROM `+table+` WHERE `+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func hasTable(t *testing.T, d *db.DB, name string) bool {
	return exists(t, d, "sqlite_schema", "type = 'table' AND name = ?", name)
}

func runRetention(t *testing.T, d *db.DB, dry bool) *db.RetentionReport {
	t.Helper()
	rep, err := d.RunRetention(context.Background(), dry, "test")
	if err != nil {
		t.Fatalf("retention: %v", err)
	}
	return rep
}

// Every policy keeps a record until its period has passed and purges it
// after: the fake clock is set one day before the boundary (kept) and one
// day after (purged). The chain of the audit trail still verifies after each
// purge, and each purge is recorded by its counts.
func TestRetentionBoundaries(t *testing.T) {
	ctx := context.Background()
	day := 24 * time.Hour
	years := func(t0 time.Time, n int) time.Time { return t0.AddDate(n, 0, 0) }
	days := func(t0 time.Time, n int) time.Time { return t0.AddDate(0, 0, n) }
	type fixture struct {
		boundary time.Time   // when the record's period ends
		present  func() bool // whether the record is still there
		table    string      // a table whose count the policy reports
		policy   string
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, d *db.DB, clock *app.FakeClock, owner *db.User) fixture
	}{
		{"quotes and their customer, 7 years after the last change", func(t *testing.T, d *db.DB, clock *app.FakeClock, owner *db.User) fixture {
			c := &db.Customer{Name: "Cliente de 2026", Phone: "5512345678"}
			if err := d.CreateCustomer(ctx, c, app.UserActor(owner.ID)); err != nil {
				t.Fatal(err)
			}
			q := sampleQuote(owner.ID)
			q.CustomerID = c.ID
			if err := d.CreateQuote(ctx, q, "COT", nil, app.UserActor(owner.ID)); err != nil {
				t.Fatal(err)
			}
			clock.Advance(3 * day) // the last change counts
			if err := d.SetQuoteStatus(ctx, q.ID, db.StatusSent, app.UserActor(owner.ID)); err != nil {
				t.Fatal(err)
			}
			last := clock.Now()
			return fixture{boundary: years(last, 7), policy: db.PolicyQuotes, table: "quotes", present: func() bool {
				q, i, cu := exists(t, d, "quotes", "id = ?", q.ID), exists(t, d, "quote_items", "quote_id = ?", q.ID), exists(t, d, "customers", "id = ?", c.ID)
				if q != i || q != cu {
					t.Errorf("quote %v, its lines %v, its customer %v: not purged together", q, i, cu)
				}
				return q
			}}
		}},
		{"audit entries, 7 years", func(t *testing.T, d *db.DB, clock *app.FakeClock, owner *db.User) fixture {
			clock.Advance(day)
			c := &db.Customer{Name: "Auditada"}
			if err := d.CreateCustomer(ctx, c, app.UserActor(owner.ID)); err != nil {
				t.Fatal(err)
			}
			at := clock.Now()
			clock.Advance(2 * day)
			if err := d.UpdateCustomer(ctx, c.ID, &db.Customer{Name: "Auditada después"}, app.UserActor(owner.ID)); err != nil {
				t.Fatal(err)
			}
			return fixture{boundary: years(at, 7), policy: db.PolicyAudit, table: "audit_log", present: func() bool {
				verifyOK(t, d)
				// the newer entry outlives the older one
				if !exists(t, d, "audit_log", "table_name = 'customers' AND row_id = ? AND action = 'update'", c.ID) &&
					exists(t, d, "audit_log", "table_name = 'customers' AND row_id = ? AND action = 'insert'", c.ID) {
					t.Error("the newer entry went first")
				}
				return exists(t, d, "audit_log", "table_name = 'customers' AND row_id = ? AND action = 'insert'", c.ID)
			}}
		}},
		{"Papelera: a deleted customer without quotes, 30 days", func(t *testing.T, d *db.DB, clock *app.FakeClock, owner *db.User) fixture {
			c := &db.Customer{Name: "Borrado"}
			if err := d.CreateCustomer(ctx, c, app.UserActor(owner.ID)); err != nil {
				t.Fatal(err)
			}
			clock.Advance(10 * day)
			if err := d.DeleteCustomer(ctx, c.ID, app.UserActor(owner.ID)); err != nil {
				t.Fatal(err)
			}
			return fixture{boundary: days(clock.Now(), 30), policy: db.PolicyTrash, table: "customers", present: func() bool {
				return exists(t, d, "customers", "id = ?", c.ID)
			}}
		}},
		{"Papelera: a deleted product and an unused material, 30 days", func(t *testing.T, d *db.DB, clock *app.FakeClock, owner *db.User) fixture {
			prods, _ := d.FindProducts(ctx, db.ProductFilter{})
			p := prods[0]
			var lone int64
			d.Reader.QueryRow(`SELECT min(id) FROM materials m WHERE NOT EXISTS (SELECT 1 FROM bom_lines b WHERE b.material_id = m.id)`).Scan(&lone)
			if lone == 0 {
				t.Fatal("no unused material in the seed")
			}
			if err := d.DeleteProduct(ctx, p.ID, app.UserActor(owner.ID)); err != nil {
				t.Fatal(err)
			}
			if err := d.DeleteMaterial(ctx, lone, app.UserActor(owner.ID)); err != nil {
				t.Fatal(err)
			}
			return fixture{boundary: days(clock.Now(), 30), policy: db.PolicyTrash, table: "products", present: func() bool {
				pr, bl, m := exists(t, d, "products", "id = ?", p.ID), exists(t, d, "bom_lines", "product_id = ?", p.ID), exists(t, d, "materials", "id = ?", lone)
				if pr != bl || pr != m {
					t.Errorf("product %v, its BOM %v, material %v", pr, bl, m)
				}
				return pr
			}}
		}},
		{"sessions, 30 days after they end", func(t *testing.T, d *db.DB, clock *app.FakeClock, owner *db.User) fixture {
			_, s, err := d.CreateSession(ctx, owner.ID, false, "test", "127.0.0.1", db.SessionPolicy{Idle: time.Hour, Absolute: 12 * time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			return fixture{boundary: days(s.ExpiresAt, 30), policy: db.PolicySessions, table: "sessions", present: func() bool {
				return exists(t, d, "sessions", "id = ?", s.ID)
			}}
		}},
		{"login attempts and the security log, 1 year", func(t *testing.T, d *db.DB, clock *app.FakeClock, owner *db.User) fixture {
			if err := d.RecordLoginAttempt(ctx, "x@y.mx", "127.0.0.1", db.LoginFailure); err != nil {
				t.Fatal(err)
			}
			if err := d.RecordSecurityEvent(ctx, &db.SecurityEvent{Kind: "login_failed", Email: "x@y.mx"}); err != nil {
				t.Fatal(err)
			}
			return fixture{boundary: days(clock.Now(), 365), policy: db.PolicySecurity, table: "login_attempts", present: func() bool {
				a, e := exists(t, d, "login_attempts", "email = 'x@y.mx'"), exists(t, d, "security_events", "email = 'x@y.mx'")
				if a != e {
					t.Errorf("attempt %v, event %v", a, e)
				}
				return a
			}}
		}},
		{"CSRF tokens, 1 day after expiry", func(t *testing.T, d *db.DB, clock *app.FakeClock, owner *db.User) fixture {
			if err := d.CSRFStorage().Set("csrf-token-value", nil, time.Hour); err != nil {
				t.Fatal(err)
			}
			return fixture{boundary: days(clock.Now().Add(time.Hour), 1), policy: db.PolicyCSRF, table: "csrf_tokens", present: func() bool {
				return exists(t, d, "csrf_tokens", "1")
			}}
		}},
		{"share links, 90 days after expiry", func(t *testing.T, d *db.DB, clock *app.FakeClock, owner *db.User) fixture {
			if !hasTable(t, d, "quote_shares") {
				// Share links are another feature's table: without it the
				// policy has nothing to purge and must say so.
				return fixture{boundary: days(clock.Now(), 90), policy: db.PolicyShares, table: "quote_shares", present: func() bool { return false }}
			}
			q := sampleQuote(owner.ID)
			if err := d.CreateQuote(ctx, q, "COT", nil, app.UserActor(owner.ID)); err != nil {
				t.Fatal(err)
			}
			expires := clock.Now().Add(15 * day)
			ts := app.FormatTime(clock.Now())
			if _, err := d.Writer.Exec(`INSERT INTO quote_shares (quote_id, token_hash, form_token, expires_at, created_at, created_by, updated_at, updated_by)
				VALUES (?, ?, 'form', ?, ?, 'user:1', ?, 'user:1')`, q.ID, strings.Repeat("ab", 32), app.FormatTime(expires), ts, ts); err != nil {
				t.Fatal(err)
			}
			return fixture{boundary: days(expires, 90), policy: db.PolicyShares, table: "quote_shares", present: func() bool {
				return exists(t, d, "quote_shares", "quote_id = ?", q.ID)
			}}
		}},
		{"export files, 7 days", func(t *testing.T, d *db.DB, clock *app.FakeClock, owner *db.User) fixture {
			ex, err := d.CreateExport(ctx, db.ExportBusiness, 0, app.UserActor(owner.ID))
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(d.ExportDir(), "prueba.zip")
			if err := os.MkdirAll(d.ExportDir(), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte("zip"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := d.FinishExport(ctx, ex.ID, "prueba.zip", 3, "abc", "{}", ""); err != nil {
				t.Fatal(err)
			}
			return fixture{boundary: days(clock.Now(), 7), policy: db.PolicyExports, table: "exports", present: func() bool {
				_, err := os.Stat(file)
				got, _ := d.FindExport(ctx, ex.ID)
				if (err == nil) != (got.Status == db.ExportReady) {
					t.Errorf("file present %v, status %s", err == nil, got.Status)
				}
				return err == nil
			}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, clock, owner := auditDB(t)
			f := tc.setup(t, d, clock, owner)
			if !hasTable(t, d, f.table) {
				rep := runRetention(t, d, false)
				if n := rep.Total(f.policy); n != 0 {
					t.Errorf("policy %s purged %d without its table", f.policy, n)
				}
				return
			}
			if !f.present() {
				t.Fatal("fixture missing before any run")
			}
			clock.Set(f.boundary.Add(-day))
			dry := runRetention(t, d, true)
			rep := runRetention(t, d, false)
			if !f.present() {
				t.Fatalf("purged a day before its period ended (%v)", f.boundary)
			}
			if n := dry.Counts[f.policy][f.table]; n != rep.Counts[f.policy][f.table] {
				t.Errorf("dry run counted %d, the run purged %d", n, rep.Counts[f.policy][f.table])
			}
			clock.Set(f.boundary.Add(day))
			dry = runRetention(t, d, true)
			if !f.present() {
				t.Fatal("a dry run purged")
			}
			if dry.Counts[f.policy][f.table] == 0 {
				t.Errorf("dry run a day after the boundary counts nothing for %s", f.table)
			}
			rep = runRetention(t, d, false)
			if f.present() {
				t.Fatalf("kept a day after its period ended (%v); counts %v", f.boundary, rep.Counts[f.policy])
			}
			if rep.Counts[f.policy][f.table] != dry.Counts[f.policy][f.table] {
				t.Errorf("purged %d, the dry run said %d", rep.Counts[f.policy][f.table], dry.Counts[f.policy][f.table])
			}
			verifyOK(t, d)
			if f.policy != db.PolicyExports {
				// The purge is audited by its counts.
				es, err := d.FindAudit(ctx, db.AuditFilter{Table: "retention_policies"})
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, e := range es {
					if e.Action == db.AuditPurge && e.After["policy"] == f.policy {
						found = true
					}
				}
				if !found {
					t.Errorf("no purge entry for %s", f.policy)
				}
			}
		})
	}
}

// A deleted customer with quotes is kept as long as its quotes; a material a
// product still uses is kept until no product does.
func TestRetentionKeepsReferencedRecords(t *testing.T) {
	d, clock, owner := auditDB(t)
	ctx := context.Background()
	c := &db.Customer{Name: "Con cotizaciones"}
	if err := d.CreateCustomer(ctx, c, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	q := sampleQuote(owner.ID)
	q.CustomerID = c.ID
	if err := d.CreateQuote(ctx, q, "COT", nil, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteCustomer(ctx, c.ID, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	var used int64
	d.Reader.QueryRow(`SELECT min(material_id) FROM bom_lines WHERE deleted_at IS NULL`).Scan(&used)
	if err := d.DeleteMaterial(ctx, used, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	items, err := d.FindTrash(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var cust, mat *db.TrashItem
	for _, it := range items {
		switch {
		case it.Kind == db.TrashCustomer && it.ID == c.ID:
			cust = it
		case it.Kind == db.TrashMaterial && it.ID == used:
			mat = it
		}
	}
	if cust == nil || mat == nil {
		t.Fatalf("Papelera %+v", items)
	}
	if cust.Quotes != 1 || cust.PurgeRule != db.PurgeTax || !cust.PurgeAt.Equal(clock.Now().AddDate(7, 0, 0)) {
		t.Errorf("customer with a quote: %+v, want purged with its quote in 7 years", cust)
	}
	if mat.UsedBy == 0 || mat.PurgeRule != db.PurgeReferenced || !mat.PurgeAt.IsZero() {
		t.Errorf("used material: %+v", mat)
	}
	clock.Advance(60 * 24 * time.Hour)
	runRetention(t, d, false)
	if !exists(t, d, "customers", "id = ?", c.ID) || !exists(t, d, "materials", "id = ?", used) {
		t.Error("purged a customer with quotes or a material in use after the Papelera's grace")
	}
}

// The owner changes a policy within its range; outside it, nothing changes
// and the field says why.
func TestRetentionPolicyLimits(t *testing.T) {
	d, _, owner := auditDB(t)
	ctx := context.Background()
	err := d.UpdateRetentionPolicies(ctx, map[string]int{db.PolicyQuotes: 4, db.PolicyTrash: 60}, app.UserActor(owner.ID))
	var ae *app.Error
	if !asAppError(err, &ae) || ae.Fields[db.PolicyQuotes].Message != "retention.below_minimum.year" {
		t.Fatalf("4 years for quotes: %v", err)
	}
	ps, _ := d.RetentionPolicies(ctx)
	for _, p := range ps {
		if p.Amount != p.DefaultAmount {
			t.Errorf("%s changed to %d by a refused update", p.Key, p.Amount)
		}
	}
	want := map[string][2]any{db.PolicyQuotes: {7, "year"}, db.PolicyAudit: {7, "year"}, db.PolicyTrash: {30, "day"}, db.PolicySessions: {30, "day"},
		db.PolicySecurity: {365, "day"}, db.PolicyCSRF: {1, "day"}, db.PolicyShares: {90, "day"}, db.PolicyExports: {7, "day"}}
	if len(ps) != len(want) {
		t.Errorf("%d policies, want %d", len(ps), len(want))
	}
	for _, p := range ps {
		if w := want[p.Key]; w[0] != p.Amount || w[1] != p.Unit {
			t.Errorf("%s default %d %s, want %v", p.Key, p.Amount, p.Unit, w)
		}
	}
	if err := d.UpdateRetentionPolicies(ctx, map[string]int{db.PolicyQuotes: 10, db.PolicyTrash: 60}, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	ps, _ = d.RetentionPolicies(ctx)
	if p := ps[0]; p.Key != db.PolicyQuotes || p.Amount != 10 || p.UpdatedBy != string(app.UserActor(owner.ID)) {
		t.Errorf("quotes policy %+v", p)
	}
}

func asAppError(err error, target **app.Error) bool { return errors.As(err, target) }
