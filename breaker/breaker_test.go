package breaker_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"cotizador/breaker"
)

// flaky is a loopback HTTP server that fails while down is set.
type flaky struct {
	down atomic.Bool
	hits atomic.Int64
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	if f.down.Load() {
		http.Error(w, "down", http.StatusBadGateway)
		return
	}
	fmt.Fprint(w, "ok")
}

func call(b *breaker.Breaker, url string) error {
	return b.Do(func() error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	})
}

func TestBreakerTransitionsAgainstFailingServer(t *testing.T) {
	f := &flaky{}
	f.down.Store(true)
	srv := httptest.NewServer(f) // listens on 127.0.0.1
	defer srv.Close()
	const openFor = 150 * time.Millisecond
	b := breaker.New(breaker.Settings{Name: "webhook", Failures: 3, OpenFor: openFor})
	if b.State() != breaker.Closed {
		t.Fatalf("new breaker is %s", b.State())
	}

	// Closed: calls go out and fail; the third consecutive failure opens it.
	for i := 1; i <= 3; i++ {
		if err := call(b, srv.URL); err == nil || errors.Is(err, breaker.ErrOpen) {
			t.Fatalf("call %d: %v, want the server's failure", i, err)
		}
	}
	if b.State() != breaker.Open || f.hits.Load() != 3 {
		t.Fatalf("after 3 failures: %s with %d hits, want open with 3", b.State(), f.hits.Load())
	}

	// Open: calls fail at once, without reaching the server.
	if err := call(b, srv.URL); !errors.Is(err, breaker.ErrOpen) || f.hits.Load() != 3 {
		t.Fatalf("call while open: %v, hits %d", err, f.hits.Load())
	}

	// After OpenFor: half-open, one trial; the server is still down, so it
	// opens again.
	time.Sleep(openFor + 50*time.Millisecond)
	if b.State() != breaker.HalfOpen {
		t.Fatalf("after %s: %s, want half-open", openFor, b.State())
	}
	if err := call(b, srv.URL); err == nil || errors.Is(err, breaker.ErrOpen) || f.hits.Load() != 4 {
		t.Fatalf("half-open trial: %v, hits %d", err, f.hits.Load())
	}
	if b.State() != breaker.Open {
		t.Fatalf("failed trial left %s, want open", b.State())
	}

	// The server recovers: the next trial succeeds and closes the circuit.
	f.down.Store(false)
	time.Sleep(openFor + 50*time.Millisecond)
	if err := call(b, srv.URL); err != nil {
		t.Fatalf("trial after recovery: %v", err)
	}
	if b.State() != breaker.Closed {
		t.Fatalf("after a good trial: %s, want closed", b.State())
	}
	if err := call(b, srv.URL); err != nil {
		t.Fatalf("closed call: %v", err)
	}

	snap := b.Snapshot()
	want := map[string]uint64{"closed->open": 1, "open->half-open": 2, "half-open->open": 1, "half-open->closed": 1}
	for k, v := range want {
		if snap.Transitions[k] != v {
			t.Errorf("transitions[%s] = %d, want %d (all: %v)", k, snap.Transitions[k], v, snap.Transitions)
		}
	}
	if snap.Rejected != 1 || snap.LastError == "" {
		t.Errorf("snapshot = %+v, want 1 rejected call and the last error", snap)
	}
	var set breaker.Set
	set.Add(b, nil)
	if got := set.Snapshots(); len(got) != 1 || got[0].Name != "webhook" || got[0].State != breaker.Closed {
		t.Errorf("set snapshots = %+v", got)
	}
}
