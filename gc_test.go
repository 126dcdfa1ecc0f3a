package main

import (
	"runtime/debug"
	"testing"
)

// The server collects at serveGCPercent unless GOGC is set, and leaves an
// operator's GOGC alone.
func TestServerGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)

	if !serverGC(func(string) string { return "" }) {
		t.Error("without GOGC the server's goal was not applied")
	}
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Errorf("GC percent %d, want %d", got, serveGCPercent)
	}
	env := map[string]string{"GOGC": "50"}
	if serverGC(func(k string) string { return env[k] }) {
		t.Error("GOGC=50 was overridden")
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent %d after GOGC=50, want it untouched (100)", got)
	}
}
