package handlers_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"cotizador/handlers"
	"cotizador/internal/testutil"
)

// serveOnLoopback serves the app on a real 127.0.0.1 listener, so requests
// come from real peer addresses (app.Test's connection is always 0.0.0.0).
func serveOnLoopback(t *testing.T, a *testutil.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { a.Fiber.Listener(ln); close(done) }()
	t.Cleanup(func() {
		a.Fiber.ShutdownWithTimeout(5 * time.Second)
		<-done
	})
	return "http://" + ln.Addr().String()
}

// getFrom sends GET base+path from the loopback source address src (e.g.
// 127.0.0.2), with X-Forwarded-For when xff is not empty.
func getFrom(t *testing.T, src, base, path, xff string) int {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	cl := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("GET %s from %s: %v", path, src, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

const proxyWarningText = "Tus usuarios comparten un límite de peticiones: configura COTIZADOR_TRUSTED_PROXIES"

// warnedPeers lists the peers of the proxy warnings in the app's log, one
// entry per log line.
func warnedPeers(t *testing.T, a *testutil.App) []string {
	t.Helper()
	var peers []string
	for _, line := range strings.Split(a.Logs.String(), "\n") {
		if strings.Contains(line, "not a trusted proxy") {
			i := strings.Index(line, `"peer":"`)
			if i < 0 {
				t.Fatalf("warning without a peer: %s", line)
			}
			rest := line[i+len(`"peer":"`):]
			peers = append(peers, rest[:strings.IndexByte(rest, '"')])
		}
	}
	return peers
}

func TestProxyWarningUntrustedPeers(t *testing.T) {
	a := staff(t)
	base := serveOnLoopback(t, a)
	owner := a.Login(t, "duena@aluminios.mx")
	admin := a.Login(t, "admin@aluminios.mx")
	seller := a.Login(t, "vendedor@aluminios.mx")

	// Plain requests, with no forwarding header, are no sign of a proxy.
	getFrom(t, "127.0.0.2", base, "/login", "")
	if _, body := owner.Get(t, "/"); strings.Contains(body, "proxy-warning") {
		t.Fatal("warning shown before any forwarded request")
	}
	if p := warnedPeers(t, a); len(p) != 0 {
		t.Fatalf("warnings logged before any forwarded request: %v", p)
	}

	// A proxy at 127.0.0.2 forwarding three users, and one at 127.0.0.3.
	for _, user := range []string{"203.0.113.7", "203.0.113.8", "203.0.113.9"} {
		getFrom(t, "127.0.0.2", base, "/login", user)
	}
	getFrom(t, "127.0.0.3", base, "/api/health/live", "198.51.100.4")
	if got := warnedPeers(t, a); strings.Join(got, ",") != "127.0.0.2,127.0.0.3" {
		t.Errorf("logged peers = %v, want one warning each for 127.0.0.2 and 127.0.0.3", got)
	}

	_, home := owner.Get(t, "/")
	if !strings.Contains(home, `id="proxy-warning"`) || !strings.Contains(home, proxyWarningText) || !strings.Contains(home, "127.0.0.2, 127.0.0.3") {
		t.Errorf("owner's home lacks the warning naming both peers:\n%s", home)
	}
	_, status := admin.Get(t, "/estado")
	if !strings.Contains(status, proxyWarningText) || !strings.Contains(status, "127.0.0.2, 127.0.0.3") {
		t.Errorf("/estado lacks the warning:\n%s", status)
	}
	// Only the owner's home carries it: a salesperson cannot fix the server.
	if _, body := seller.Get(t, "/"); strings.Contains(body, "proxy-warning") {
		t.Error("a salesperson's home shows the proxy warning")
	}
	if _, body := admin.Get(t, "/"); strings.Contains(body, "proxy-warning") {
		t.Error("an admin's home shows the proxy warning (it is the owner's)")
	}
	// In English too.
	if _, body := owner.Get(t, "/?lang=en"); !strings.Contains(body, "Your users share one request limit: set COTIZADOR_TRUSTED_PROXIES") {
		t.Error("English home lacks the warning")
	}
	// The operator's view: detailed health lists the peers for `cotizador doctor`.
	_, detailed := a.Get(t, "/api/health/detailed")
	if !strings.Contains(detailed, `"untrusted_proxies":["127.0.0.2","127.0.0.3"]`) {
		t.Errorf("detailed health lacks the untrusted peers: %s", detailed)
	}
}

func TestProxyWarningTrustedProxyIsQuiet(t *testing.T) {
	a := staff(t, testutil.WithSecurity(func(s *handlers.Security) { s.TrustedProxies = []string{"127.0.0.2"} }))
	base := serveOnLoopback(t, a)
	owner := a.Login(t, "duena@aluminios.mx")

	getFrom(t, "127.0.0.2", base, "/login", "203.0.113.7")
	if p := warnedPeers(t, a); len(p) != 0 {
		t.Fatalf("warning for the trusted proxy: %v", p)
	}
	if _, body := owner.Get(t, "/"); strings.Contains(body, "proxy-warning") {
		t.Fatal("warning shown for the trusted proxy")
	}
	// Another proxy, not in the list, is still noticed.
	getFrom(t, "127.0.0.3", base, "/login", "203.0.113.8")
	if got := warnedPeers(t, a); strings.Join(got, ",") != "127.0.0.3" {
		t.Errorf("logged peers = %v, want 127.0.0.3 only", got)
	}
	if _, body := owner.Get(t, "/"); !strings.Contains(body, proxyWarningText) || strings.Contains(body, "127.0.0.2,") {
		t.Errorf("home should warn about 127.0.0.3 only:\n%s", body)
	}
}

func TestProxyWarningIsBounded(t *testing.T) {
	// Anyone can send the header: forged requests from many addresses must
	// not grow the log or memory without bound.
	a := staff(t)
	base := serveOnLoopback(t, a)
	for i := 10; i < 40; i++ {
		getFrom(t, fmt.Sprintf("127.0.0.%d", i), base, "/login", "203.0.113.7")
	}
	if got := warnedPeers(t, a); len(got) != 16 {
		t.Errorf("%d peers logged, want the first 16", len(got))
	}
	if n := strings.Count(a.Logs.String(), "more untrusted peers"); n != 1 {
		t.Errorf("overflow notice logged %d times, want once", n)
	}
	_, detailed := a.Get(t, "/api/health/detailed")
	if strings.Contains(detailed, "127.0.0.26") || !strings.Contains(detailed, "127.0.0.25") {
		t.Errorf("detailed health should list exactly the first 16 peers: %s", detailed)
	}
}

// TestProxiedRequestsAreNotLocal: with Caddy on the same machine every
// request reaches the app from 127.0.0.1. The operator-only health reports
// must not take that for a local caller: a request a proxy forwarded
// (X-Forwarded-For) comes from the internet, trusted proxy or not.
func TestProxiedRequestsAreNotLocal(t *testing.T) {
	for _, trusted := range []bool{false, true} {
		t.Run(fmt.Sprintf("trusted proxy %v", trusted), func(t *testing.T) {
			opts := []testutil.Option{testutil.Production()}
			if trusted {
				opts = append(opts, testutil.WithSecurity(func(s *handlers.Security) { s.TrustedProxies = []string{"127.0.0.1"} }))
			}
			a := staff(t, opts...)
			base := serveOnLoopback(t, a)
			for _, path := range []string{"/api/health/detailed", "/api/health/backups"} {
				if code := getFrom(t, "127.0.0.1", base, path, "203.0.113.7"); code != http.StatusForbidden {
					t.Errorf("%s forwarded by a local proxy: %d, want 403", path, code)
				}
				// The operator's own curl on the machine still reads it.
				if code := getFrom(t, "127.0.0.1", base, path, ""); code == http.StatusForbidden {
					t.Errorf("%s from loopback without a proxy: 403", path)
				}
			}
		})
	}
}
