package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cotizador/db"
)

// `cotizador dev seed` writes realistic quotes through the store: every
// status, revisions, lines, the audit trail, the search index and the
// dashboard's counters as the app makes them, in creation order; it is
// refused in production and on bad arguments without touching a database.
func TestDevSeed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "seed.db")
	cli := func(vars map[string]string, args ...string) (string, error) {
		vars["COTIZADOR_DB"] = dbPath
		var out, errOut strings.Builder
		err := run(ctx, append([]string{"cotizador", "dev", "seed"}, args...), env(vars), strings.NewReader(""), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	prod := map[string]string{"COTIZADOR_ENV": "production", "COTIZADOR_BASE_URL": "https://cotiza.example.mx"}
	if _, err := cli(prod, "--quotes", "5", "--customers", "2"); err == nil || !strings.Contains(err.Error(), "producción") {
		t.Fatalf("in production: %v, want a refusal", err)
	}
	for _, bad := range [][]string{{"--quotes", "-1", "--customers", "2"}, {"--quotes", "5"}, {"--quotes", "5", "--customers", "2", "extra"}} {
		if _, err := cli(map[string]string{}, bad...); err == nil || exitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", bad, err)
		}
	}
	if _, err := os.Stat(dbPath); !os.IsNotExist(err) {
		t.Fatalf("a refused seed created the database: %v", err)
	}

	out, err := cli(map[string]string{}, "--quotes", "300", "--customers", "40")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "300 cotizaciones") {
		t.Errorf("output: %s", out)
	}
	d, err := db.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var quotes, current, statuses, revised, customers, lines, audited, terms, disorder int
	for _, q := range []struct {
		sql string
		v   *int
	}{
		{`SELECT count(*) FROM quotes WHERE revision = 1`, &quotes},
		{`SELECT count(*) FROM quotes WHERE superseded_by IS NULL`, &current},
		{`SELECT count(DISTINCT status) FROM quotes`, &statuses},
		{`SELECT count(*) FROM quotes WHERE revision > 1`, &revised},
		{`SELECT count(*) FROM customers`, &customers},
		{`SELECT count(*) FROM quote_items`, &lines},
		{`SELECT count(*) FROM audit_log WHERE table_name = 'quotes'`, &audited},
		{`SELECT count(DISTINCT quote_id) FROM quote_terms`, &terms},
		{`SELECT count(*) FROM (SELECT created_at < lag(created_at) OVER (ORDER BY id) AS back FROM quotes) WHERE back`, &disorder},
	} {
		if err := d.Reader.QueryRowContext(ctx, q.sql).Scan(q.v); err != nil {
			t.Fatal(err)
		}
	}
	if quotes != 300 || customers != 40 || statuses != 5 || revised == 0 || lines < 300 || audited < quotes || terms != current || disorder != 0 {
		t.Errorf("seeded %d quotes (%d current, %d statuses, %d revisions), %d customers, %d lines, %d audit entries, %d quotes indexed, %d out of order",
			quotes, current, statuses, revised, customers, lines, audited, terms, disorder)
	}
	page, err := d.FindQuotes(ctx, db.QuoteFilter{Status: db.StatusExpired, Today: db.Today(d.Clock.Now())})
	if err != nil || page.Count == 0 {
		t.Errorf("no vencida quotes among the seeded ones: %+v, %v", page, err)
	}
	dash, err := d.Dashboard(ctx, db.DashboardFilter{FromMonth: "2000-01", ToMonth: "2100-12", Today: db.Today(d.Clock.Now())})
	if err != nil || dash.Total.Won == 0 || dash.Total.Quoted <= dash.Total.Won || len(dash.Products) == 0 {
		t.Errorf("dashboard of the seeded data: %+v, %v", dash, err)
	}
}
