package errmon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"cotizador/breaker"
	"cotizador/locales"
)

// LogAlerts returns an alert receiver that writes each alert to the log
// (category error), where it lands whether or not a webhook is set.
func LogAlerts(l *slog.Logger) func(Alert) {
	return func(a Alert) {
		l.Error("alert", "category", "error", "rule", a.Rule, "count", a.Count, "window", a.Window,
			"fingerprint", a.Group.Fingerprint, "code", a.Group.Code, "route", a.Group.Route,
			"error_category", string(a.Group.Category), "severity", string(a.Group.Severity),
			"message", a.Group.Message, "request_id", a.Group.LastRequestID, "until", a.Until)
	}
}

// Webhook posts alerts as JSON to COTIZADOR_ALERT_WEBHOOK, behind a
// circuit breaker, from a queue: a request never waits for it.
type Webhook struct {
	URL     string
	Breaker *breaker.Breaker
	Client  *http.Client
	Logger  *slog.Logger
	// Tr writes the alert's text: Spanish, for the shop's owner.
	Tr    *locales.Translator
	queue chan Alert
}

// NewWebhook builds the sender; Run must be started for queued alerts to
// go out.
func NewWebhook(url string, b *breaker.Breaker, tr *locales.Translator, l *slog.Logger) *Webhook {
	if l == nil {
		l = slog.Default()
	}
	return &Webhook{URL: url, Breaker: b, Client: &http.Client{Timeout: 5 * time.Second}, Logger: l, Tr: tr, queue: make(chan Alert, 64)}
}

// Enqueue queues an alert; when the queue is full the alert is dropped
// (it is in the log already).
func (w *Webhook) Enqueue(a Alert) {
	select {
	case w.queue <- a:
	default:
		w.Logger.Warn("alert webhook queue full: alert not sent", "category", "error", "fingerprint", a.Group.Fingerprint)
	}
}

// Run sends queued alerts until ctx ends.
func (w *Webhook) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-w.queue:
			if err := w.Send(ctx, a); err != nil {
				w.Logger.Warn("alert webhook failed", "category", "error", "fingerprint", a.Group.Fingerprint,
					"breaker", w.Breaker.State(), "err", err)
			}
		}
	}
}

// Body is the JSON sent: Slack reads "text", Discord "content", ntfy (2.10+,
// with ?tpl=1&t={{.title}}&m={{.message}} in the URL) "title" and
// "message"; the structured alert rides along. A message
// id (error.db_full) is written out as the user would read it.
func Body(a Alert, tr *locales.Translator) map[string]any {
	g := a.Group
	msg := g.Message
	if tr.Has(msg) {
		msg = tr.T(msg, "Value", "")
	}
	args := map[string]any{"Category": tr.T("errors.category." + string(g.Category)), "Route": g.Route, "Message": msg,
		"Count": a.Count, "Minutes": int(a.Until.Sub(a.At).Minutes()), "Code": g.Code}
	if w, err := time.ParseDuration(a.Window); err == nil {
		args["Minutes"] = int(w.Minutes())
	}
	text := tr.Map("alert.webhook."+a.Rule, args)
	if g.LastRequestID != "" {
		text += tr.T("alert.webhook.request", "ID", g.LastRequestID)
	}
	title := tr.Map("alert.webhook.title", args)
	return map[string]any{"text": text, "content": text, "title": title, "message": text, "alert": a}
}

// Send posts one alert through the breaker.
func (w *Webhook) Send(ctx context.Context, a Alert) error {
	body, err := json.Marshal(Body(a, w.Tr))
	if err != nil {
		return err
	}
	return w.Breaker.Do(func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := w.Client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return fmt.Errorf("alert webhook: HTTP %d", resp.StatusCode)
		}
		return nil
	})
}
