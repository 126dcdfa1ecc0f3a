package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/catalogio"
	"cotizador/db"
	"cotizador/export"
	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// fixture is a business with a catalogue, an owner, a customer with two
// quotes (one with a spreadsheet formula for a name) and another customer.
func fixture(t *testing.T) (*db.DB, *db.User, *db.Customer) {
	t.Helper()
	d := testutil.OpenDB(t)
	d.Clock = app.NewFakeClock(testutil.Epoch)
	ctx := context.Background()
	owner := &db.User{Email: "duena@taller.mx", Name: "Dueña", PasswordHash: "argon2id$the-owner-secret"}
	if err := d.Setup(ctx, "Taller", owner, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	ch, err := catalogio.PrototypeSeed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.LoadEmptyCatalog(ctx, ch, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.CreateAPIToken(ctx, owner.ID, "integración", app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	c := &db.Customer{Name: `=HYPERLINK("http://evil.example/","clic")`, Email: "evil@example.mx", Phone: "5512345678", Address: "Calle 1\nColonia 2"}
	if err := d.CreateCustomer(ctx, c, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	if err := d.CreateCustomer(ctx, &db.Customer{Name: "Otra Persona", Phone: "5599998888"}, app.UserActor(owner.ID)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		q := &db.Quote{
			Customer:   db.CustomerSnapshot{Name: c.Name, Email: c.Email, Phone: c.Phone},
			CustomerID: c.ID, SalespersonID: owner.ID, Mode: pricing.ModeByMetre, Rates: pricing.DefaultRates(),
			PriceDisplay: "mas_iva", DimensionUnit: "cm", Cut: pricing.DefaultCutSettings(), ValidUntil: "2026-12-11",
			Totals: pricing.Totals{Total: decimal.RequireFromString("3926.67")},
			Items: []*db.QuoteItem{{Kind: "producto", ProductCode: "PROTO-COR-3", WidthMM: decimal.NewFromInt(1500), HeightMM: decimal.NewFromInt(1200),
				Quantity: decimal.NewFromInt(1), Location: "Recámara", Cost: decimal.RequireFromString("2417.90")}},
		}
		if err := d.CreateQuote(ctx, q, "COT", nil, app.UserActor(owner.ID)); err != nil {
			t.Fatal(err)
		}
	}
	return d, owner, c
}

// zipFiles opens a ZIP and returns its files' contents.
func zipFiles(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a ZIP: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

// checkManifest checks every file against the manifest (SHA-256, size,
// rows parsed) and that the manifest lists every file; it returns the
// parsed CSV files (header first, values un-neutralised).
func checkManifest(t *testing.T, files map[string][]byte, m *export.Manifest) map[string][][]string {
	t.Helper()
	var onDisk export.Manifest
	if err := json.Unmarshal(files[export.ManifestName], &onDisk); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if len(onDisk.Files) != len(m.Files) || onDisk.Format != export.Format {
		t.Fatalf("manifest in the ZIP differs from the one returned")
	}
	if len(onDisk.Files)+1 != len(files) {
		t.Errorf("%d files in the ZIP, the manifest lists %d", len(files), len(onDisk.Files))
	}
	parsed := map[string][][]string{}
	for _, f := range onDisk.Files {
		b, ok := files[f.Name]
		if !ok {
			t.Errorf("%s listed but missing", f.Name)
			continue
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(b)) != f.Bytes {
			t.Errorf("%s: SHA-256 or size differs from the manifest", f.Name)
		}
		switch {
		case strings.HasSuffix(f.Name, ".csv"):
			if !bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}) {
				t.Errorf("%s has no UTF-8 BOM", f.Name)
			}
			recs, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			if int64(len(recs)-1) != f.Rows {
				t.Errorf("%s: %d rows, manifest says %d", f.Name, len(recs)-1, f.Rows)
			}
			for _, r := range recs {
				for i := range r {
					r[i] = catalogio.UnneutraliseCell(r[i])
				}
			}
			parsed[f.Name] = recs
		case strings.HasSuffix(f.Name, ".json"):
			var doc struct {
				Sections map[string][]map[string]any `json:"sections"`
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			var n int64
			for _, s := range doc.Sections {
				n += int64(len(s))
			}
			if n != f.Rows {
				t.Errorf("%s: %d records, manifest says %d", f.Name, n, f.Rows)
			}
		}
	}
	return parsed
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Reader.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The ARCO export of a customer: the ZIP holds datos.json and a CSV per
// section, each matching its manifest entry, with the rows the database
// holds about them and nobody else's.
func TestCustomerExport(t *testing.T) {
	d, _, c := fixture(t)
	var buf bytes.Buffer
	m, err := export.Customer(context.Background(), d, c.ID, &buf)
	if err != nil {
		t.Fatal(err)
	}
	files := zipFiles(t, buf.Bytes())
	csvs := checkManifest(t, files, m)
	want := map[string]int{
		"csv/cliente.csv":      1,
		"csv/cotizaciones.csv": count(t, d, `SELECT count(*) FROM quotes WHERE customer_id = ?`, c.ID),
		"csv/partidas.csv":     count(t, d, `SELECT count(*) FROM quote_items WHERE quote_id IN (SELECT id FROM quotes WHERE customer_id = ?)`, c.ID),
		"csv/auditoria.csv": count(t, d, `SELECT count(*) FROM audit_log WHERE (table_name = 'customers' AND row_id = ?1)
			OR (table_name = 'quotes' AND row_id IN (SELECT id FROM quotes WHERE customer_id = ?1))
			OR (table_name = 'quote_items' AND row_id IN (SELECT id FROM quote_items WHERE quote_id IN (SELECT id FROM quotes WHERE customer_id = ?1)))`, c.ID),
	}
	for name, n := range want {
		if got := len(csvs[name]) - 1; got != n {
			t.Errorf("%s: %d rows, the database holds %d", name, got, n)
		}
	}
	if want["csv/cotizaciones.csv"] != 2 || want["csv/auditoria.csv"] < 5 {
		t.Fatalf("fixture: %v", want)
	}
	// The record itself, value for value; the formula came back as text.
	cl := csvs["csv/cliente.csv"]
	col := map[string]int{}
	for i, h := range cl[0] {
		col[h] = i
	}
	if cl[1][col["name"]] != c.Name || cl[1][col["address"]] != c.Address || cl[1][col["email"]] != c.Email {
		t.Errorf("customer row %v", cl[1])
	}
	if _, ok := col["search_terms"]; ok {
		t.Error("derived search columns exported")
	}
	raw := string(files["csv/cliente.csv"])
	if !strings.Contains(raw, `'=HYPERLINK`) {
		t.Error("a formula in a name is not neutralised in the CSV")
	}
	all := string(files["datos.json"])
	if strings.Contains(all, "Otra Persona") || strings.Contains(string(files["csv/cotizaciones.csv"]), "Otra Persona") {
		t.Error("another customer's data in the export")
	}
	if !strings.Contains(all, `"cliente"`) || !strings.Contains(all, "evil@example.mx") {
		t.Error("datos.json lacks the customer")
	}
}

// The whole-business export: every table as CSV, rows counted and hashed
// in the manifest, equal to the database's counts, without a secret.
func TestBusinessExport(t *testing.T) {
	d, _, _ := fixture(t)
	var buf bytes.Buffer
	var progress []int
	m, err := export.Business(context.Background(), d, &buf, func(p int) { progress = append(progress, p) })
	if err != nil {
		t.Fatal(err)
	}
	files := zipFiles(t, buf.Bytes())
	csvs := checkManifest(t, files, m)
	for _, table := range []string{"company", "users", "api_tokens", "customers", "materials", "colours", "products", "bom_lines",
		"quotes", "quote_items", "audit_log", "audit_anchor", "retention_policies", "sessions"} {
		recs, ok := csvs[table+".csv"]
		if !ok {
			t.Errorf("%s not exported", table)
			continue
		}
		if got, want := len(recs)-1, count(t, d, `SELECT count(*) FROM `+table); got != want {
			t.Errorf("%s: %d rows exported, %d in the database", table, got, want)
		}
		for _, h := range recs[0] {
			if strings.HasSuffix(h, "_hash") || strings.HasSuffix(h, "_token") {
				t.Errorf("%s exports the secret column %s", table, h)
			}
		}
	}
	for _, table := range []string{"csrf_tokens", "customer_terms", "goose_db_version"} {
		if _, ok := csvs[table+".csv"]; ok {
			t.Errorf("%s exported", table)
		}
	}
	for name, b := range files {
		if bytes.Contains(b, []byte("the-owner-secret")) {
			t.Errorf("%s holds the password hash", name)
		}
	}
	var tokenHash string
	d.Reader.QueryRow(`SELECT token_hash FROM api_tokens`).Scan(&tokenHash)
	for name, b := range files {
		if bytes.Contains(b, []byte(tokenHash)) {
			t.Errorf("%s holds an API token's hash", name)
		}
	}
	if len(progress) == 0 || progress[len(progress)-1] != 95 {
		t.Errorf("progress %v, want it to reach 95 before the file is closed", progress)
	}
}

// An export built in the background ends ready with its file, checksum and
// manifest recorded, and the file matches them.
func TestBuildExport(t *testing.T) {
	d, owner, c := fixture(t)
	ctx := context.Background()
	e, err := d.CreateExport(ctx, db.ExportCustomer, c.ID, app.UserActor(owner.ID))
	if err != nil {
		t.Fatal(err)
	}
	if err := export.Build(ctx, d, e); err != nil {
		t.Fatal(err)
	}
	e, _ = d.FindExport(ctx, e.ID)
	if e.Status != db.ExportReady || e.Progress != 100 || e.SizeBytes == 0 {
		t.Fatalf("export %+v", e)
	}
	data, err := os.ReadFile(filepath.Join(d.ExportDir(), e.FileName))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != e.SHA256 || int64(len(data)) != e.SizeBytes {
		t.Error("the file does not match its recorded checksum")
	}
	var m export.Manifest
	if err := json.Unmarshal([]byte(e.Manifest), &m); err != nil || len(m.Files) < 5 {
		t.Errorf("recorded manifest %q: %v", e.Manifest, err)
	}
	checkManifest(t, zipFiles(t, data), &m)
	if fi, _ := os.Stat(filepath.Join(d.ExportDir(), e.FileName)); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	// A user's export too.
	var buf bytes.Buffer
	um, err := export.User(ctx, d, owner.ID, &buf)
	if err != nil {
		t.Fatal(err)
	}
	files := zipFiles(t, buf.Bytes())
	csvs := checkManifest(t, files, um)
	if len(csvs["csv/usuario.csv"]) != 2 || len(csvs["csv/tokens_api.csv"]) != 2 {
		t.Errorf("user export: %d user rows, %d token rows", len(csvs["csv/usuario.csv"])-1, len(csvs["csv/tokens_api.csv"])-1)
	}
	if bytes.Contains(files["datos.json"], []byte("the-owner-secret")) || bytes.Contains(files["datos.json"], []byte("evil@example.mx")) {
		t.Error("the user's export holds their password hash or a customer's data")
	}
	// The download link: single use, expiring.
	raw, _, err := d.CreateExportLink(ctx, e.ID, time.Hour, app.UserActor(owner.ID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.UseExportLink(ctx, raw); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if _, err := d.UseExportLink(ctx, raw); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("second use: %v, want not found", err)
	}
	raw, _, _ = d.CreateExportLink(ctx, e.ID, time.Hour, app.UserActor(owner.ID))
	d.Clock.(*app.FakeClock).Advance(time.Hour + time.Second)
	if _, err := d.UseExportLink(ctx, raw); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("expired link: %v, want not found", err)
	}
}
