package errmon_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cotizador/app"
	"cotizador/breaker"
	"cotizador/errmon"
	"cotizador/locales"
)

var epoch = time.Date(2026, 11, 26, 20, 30, 0, 0, time.UTC)

func dbBusy(rid string) errmon.Event {
	return errmon.Event{Code: "unavailable", Route: "/cotizaciones", Message: "error.db_busy", Category: app.CatDatabase,
		Severity: app.SevHigh, Status: 503, RequestID: rid, Example: "database is locked"}
}

func TestAlertThresholdAndCooldown(t *testing.T) {
	clock := app.NewFakeClock(epoch)
	m := errmon.New(clock, errmon.Rules{Threshold: 3, Window: 5 * time.Minute, Cooldown: 30 * time.Minute})
	var got []errmon.Alert
	m.OnAlert(func(a errmon.Alert) { got = append(got, a) })

	// Two errors, then one more after the window: never 3 within 5 minutes.
	m.Record(dbBusy("r1"))
	clock.Advance(2 * time.Minute)
	m.Record(dbBusy("r2"))
	clock.Advance(4 * time.Minute)
	if a := m.Record(dbBusy("r3")); a != nil || len(got) != 0 {
		t.Fatalf("alert with 2 errors in the window: %+v", a)
	}
	// Two more within the window make 3 → alert.
	clock.Advance(time.Minute)
	m.Record(dbBusy("r4"))
	a := m.Record(dbBusy("r5"))
	if a == nil || a.Rule != errmon.RuleThreshold || a.Count != 3 || len(got) != 1 {
		t.Fatalf("third error in the window: alert %+v, received %d", a, len(got))
	}
	if a.Group.Count != 5 || a.Group.LastRequestID != "r5" || a.Group.Route != "/cotizaciones" {
		t.Errorf("alert group = %+v", a.Group)
	}
	if open := m.OpenAlerts(); len(open) != 1 || !open[0].Until.Equal(clock.Now().Add(30*time.Minute)) {
		t.Errorf("open alerts = %+v", open)
	}

	// Cooldown: many more errors, no second alert for 30 minutes.
	for i := 0; i < 10; i++ {
		clock.Advance(time.Minute)
		if a := m.Record(dbBusy("cool")); a != nil {
			t.Fatalf("alert during cooldown at +%d min", i+1)
		}
	}
	// After the cooldown the open alert closes, and the rule fires again
	// once the threshold is met again.
	clock.Advance(21 * time.Minute)
	if open := m.OpenAlerts(); len(open) != 0 {
		t.Errorf("alert still open after its cooldown: %+v", open)
	}
	m.Record(dbBusy("x"))
	m.Record(dbBusy("y"))
	if a := m.Record(dbBusy("z")); a == nil || len(got) != 2 {
		t.Fatalf("no alert after the cooldown: %+v", a)
	}
}

func TestCriticalAlertsAtOnceAndLowNever(t *testing.T) {
	clock := app.NewFakeClock(epoch)
	m := errmon.New(clock, errmon.Rules{Threshold: 2, Window: time.Minute, Cooldown: 10 * time.Minute})
	full := errmon.Event{Code: "unavailable", Route: "/clientes", Message: "error.db_full", Category: app.CatDatabase, Severity: app.SevCritical}
	if a := m.Record(full); a == nil || a.Rule != errmon.RuleCritical {
		t.Fatalf("critical error: alert %+v", a)
	}
	if a := m.Record(full); a != nil {
		t.Fatalf("second critical within cooldown alerted")
	}
	notFound := errmon.Event{Code: "not_found", Route: "unmatched", Message: "error.not_found.body", Category: app.CatBusiness, Severity: app.SevLow}
	for i := 0; i < 50; i++ {
		if a := m.Record(notFound); a != nil {
			t.Fatal("low-severity errors alerted")
		}
	}
	if g := m.Groups(); len(g) != 2 || g[0].Count+g[1].Count != 52 {
		t.Errorf("groups = %+v", g)
	}
}

func TestGroupingAndCounts(t *testing.T) {
	clock := app.NewFakeClock(epoch)
	m := errmon.New(clock, errmon.DefaultRules)
	internal := func(msg string) errmon.Event {
		return errmon.Event{Code: "internal", Route: "/cotizaciones/:id", Message: msg, Category: app.CatInternal, Severity: app.SevHigh}
	}
	m.Record(internal("db: quote 42: no such column 'x1'"))
	m.Record(internal("db: quote 7: no such column 'y'"))
	m.Record(internal("pdf: font missing"))
	m.Record(errmon.Event{Code: "internal", Route: "/clientes", Message: "pdf: font missing", Category: app.CatInternal, Severity: app.SevHigh})
	groups := m.Groups()
	if len(groups) != 3 {
		t.Fatalf("groups = %d, want 3 (ids and quoted values normalised; route separates)", len(groups))
	}
	counts := map[string]int{}
	for _, g := range groups {
		counts[g.Route+" "+g.Message] = g.Count
	}
	if counts["/cotizaciones/:id db: quote N: no such column ?"] != 2 {
		t.Errorf("counts = %v", counts)
	}
	clock.Advance(2 * time.Hour)
	m.Record(internal("pdf: font missing"))
	hours := m.Hourly()
	if len(hours) != 24 || hours[23].Total != 1 || hours[21].Total != 4 || hours[21].ByCategory[app.CatInternal] != 4 {
		t.Errorf("hourly = last %d, two hours ago %d", hours[23].Total, hours[21].Total)
	}
	rates := m.Rates()
	if r := rates[app.CatInternal]; r.Last5m != 1 || r.Last1h != 1 {
		t.Errorf("rates = %+v", rates)
	}
	if tot := m.Totals()[errmon.Total{Category: app.CatInternal, Severity: app.SevHigh, Code: "internal"}]; tot != 5 {
		t.Errorf("total = %d, want 5", tot)
	}
}

// hook is a loopback webhook receiver that fails while down is set.
type hook struct {
	mu     sync.Mutex
	down   atomic.Bool
	bodies []map[string]any
	hits   atomic.Int64
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.hits.Add(1)
	if h.down.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	data, _ := io.ReadAll(r.Body)
	var m map[string]any
	if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(data, &m) != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.bodies = append(h.bodies, m)
	h.mu.Unlock()
}

func TestWebhookBehindBreaker(t *testing.T) {
	h := &hook{}
	h.down.Store(true)
	srv := httptest.NewServer(h)
	defer srv.Close()
	b := breaker.New(breaker.Settings{Name: "alert_webhook", Failures: 2, OpenFor: 100 * time.Millisecond})
	w := errmon.NewWebhook(srv.URL, b, spanish(t), nil)
	a := errmon.Alert{Rule: errmon.RuleCritical, Count: 1, Window: "5m0s",
		Group: errmon.Group{Code: "unavailable", Route: "/clientes", Message: "error.db_full", Category: app.CatDatabase, LastRequestID: "abc123"}}
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := w.Send(ctx, a); err == nil || errors.Is(err, breaker.ErrOpen) {
			t.Fatalf("send %d to a failing hook: %v", i, err)
		}
	}
	if err := w.Send(ctx, a); !errors.Is(err, breaker.ErrOpen) || h.hits.Load() != 2 {
		t.Fatalf("send with the circuit open: %v, hits %d", err, h.hits.Load())
	}
	h.down.Store(false)
	time.Sleep(150 * time.Millisecond)
	if err := w.Send(ctx, a); err != nil {
		t.Fatalf("send after recovery: %v", err)
	}
	if b.State() != breaker.Closed {
		t.Errorf("breaker %s after a delivered alert", b.State())
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.bodies) != 1 {
		t.Fatalf("delivered %d bodies", len(h.bodies))
	}
	body := h.bodies[0]
	text, _ := body["text"].(string)
	if text == "" || body["content"] != text || body["message"] != text || body["alert"] == nil {
		t.Errorf("body = %v, want Slack's text, Discord's content, ntfy's message and the alert", body)
	}
	for _, want := range []string{"Error crítico (Base de datos) en /clientes", "el disco del servidor está lleno", "solicitud abc123"} {
		if !strings.Contains(text, want) {
			t.Errorf("text %q lacks %q", text, want)
		}
	}
}

func TestWebhookQueueRunsAlertsFromTheMonitor(t *testing.T) {
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	w := errmon.NewWebhook(srv.URL, breaker.New(breaker.Settings{Name: "alert_webhook"}), spanish(t), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	m := errmon.New(app.NewFakeClock(epoch), errmon.DefaultRules)
	m.OnAlert(w.Enqueue)
	m.Record(errmon.Event{Code: "internal", Route: "/", Message: "boom", Category: app.CatDatabase, Severity: app.SevCritical})
	deadline := time.Now().Add(5 * time.Second)
	for h.hits.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if h.hits.Load() != 1 {
		t.Fatalf("webhook hits = %d, want 1", h.hits.Load())
	}
}

func spanish(t *testing.T) *locales.Translator {
	t.Helper()
	b, err := locales.NewBundle(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.Translator("es")
}
