package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/catalogio"
	"cotizador/db"
	"cotizador/internal/testutil"
	"cotizador/quoting"
)

// demoQuotes saves, through the quoting core as the editor does, quotes of
// every demo product in each pricing mode, with material lines, optional
// lines, discounts, IVA incluido and exempt, in cm and mm; some are sent,
// accepted or revised. It returns their ids.
func demoQuotes(t *testing.T, a *testutil.App, u *db.User) []int64 {
	t.Helper()
	ctx := t.Context()
	changes, err := catalogio.Demo()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.LoadEmptyCatalog(ctx, changes, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	cat, err := a.DB.PricingCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	svc := &quoting.Service{DB: a.DB, Clock: a.Clock}
	var ids []int64
	products := cat.Products()
	for i, mode := range []string{"por_metro", "optimizado", "compatible", "por_metro"} {
		in := &quoting.Input{Percent: true, Fields: map[string]string{
			quoting.FieldCustomerName: fmt.Sprintf("Cliente %d Núñez", i), quoting.FieldCustomerNew: "1", quoting.FieldMode: mode,
			quoting.FieldUnit: []string{"cm", "mm"}[i%2], quoting.FieldPriceDisplay: []string{"mas_iva", "iva_incluido"}[i%2],
			quoting.FieldIVARate: []string{"16", "8", "exento", "16"}[i], quoting.FieldDiscountRate: []string{"", "5", "", ""}[i],
			quoting.FieldDiscountAmount: []string{"", "", "250.50", ""}[i],
		}}
		for j, p := range products {
			w, h := p.MinWidthMM.Add(p.MaxWidthMM).Div(decimalTwo), p.MinHeightMM.Add(p.MaxHeightMM).Div(decimalTwo)
			if p.MaxWidthMM.IsZero() {
				w, h = p.MinWidthMM.Add(decimalThousand), p.MinHeightMM.Add(decimalThousand)
			}
			if i%2 == 0 {
				w, h = w.Shift(-1), h.Shift(-1)
			}
			in.Items = append(in.Items, quoting.ItemInput{N: j, ProductCode: p.Code, Width: w.Round(0).String(), Height: h.Round(0).String(),
				Quantity: strconv.Itoa(1 + (i+j)%3), ColorCode: []string{"BLA", "NAT", "NEG"}[j%3], Location: fmt.Sprintf("Vano %d", j),
				Optional: j == 2})
		}
		in.Materials = append(in.Materials, quoting.MaterialInput{N: len(products), MaterialCode: cat.Materials()[i].Code, Quantity: "2.5"})
		d, err := svc.Price(ctx, in, u)
		if err != nil {
			t.Fatal(err)
		}
		if !d.OK() {
			t.Fatalf("quote %d does not price: %v", i, d.FieldErrors())
		}
		q, err := svc.Save(ctx, d, u, nil, app.UserActor(u.ID))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, q.ID)
		switch i {
		case 1:
			if err := a.DB.SetQuoteStatus(ctx, q.ID, db.StatusSent, app.UserActor(u.ID)); err != nil {
				t.Fatal(err)
			}
		case 2:
			for _, s := range []string{db.StatusSent, db.StatusAccepted} {
				if err := a.DB.SetQuoteStatus(ctx, q.ID, s, app.UserActor(u.ID)); err != nil {
					t.Fatal(err)
				}
			}
			rev, err := a.DB.CreateRevision(ctx, q.ID, "2026-12-31", app.UserActor(u.ID))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, rev.ID)
		}
	}
	return ids
}

var decimalTwo, decimalThousand = decimal.NewFromInt(2), decimal.NewFromInt(1000)

// rendered is everything a saved quote shows: its page, its PDF, the API's
// JSON and the stored figures.
type rendered struct {
	page, api string
	pdf       []byte
	totals    string
}

var csrfValue = regexp.MustCompile(`(name="_csrf" value="|"X-CSRF-Token": ")[^"]+`)

func renderQuotes(t *testing.T, a *testutil.App, cl *testutil.Client, ids []int64) map[int64]rendered {
	t.Helper()
	out := map[int64]rendered{}
	for _, id := range ids {
		q, err := a.DB.FindQuoteByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		var r rendered
		resp, page := cl.Get(t, fmt.Sprintf("/cotizaciones/%d", id))
		if resp.StatusCode != 200 {
			t.Fatalf("quote %d: %d", id, resp.StatusCode)
		}
		r.page = csrfValue.ReplaceAllString(page, "$1…")
		resp, pdf := cl.Get(t, fmt.Sprintf("/cotizaciones/%d/pdf", id))
		if resp.StatusCode != 200 {
			t.Fatalf("quote %d PDF: %d", id, resp.StatusCode)
		}
		r.pdf = []byte(pdf)
		_, r.api = cl.Get(t, "/api/v1/quotes/"+q.DisplayFolio())
		figures, _ := json.Marshal(struct {
			T     any
			Items []*db.QuoteItem
		}{q.Totals, q.Items})
		r.totals = string(figures)
		out[id] = r
	}
	return out
}

// Migration 00050 converts every saved quote's breakdowns and rolling it
// back restores them: each quote's page (breakdowns included), PDF, API
// answer and stored figures are the same before, after rolling back to the
// JSON the earlier code wrote, and after migrating up again; the JSON is
// the very bytes that code wrote, so the audit trail's digests of it hold.
func TestQuoteStorageMigrationKeepsEveryQuote(t *testing.T) {
	a := testutil.NewApp(t)
	owner := a.CreateUser(t, auth.RoleOwner, "duena@aluminios.mx")
	cl := a.Login(t, "duena@aluminios.mx")
	ids := demoQuotes(t, a, owner)
	ctx := context.Background()
	before := renderQuotes(t, a, cl, ids)
	stored := map[int64]string{}
	for _, id := range ids {
		q, _ := a.DB.FindQuoteByID(ctx, id)
		for _, it := range q.Items {
			text, _ := json.Marshal(it.Breakdown)
			stored[it.ID] = string(text)
		}
	}
	dashBefore, err := a.DB.Dashboard(ctx, db.DashboardFilter{FromMonth: "2026-01", ToMonth: "2026-12", Today: "2026-11-26"})
	if err != nil {
		t.Fatal(err)
	}

	// Down past 00050: every line holds its breakdown as the JSON text the
	// code before it wrote.
	for {
		cur, _, err := a.DB.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur < 50 {
			break
		}
		if _, err := a.DB.MigrateDown(ctx); err != nil {
			t.Fatalf("down from %d: %v", cur, err)
		}
	}
	rows, err := a.DB.Reader.QueryContext(ctx, `SELECT id, typeof(breakdown), breakdown FROM quote_items`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var id int64
		var typ, text string
		if err := rows.Scan(&id, &typ, &text); err != nil {
			t.Fatal(err)
		}
		if want, ok := stored[id]; ok && (typ != "text" || text != want) {
			t.Errorf("line %d after rolling back: %s %.80q, want the JSON %.80q", id, typ, text, want)
		}
		n++
	}
	rows.Close()
	if n < len(stored) {
		t.Fatalf("%d lines after rolling back, want %d", n, len(stored))
	}

	if _, err := a.DB.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	var left int
	a.DB.Reader.QueryRowContext(ctx, `SELECT count(*) FROM quote_items WHERE breakdown IS NULL OR breakdown_json <> ''`).Scan(&left)
	if left != 0 {
		t.Errorf("%d lines not converted", left)
	}
	after := renderQuotes(t, a, cl, ids)
	for _, id := range ids {
		b, c := before[id], after[id]
		if b.page != c.page {
			t.Errorf("quote %d: page differs after the round trip\n%s", id, firstDiff(b.page, c.page))
		}
		if !bytes.Equal(b.pdf, c.pdf) {
			t.Errorf("quote %d: PDF differs (%d bytes, then %d)", id, len(b.pdf), len(c.pdf))
		}
		if b.api != c.api {
			t.Errorf("quote %d: API answer differs\n%s", id, firstDiff(b.api, c.api))
		}
		if b.totals != c.totals {
			t.Errorf("quote %d: stored figures differ\n%s", id, firstDiff(b.totals, c.totals))
		}
	}
	if !bytes.Contains([]byte(before[ids[0]].page), []byte("width_m")) && !bytes.Contains([]byte(before[ids[0]].page), []byte("× ")) {
		t.Error("the quote page shows no breakdown: the comparison would prove nothing")
	}
	// The search index and the dashboard's counters are rebuilt alike.
	dashAfter, err := a.DB.Dashboard(ctx, db.DashboardFilter{FromMonth: "2026-01", ToMonth: "2026-12", Today: "2026-11-26"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(dashBefore) != fmt.Sprint(dashAfter) {
		t.Errorf("dashboard before %+v, after %+v", dashBefore, dashAfter)
	}
	if v, err := a.DB.VerifyAudit(ctx); err != nil || !v.OK() {
		t.Errorf("audit chain after the round trip: %+v, %v", v, err)
	}
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("…%s\n---\n…%s", a[from:min(len(a), i+80)], b[from:min(len(b), i+80)])
}
