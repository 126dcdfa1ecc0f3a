// Package breaker puts a circuit breaker (sony/gobreaker) around the app's
// outbound calls — the alert webhook and the Litestream metrics probe — so a
// dead endpoint is not called (and waited for) on every attempt: after
// Failures consecutive failures the circuit opens and calls fail at once;
// after OpenFor one trial call is let through (half-open), and its outcome
// closes the circuit or opens it again. Each breaker keeps what the health
// page and the metrics show: its state, since when, and its transitions.
package breaker

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// States, as reported on /api/health/detailed and in the metrics.
const (
	Closed   = "closed"
	HalfOpen = "half-open"
	Open     = "open"
)

// ErrOpen is returned without calling out while the circuit is open (or a
// half-open trial is already under way).
var ErrOpen = errors.New("circuit breaker open")

// Settings configure one breaker.
type Settings struct {
	Name string
	// Failures is the number of consecutive failures that opens the
	// circuit (default 3).
	Failures uint32
	// OpenFor is how long the circuit stays open before a trial call
	// (default 30 s).
	OpenFor time.Duration
	Logger  *slog.Logger
}

// Breaker is one named circuit breaker.
type Breaker struct {
	name string
	cb   *gobreaker.CircuitBreaker[struct{}]
	log  *slog.Logger

	mu          sync.Mutex
	since       time.Time
	transitions map[string]uint64 // "closed->open" → count
	lastError   string
	rejected    uint64
}

// New builds a breaker.
func New(s Settings) *Breaker {
	if s.Failures == 0 {
		s.Failures = 3
	}
	if s.OpenFor <= 0 {
		s.OpenFor = 30 * time.Second
	}
	b := &Breaker{name: s.Name, log: s.Logger, since: time.Now().UTC(), transitions: map[string]uint64{}}
	if b.log == nil {
		b.log = slog.Default()
	}
	b.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        s.Name,
		MaxRequests: 1,
		Timeout:     s.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= s.Failures },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			b.mu.Lock()
			b.since = time.Now().UTC()
			b.transitions[stateName(from)+"->"+stateName(to)]++
			last := b.lastError
			b.mu.Unlock()
			level := slog.LevelWarn
			if to == gobreaker.StateClosed {
				level = slog.LevelInfo
			}
			b.log.Log(context.Background(), level, "circuit breaker state changed", "category", "application", "breaker", s.Name,
				"from", stateName(from), "to", stateName(to), "last_error", last)
		},
	})
	return b
}

func stateName(s gobreaker.State) string {
	switch s {
	case gobreaker.StateOpen:
		return Open
	case gobreaker.StateHalfOpen:
		return HalfOpen
	}
	return Closed
}

// Name is the breaker's name.
func (b *Breaker) Name() string { return b.name }

// Do runs call unless the circuit is open; its error counts as a failure.
func (b *Breaker) Do(call func() error) error {
	_, err := b.cb.Execute(func() (struct{}, error) { return struct{}{}, call() })
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		b.mu.Lock()
		b.rejected++
		b.mu.Unlock()
		return ErrOpen
	}
	if err != nil {
		b.mu.Lock()
		b.lastError = err.Error()
		b.mu.Unlock()
	}
	return err
}

// State is the current state: closed, half-open or open.
func (b *Breaker) State() string { return stateName(b.cb.State()) }

// Snapshot is what the health page shows of a breaker.
type Snapshot struct {
	Name                string            `json:"name"`
	State               string            `json:"state"`
	Since               time.Time         `json:"since"`
	ConsecutiveFailures uint32            `json:"consecutive_failures"`
	Rejected            uint64            `json:"rejected"`
	Transitions         map[string]uint64 `json:"transitions"`
	LastError           string            `json:"last_error,omitempty"`
}

// Snapshot returns the breaker's state and counters.
func (b *Breaker) Snapshot() Snapshot {
	state := b.State() // may move open → half-open, calling OnStateChange
	counts := b.cb.Counts()
	b.mu.Lock()
	defer b.mu.Unlock()
	tr := make(map[string]uint64, len(b.transitions))
	for k, v := range b.transitions {
		tr[k] = v
	}
	return Snapshot{Name: b.name, State: state, Since: b.since, ConsecutiveFailures: counts.ConsecutiveFailures,
		Rejected: b.rejected, Transitions: tr, LastError: b.lastError}
}

// Set is the app's breakers, for the health page and the metrics.
type Set struct {
	mu sync.Mutex
	bs map[string]*Breaker
}

// Add registers breakers (nil ones are skipped).
func (s *Set) Add(bs ...*Breaker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bs == nil {
		s.bs = map[string]*Breaker{}
	}
	for _, b := range bs {
		if b != nil {
			s.bs[b.name] = b
		}
	}
}

// Snapshots returns every breaker's snapshot, by name.
func (s *Set) Snapshots() []Snapshot {
	s.mu.Lock()
	bs := make([]*Breaker, 0, len(s.bs))
	for _, b := range s.bs {
		bs = append(bs, b)
	}
	s.mu.Unlock()
	out := make([]Snapshot, len(bs))
	for i, b := range bs {
		out[i] = b.Snapshot()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
