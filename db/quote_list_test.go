package db_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/db"
	"cotizador/internal/testutil"
	"cotizador/pricing"
)

// listFixture is a database with salespeople and customers to quote for.
type listFixture struct {
	d         *db.DB
	clock     *app.FakeClock
	sales     []int64
	customers []*db.Customer
}

var (
	fixtureFirst = []string{"María", "José", "Juan", "Guadalupe", "Ana", "Luis", "Martha", "Jesús", "Rosa", "Óscar"}
	fixtureLast  = []string{"García", "Hernández", "López", "Núñez", "Pérez", "Ibarra", "Sánchez", "Ramírez", "Cruz", "Muñoz"}
)

func newListFixture(t testing.TB, customers int) *listFixture {
	t.Helper()
	d := testutil.OpenDB(t)
	clock := app.NewFakeClock(time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC))
	d.Clock = clock
	ctx := context.Background()
	owner := &db.User{Email: "dueno@t.mx", Name: "Dueña", PasswordHash: "x", Role: "owner"}
	if err := d.Setup(ctx, "Taller", owner, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	f := &listFixture{d: d, clock: clock, sales: []int64{owner.ID}}
	for i, name := range []string{"Vendedor Uno", "Vendedora Dos"} {
		u := &db.User{Email: fmt.Sprintf("v%d@t.mx", i), Name: name, PasswordHash: "x", Role: "sales"}
		if err := d.CreateUser(ctx, u, app.CLIActor); err != nil {
			t.Fatal(err)
		}
		f.sales = append(f.sales, u.ID)
	}
	var cs []*db.Customer
	for i := range customers {
		c := &db.Customer{Name: fmt.Sprintf("%s %s %s", fixtureFirst[i%len(fixtureFirst)], fixtureLast[(i/3)%len(fixtureLast)], fixtureLast[(i/7)%len(fixtureLast)])}
		if i%4 == 0 {
			c.RFC = fmt.Sprintf("%c%cXX%02d0101AB%d", 'A'+rune(i%26), 'A'+rune((i/26)%26), 60+i%40, i%10)
		}
		if i%5 == 0 {
			c.BusinessName = fmt.Sprintf("Aluminios %s S.A. de C.V.", fixtureLast[i%len(fixtureLast)])
		}
		cs = append(cs, c)
	}
	if err := d.CreateCustomers(ctx, cs, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	f.customers = cs
	return f
}

// quote creates a quote for customer c by salesperson sp, moved to status.
func (f *listFixture) quote(t testing.TB, c *db.Customer, sp int64, status string, validDays int) *db.Quote {
	t.Helper()
	ctx := context.Background()
	now := f.clock.Now()
	q := &db.Quote{
		CustomerID: c.ID, Customer: db.CustomerSnapshot{Name: c.Name, BusinessName: c.BusinessName, RFC: c.RFC},
		SalespersonID: sp, Mode: pricing.ModeByMetre, Rates: pricing.DefaultRates(), PriceDisplay: "mas_iva", DimensionUnit: "cm",
		Cut: pricing.DefaultCutSettings(), ValidUntil: db.Today(now.AddDate(0, 0, validDays)), PricedAt: now,
		Totals: pricing.Totals{Total: decimal.NewFromInt(1000)},
		Items: []*db.QuoteItem{{Kind: "producto", ProductCode: "VEN-1", Quantity: decimal.NewFromInt(1), Amount: decimal.NewFromInt(800),
			Breakdown: []pricing.LineDetail{{MaterialCode: "PER-1", Formula: "width_m", Cost: decimal.NewFromInt(100)}}}},
	}
	if err := f.d.CreateQuote(ctx, q, "COT", nil, app.UserActor(sp)); err != nil {
		t.Fatal(err)
	}
	path := map[string][]string{db.StatusSent: {db.StatusSent}, db.StatusAccepted: {db.StatusSent, db.StatusAccepted},
		db.StatusRejected: {db.StatusSent, db.StatusRejected}, db.StatusCancelled: {db.StatusCancelled}}[status]
	for _, s := range path {
		if err := f.d.SetQuoteStatus(ctx, q.ID, s, app.UserActor(sp)); err != nil {
			t.Fatalf("%s → %s: %v", q.Status, s, err)
		}
		q.Status = s
	}
	return q
}

// populate creates n quotes over about n/4 days, with every status, some
// revised, some deleted.
func (f *listFixture) populate(t testing.TB, n int, rng *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	statuses := []string{db.StatusDraft, db.StatusSent, db.StatusSent, db.StatusAccepted, db.StatusRejected, db.StatusCancelled}
	for i := range n {
		f.clock.Advance(time.Duration(rng.IntN(12*3600)) * time.Second)
		c := f.customers[rng.IntN(len(f.customers))]
		q := f.quote(t, c, f.sales[rng.IntN(len(f.sales))], statuses[rng.IntN(len(statuses))], []int{3, 15, 30}[rng.IntN(3)])
		switch {
		case i%17 == 5 && q.Status != db.StatusDraft && q.Status != db.StatusCancelled:
			if _, err := f.d.CreateRevision(ctx, q.ID, db.Today(f.clock.Now().AddDate(0, 0, 15)), app.CLIActor); err != nil {
				t.Fatal(err)
			}
		case i%23 == 7:
			if err := f.d.DeleteQuote(ctx, q.ID, app.CLIActor); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// listedQuote is what a list filters on, read straight from the table.
type listedQuote struct {
	id, sp, customer            int64
	status, validUntil, created string
	folio, name, business, rfc  string
	revision                    int64
	deleted, superseded         bool
}

func allQuotes(t testing.TB, d *db.DB) []listedQuote {
	t.Helper()
	rows, err := d.Reader.Query(`SELECT id, salesperson_id, coalesce(customer_id, 0), status, valid_until, created_at, folio, customer_name,
		customer_business, customer_rfc, revision, deleted_at IS NOT NULL, superseded_by IS NOT NULL FROM quotes ORDER BY id DESC`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []listedQuote
	for rows.Next() {
		var q listedQuote
		if err := rows.Scan(&q.id, &q.sp, &q.customer, &q.status, &q.validUntil, &q.created, &q.folio, &q.name, &q.business, &q.rfc,
			&q.revision, &q.deleted, &q.superseded); err != nil {
			t.Fatal(err)
		}
		out = append(out, q)
	}
	return out
}

// expected is the list f should give, worked out row by row.
func expected(all []listedQuote, f db.QuoteFilter) []int64 {
	from, to := "", ""
	if f.From != "" {
		t, _ := time.ParseInLocation("2006-01-02", f.From, app.MexicoCity)
		from = t.UTC().Format(time.RFC3339Nano)
	}
	if f.To != "" {
		t, _ := time.ParseInLocation("2006-01-02", f.To, app.MexicoCity)
		to = t.AddDate(0, 0, 1).UTC().Format(time.RFC3339Nano)
	}
	tokens := db.QuoteSearchTokens(f.Search)
	var ids []int64
	for _, q := range all {
		created, _ := app.ParseTime(q.created)
		open := q.status == db.StatusDraft || q.status == db.StatusSent
		switch {
		case q.deleted || q.superseded:
		case f.SalespersonID != 0 && q.sp != f.SalespersonID:
		case f.CustomerID != 0 && q.customer != f.CustomerID:
		case f.Status == db.StatusExpired && !(open && q.validUntil < f.Today):
		case (f.Status == db.StatusDraft || f.Status == db.StatusSent) && !(q.status == f.Status && q.validUntil >= f.Today):
		case f.Status != "" && f.Status != db.StatusExpired && f.Status != db.StatusDraft && f.Status != db.StatusSent && q.status != f.Status:
		case from != "" && created.Before(mustTime(from)):
		case to != "" && !created.Before(mustTime(to)):
		case len(tokens) > 0 && !db.QuoteMatches(db.QuoteSearchTerms(q.folio, q.revision, q.name, q.business, q.rfc), tokens):
		default:
			ids = append(ids, q.id)
		}
	}
	return ids
}

func mustTime(s string) time.Time {
	t, err := app.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// walk reads every page of f, newest first, and then back from the last
// page to the first through the Newer cursors.
func walk(t *testing.T, d *db.DB, f db.QuoteFilter) (ids []int64, count int, more, atLeast bool) {
	t.Helper()
	ctx := context.Background()
	var pages [][]int64
	for f.Before, f.After = 0, 0; ; {
		p, err := d.FindQuotes(ctx, f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		if len(pages) == 0 {
			count, more, atLeast = p.Count, p.More, p.AtLeast
		}
		var page []int64
		for _, q := range p.Quotes {
			page = append(page, q.ID)
		}
		pages = append(pages, page)
		ids = append(ids, page...)
		if len(pages) > 1 && p.Newer != page[0] {
			t.Errorf("%+v: a later page's Newer cursor is %d, want its first quote %d", f, p.Newer, page[0])
		}
		if p.Older == 0 {
			break
		}
		f.Before = p.Older
	}
	// Back from the last page: each Newer cursor gives the page before.
	for i := len(pages) - 1; i > 0; i-- {
		f.Before, f.After = 0, pages[i][0]
		p, err := d.FindQuotes(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, q := range p.Quotes {
			got = append(got, q.ID)
		}
		if !slices.Equal(got, pages[i-1]) {
			t.Errorf("%+v: going back from page %d gives %v, want %v", f, i+1, got, pages[i-1])
		}
		if (i-1 > 0) != (p.Newer != 0) {
			t.Errorf("%+v: page %d going back: Newer %d", f, i, p.Newer)
		}
	}
	return ids, count, more, atLeast
}

// Every filter, alone and combined, lists exactly the quotes that match it,
// newest first, page by page in both directions, and counts them.
func TestQuoteListMatchesEveryFilter(t *testing.T) {
	fx := newListFixture(t, 60)
	rng := rand.New(rand.NewPCG(1, 2))
	fx.populate(t, 400, rng)
	all := allQuotes(t, fx.d)
	today := db.Today(fx.clock.Now())
	days := func(back int) string { return db.Today(fx.clock.Now().AddDate(0, 0, -back)) }
	searches := []string{"", "garcia", "GARCÍA", "nunez", "núñez mar", "ma", "a", "h", "cot-2026-00", "12", "0012", "aluminios", "sa de cv",
		fx.customers[0].RFC[:6], strings.ToLower(fx.customers[4].RFC), "zzz", "maria lopez perez", "-", "r2"}
	filters := []db.QuoteFilter{{}}
	for _, s := range db.QuoteStatuses {
		// "cot" starts every folio: hundreds of terms, the most common word.
		filters = append(filters, db.QuoteFilter{Status: s}, db.QuoteFilter{Status: s, Search: "cot"},
			db.QuoteFilter{Status: s, Search: "1", SalespersonID: fx.sales[1]})
	}
	for _, s := range searches {
		filters = append(filters, db.QuoteFilter{Search: s})
	}
	for range 60 {
		f := db.QuoteFilter{}
		if rng.IntN(2) == 0 {
			f.Status = db.QuoteStatuses[rng.IntN(len(db.QuoteStatuses))]
		}
		if rng.IntN(3) == 0 {
			f.SalespersonID = fx.sales[rng.IntN(len(fx.sales))]
		}
		if rng.IntN(5) == 0 {
			f.CustomerID = fx.customers[rng.IntN(len(fx.customers))].ID
		}
		if rng.IntN(3) == 0 {
			f.From = days(20 + rng.IntN(60))
		}
		if rng.IntN(3) == 0 {
			f.To = days(rng.IntN(40))
		}
		if rng.IntN(3) == 0 {
			f.Search = searches[rng.IntN(len(searches))]
		}
		filters = append(filters, f)
	}
	// With a low cap, searches take the paths a million quotes make them
	// take: a common word's range read in full and sorted, or the newest
	// quotes matched one by one; with a low count scan, a search checking
	// other words or filters entry by entry counts "at least".
	var lowerBounds int
	for _, caps := range []struct{ lead, scan int }{{20_000, 10_000}, {40, 10_000}, {40, 25}} {
		restore := db.SetSearchLeadCap(caps.lead)
		restoreScan := db.SetSearchCountScan(caps.scan)
		for _, f := range filters {
			f.Today, f.Limit = today, 7
			want := expected(all, f)
			got, count, more, atLeast := walk(t, fx.d, f)
			if !slices.Equal(got, want) {
				t.Errorf("caps %+v, %+v: listed %d quotes %v…, want %d %v…", caps, f, len(got), head(got), len(want), head(want))
			}
			switch {
			case atLeast:
				lowerBounds++
				if count > len(want) || more {
					t.Errorf("caps %+v, %+v: at least %d (more %v), but %d match", caps, f, count, more, len(want))
				}
				if caps.scan >= 10_000 {
					t.Errorf("caps %+v, %+v: a lower bound (%d of %d) with the range read in full", caps, f, count, len(want))
				}
			case count != len(want) || more:
				t.Errorf("caps %+v, %+v: count %d (more %v), want %d", caps, f, count, more, len(want))
			}
		}
		restoreScan()
		restore()
	}
	if lowerBounds == 0 {
		t.Error("no search counted a lower bound with a count scan of 25")
	}
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 8)] }

// A page's cursor stays valid while quotes are added: the next page carries
// on exactly after the last quote shown, and the new quotes appear on the
// first page.
func TestQuoteKeysetStableUnderInserts(t *testing.T) {
	fx := newListFixture(t, 10)
	rng := rand.New(rand.NewPCG(3, 4))
	fx.populate(t, 60, rng)
	ctx := context.Background()
	for _, f := range []db.QuoteFilter{{}, {Status: db.StatusAccepted}, {Search: "garcia"}, {SalespersonID: fx.sales[1]}} {
		f.Today, f.Limit = db.Today(fx.clock.Now()), 5
		before := expected(allQuotes(t, fx.d), f)
		p1, err := fx.d.FindQuotes(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		// Quotes added while the user reads page 1, matching the filter.
		for range 3 {
			fx.clock.Advance(time.Minute)
			q := fx.quote(t, fx.customers[3], fx.sales[1], db.StatusAccepted, 15)
			if f.Search != "" {
				fx.d.Writer.Exec(`UPDATE quotes SET customer_name = 'Ana García' WHERE id = ?`, q.ID)
			}
		}
		var seen []int64
		for _, q := range p1.Quotes {
			seen = append(seen, q.ID)
		}
		for g := f; p1.Older != 0; {
			g.Before = p1.Older
			if p1, err = fx.d.FindQuotes(ctx, g); err != nil {
				t.Fatal(err)
			}
			for _, q := range p1.Quotes {
				seen = append(seen, q.ID)
			}
		}
		if !slices.Equal(seen, before) {
			t.Errorf("%+v: pages after inserts list %v, want the %d quotes listed before them %v", f, seen, len(before), before)
		}
		after := expected(allQuotes(t, fx.d), f)
		first, err := fx.d.FindQuotes(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before)+3 || first.Quotes[0].ID != after[0] || first.Count != len(after) {
			t.Errorf("%+v: first page now starts at %d (count %d), want %d (%d)", f, first.Quotes[0].ID, first.Count, after[0], len(after))
		}
	}
}

// Search: each word typed at the start of a word of the name or razón
// social kept on the quote, ignoring case and accents; the folio or its
// number; the RFC. Only current quotes, and a salesperson's own.
func TestQuoteSearch(t *testing.T) {
	fx := newListFixture(t, 0)
	ctx := context.Background()
	mk := func(name, business, rfc string, sp int64) *db.Quote {
		c := &db.Customer{Name: name, BusinessName: business, RFC: rfc}
		if err := fx.d.CreateCustomer(ctx, c, app.CLIActor); err != nil {
			t.Fatal(err)
		}
		fx.clock.Advance(time.Hour)
		return fx.quote(t, c, sp, db.StatusSent, 15)
	}
	lupita := mk("María Guadalupe Núñez Ibarra", "", "NUIM850214AB1", fx.sales[1])
	garcia := mk("José García-López", "Ventanas del Bajío S.A. de C.V.", "", fx.sales[2])
	other := mk("Martha Núñez", "", "", fx.sales[2])
	var filler []int64
	for range 8 { // COT-2026-0004 to 0011
		filler = append(filler, mk("Relleno", "", "", fx.sales[0]).ID)
	}
	twelve := mk("Doce", "", "", fx.sales[0])
	find := func(search string, sp int64) []int64 {
		p, err := fx.d.FindQuotes(ctx, db.QuoteFilter{Search: search, SalespersonID: sp, Today: db.Today(fx.clock.Now())})
		if err != nil {
			t.Fatalf("%q: %v", search, err)
		}
		var ids []int64
		for _, q := range p.Quotes {
			ids = append(ids, q.ID)
		}
		return ids
	}
	cases := []struct {
		search string
		sp     int64
		want   []int64
	}{
		{"nunez", 0, []int64{other.ID, lupita.ID}},
		{"NÚÑEZ gua", 0, []int64{lupita.ID}},
		{"lupe", 0, nil},
		{"garcia", 0, []int64{garcia.ID}},
		{"lopez", 0, []int64{garcia.ID}},
		{"garcialopez", 0, []int64{garcia.ID}},
		{"bajio", 0, []int64{garcia.ID}},
		{"nuim8502", 0, []int64{lupita.ID}},
		{"NUIM850214AB1", 0, []int64{lupita.ID}},
		{"COT-2026-0001", 0, []int64{lupita.ID}},
		{"cot-2026-001", 0, []int64{twelve.ID, filler[7], filler[6]}},
		{"12", 0, []int64{twelve.ID}},
		{"0012", 0, []int64{twelve.ID}},
		{"nunez", fx.sales[2], []int64{other.ID}},
		{"ibarra", fx.sales[2], nil},
	}
	for _, c := range cases {
		if got := find(c.search, c.sp); !slices.Equal(got, c.want) {
			t.Errorf("search %q (salesperson %d) = %v, want %v", c.search, c.sp, got, c.want)
		}
	}
	// A revision is found by its folio with and without the suffix; the
	// revision it replaced is not listed.
	rev, err := fx.d.CreateRevision(ctx, lupita.ID, "2026-12-31", app.CLIActor)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"COT-2026-0001", "cot-2026-0001-r2", "ibarra"} {
		if got := find(s, 0); !slices.Equal(got, []int64{rev.ID}) {
			t.Errorf("after revising, %q = %v, want the revision %d", s, got, rev.ID)
		}
	}
	// The customer's copy on the quote changes (as ARCO anonymisation
	// does): the old name no longer finds it.
	if _, err := fx.d.Writer.Exec(`UPDATE quotes SET customer_name = 'Cliente eliminado', customer_rfc = '' WHERE id = ?`, garcia.ID); err != nil {
		t.Fatal(err)
	}
	if got := find("garcia", 0); len(got) != 0 {
		t.Errorf("anonymised quote still found by the old name: %v", got)
	}
	if got := find("eliminado", 0); !slices.Equal(got, []int64{garcia.ID}) {
		t.Errorf("anonymised quote by its new name = %v", got)
	}
	// Deleted: gone from search; restored: back.
	if err := fx.d.DeleteQuote(ctx, other.ID, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	if got := find("martha", 0); len(got) != 0 {
		t.Errorf("deleted quote found: %v", got)
	}
	if _, err := fx.d.Writer.Exec(`UPDATE quotes SET deleted_at = NULL, deleted_by = NULL WHERE id = ?`, other.ID); err != nil {
		t.Fatal(err)
	}
	if got := find("martha", 0); !slices.Equal(got, []int64{other.ID}) {
		t.Errorf("restored quote = %v", got)
	}
	checkTerms(t, fx.d)
}

// checkTerms: quote_terms holds exactly the terms of every current quote,
// each row with its quote's salesperson and words.
func checkTerms(t *testing.T, d *db.DB) {
	t.Helper()
	want := map[string]bool{}
	for _, q := range allQuotes(t, d) {
		if q.deleted || q.superseded {
			continue
		}
		terms := db.QuoteSearchTerms(q.folio, q.revision, q.name, q.business, q.rfc)
		for _, term := range terms {
			want[fmt.Sprintf("%s|%d|%d|%s|%s| %s", term, q.id, q.sp, q.status, q.validUntil, strings.Join(terms, " "))] = true
		}
	}
	rows, err := d.Reader.Query(`SELECT term || '|' || quote_id || '|' || salesperson_id || '|' || status || '|' || valid_until || '|' || words FROM quote_terms`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		got[s] = true
		if !want[s] {
			t.Errorf("quote_terms has %q, which no current quote gives", s)
		}
	}
	for s := range want {
		if !got[s] {
			t.Errorf("quote_terms lacks %q", s)
		}
	}
}

// The stored terms are the ones the search function gives every current
// quote, after creating, revising, deleting and editing quotes.
func TestQuoteTermsMatchQuotes(t *testing.T) {
	fx := newListFixture(t, 30)
	fx.populate(t, 120, rand.New(rand.NewPCG(5, 6)))
	checkTerms(t, fx.d)
}
