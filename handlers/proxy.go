package handlers

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
)

// maxUntrustedPeers bounds what the proxy watch remembers: anyone can send
// X-Forwarded-For, and a stream of forged requests from many addresses must
// not grow memory or the log.
const maxUntrustedPeers = 16

// proxyWatch notices requests that carry X-Forwarded-For from a peer the app
// does not trust. Such a peer is almost always a reverse proxy missing from
// COTIZADOR_TRUSTED_PROXIES: the app then sees every user as the proxy's
// address, and the per-IP rate limits and login throttle fall on the whole
// shop at once. Nothing else would tell the owner, so it is logged once per
// peer and shown on /estado and the owner's home.
type proxyWatch struct {
	trusted bool // some proxies are configured (Fiber then checks peers)
	any     atomic.Bool
	mu      sync.Mutex
	peers   []string
	full    bool
}

// untrusted reports whether the request came through a proxy the app does
// not believe. Fiber's IsProxyTrusted answers true for everyone when no
// proxy is configured, so that case is decided here.
func (w *proxyWatch) untrusted(c *fiber.Ctx) bool {
	if len(c.Request().Header.Peek(fiber.HeaderXForwardedFor)) == 0 {
		return false
	}
	return !w.trusted || !c.IsProxyTrusted()
}

// Peers lists the untrusted peers seen since start, in the order they first
// appeared (at most maxUntrustedPeers).
func (w *proxyWatch) Peers() []string {
	if !w.any.Load() {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.peers)
}

// record remembers peer and reports whether it is new (worth a log line).
func (w *proxyWatch) record(peer string) (isNew, overflow bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if slices.Contains(w.peers, peer) {
		return false, false
	}
	if len(w.peers) >= maxUntrustedPeers {
		overflow = !w.full
		w.full = true
		return false, overflow
	}
	w.peers = append(w.peers, peer)
	w.any.Store(true)
	return true, false
}

// watchProxies is the middleware of the proxy watch. It never changes the
// request: the app keeps ignoring the header, as it must for a peer it does
// not trust.
func (s *server) watchProxies() fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.proxies.untrusted(c) {
			peer := c.Context().RemoteIP().String()
			isNew, overflow := s.proxies.record(peer)
			if isNew {
				s.Logger.Warn("X-Forwarded-For from a peer that is not a trusted proxy: every user behind it shares one rate limit; add it to COTIZADOR_TRUSTED_PROXIES if it is your proxy",
					"category", "security", "peer", peer, "x_forwarded_for", c.Get(fiber.HeaderXForwardedFor),
					"trusted_proxies", s.Config.Security.TrustedProxies)
			} else if overflow {
				s.Logger.Warn("X-Forwarded-For from more untrusted peers; no longer logging new ones", "category", "security", "limit", maxUntrustedPeers)
			}
		}
		return c.Next()
	}
}

// proxyWarning is what /estado and the owner's home show about untrusted
// proxies; nil when there is nothing to show.
func (s *server) proxyWarning() fiber.Map {
	peers := s.proxies.Peers()
	if len(peers) == 0 {
		return nil
	}
	return fiber.Map{"Peers": strings.Join(peers, ", ")}
}

// ownerProxyWarning is proxyWarning for the home page, where only the owner
// sees it: they are the one who can change the server's configuration.
func (s *server) ownerProxyWarning(c *fiber.Ctx) fiber.Map {
	if !ownerOnly.allowsUser(currentUser(c)) {
		return nil
	}
	return s.proxyWarning()
}

// localCaller reports whether a request comes from this machine itself (the
// operator's curl, a local monitoring agent, `cotizador doctor`): a loopback
// peer that forwards nobody. Caddy on the same machine is a loopback peer
// too, but what it forwards comes from the internet, trusted proxy or not.
func localCaller(c *fiber.Ctx) bool {
	h := &c.Request().Header
	return c.Context().RemoteIP().IsLoopback() &&
		len(h.Peek(fiber.HeaderXForwardedFor)) == 0 && len(h.Peek("Forwarded")) == 0
}
