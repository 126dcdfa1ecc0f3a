package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"cotizador/app"
	"cotizador/locales"
)

const (
	headerRequestID  = "X-Request-ID"
	localsRequestID  = "request_id"
	localsTranslator = "translator"
	langCookie       = "lang"
)

// takeTurns yields the processor once before serving a request that
// arrives while another is being served, so requests are served roughly in
// the order they became ready. fasthttp serves each keep-alive connection
// on its own goroutine, which goes on to its next request without
// yielding; under load, ready requests on other connections waited behind
// it and the slowest 1 % took four times the median. With the yield, 50
// saturating connections on 2 cores went from 16,400 req/s with a p99 of
// 13.2 ms to 19,100 with 9.1 ms (wrk, 20 s; README, Performance). A request alone does
// not yield: that would wake the idle core for nothing (15-20 us a request
// in BenchmarkQuoteCalc). It runs before the request log, so the turn
// waited, like the time a request waits unread in the socket, is not in
// the logged duration.
func takeTurns() fiber.Handler {
	var serving atomic.Int32
	return func(c *fiber.Ctx) error {
		if serving.Add(1) > 1 {
			runtime.Gosched()
		}
		defer serving.Add(-1)
		return c.Next()
	}
}

// requestID gives every request an id, echoed in X-Request-ID and written on
// every log line. An incoming id from a proxy is kept only when it is short
// and plain, so nobody can inject text into our logs through it.
func requestID() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := c.Get(headerRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Locals(localsRequestID, id)
		c.Set(headerRequestID, id)
		return c.Next()
	}
}

func validRequestID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func requestIDFrom(c *fiber.Ctx) string {
	id, _ := c.Locals(localsRequestID).(string)
	return id
}

// logRequests writes one JSON line per request and records its metrics. It
// runs the error handler itself so that the status it logs is the one sent.
func (s *server) logRequests() fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		elapsed := time.Since(start)
		status := c.Response().StatusCode()
		route := routeLabel(c, status)
		s.metrics.observe(c.Method(), route, status, elapsed)
		if slow := s.Config.SlowRequest; slow > 0 && elapsed >= slow {
			s.slowReqs.Add(1)
			s.Logger.LogAttrs(c.UserContext(), slog.LevelWarn, "slow request",
				slog.String("category", "performance"),
				slog.String("request_id", requestIDFrom(c)),
				slog.String("method", c.Method()),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
				slog.Int64("threshold_ms", slow.Milliseconds()),
			)
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.Logger.LogAttrs(c.UserContext(), level, "request",
			slog.String("request_id", requestIDFrom(c)),
			slog.String("method", c.Method()),
			slog.String("route", route),
			slog.String("path", c.Path()),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.Int("bytes", len(c.Response().Body())),
			slog.String("ip", c.IP()),
		)
		return nil
	}
}

// routeLabel is the route pattern that handled the request ("/quotes/:id"),
// not the raw path, so metrics stay bounded; requests no route matched share
// one label. Fiber reports the global middleware ("/") as the route of an
// unmatched request; the only real "/" route is the home page, which never
// answers 404 or 405.
func routeLabel(c *fiber.Ctx, status int) string {
	r := c.Route()
	if r == nil || (r.Path == "/" && (c.Path() != "/" || status == fiber.StatusNotFound || status == fiber.StatusMethodNotAllowed)) {
		return "unmatched"
	}
	return r.Path
}

// recoverPanics turns a panic into a 500 with the Spanish error page and logs
// the stack trace; the user never sees it.
func (s *server) recoverPanics() fiber.Handler {
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.Logger.Error("panic", "request_id", requestIDFrom(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				// A panic is a bug that stopped a request half-way: critical,
				// so the owner hears of it at once (the process goes on).
				err = &app.Error{Code: app.EINTERNAL, Message: "error.internal", Category: app.CatInternal,
					Severity: app.SevCritical, Err: fmt.Errorf("panic: %v", r)}
			}
		}()
		return c.Next()
	}
}

// language picks the request's language: ?lang= (remembered in a cookie),
// then the cookie, then Accept-Language; Spanish when nothing matches.
func (s *server) language() fiber.Handler {
	return func(c *fiber.Ctx) error {
		q := c.Query("lang")
		lang := s.bundle.Match(q, c.Cookies(langCookie), c.Get(fiber.HeaderAcceptLanguage))
		if q != "" && locales.IsSupported(q) {
			c.Cookie(&fiber.Cookie{
				Name:     langCookie,
				Value:    lang,
				Path:     "/",
				MaxAge:   int((365 * 24 * time.Hour).Seconds()),
				HTTPOnly: true,
				Secure:   s.Config.Production(),
				SameSite: fiber.CookieSameSiteLaxMode,
			})
		}
		c.Locals(localsTranslator, s.bundle.Translator(lang))
		c.Vary(fiber.HeaderAcceptLanguage)
		return c.Next()
	}
}

// itoa is strconv.Itoa, for log details.
func itoa(n int) string { return strconv.Itoa(n) }

// minCompressBytes is the smallest answer worth compressing. A body under
// 8 KiB goes out in the first flight of packets (TCP starts with ten
// segments, about 14 KB) compressed or not, so compressing it saves no round
// trip, only a few KB; and it would cost as much CPU as the rest of a live
// recalculation (its 3-5 KB fragment: 54-70 us to build, 35-55 us more to
// gzip), sent at every pause in typing. Pages (12-30 KB), larger fragments
// and the static files are compressed.
const minCompressBytes = 8 << 10

// compressLarge compresses answers of at least minCompressBytes, and streamed
// ones (their size is not known), with brotli or gzip at their fastest
// levels as the client accepts: fasthttp's compressor, which Fiber's
// compress middleware calls for every answer.
func compressLarge() fiber.Handler {
	compressor := fasthttp.CompressHandlerBrotliLevel(func(*fasthttp.RequestCtx) {},
		fasthttp.CompressBrotliBestSpeed, fasthttp.CompressBestSpeed)
	return func(c *fiber.Ctx) error {
		if err := c.Next(); err != nil {
			return err
		}
		// Body() would read a stream into memory: a stream is compressed as it is sent.
		if r := c.Response(); r.IsBodyStream() || len(r.Body()) >= minCompressBytes {
			compressor(c.Context())
		}
		return nil
	}
}
