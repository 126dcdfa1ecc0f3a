package workshop_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/catalogio"
	"cotizador/db"
	"cotizador/internal/testutil"
	"cotizador/locales"
	"cotizador/pricing"
	"cotizador/quoting"
	"cotizador/workshop"
)

// shop is a company with the demo catalogue (Línea 3" profiles in 6.10 m
// bars) and its owner, on a real database.
type shop struct {
	db     *db.DB
	quotes *quoting.Service
	ws     *workshop.Service
	owner  *db.User
	actor  app.Actor
}

func newShop(t testing.TB) *shop {
	t.Helper()
	d := testutil.OpenDB(t)
	d.Clock = app.NewFakeClock(testutil.Epoch)
	owner := &db.User{Email: "rosa@aluminiosbajio.mx", Name: "Rosa Martínez", PasswordHash: "x"}
	if err := d.Setup(t.Context(), "Aluminios del Bajío", owner, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	owner.Role = auth.RoleOwner
	ch, err := catalogio.Demo()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ApplyCatalog(t.Context(), ch, app.CLIActor, false); err != nil {
		t.Fatal(err)
	}
	return &shop{db: d, quotes: &quoting.Service{DB: d, Clock: d.Clock}, ws: &workshop.Service{DB: d, Clock: d.Clock},
		owner: owner, actor: app.UserActor(owner.ID)}
}

// window is a line: product, width × height in mm, quantity, colour, location.
type window struct {
	product       string
	width, height int
	qty           int
	colour        string
	location      string
	optional      bool
}

// quote prices and saves a quote of windows in mode, and, when accept,
// sends and accepts it.
func (s *shop) quote(t testing.TB, mode pricing.Mode, accept bool, windows ...window) (*db.Quote, *quoting.Draft) {
	t.Helper()
	in := &quoting.Input{Percent: true, Fields: map[string]string{
		quoting.FieldCustomerName: "Laura Gómez", quoting.FieldCustomerNew: "1", quoting.FieldMode: string(mode), quoting.FieldUnit: quoting.UnitMM,
	}}
	for i, w := range windows {
		in.Items = append(in.Items, quoting.ItemInput{N: i, ProductCode: w.product, Width: fmt.Sprint(w.width), Height: fmt.Sprint(w.height),
			Quantity: fmt.Sprint(w.qty), ColorCode: w.colour, Location: w.location, Optional: w.optional})
	}
	d, err := s.quotes.Price(t.Context(), in, s.owner)
	if err != nil {
		t.Fatal(err)
	}
	q, err := s.quotes.Save(t.Context(), d, s.owner, nil, s.actor)
	if err != nil {
		t.Fatalf("save: %v (%v)", err, d.FieldErrors())
	}
	if accept {
		for _, st := range []string{db.StatusSent, db.StatusAccepted} {
			if err := s.quotes.SetStatus(t.Context(), q, st, s.actor); err != nil {
				t.Fatal(err)
			}
		}
	}
	q, _, err = s.quotes.Find(t.Context(), q.ID, s.owner)
	if err != nil {
		t.Fatal(err)
	}
	return q, d
}

func translator(t testing.TB) *locales.Translator {
	b, err := locales.NewBundle(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.Translator("es")
}

// bars counts the bars of a plan by profile and colour.
func bars(p *workshop.Plan) map[string]int {
	out := map[string]int{}
	for _, pp := range p.Profiles {
		out[pp.MaterialCode+"/"+pp.ColourCode] = len(pp.Bars)
	}
	return out
}

// TestSamePlanForPriceCutListAndPDF: an optimizado quote's price paid for
// some bars per profile; its cut list, the workshop order made from it and
// the order's PDF show those very bars.
func TestSamePlanForPriceCutListAndPDF(t *testing.T) {
	s := newShop(t)
	q, draft := s.quote(t, pricing.ModeOptimised, true,
		window{"VEN-COR-L3-2H", 1500, 1200, 3, "BLA", "Recámaras", false},
		window{"VEN-COR-L3-2H", 2400, 1500, 1, "BLA", "Sala", false},
		window{"VEN-FIJ-L3", 1800, 600, 2, "BLA", "Cubo de escalera", false},
		window{"VEN-COR-L2-2H", 1000, 800, 4, "", "Baños", false},
		window{"VEN-FIJ-L3", 900, 900, 1, "BLA", "Opcional", true},
	)
	priced := map[string]int{}
	for _, g := range draft.Result.Cuts {
		priced[g.MaterialCode+"/"+g.ColourCode] = len(g.Bars)
	}
	if len(priced) < 8 {
		t.Fatalf("only %d profile groups priced: %v", len(priced), priced)
	}

	list, err := s.ws.QuoteCutList(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	if got := bars(list); fmt.Sprint(got) != fmt.Sprint(priced) {
		t.Fatalf("cut list bars %v, price paid for %v", got, priced)
	}
	// Bar for bar, the same pieces.
	for i, g := range draft.Result.Cuts {
		pp := list.Profiles[i]
		for b := range g.Bars {
			var want, got []int
			for _, pc := range g.Bars[b].Pieces {
				want = append(want, pc.LengthMM)
			}
			for _, pc := range pp.Bars[b].Pieces {
				got = append(got, pc.LengthMM)
			}
			if fmt.Sprint(want) != fmt.Sprint(got) {
				t.Fatalf("%s bar %d: cut list %v, priced %v", g.MaterialCode, b, got, want)
			}
		}
	}

	o, err := s.ws.CreateOrder(t.Context(), []*db.Quote{q}, s.actor)
	if err != nil {
		t.Fatal(err)
	}
	order, err := s.ws.Order(t.Context(), o.Folio)
	if err != nil {
		t.Fatal(err)
	}
	if got := bars(order.Plan); fmt.Sprint(got) != fmt.Sprint(priced) {
		t.Fatalf("order bars %v, price paid for %v", got, priced)
	}
	doc, err := s.ws.PDF(order, "Aluminios del Bajío", translator(t))
	if err != nil {
		t.Fatal(err)
	}
	text := testutil.PDFText(t, doc)
	for _, g := range draft.Result.Cuts {
		n := len(g.Bars)
		// The last bar's heading says "Barra n de n": no more, no fewer.
		if !strings.Contains(text, fmt.Sprintf("Barra %d de %d", n, n)) || strings.Contains(text, fmt.Sprintf("Barra %d de %d", n+1, n)) {
			t.Errorf("PDF lacks the %d bars of %s", n, g.MaterialCode)
		}
	}
}

// TestWorkshopOrderPDF reads the shop-floor sheet back: folio, profile
// codes, every piece length, angles, check boxes' lines, glass and
// supplies; and no price, cost or margin anywhere.
func TestWorkshopOrderPDF(t *testing.T) {
	s := newShop(t)
	q, _ := s.quote(t, pricing.ModeByMetre, true,
		window{"VEN-FIJ-L3", 1800, 600, 2, "BLA", "Cubo de escalera", false},
		window{"VEN-COR-L3-2H", 1500, 1200, 1, "BLA", "Recámara", false},
	)
	o, err := s.ws.CreateOrder(t.Context(), []*db.Quote{q}, s.actor)
	if err != nil {
		t.Fatal(err)
	}
	if o.Folio != "OT-2026-0001" {
		t.Errorf("folio %s, want OT-2026-0001", o.Folio)
	}
	order, err := s.ws.Order(t.Context(), o.Folio)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := s.ws.PDF(order, "Aluminios del Bajío", translator(t))
	if err != nil {
		t.Fatal(err)
	}
	text := testutil.PDFText(t, doc)
	flat := testutil.OneLine(text)
	want := []string{"Orden de taller OT-2026-0001", q.DisplayFolio(), "PER-L3-FE", "PER-L3-JQ", "PER-L3-RS", "PER-L3-JA",
		"Blanco (BLA)", "45°", "Cubo de escalera", "Vidrios", "VID-CLA-6", "1740 × 540", "Herrajes y consumibles", "HER-CAR-3",
		// The sliding window's glass formula counts a pane per leaf,
		// 2 × (1476/2 − 19) × 1091 mm: its area, and no made-up size.
		"según fórmula", "1.569",
		"plan óptimo", "Página 1 de"}
	// Every piece of the plan, by length.
	for _, pp := range order.Plan.Profiles {
		for _, b := range pp.Bars {
			for _, pc := range b.Pieces {
				want = append(want, fmt.Sprintf("%d mm", pc.LengthMM))
			}
		}
	}
	for _, w := range want {
		if !strings.Contains(flat, w) {
			t.Errorf("PDF lacks %q", w)
		}
	}
	// Fixed 1800 × 600: frame pieces of 1800 and 600 mm cut at 45°.
	for _, w := range []string{"1800 mm", "600 mm", "1724 mm"} {
		if !strings.Contains(flat, w) {
			t.Errorf("PDF lacks the fixed window's %s", w)
		}
	}
	for _, bad := range []string{"$", "MXN", "Costo", "costo", "Precio", "precio", "Utilidad", "Total:", "IVA"} {
		if strings.Contains(text, bad) {
			t.Errorf("the shop-floor sheet shows %q", bad)
		}
	}
}

// TestOffcutsUsedFirstAndOnce: finishing an order puts its reusable
// offcuts in stock once; the next order cuts from them first and says
// which; finishing it uses them up.
func TestOffcutsUsedFirstAndOnce(t *testing.T) {
	s := newShop(t)
	ctx := t.Context()
	// A fixed window 2400 × 400: frame 2 × 2400 + 2 × 400 mm, junquillo
	// 2 × 2324 + 2 × 324: the frame's bar leaves 6080 − (2400+2400+400+400
	// + 3 kerf) ≈ 468 mm (scrap); the junquillo's a long offcut.
	q1, _ := s.quote(t, pricing.ModeByMetre, true, window{"VEN-FIJ-L3", 2400, 400, 1, "BLA", "Pasillo", false})
	o1, err := s.ws.CreateOrder(ctx, []*db.Quote{q1}, s.actor)
	if err != nil {
		t.Fatal(err)
	}
	order1, _ := s.ws.Order(ctx, o1.Folio)
	leftovers := order1.Plan.Leftovers()
	if len(leftovers) == 0 {
		t.Fatal("the first order leaves no reusable offcut; the test needs one")
	}
	if got, _ := s.db.FindOffcuts(ctx, db.OffcutFilter{}); len(got) != 0 {
		t.Fatalf("offcuts before the order is cut: %d", len(got))
	}
	for _, st := range []string{db.OrderCutting, db.OrderDone} {
		if err := s.ws.SetStatus(ctx, order1, st, s.actor); err != nil {
			t.Fatal(err)
		}
	}
	// Finishing again is refused and adds nothing.
	if err := s.ws.SetStatus(ctx, order1, db.OrderDone, s.actor); app.ErrorCode(err) != app.ECONFLICT {
		t.Fatalf("finishing twice: %v", err)
	}
	stock, _ := s.db.FindOffcuts(ctx, db.OffcutFilter{Status: db.OffcutAvailable})
	if len(stock) != len(leftovers) {
		t.Fatalf("stock has %d offcuts, the order left %d", len(stock), len(leftovers))
	}
	for _, o := range stock {
		if o.SourceFolio != o1.Folio || o.MaterialCode == "" || o.ColourCode != "BLA" {
			t.Errorf("offcut %+v", o)
		}
	}

	// A small fixed window whose junquillo pieces fit the offcut.
	q2, _ := s.quote(t, pricing.ModeByMetre, true, window{"VEN-FIJ-L3", 500, 400, 1, "BLA", "Baño", false})
	o2, err := s.ws.CreateOrder(ctx, []*db.Quote{q2}, s.actor)
	if err != nil {
		t.Fatal(err)
	}
	order2, _ := s.ws.Order(ctx, o2.Folio)
	used := order2.Plan.OffcutsUsed()
	if len(used) == 0 {
		t.Fatalf("the second order cuts no offcut: %+v", order2.Plan.Profiles)
	}
	for _, pp := range order2.Plan.Profiles {
		for i, b := range pp.Bars {
			if b.OffcutID != 0 && i > 0 && pp.Bars[i-1].OffcutID == 0 {
				t.Errorf("%s: offcut bar after a new bar", pp.MaterialCode)
			}
		}
	}
	reserved, _ := s.db.FindOffcuts(ctx, db.OffcutFilter{Status: db.OffcutReserved})
	if len(reserved) != len(used) || reserved[0].ReservedFolio != o2.Folio {
		t.Fatalf("reserved %+v, plan uses %v", reserved, used)
	}
	// A reserved offcut cannot be discarded or changed.
	if err := s.ws.DiscardOffcut(ctx, used[0], s.actor); app.ErrorCode(err) != app.ECONFLICT {
		t.Errorf("discarding a reserved offcut: %v", err)
	}
	doc, err := s.ws.PDF(order2, "Aluminios", translator(t))
	if err != nil {
		t.Fatal(err)
	}
	if text := testutil.PDFText(t, doc); !strings.Contains(text, fmt.Sprintf("Retazo #%d", used[0])) {
		t.Errorf("the sheet does not say which offcut to cut:\n%s", text)
	}
	if err := s.ws.SetStatus(ctx, order2, db.OrderDone, s.actor); err != nil {
		t.Fatal(err)
	}
	all, _ := s.db.FindOffcuts(ctx, db.OffcutFilter{Status: db.OffcutUsed})
	if len(all) != len(used) {
		t.Errorf("used offcuts %d, want %d", len(all), len(used))
	}
}

// TestConcurrentOrdersShareNoOffcut: one offcut in stock, two orders
// created at once that would both cut it: exactly one gets it, the other
// plans without it; finished at once (each twice), the offcut is used once
// and each order's leftovers enter the stock once.
func TestConcurrentOrdersShareNoOffcut(t *testing.T) {
	s := newShop(t)
	ctx := t.Context()
	off, err := s.ws.AddOffcut(ctx, workshop.OffcutInput{MaterialCode: "PER-L3-JQ", ColourCode: "BLA", LengthMM: "2500"}, s.actor)
	if err != nil {
		t.Fatal(err)
	}
	var quotes []*db.Quote
	for i := range 2 {
		q, _ := s.quote(t, pricing.ModeByMetre, true, window{"VEN-FIJ-L3", 500, 400 + 10*i, 1, "BLA", "Baño", false})
		quotes = append(quotes, q)
	}
	orders := make([]*db.WorkshopOrder, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { orders[i], errs[i] = s.ws.CreateOrder(ctx, []*db.Quote{quotes[i]}, s.actor) })
	}
	wg.Wait()
	cutters := 0
	var plans []*workshop.Order
	for i := range 2 {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		o, _ := s.ws.Order(ctx, orders[i].Folio)
		plans = append(plans, o)
		for _, id := range o.Plan.OffcutsUsed() {
			if id == off.ID {
				cutters++
			}
		}
	}
	if cutters != 1 {
		t.Fatalf("%d orders plan to cut offcut %d, want exactly 1", cutters, off.ID)
	}
	var wantLeft int
	for _, o := range plans {
		wantLeft += len(o.Plan.Leftovers())
	}
	// Both orders finished at once, each by two requests.
	var done sync.WaitGroup
	results := make(chan error, 4)
	for _, o := range plans {
		for range 2 {
			done.Go(func() { results <- s.ws.SetStatus(ctx, o, db.OrderDone, s.actor) })
		}
	}
	done.Wait()
	close(results)
	ok := 0
	for err := range results {
		if err == nil {
			ok++
		} else if app.ErrorCode(err) != app.ECONFLICT {
			t.Fatal(err)
		}
	}
	if ok != 2 {
		t.Fatalf("%d finishes succeeded, want 2 (one per order)", ok)
	}
	usedRows, _ := s.db.FindOffcuts(ctx, db.OffcutFilter{Status: db.OffcutUsed})
	if len(usedRows) != 1 || usedRows[0].ID != off.ID {
		t.Errorf("used offcuts %+v, want only %d", usedRows, off.ID)
	}
	avail, _ := s.db.FindOffcuts(ctx, db.OffcutFilter{Status: db.OffcutAvailable})
	if len(avail) != wantLeft {
		t.Errorf("%d offcuts in stock, the two orders left %d", len(avail), wantLeft)
	}
}

// TestOrderRules: only accepted quotes, a quote in one order at most,
// deleting a pending order frees its quote and offcuts, folios follow.
func TestOrderRules(t *testing.T) {
	s := newShop(t)
	ctx := t.Context()
	draft, _ := s.quote(t, pricing.ModeByMetre, false, window{"VEN-FIJ-L3", 1000, 800, 1, "", "", false})
	if _, err := s.ws.CreateOrder(ctx, []*db.Quote{draft}, s.actor); app.ErrorCode(err) != app.ECONFLICT {
		t.Errorf("order of a draft: %v", err)
	}
	if _, err := s.ws.CreateOrder(ctx, nil, s.actor); app.ErrorCode(err) != app.EINVALID {
		t.Errorf("order of nothing: %v", err)
	}
	a, _ := s.quote(t, pricing.ModeByMetre, true, window{"VEN-FIJ-L3", 1000, 800, 1, "", "", false})
	b, _ := s.quote(t, pricing.ModeOptimised, true, window{"VEN-COR-L3-2H", 1200, 1000, 2, "", "", false})
	o, err := s.ws.CreateOrder(ctx, []*db.Quote{a, b}, s.actor)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Quotes) != 2 {
		t.Errorf("order quotes %+v", o.Quotes)
	}
	_, err = s.ws.CreateOrder(ctx, []*db.Quote{b}, s.actor)
	var ae *app.Error
	if !errors.As(err, &ae) || ae.Message != "workshop.quote_in_order" || ae.Args["Order"] != o.Folio {
		t.Fatalf("second order of the same quote: %v", err)
	}
	order, _ := s.ws.Order(ctx, o.Folio)
	if err := s.ws.Delete(ctx, order, s.actor); err != nil {
		t.Fatal(err)
	}
	o2, err := s.ws.CreateOrder(ctx, []*db.Quote{b}, s.actor)
	if err != nil {
		t.Fatalf("the quote of a deleted order: %v", err)
	}
	if o2.Folio != "OT-2026-0002" {
		t.Errorf("folio %s, want OT-2026-0002", o2.Folio)
	}
	order2, _ := s.ws.Order(ctx, o2.Folio)
	if err := s.ws.SetStatus(ctx, order2, db.OrderCutting, s.actor); err != nil {
		t.Fatal(err)
	}
	if err := s.ws.Delete(ctx, order2, s.actor); app.ErrorCode(err) != app.ECONFLICT {
		t.Errorf("deleting an order being cut: %v", err)
	}
	if err := s.ws.SetStatus(ctx, order2, db.OrderPending, s.actor); app.ErrorCode(err) != app.ECONFLICT {
		t.Errorf("back to pending: %v", err)
	}
}

// TestOrderCutsQuotesTogether: two quotes' pieces of the same profile and
// colour share bars in one order, each piece saying which quote it is
// for; the order's rows, its offcuts and their changes are in the audit
// trail with the user who made them.
func TestOrderCutsQuotesTogether(t *testing.T) {
	s := newShop(t)
	ctx := t.Context()
	a, _ := s.quote(t, pricing.ModeByMetre, true, window{"VEN-FIJ-L3", 1200, 900, 1, "BLA", "Sala", false})
	b, _ := s.quote(t, pricing.ModeByMetre, true, window{"VEN-FIJ-L3", 1000, 700, 1, "BLA", "Comedor", false})
	o, err := s.ws.CreateOrder(ctx, []*db.Quote{a, b}, s.actor)
	if err != nil {
		t.Fatal(err)
	}
	order, _ := s.ws.Order(ctx, o.Folio)
	if fmt.Sprint(order.Plan.Quotes) != fmt.Sprint([]string{a.Folio, b.Folio}) {
		t.Errorf("plan quotes %v", order.Plan.Quotes)
	}
	var frame *workshop.ProfilePlan
	for i := range order.Plan.Profiles {
		if pp := &order.Plan.Profiles[i]; pp.MaterialCode == "PER-L3-FE" {
			if frame != nil {
				t.Fatal("PER-L3-FE/BLA planned twice")
			}
			frame = pp
		}
	}
	if frame == nil {
		t.Fatal("no frame profile in the plan")
	}
	// 2 × (1200 + 900) + 2 × (1000 + 700) = 7600 mm of frame in one plan
	// of two bars, with the four pieces of each quote.
	folios := map[string]int{}
	for _, b := range frame.Bars {
		for _, pc := range b.Pieces {
			folios[pc.Quote]++
		}
	}
	if len(frame.Bars) != 2 || folios[a.Folio] != 4 || folios[b.Folio] != 4 {
		t.Errorf("frame: %d bars, pieces per quote %v", len(frame.Bars), folios)
	}

	// Audited by the generated triggers like every business table.
	if err := s.ws.SetStatus(ctx, order, db.OrderDone, s.actor); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"workshop_orders", "workshop_order_quotes", "offcuts"} {
		var n int
		err := s.db.Reader.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE table_name = ? AND actor = ?`, table, string(s.actor)).Scan(&n)
		if err != nil || n == 0 {
			t.Errorf("%s: %d audit rows by %s (%v)", table, n, s.actor, err)
		}
	}
}
