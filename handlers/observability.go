package handlers

import (
	"errors"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"cotizador/app"
	"cotizador/breaker"
	"cotizador/db"
	"cotizador/errmon"
)

// recordError counts an answered error in the error monitor, grouped by
// code, route and message: the message id for the errors we raise, the
// cause's text for internal ones (the monitor normalises ids and numbers
// away).
func (s *server) recordError(c *fiber.Ctx, status int, err error, ae *app.Error) {
	cat, sev := app.ErrorClass(err)
	msg := ""
	var fe *fiber.Error
	switch {
	case ae != nil && ae.Code != app.EINTERNAL:
		msg = ae.Message
	case ae == nil && errors.As(err, &fe):
		// Fiber's own: no route, wrong method, body too large.
		msg = fmt.Sprintf("http %d", fe.Code)
		cat, sev = app.CatBusiness, app.SevLow
		switch {
		case fe.Code >= 500:
			cat, sev = app.CatInternal, app.SevHigh
		case fe.Code == fiber.StatusRequestEntityTooLarge || fe.Code == fiber.StatusBadRequest:
			cat = app.CatValidation
		}
	default:
		msg = err.Error()
	}
	route := routeLabel(c, status)
	if route == "unmatched" && status != fiber.StatusNotFound && status != fiber.StatusMethodNotAllowed {
		// Refused by a global middleware (CSRF, rate limit) before any
		// route ran: the path, ids normalised, says where.
		route = errmon.Normalize(c.Path())
	}
	s.Errors.Record(errmon.Event{
		Code: errorCodeName(status, ae), Route: route, Message: msg, Category: cat, Severity: sev,
		Status: status, RequestID: requestIDFrom(c), Example: err.Error(),
	})
}

// keptForm is what a refused form post sent, offered back on the error page
// as hidden fields with an "Enviar de nuevo" button: a write refused while
// the disk is full or the database busy loses nothing the user typed, even
// without JavaScript (with htmx the form is never replaced at all).
type keptForm struct {
	Action          string
	Fields          []keptField
	DroppedPassword bool
	DroppedFiles    bool
}

type keptField struct{ Name, Value string }

// maxKeptFields bounds the page; a quote with many lines stays well below.
const maxKeptFields = 4000

// keepForm collects the posted fields, leaving out the CSRF token (the page
// carries a current one) and passwords (never echoed into a page).
func keepForm(c *fiber.Ctx) *keptForm {
	if c.Method() != fiber.MethodPost || isFragment(c) || strings.HasPrefix(c.Path(), "/api/") {
		return nil
	}
	k := &keptForm{Action: c.OriginalURL()}
	add := func(name, value string) {
		lname := strings.ToLower(name)
		switch {
		case name == csrfField:
		case strings.Contains(lname, "password") || strings.Contains(lname, "contrasena"):
			k.DroppedPassword = true
		case len(k.Fields) < maxKeptFields:
			k.Fields = append(k.Fields, keptField{name, value})
		}
	}
	if strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEMultipartForm) {
		mf, err := c.MultipartForm()
		if err != nil {
			return nil
		}
		names := make([]string, 0, len(mf.Value))
		for n := range mf.Value {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			for _, v := range mf.Value[n] {
				add(n, v)
			}
		}
		k.DroppedFiles = len(mf.File) > 0
	} else {
		c.Request().PostArgs().VisitAll(func(key, value []byte) { add(string(key), string(value)) })
	}
	if len(k.Fields) == 0 && !k.DroppedPassword && !k.DroppedFiles {
		return nil
	}
	return k
}

// readOnlyBanner is the message id of the banner every page shows while the
// database refuses writes, or "".
func (s *server) readOnlyBanner() string {
	st, ro := s.DB.ReadOnly()
	switch {
	case !ro:
		return ""
	case st.Cause == db.ReadOnlyFile:
		return "readonly.banner.read_only"
	}
	return "readonly.banner.disk_full"
}

// errorsPage is Errores: the error groups, the open alerts and a chart of
// the last 24 hours drawn on the server (an SVG with its numbers in a
// table, so it reads without JavaScript and without the picture).
func (s *server) errorsPage(c *fiber.Ctx) error {
	hours := s.Errors.Hourly()
	rules := s.Errors.Rules()
	var webhook string
	for _, b := range s.Breakers.Snapshots() {
		if b.Name == alertWebhookBreaker {
			webhook = b.State
		}
	}
	return s.renderPage(c, fiber.StatusOK, "errors", "errors.title", fiber.Map{
		"Groups":     s.Errors.Groups(),
		"Alerts":     s.Errors.OpenAlerts(),
		"Hours":      hours,
		"Chart":      errorsChart(hours),
		"Since":      s.Errors.Started(),
		"Threshold":  rules.Threshold,
		"Window":     int(rules.Window.Minutes()),
		"Cooldown":   int(rules.Cooldown.Minutes()),
		"Webhook":    webhook,
		"Categories": chartCategories(hours),
	})
}

// alertWebhookBreaker names the alert webhook's breaker (run.go builds it).
const alertWebhookBreaker = "alert_webhook"

// chartCategories lists the categories with errors in the chart's hours,
// for the table's columns.
func chartCategories(hours []errmon.Hour) []app.Category {
	seen := map[app.Category]bool{}
	for _, h := range hours {
		for c := range h.ByCategory {
			seen[c] = true
		}
	}
	out := make([]app.Category, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// errorsChart draws one bar per hour. Sizes are attributes, not styles:
// the CSP forbids inline styles.
func errorsChart(hours []errmon.Hour) template.HTML {
	const w, h, pad, bar = 480, 120, 16, 16
	peak := 1
	for _, hr := range hours {
		peak = max(peak, hr.Total)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="errors-chart" viewBox="0 0 %d %d" width="100%%" role="img" aria-hidden="true" xmlns="http://www.w3.org/2000/svg">`, w, h+pad)
	fmt.Fprintf(&b, `<line class="axis" x1="0" y1="%d" x2="%d" y2="%d"/>`, h, w, h)
	for i, hr := range hours {
		x := i * (w / len(hours))
		bh := hr.Total * (h - pad) / peak
		fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%d" height="%d"><title>%s: %d</title></rect>`,
			x+2, h-bh, bar, bh, hr.Start.In(mexicoCity).Format("15:04"), hr.Total)
		if hr.Total > 0 {
			fmt.Fprintf(&b, `<text class="count" x="%d" y="%d">%d</text>`, x+2, h-bh-2, hr.Total)
		}
		if i%6 == 0 || i == len(hours)-1 {
			fmt.Fprintf(&b, `<text class="hour" x="%d" y="%d">%s</text>`, x, h+pad-2, hr.Start.In(mexicoCity).Format("15h"))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// resilienceCollector exports the read-only state, the busy retries, slow
// statements and requests, the error counts and rates, the open alerts and
// the circuit breakers.
type resilienceCollector struct{ s *server }

var (
	descReadOnly     = prometheus.NewDesc("cotizador_db_read_only", "1 while the database refuses writes (disk full or read-only file).", nil, nil)
	descBusyRetries  = prometheus.NewDesc("cotizador_db_busy_retries_total", "Write units retried after SQLITE_BUSY/LOCKED.", nil, nil)
	descBusyRecov    = prometheus.NewDesc("cotizador_db_busy_recovered_total", "Write units that succeeded after a busy retry.", nil, nil)
	descBusyGaveUp   = prometheus.NewDesc("cotizador_db_busy_gave_up_total", "Write units refused once the busy retry budget was spent.", nil, nil)
	descRefused      = prometheus.NewDesc("cotizador_db_writes_refused_total", "Writes refused while read-only.", nil, nil)
	descSlowQueries  = prometheus.NewDesc("cotizador_db_slow_queries_total", "Statements slower than the slow-query threshold.", nil, nil)
	descSlowRequests = prometheus.NewDesc("cotizador_http_slow_requests_total", "Requests slower than COTIZADOR_SLOW_REQUEST_MS.", nil, nil)
	descErrors       = prometheus.NewDesc("cotizador_errors_total", "Errors answered, by category, severity and code.", []string{"category", "severity", "code"}, nil)
	descErrorRate    = prometheus.NewDesc("cotizador_error_rate_per_minute", "Errors per minute over the last 5 minutes, by category.", []string{"category"}, nil)
	descOpenAlerts   = prometheus.NewDesc("cotizador_open_alerts", "Alerts whose cooldown has not ended.", nil, nil)
	descBreaker      = prometheus.NewDesc("cotizador_circuit_breaker_state", "Circuit breaker state: 0 closed, 1 half-open, 2 open.", []string{"name"}, nil)
	descBreakerTrans = prometheus.NewDesc("cotizador_circuit_breaker_transitions_total", "Circuit breaker state changes.", []string{"name", "from", "to"}, nil)
)

func (rc *resilienceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descReadOnly, descBusyRetries, descBusyRecov, descBusyGaveUp, descRefused, descSlowQueries,
		descSlowRequests, descErrors, descErrorRate, descOpenAlerts, descBreaker, descBreakerTrans} {
		ch <- d
	}
}

func (rc *resilienceCollector) Collect(ch chan<- prometheus.Metric) {
	s := rc.s
	if s.DB != nil {
		ro := 0.0
		if _, yes := s.DB.ReadOnly(); yes {
			ro = 1
		}
		ch <- prometheus.MustNewConstMetric(descReadOnly, prometheus.GaugeValue, ro)
		st := s.DB.GuardStats()
		ch <- prometheus.MustNewConstMetric(descBusyRetries, prometheus.CounterValue, float64(st.BusyRetries))
		ch <- prometheus.MustNewConstMetric(descBusyRecov, prometheus.CounterValue, float64(st.BusyRecovered))
		ch <- prometheus.MustNewConstMetric(descBusyGaveUp, prometheus.CounterValue, float64(st.BusyGaveUp))
		ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(st.WritesRefused))
		ch <- prometheus.MustNewConstMetric(descSlowQueries, prometheus.CounterValue, float64(st.SlowQueries))
	}
	ch <- prometheus.MustNewConstMetric(descSlowRequests, prometheus.CounterValue, float64(s.slowReqs.Load()))
	for t, n := range s.Errors.Totals() {
		ch <- prometheus.MustNewConstMetric(descErrors, prometheus.CounterValue, float64(n), string(t.Category), string(t.Severity), t.Code)
	}
	for c, r := range s.Errors.Rates() {
		ch <- prometheus.MustNewConstMetric(descErrorRate, prometheus.GaugeValue, r.PerMinute, string(c))
	}
	ch <- prometheus.MustNewConstMetric(descOpenAlerts, prometheus.GaugeValue, float64(len(s.Errors.OpenAlerts())))
	for _, b := range s.Breakers.Snapshots() {
		v := 0.0
		switch b.State {
		case breaker.HalfOpen:
			v = 1
		case breaker.Open:
			v = 2
		}
		ch <- prometheus.MustNewConstMetric(descBreaker, prometheus.GaugeValue, v, b.Name)
		for tr, n := range b.Transitions {
			from, to, _ := strings.Cut(tr, "->")
			ch <- prometheus.MustNewConstMetric(descBreakerTrans, prometheus.CounterValue, float64(n), b.Name, from, to)
		}
	}
}

// errorsHealth is the error monitoring part of /api/health/detailed.
func (s *server) errorsHealth() fiber.Map {
	rates := s.Errors.Rates()
	byCat := make(map[string]errmon.Rate, len(rates))
	for c, r := range rates {
		byCat[string(c)] = r
	}
	return fiber.Map{"rates": byCat, "open_alerts": s.Errors.OpenAlerts(), "groups": len(s.Errors.Groups()),
		"since": s.Errors.Started().UTC().Format(time.RFC3339)}
}

// deviceNotices are the user's sign-ins from a new device or network not
// yet shown, for the layout's notice (full pages only: a fragment has no
// place for it, and would mark it shown unseen).
func (s *server) deviceNotices(c *fiber.Ctx) []*db.Session {
	sess := currentSession(c)
	if sess == nil {
		return nil
	}
	ns, err := s.DB.FindDeviceNotices(c.UserContext(), sess.UserID, sess.ID)
	if err != nil {
		s.Logger.Warn("device notices", "request_id", requestIDFrom(c), "err", err)
		return nil
	}
	return ns
}

// noticesShown records the notices a page showed, so each appears once. A
// failure (a read-only database) only means it shows again.
func (s *server) noticesShown(c *fiber.Ctx, ns []*db.Session) {
	if len(ns) == 0 {
		return
	}
	ids := make([]int64, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	if err := s.DB.MarkDeviceNoticesShown(c.UserContext(), ids); err != nil {
		s.Logger.Warn("mark device notices shown", "request_id", requestIDFrom(c), "err", err)
	}
}
