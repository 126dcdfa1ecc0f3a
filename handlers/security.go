package handlers

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/csrf"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
)

const (
	sessionCookie = "cotizador_session"
	csrfCookie    = "cotizador_csrf"
	csrfHeader    = "X-CSRF-Token"
	csrfField     = "_csrf"

	localsUser      = "user"
	localsSession   = "session"
	localsToken     = "api_token"
	localsCSRF      = "csrf_token"
	localsCSRFHandl = "csrf_handler"

	// touchEvery throttles the last-use writes of sessions and tokens.
	touchEvery = time.Minute
)

// Security holds the settings of the app's defences.
type Security struct {
	Sessions       db.SessionPolicy
	Lockout        db.LockoutPolicy
	PasswordParams auth.Params
	// RateLimit is requests per minute per client IP over all routes (0: off).
	RateLimit int
	// LoginRateLimit is POST /login requests per minute per client IP.
	LoginRateLimit int
	TrustedProxies []string
	CORSOrigins    []string
}

// DefaultSecurity is what production runs with unless configured.
func DefaultSecurity() Security {
	return Security{
		Sessions:       db.SessionPolicy{Idle: 12 * time.Hour, Absolute: 30 * 24 * time.Hour},
		Lockout:        db.LockoutPolicy{MaxFailures: 5, Window: 15 * time.Minute, Duration: 15 * time.Minute, MaxIPFails: 20},
		PasswordParams: auth.DefaultParams,
		RateLimit:      100,
		LoginRateLimit: 10,
	}
}

// contentSecurityPolicy allows nothing inline: every script and style is a
// file of ours (htmx reads its configuration from a meta tag).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"

// securityHeaders sets the browser defences on every response.
func (s *server) securityHeaders() fiber.Handler {
	h := helmet.New(helmet.Config{
		ContentSecurityPolicy:     contentSecurityPolicy,
		ReferrerPolicy:            "same-origin", // the CSRF check on HTTPS needs a same-origin Referer
		PermissionPolicy:          "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
		CrossOriginOpenerPolicy:   "same-origin",
		CrossOriginResourcePolicy: "same-origin",
		CrossOriginEmbedderPolicy: "require-corp",
		XFrameOptions:             "DENY",
		OriginAgentCluster:        "?1",
		XDNSPrefetchControl:       "off",
		XDownloadOptions:          "noopen",
		XPermittedCrossDomain:     "none",
	})
	prod := s.Config.Production()
	return func(c *fiber.Ctx) error {
		if prod {
			// Production always sits behind TLS; browsers ignore HSTS on plain HTTP.
			c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000; includeSubDomains")
		}
		return h(c)
	}
}

// corsPolicy allows cross-origin requests only from the configured origins,
// and only GET and POST. With no origins configured no CORS header is ever
// sent, so browsers refuse every cross-origin read.
func (s *server) corsPolicy() fiber.Handler {
	if len(s.Config.Security.CORSOrigins) == 0 {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return cors.New(cors.Config{
		AllowOrigins: strings.Join(s.Config.Security.CORSOrigins, ","),
		AllowMethods: "GET,POST",
		AllowHeaders: "Authorization,Content-Type," + csrfHeader,
		MaxAge:       600,
	})
}

// exemptFromRateLimit: health probes must never be refused, and static
// files are immutable and cached, so counting them would only punish a
// first page load.
func exemptFromRateLimit(c *fiber.Ctx) bool {
	p := c.Path()
	return strings.HasPrefix(p, "/api/health") || strings.HasPrefix(p, "/static/") || p == "/favicon.ico"
}

// rateLimit limits every client IP to RateLimit requests per minute.
func (s *server) rateLimit() fiber.Handler {
	n := s.Config.Security.RateLimit
	return limiter.New(limiter.Config{
		Next:         func(c *fiber.Ctx) bool { return n <= 0 || exemptFromRateLimit(c) },
		Max:          max(n, 1),
		Expiration:   time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return c.IP() },
		LimitReached: s.rateLimited("all"),
	})
}

// loginRateLimit is the stricter limit on POST /login.
func (s *server) loginRateLimit() fiber.Handler {
	n := s.Config.Security.LoginRateLimit
	return limiter.New(limiter.Config{
		Next:         func(c *fiber.Ctx) bool { return n <= 0 },
		Max:          max(n, 1),
		Expiration:   time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string { return "login:" + c.IP() },
		LimitReached: s.rateLimited("login"),
	})
}

func (s *server) rateLimited(scope string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		s.securityEvent(c, "rate_limited", nil, "", scope+" "+c.Method()+" "+c.Path())
		return app.Errorf(app.ERATELIMIT, "error.rate_limited.body")
	}
}

// bearerToken returns the token of an `Authorization: Bearer` header.
func bearerToken(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	return "", false
}

// authenticate identifies the caller: an API token (then cookies are
// ignored) or a session cookie. It never refuses a request by itself;
// require does, per route.
func (s *server) authenticate() fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		if raw, ok := bearerToken(c); ok {
			tok, user, err := s.DB.FindAPIToken(ctx, raw)
			if err != nil {
				if app.ErrorCode(err) == app.EUNAUTHORIZED {
					s.securityEvent(c, "token_rejected", nil, "", "")
				}
				return err
			}
			c.Locals(localsUser, user)
			c.Locals(localsToken, tok)
			if _, ro := s.DB.ReadOnly(); !ro && (tok.LastUsedAt == nil || s.Clock.Now().Sub(*tok.LastUsedAt) > touchEvery) {
				if err := s.DB.TouchAPIToken(ctx, tok.ID); err != nil {
					s.Logger.Warn("touch api token", "err", err)
				}
			}
			return c.Next()
		}
		if raw := c.Cookies(sessionCookie); raw != "" {
			sess, user, err := s.DB.FindSession(ctx, raw, s.Config.Security.Sessions)
			switch {
			case err == nil:
				c.Locals(localsUser, user)
				c.Locals(localsSession, sess)
				// While read-only the touch would only be refused (and
				// logged) on every request: skip it until writes return.
				if _, ro := s.DB.ReadOnly(); !ro && s.Clock.Now().Sub(sess.LastSeenAt) > touchEvery {
					if err := s.DB.TouchSession(ctx, sess.ID, c.IP()); err != nil {
						s.Logger.Warn("touch session", "err", err)
					}
				}
			case app.ErrorCode(err) == app.EUNAUTHORIZED:
				s.clearSessionCookie(c)
			default:
				return err
			}
		}
		return c.Next()
	}
}

func currentUser(c *fiber.Ctx) *db.User {
	u, _ := c.Locals(localsUser).(*db.User)
	return u
}

func currentSession(c *fiber.Ctx) *db.Session {
	s, _ := c.Locals(localsSession).(*db.Session)
	return s
}

func isBearer(c *fiber.Ctx) bool {
	_, ok := c.Locals(localsToken).(*db.APIToken)
	return ok
}

// actor names the caller for the *_by columns.
func actor(c *fiber.Ctx) app.Actor {
	if t, ok := c.Locals(localsToken).(*db.APIToken); ok {
		return app.TokenActor(t.ID)
	}
	if u := currentUser(c); u != nil {
		return app.UserActor(u.ID)
	}
	return app.Actor("anonymous")
}

// csrfProtection is Fiber's csrf middleware with its tokens in SQLite and
// read from the X-CSRF-Token header (htmx, via hx-headers on <body>) or the
// _csrf form field (forms without JavaScript). Requests authenticated by an
// API token carry no cookies and are exempt.
func (s *server) csrfProtection() fiber.Handler {
	mw := csrf.New(csrf.Config{
		Next:              isBearer,
		CookieName:        csrfCookie,
		CookieSameSite:    "Lax",
		CookieHTTPOnly:    true,
		CookieSecure:      s.Config.Production(),
		CookieSessionOnly: true,
		Expiration:        s.Config.Security.Sessions.Idle,
		Storage:           s.DB.CSRFStorage(),
		KeyGenerator:      func() string { raw, _ := auth.NewToken(); return raw },
		Extractor:         s.csrfToken,
		ContextKey:        localsCSRF,
		HandlerContextKey: localsCSRFHandl,
		ErrorHandler:      s.csrfRejected,
	})
	return func(c *fiber.Ctx) error {
		return mw(c)
	}
}

var errCSRFSession = errors.New("csrf token bound to another session")

// csrfToken extracts the request's token and checks it belongs to this
// request's session: a token issued to one session (or before login) is
// refused with another.
func (s *server) csrfToken(c *fiber.Ctx) (string, error) {
	tok := c.Get(csrfHeader)
	if tok == "" {
		tok = c.FormValue(csrfField)
	}
	if tok == "" {
		return "", csrf.ErrTokenNotFound
	}
	bound, found, err := s.DB.CSRFTokenSession(c.UserContext(), tok)
	if err != nil {
		return "", err
	}
	if !found {
		return "", csrf.ErrTokenNotFound
	}
	var cur int64
	if sess := currentSession(c); sess != nil {
		cur = sess.ID
	}
	if bound != cur {
		return "", errCSRFSession
	}
	return tok, nil
}

func (s *server) csrfRejected(c *fiber.Ctx, err error) error {
	s.securityEvent(c, "csrf_rejected", currentUser(c), "", c.Method()+" "+c.Path()+": "+err.Error())
	return app.Errorf(app.EFORBIDDEN, "csrf.invalid")
}

// bindCSRF ties a freshly issued token to the request's session, so it is
// only good for that session.
func (s *server) bindCSRF() fiber.Handler {
	return func(c *fiber.Ctx) error {
		sess := currentSession(c)
		tok, _ := c.Locals(localsCSRF).(string)
		if sess != nil && tok != "" && tok != c.Cookies(csrfCookie) {
			if err := s.DB.BindCSRFToken(c.UserContext(), tok, sess.ID); err != nil {
				return err
			}
		}
		return c.Next()
	}
}

// rotateCSRF drops the request's CSRF token: at login and logout the
// session changes, and the next page gets a token bound to the new one.
func (s *server) rotateCSRF(c *fiber.Ctx) {
	if h, ok := c.Locals(localsCSRFHandl).(*csrf.CSRFHandler); ok && c.Cookies(csrfCookie) != "" {
		if err := h.DeleteToken(c); err != nil {
			s.Logger.Warn("rotate csrf token", "err", err)
		}
	}
}

func (s *server) setSessionCookie(c *fiber.Ctx, raw string, remember bool) {
	ck := &fiber.Cookie{
		Name:     sessionCookie,
		Value:    raw,
		Path:     "/",
		HTTPOnly: true,
		Secure:   s.Config.Production(),
		SameSite: fiber.CookieSameSiteLaxMode,
	}
	if remember {
		ck.MaxAge = int(s.Config.Security.Sessions.Absolute.Seconds())
	} else {
		ck.SessionOnly = true
	}
	c.Cookie(ck)
}

func (s *server) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", HTTPOnly: true,
		Secure: s.Config.Production(), SameSite: fiber.CookieSameSiteLaxMode, MaxAge: -1, Expires: time.Unix(0, 0)})
}

// securityEvent writes the security log: a slog line with
// category=security and a row the owner reads on /seguridad.
func (s *server) securityEvent(c *fiber.Ctx, kind string, u *db.User, email, detail string) {
	ev := &db.SecurityEvent{Kind: kind, Email: email, IP: c.IP(), Actor: string(actor(c)), Detail: detail, RequestID: requestIDFrom(c)}
	if u != nil {
		ev.UserID = u.ID
		if ev.Email == "" {
			ev.Email = u.Email
		}
	}
	s.Logger.LogAttrs(c.UserContext(), slog.LevelWarn, "security event",
		slog.String("category", "security"), slog.String("kind", kind), slog.String("email", ev.Email),
		slog.String("ip", ev.IP), slog.String("actor", ev.Actor), slog.String("detail", detail),
		slog.String("request_id", ev.RequestID))
	// The request may be ending (or failing); the log row must still land.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), 5*time.Second)
	defer cancel()
	if err := s.DB.RecordSecurityEvent(ctx, ev); err != nil {
		s.Logger.Error("record security event", "kind", kind, "err", err)
	}
}
