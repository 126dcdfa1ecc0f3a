// Package errmon is the app's error monitoring: every error the HTTP layer
// answers (and any other the app reports) is counted in a group named by its
// fingerprint — code, route and normalised message — with first and last
// seen, the last request id and an example; hourly counts per category feed
// the last 24 hours' chart and the error rates; alert rules (N errors of a
// group within M minutes, or any critical error) fire with a cooldown per
// group. It keeps everything in memory: errors about the database itself
// (a full disk) must still be counted, and the per-category log files keep
// the history across restarts.
package errmon

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sort"
	"sync"
	"time"

	"cotizador/app"
)

// Event is one error.
type Event struct {
	Code      string
	Route     string
	Message   string // message id, or the cause's text for internal errors
	Category  app.Category
	Severity  app.Severity
	Status    int
	RequestID string
	Example   string // the full cause, for the owner's page
}

// Rules are the alert rules.
type Rules struct {
	Threshold int           // errors of one group …
	Window    time.Duration // … within this window fire an alert
	Cooldown  time.Duration // then the group stays quiet this long
}

// DefaultRules: 10 errors of a group in 5 minutes, or any critical one; 30
// minutes between two alerts of one group.
var DefaultRules = Rules{Threshold: 10, Window: 5 * time.Minute, Cooldown: 30 * time.Minute}

// Group is the errors sharing a fingerprint.
type Group struct {
	Fingerprint   string       `json:"fingerprint"`
	Code          string       `json:"code"`
	Route         string       `json:"route"`
	Message       string       `json:"message"`
	Category      app.Category `json:"category"`
	Severity      app.Severity `json:"severity"`
	Count         int          `json:"count"`
	FirstSeen     time.Time    `json:"first_seen"`
	LastSeen      time.Time    `json:"last_seen"`
	LastRequestID string       `json:"last_request_id"`
	Example       string       `json:"example"`

	recent []time.Time // within the rule window, for the threshold rule
}

// Alert rules.
const (
	RuleThreshold = "threshold"
	RuleCritical  = "critical"
)

// Alert is a fired rule. It stays open until its cooldown ends.
type Alert struct {
	Rule   string    `json:"rule"`
	Count  int       `json:"count"`
	Window string    `json:"window"`
	At     time.Time `json:"at"`
	Until  time.Time `json:"until"`
	Group  Group     `json:"group"`
}

// maxGroups bounds memory: past it the group seen longest ago is dropped.
const maxGroups = 500

// Monitor counts errors and fires alerts.
type Monitor struct {
	clock app.Clock
	rules Rules

	mu        sync.Mutex
	groups    map[string]*Group
	minutes   map[int64]map[app.Category]int // minute start (unix) → counts, last hour
	hours     map[int64]map[app.Category]int // hour start (unix) → counts, last 24 h
	totals    map[Total]uint64
	lastAlert map[string]time.Time
	alerts    []Alert
	notify    []func(Alert)
	started   time.Time
}

// New starts an empty monitor.
func New(clock app.Clock, rules Rules) *Monitor {
	if rules.Threshold <= 0 {
		rules.Threshold = DefaultRules.Threshold
	}
	if rules.Window <= 0 {
		rules.Window = DefaultRules.Window
	}
	if rules.Cooldown < 0 {
		rules.Cooldown = 0
	}
	return &Monitor{clock: clock, rules: rules, groups: map[string]*Group{}, minutes: map[int64]map[app.Category]int{},
		hours: map[int64]map[app.Category]int{}, totals: map[Total]uint64{}, lastAlert: map[string]time.Time{}, started: clock.Now()}
}

// Rules returns the alert rules in force.
func (m *Monitor) Rules() Rules { return m.rules }

// Started is when counting began.
func (m *Monitor) Started() time.Time { return m.started }

// OnAlert adds a receiver of fired alerts; it is called synchronously, so
// a slow receiver must queue.
func (m *Monitor) OnAlert(f func(Alert)) {
	m.mu.Lock()
	m.notify = append(m.notify, f)
	m.mu.Unlock()
}

var (
	reUUIDish = regexp.MustCompile(`[0-9a-fA-F]{8,}`)
	reNumber  = regexp.MustCompile(`\d+(\.\d+)?`)
	reQuoted  = regexp.MustCompile(`'[^']*'|"[^"]*"|«[^»]*»`)
	reSpaces  = regexp.MustCompile(`\s+`)
)

// Normalize strips what varies between two occurrences of the same error —
// numbers, ids, quoted values — so they share a group.
func Normalize(msg string) string {
	if len(msg) > 300 {
		msg = msg[:300]
	}
	msg = reQuoted.ReplaceAllString(msg, "?")
	msg = reUUIDish.ReplaceAllString(msg, "X")
	msg = reNumber.ReplaceAllString(msg, "N")
	return reSpaces.ReplaceAllString(msg, " ")
}

// Fingerprint names a group: code, route and normalised message.
func Fingerprint(code, route, message string) string {
	sum := sha256.Sum256([]byte(code + "\x00" + route + "\x00" + Normalize(message)))
	return hex.EncodeToString(sum[:6])
}

// Total is a monotonic count for the metrics.
type Total struct {
	Category app.Category
	Severity app.Severity
	Code     string
}

// Record counts one error and fires the alert it triggers, if any.
func (m *Monitor) Record(ev Event) *Alert {
	now := m.clock.Now()
	fp := Fingerprint(ev.Code, ev.Route, ev.Message)
	if len(ev.Example) > 1000 {
		ev.Example = ev.Example[:1000]
	}
	m.mu.Lock()
	g, ok := m.groups[fp]
	if !ok {
		if len(m.groups) >= maxGroups {
			m.evictOldest()
		}
		g = &Group{Fingerprint: fp, Code: ev.Code, Route: ev.Route, Message: Normalize(ev.Message), Category: ev.Category,
			Severity: ev.Severity, FirstSeen: now}
		m.groups[fp] = g
	}
	g.Count++
	g.LastSeen, g.LastRequestID, g.Example = now, ev.RequestID, ev.Example
	g.recent = append(pruneBefore(g.recent, now.Add(-m.rules.Window)), now)
	m.bump(m.minutes, now.Truncate(time.Minute).Unix(), ev.Category)
	m.bump(m.hours, now.Truncate(time.Hour).Unix(), ev.Category)
	m.prune(now)
	m.totals[Total{ev.Category, ev.Severity, ev.Code}]++

	var fired *Alert
	if last, ok := m.lastAlert[fp]; !ok || !now.Before(last.Add(m.rules.Cooldown)) {
		switch {
		case ev.Severity == app.SevCritical:
			fired = &Alert{Rule: RuleCritical, Count: 1}
		case severityRank(ev.Severity) >= severityRank(app.SevMedium) && len(g.recent) >= m.rules.Threshold:
			fired = &Alert{Rule: RuleThreshold, Count: len(g.recent)}
		}
	}
	var notify []func(Alert)
	if fired != nil {
		fired.Window, fired.At, fired.Until = m.rules.Window.String(), now, now.Add(m.rules.Cooldown)
		fired.Group = *g
		fired.Group.recent = nil
		m.lastAlert[fp] = now
		m.alerts = append(m.alerts, *fired)
		notify = append(notify, m.notify...)
	}
	m.mu.Unlock()
	for _, f := range notify {
		f(*fired)
	}
	return fired
}

// severityRank orders severities; low-severity errors (a 404, a form
// mistake, an expired session) are counted but never alert on numbers.
func severityRank(s app.Severity) int {
	switch s {
	case app.SevMedium:
		return 1
	case app.SevHigh:
		return 2
	case app.SevCritical:
		return 3
	}
	return 0
}

func (m *Monitor) bump(buckets map[int64]map[app.Category]int, key int64, cat app.Category) {
	b, ok := buckets[key]
	if !ok {
		b = map[app.Category]int{}
		buckets[key] = b
	}
	b[cat]++
}

func (m *Monitor) prune(now time.Time) {
	for k := range m.minutes {
		if k <= now.Add(-time.Hour).Unix() {
			delete(m.minutes, k)
		}
	}
	for k := range m.hours {
		if k <= now.Add(-24*time.Hour).Unix() {
			delete(m.hours, k)
		}
	}
	keep := m.alerts[:0]
	for _, a := range m.alerts {
		if now.Before(a.Until) {
			keep = append(keep, a)
		}
	}
	m.alerts = keep
}

func (m *Monitor) evictOldest() {
	var oldest *Group
	for _, g := range m.groups {
		if oldest == nil || g.LastSeen.Before(oldest.LastSeen) {
			oldest = g
		}
	}
	if oldest != nil {
		delete(m.groups, oldest.Fingerprint)
	}
}

func pruneBefore(ts []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(cutoff) {
		i++
	}
	return append(ts[:0], ts[i:]...)
}

// Groups returns every group, most recently seen first.
func (m *Monitor) Groups() []Group {
	m.mu.Lock()
	out := make([]Group, 0, len(m.groups))
	for _, g := range m.groups {
		c := *g
		c.recent = nil
		out = append(out, c)
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].LastSeen.Equal(out[j].LastSeen) {
			return out[i].LastSeen.After(out[j].LastSeen)
		}
		return out[i].Fingerprint < out[j].Fingerprint
	})
	return out
}

// OpenAlerts returns the alerts whose cooldown has not ended, newest first.
func (m *Monitor) OpenAlerts() []Alert {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prune(now)
	out := make([]Alert, len(m.alerts))
	for i, a := range m.alerts {
		out[len(out)-1-i] = a
	}
	return out
}

// Hour is one bar of the 24-hour chart.
type Hour struct {
	Start      time.Time
	Total      int
	ByCategory map[app.Category]int
}

// Hourly returns the last 24 hours, oldest first, the current hour last.
func (m *Monitor) Hourly() []Hour {
	now := m.clock.Now()
	cur := now.Truncate(time.Hour)
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Hour, 24)
	for i := range out {
		start := cur.Add(time.Duration(i-23) * time.Hour)
		h := Hour{Start: start, ByCategory: map[app.Category]int{}}
		for c, n := range m.hours[start.Unix()] {
			h.ByCategory[c] = n
			h.Total += n
		}
		out[i] = h
	}
	return out
}

// Rate is a category's error counts over the last 5 and 60 minutes.
type Rate struct {
	Last5m    int     `json:"last_5m"`
	Last1h    int     `json:"last_1h"`
	PerMinute float64 `json:"per_minute_5m"`
}

// Rates returns the error rate of every category seen in the last hour.
func (m *Monitor) Rates() map[app.Category]Rate {
	now := m.clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prune(now)
	out := map[app.Category]Rate{}
	five := now.Truncate(time.Minute).Add(-4 * time.Minute).Unix()
	for k, b := range m.minutes {
		for c, n := range b {
			r := out[c]
			r.Last1h += n
			if k >= five {
				r.Last5m += n
			}
			out[c] = r
		}
	}
	for c, r := range out {
		r.PerMinute = float64(r.Last5m) / 5
		out[c] = r
	}
	return out
}

// Totals returns the monotonic counts since start.
func (m *Monitor) Totals() map[Total]uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[Total]uint64, len(m.totals))
	for k, v := range m.totals {
		out[k] = v
	}
	return out
}
