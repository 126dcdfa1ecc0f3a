// Package handlers is Cotizador's HTTP layer: routes, middleware, rendering
// of full pages and htmx fragments, and the mapping of app errors to
// responses. Handlers stay thin: they parse, call db/ or pricing/, render.
package handlers

import (
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/backup"
	"cotizador/breaker"
	"cotizador/db"
	"cotizador/errmon"
	"cotizador/locales"
	"cotizador/pricing"
	"cotizador/quoting"
	"cotizador/sketch"
	"cotizador/static"
	"cotizador/validate"
	"cotizador/views"
)

// Config is what the HTTP layer needs to know about the deployment.
type Config struct {
	// Env is "development" or "production".
	Env      string
	BaseURL  string
	Build    BuildInfo
	Security Security
	// SlowRequest is the time after which a request is logged to the
	// performance category (0: 500 ms; negative: off).
	SlowRequest time.Duration
}

// BuildInfo identifies the running binary.
type BuildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildTime string `json:"build_time"`
	GoVersion string `json:"go_version"`
}

// Production reports whether the app runs in production mode.
func (c Config) Production() bool { return c.Env == "production" }

// Deps are the handlers' dependencies, passed explicitly.
type Deps struct {
	DB     *db.DB
	Logger *slog.Logger
	Clock  app.Clock
	Config Config
	// Backups runs drills and snapshots for the Respaldos page; nil
	// answers those routes with 503.
	Backups *backup.Service
	// Errors groups the errors the app answers and fires alerts; nil gets
	// a monitor with the default rules that alerts only to the log.
	Errors *errmon.Monitor
	// Breakers are the circuit breakers of the outbound calls (alert
	// webhook, Litestream's metrics), shown on /api/health/detailed and in
	// the metrics.
	Breakers *breaker.Set
}

// server carries the dependencies every handler closes over.
type server struct {
	Deps
	bundle   *locales.Bundle
	assets   *Assets
	metrics  *Metrics
	started  time.Time
	views    *html.Engine
	proxies  *proxyWatch   // X-Forwarded-For from untrusted peers (proxy.go)
	slowReqs atomic.Uint64 // requests slower than Config.SlowRequest
}

// New builds the Fiber app with every route and middleware. Templates are
// parsed here, so a broken template fails start-up instead of a request.
func New(d Deps) (*fiber.App, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Clock == nil {
		d.Clock = app.SystemClock{}
	}
	if d.Config.SlowRequest == 0 {
		d.Config.SlowRequest = 500 * time.Millisecond
	}
	if d.Errors == nil {
		d.Errors = errmon.New(d.Clock, errmon.DefaultRules)
		d.Errors.OnAlert(errmon.LogAlerts(d.Logger))
	}
	if d.Breakers == nil {
		d.Breakers = &breaker.Set{}
	}
	if d.Config.Security.Sessions.Idle == 0 {
		d.Config.Security = DefaultSecurity()
	}
	bundle, err := locales.NewBundle(d.Logger)
	if err != nil {
		return nil, err
	}
	assets, err := NewAssets(static.FS)
	if err != nil {
		return nil, err
	}
	s := &server{Deps: d, bundle: bundle, assets: assets, started: d.Clock.Now()}
	s.proxies = &proxyWatch{trusted: len(d.Config.Security.TrustedProxies) > 0}
	s.metrics = NewMetrics(d.DB, d.Config.Build)
	s.metrics.reg.MustRegister(&resilienceCollector{s: s})

	viewsFS, err := fs.Sub(views.FS, ".")
	if err != nil {
		return nil, err
	}
	engine := html.NewFileSystem(http.FS(viewsFS), ".html")
	engine.AddFunc("asset", assets.URL)
	engine.AddFunc("dict", dict)
	engine.AddFunc("mxn", pricing.FormatMXN)
	engine.AddFunc("colourValues", colourValues)
	engine.AddFunc("sketch", sketchSVG)
	engine.AddFunc("list", func(xs ...string) []string { return xs })
	engine.AddFunc("shown", quoting.ShownPrice)
	engine.AddFunc("lineResult", lineResultHTML)
	engine.AddFunc("matResult", matResultHTML)
	engine.AddFunc("quoteTotals", totalsHTML)
	engine.AddFunc("lineTitle", lineTitleHTML)
	engine.AddFunc("stickyTotal", stickyTotalHTML)
	engine.AddFunc("date", func(t time.Time) string { return t.In(mexicoCity).Format("02/01/2006") })
	engine.AddFunc("datetime", func(v any) string {
		switch t := v.(type) {
		case time.Time:
			return t.In(mexicoCity).Format("02/01/2006 15:04")
		case *time.Time:
			if t != nil {
				return t.In(mexicoCity).Format("02/01/2006 15:04")
			}
		}
		return ""
	})
	engine.AddFunc("phone", validate.FormatPhone)
	engine.AddFunc("day", func(d string) string {
		if t, err := time.Parse("2006-01-02", d); err == nil {
			return t.Format("02/01/2006")
		}
		return d
	})
	engine.AddFunc("dims", func(w, h decimal.Decimal, unit string) string {
		if unit == "cm" {
			return w.Div(decimal.NewFromInt(10)).String() + " × " + h.Div(decimal.NewFromInt(10)).String() + " cm"
		}
		return w.String() + " × " + h.String() + " mm"
	})
	engine.AddFunc("emptyColourForm", func() *form {
		return &form{Values: map[string]string{"factor": "1.00", "active": "1"}, Errors: validate.Errors{}}
	})
	if err := engine.Load(); err != nil {
		return nil, fmt.Errorf("handlers: templates: %w", err)
	}

	s.views = engine
	a := fiber.New(fiber.Config{
		ErrorHandler:          s.handleError,
		Immutable:             true,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		BodyLimit:             8 << 20,
		// A live recalculation's answer (headers and fragment, 4-6 KB) goes
		// out in one write: with fasthttp's 4 KiB default it took two
		// system calls, and a write on a socket was a fifth of the server's
		// time under load (TestAnswerInOneWrite).
		WriteBufferSize: 16 << 10,
		AppName:         "cotizador",
		// Client IPs come from X-Forwarded-For only when the direct peer is
		// a configured proxy; otherwise anyone could pick their own IP and
		// dodge the rate limits.
		EnableTrustedProxyCheck: len(d.Config.Security.TrustedProxies) > 0,
		TrustedProxies:          d.Config.Security.TrustedProxies,
		ProxyHeader:             proxyHeader(d.Config.Security.TrustedProxies),
		EnableIPValidation:      true,
	})
	s.routes(a)
	return a, nil
}

func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

// dict builds a map from key/value pairs, to pass several values to a
// partial: {{template "partials/x" (dict "L" $.L "Row" .)}}.
func dict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", pairs[i])
		}
		m[k] = pairs[i+1]
	}
	return m, nil
}

// sketchSVG draws a line's opening for templates (see appendSketch).
func sketchSVG(kind string, hojas int, widthMM, heightMM decimal.Decimal, label string) template.HTML {
	return template.HTML(appendSketch(nil, kind, hojas, widthMM, heightMM, label))
}

// appendSketch appends a line's opening to dst. A product whose number of
// leaves the drawing does not know is drawn with its kind's default, and a
// size that cannot be drawn gives no drawing rather than a broken page.
func appendSketch(dst []byte, kind string, hojas int, widthMM, heightMM decimal.Decimal, label string) []byte {
	spec := sketch.Spec{Kind: sketch.Kind(kind), Hojas: hojas, WidthMM: int(widthMM.IntPart()), HeightMM: int(heightMM.IntPart()), Label: label}
	out, err := sketch.AppendSVG(dst, spec)
	if errors.Is(err, sketch.ErrHojas) {
		spec.Hojas = 0
		out, err = sketch.AppendSVG(dst, spec)
	}
	if err != nil {
		return dst
	}
	return out
}
