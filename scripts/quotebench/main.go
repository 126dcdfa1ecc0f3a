// Command quotebench measures, on a database filled by `cotizador dev seed`,
// what issue #14 asks at 100,000 and 1,000,000 quotes: the database's size
// per quote and per line (and VACUUM INTO's), and the p50/p95 of every
// quote list, search and dashboard read, sequential and warm, at the store
// and through the app's pages. scripts/bench-quotes.sh runs it.
//
//	quotebench -db PATH [-runs 60]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/handlers"
)

func main() {
	path := flag.String("db", "", "database filled by cotizador dev seed")
	runs := flag.Int("runs", 60, "timed runs of each read (after 5 to warm up)")
	flag.Parse()
	// The store's slow-statement warnings would drown the tables.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := run(context.Background(), *path, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "quotebench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, path string, runs int) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	d, err := db.Open(ctx, path)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := sizes(ctx, d, path); err != nil {
		return err
	}
	cases, err := storeCases(ctx, d)
	if err != nil {
		return err
	}
	fmt.Printf("\n| read (store, sequential, warm, %d runs) | matches | p50 | p95 |\n|---|---|---|---|\n", runs)
	for _, c := range cases {
		var label string
		ds, err := measure(runs, func() error {
			var err error
			label, err = c.run(ctx)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		fmt.Printf("| %s | %s | %s | %s |\n", c.name, label, ms(ds, 50), ms(ds, 95))
	}
	return pages(ctx, d, runs)
}

// sizes prints the file's size per quote and per line, and VACUUM INTO's.
func sizes(ctx context.Context, d *db.DB, path string) error {
	// The WAL's frames belong in the file's size: fold them in first.
	if _, err := d.Writer.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return err
	}
	var quotes, current, lines, customers, audit int64
	for _, q := range []struct {
		sql string
		v   *int64
	}{
		{`SELECT count(*) FROM quotes`, &quotes},
		{`SELECT count(*) FROM quotes WHERE deleted_at IS NULL AND superseded_by IS NULL`, &current},
		{`SELECT count(*) FROM quote_items`, &lines},
		{`SELECT count(*) FROM customers`, &customers},
		{`SELECT count(*) FROM audit_log`, &audit},
	} {
		if err := d.Reader.QueryRowContext(ctx, q.sql).Scan(q.v); err != nil {
			return err
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	vac := filepath.Join(filepath.Dir(path), "vacuum-into.db")
	os.Remove(vac)
	start := time.Now()
	if _, err := d.Writer.ExecContext(ctx, `VACUUM INTO ?`, vac); err != nil {
		return err
	}
	took := time.Since(start)
	vst, err := os.Stat(vac)
	if err != nil {
		return err
	}
	os.Remove(vac)
	fmt.Printf("quotes %d (%d current, the rest replaced revisions or deleted), lines %d, customers %d, audit entries %d\n",
		quotes, current, lines, customers, audit)
	fmt.Printf("database file: %s = %.0f bytes per quote, %.0f bytes per line\n", mb(st.Size()), per(st.Size(), quotes), per(st.Size(), lines))
	fmt.Printf("VACUUM INTO: %s = %.0f bytes per line, in %s\n", mb(vst.Size()), per(vst.Size(), lines), took.Round(time.Millisecond))
	return nil
}

func per(n, of int64) float64 { return float64(n) / float64(max(of, 1)) }
func mb(n int64) string       { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// readCase is one read to time; run returns what it found, for the table.
type readCase struct {
	name string
	run  func(ctx context.Context) (string, error)
}

// storeCases are the list, search and dashboard reads, with parameters
// taken from the data: a busy salesperson, a returning customer, deep
// cursors, surnames common and rare, a folio, an RFC.
func storeCases(ctx context.Context, d *db.DB) ([]readCase, error) {
	now := time.Now()
	today := db.Today(now)
	one := func(q string, args ...any) (v string, err error) {
		err = d.Reader.QueryRowContext(ctx, q, args...).Scan(&v)
		return v, err
	}
	sp, err := one(`SELECT salesperson_id FROM quote_month_stats GROUP BY salesperson_id ORDER BY sum(quoted) DESC LIMIT 1`)
	if err != nil {
		return nil, err
	}
	cust, err := one(`SELECT customer_id FROM quote_customer_stats WHERE customer_id <> 0 GROUP BY customer_id ORDER BY sum(quoted) DESC LIMIT 1`)
	if err != nil {
		return nil, err
	}
	cursor := func(offset int) (string, error) {
		return one(`SELECT id FROM quotes INDEXED BY quotes_current WHERE deleted_at IS NULL AND superseded_by IS NULL ORDER BY id DESC LIMIT 1 OFFSET ?`, offset)
	}
	page200, err := cursor(200*db.DefaultQuoteLimit - 1)
	if err != nil {
		return nil, err
	}
	var middle string
	var total int
	d.Reader.QueryRowContext(ctx, `SELECT count(*) FROM quotes INDEXED BY quotes_current WHERE deleted_at IS NULL AND superseded_by IS NULL`).Scan(&total)
	if middle, err = cursor(total / 2); err != nil {
		return nil, err
	}
	folio, err := one(`SELECT folio FROM quotes WHERE id = (SELECT max(id) / 3 FROM quotes)`)
	if err != nil {
		return nil, err
	}
	rfc, err := one(`SELECT customer_rfc FROM quotes WHERE customer_rfc <> '' AND id > (SELECT max(id) / 2 FROM quotes) LIMIT 1`)
	if err != nil {
		return nil, err
	}
	var spID, custID, p200, mid int64
	fmt.Sscan(sp, &spID)
	fmt.Sscan(cust, &custID)
	fmt.Sscan(page200, &p200)
	fmt.Sscan(middle, &mid)
	month := func(back int) string { return now.AddDate(0, -back, 0).Format("2006-01") }
	lastMonthFrom, lastMonthTo := db.Today(now.AddDate(0, -1, -now.Day()+1)), db.Today(now.AddDate(0, 0, -now.Day()))
	oldFrom, oldTo := db.Today(now.AddDate(-3, 0, -now.Day()+1)), db.Today(now.AddDate(-3, 1, -now.Day()))
	list := func(name string, f db.QuoteFilter) readCase {
		f.Today = today
		return readCase{name, func(ctx context.Context) (string, error) {
			p, err := d.FindQuotes(ctx, f)
			if err != nil {
				return "", err
			}
			if p.More {
				return fmt.Sprintf("más de %d", db.QuoteCountCap), nil
			}
			if p.AtLeast {
				return fmt.Sprintf("al menos %d", p.Count), nil
			}
			return fmt.Sprint(p.Count), nil
		}}
	}
	dash := func(name string, f db.DashboardFilter) readCase {
		f.Today = today
		return readCase{name, func(ctx context.Context) (string, error) {
			r, err := d.Dashboard(ctx, f)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%d quoted, %d won", r.Total.Quoted, r.Total.Won), nil
		}}
	}
	cases := []readCase{
		list("list, first page", db.QuoteFilter{}),
		list("list, page 200 (keyset)", db.QuoteFilter{Before: p200}),
		list("list, a page half-way back (keyset)", db.QuoteFilter{Before: mid}),
		list("list, the page before that (keyset)", db.QuoteFilter{After: mid}),
	}
	for _, s := range db.QuoteStatuses {
		cases = append(cases, list("status "+s, db.QuoteFilter{Status: s}))
	}
	cases = append(cases,
		list("status vencida, page 200", db.QuoteFilter{Status: db.StatusExpired, Before: p200}),
		list("salesperson", db.QuoteFilter{SalespersonID: spID}),
		list("salesperson + aceptada", db.QuoteFilter{SalespersonID: spID, Status: db.StatusAccepted}),
		list("salesperson + vencida", db.QuoteFilter{SalespersonID: spID, Status: db.StatusExpired}),
		list("customer", db.QuoteFilter{CustomerID: custID}),
		list("dates: last month", db.QuoteFilter{From: lastMonthFrom, To: lastMonthTo}),
		list("dates: a month 3 years ago", db.QuoteFilter{From: oldFrom, To: oldTo}),
		list("dates + aceptada + salesperson", db.QuoteFilter{From: oldFrom, To: lastMonthTo, Status: db.StatusAccepted, SalespersonID: spID}),
		list("search: common surname «garcía»", db.QuoteFilter{Search: "garcía"}),
		list("search: rarer surname «olvera»", db.QuoteFilter{Search: "olvera"}),
		list("search: two words «maría hernández»", db.QuoteFilter{Search: "maría hernández"}),
		list("search: two common surnames «garcia lopez»", db.QuoteFilter{Search: "garcia lopez"}),
		list("search: prefix «gonz»", db.QuoteFilter{Search: "gonz"}),
		list("search: one letter «m»", db.QuoteFilter{Search: "m"}),
		list("search: folio "+folio, db.QuoteFilter{Search: folio}),
		list("search: folio prefix "+folio[:len(folio)-2], db.QuoteFilter{Search: folio[:len(folio)-2]}),
		list("search: folio number "+folio[len(folio)-4:], db.QuoteFilter{Search: folio[len(folio)-4:]}),
		list("search: RFC prefix "+rfc[:6], db.QuoteFilter{Search: rfc[:6]}),
		list("search + salesperson (a salesperson's own)", db.QuoteFilter{Search: "hernandez", SalespersonID: spID}),
		list("search + status aceptada", db.QuoteFilter{Search: "hernandez", Status: db.StatusAccepted}),
		dash("dashboard, last 12 months", db.DashboardFilter{FromMonth: month(11), ToMonth: month(0)}),
		dash("dashboard, last 12 months, one salesperson", db.DashboardFilter{FromMonth: month(11), ToMonth: month(0), SalespersonID: spID}),
		dash("dashboard, 24 months", db.DashboardFilter{FromMonth: month(23), ToMonth: month(0)}),
		dash("dashboard, 36 months", db.DashboardFilter{FromMonth: month(35), ToMonth: month(0)}),
	)
	return cases, nil
}

// measure runs f 5 times, then runs more times timed, sorted.
func measure(runs int, f func() error) ([]time.Duration, error) {
	for range 5 {
		if err := f(); err != nil {
			return nil, err
		}
	}
	ds := make([]time.Duration, runs)
	for i := range ds {
		start := time.Now()
		if err := f(); err != nil {
			return nil, err
		}
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	return ds, nil
}

func ms(ds []time.Duration, pct int) string {
	i := min(len(ds)-1, (len(ds)*pct+99)/100-1)
	return fmt.Sprintf("%.1f ms", float64(ds[i].Microseconds())/1000)
}

// pages times the app's own pages, as the owner, through the handlers
// (in process, no network): the list, a search, and the home page with
// its Tablero.
func pages(ctx context.Context, d *db.DB, runs int) error {
	d.Clock = app.SystemClock{}
	sec := handlers.DefaultSecurity()
	sec.RateLimit, sec.LoginRateLimit = 0, 0 // one client sends everything
	a, err := handlers.New(handlers.Deps{DB: d, Clock: app.SystemClock{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Config: handlers.Config{Env: "development", Security: sec}})
	if err != nil {
		return err
	}
	users, err := d.FindUsers(ctx)
	if err != nil {
		return err
	}
	var owner *db.User
	for _, u := range users {
		if u.Role == auth.RoleOwner {
			owner = u
		}
	}
	if owner == nil {
		return fmt.Errorf("no owner")
	}
	raw, _, err := d.CreateSession(ctx, owner.ID, false, "quotebench", "127.0.0.1", handlers.DefaultSecurity().Sessions)
	if err != nil {
		return err
	}
	fmt.Printf("\n| page (handlers in process, as the owner, %d runs) | bytes | p50 | p95 |\n|---|---|---|---|\n", runs)
	for _, p := range []string{"/cotizaciones", "/cotizaciones?q=garcia", "/cotizaciones?estado=vencida", "/", "/tablero"} {
		var size int
		ds, err := measure(runs, func() error {
			req, _ := http.NewRequest(http.MethodGet, p, nil)
			req.Header.Set("Cookie", "cotizador_session="+raw)
			resp, err := a.Test(req, -1)
			if err != nil {
				return err
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "</html>") {
				return fmt.Errorf("%s: %d", p, resp.StatusCode)
			}
			size = len(body)
			return err
		})
		if err != nil {
			return err
		}
		fmt.Printf("| GET %s | %d | %s | %s |\n", p, size, ms(ds, 50), ms(ds, 95))
	}
	return nil
}
