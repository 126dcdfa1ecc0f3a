package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestObsConfig(t *testing.T) {
	c, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	o := c.Obs
	if o.LogDir != "" || o.SlowRequest != 500*time.Millisecond || o.SlowQuery != 100*time.Millisecond || o.AlertThreshold != 10 ||
		o.AlertWindow != 5*time.Minute || o.AlertCooldown != 30*time.Minute || o.LogMaxSizeMB != 20 || o.LogMaxAgeDays != 30 || o.ReadOnlyProbe != 10*time.Second {
		t.Errorf("defaults = %+v", o)
	}
	ntfy := "https://ntfy.sh/mi-taller?tpl=1&t={{.title}}&m={{.message}}"
	if c, err := loadConfig(env(map[string]string{"COTIZADOR_ALERT_WEBHOOK": ntfy})); err != nil || c.Obs.AlertWebhook != ntfy {
		t.Errorf("ntfy template URL: %v, %q", err, c.Obs.AlertWebhook)
	}
	for _, tt := range []struct{ name, value string }{
		{"COTIZADOR_SLOW_REQUEST_MS", "-1"},
		{"COTIZADOR_SLOW_QUERY_MS", "rápido"},
		{"COTIZADOR_ALERT_WEBHOOK", "hooks.slack.com/x"},
		{"COTIZADOR_ALERT_THRESHOLD", "0"},
		{"COTIZADOR_ALERT_WINDOW", "5"},
		{"COTIZADOR_LOG_MAX_SIZE_MB", "0"},
		{"COTIZADOR_READONLY_PROBE_INTERVAL", "1ms"},
	} {
		_, err := loadConfig(env(map[string]string{tt.name: tt.value}))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Var != tt.name || exitCode(err) != 2 {
			t.Errorf("%s=%s: %v, want a ConfigError (exit 2)", tt.name, tt.value, err)
		}
	}
}

// TestServeLogsPerCategoryAndAlertsTheWebhook runs the real server with a
// log folder and a webhook on a loopback server: refused form posts (CSRF,
// a medium-severity security error) past the threshold send one alert.
func TestServeLogsPerCategoryAndAlertsTheWebhook(t *testing.T) {
	var mu sync.Mutex
	var bodies []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if json.NewDecoder(r.Body).Decode(&m) == nil {
			mu.Lock()
			bodies = append(bodies, m)
			mu.Unlock()
		}
	}))
	defer hook.Close()
	dir := t.TempDir()
	logDir := filepath.Join(dir, "logs")
	addr, cancel, done := startServeEnv(t, map[string]string{
		"COTIZADOR_DB": filepath.Join(dir, "c.db"), "COTIZADOR_LOG_DIR": logDir,
		"COTIZADOR_ALERT_WEBHOOK": hook.URL, "COTIZADOR_ALERT_THRESHOLD": "3", "COTIZADOR_RATE_LIMIT": "0",
	})
	for i := 0; i < 4; i++ {
		resp, err := http.PostForm("http://"+addr+"/setup", url.Values{"company": {"x"}})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("post without CSRF token: %d, want 403", resp.StatusCode)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(bodies)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(bodies) != 1 {
		t.Fatalf("webhook received %d alerts, want 1 (threshold 3, then cooldown)", len(bodies))
	}
	if text, _ := bodies[0]["text"].(string); !strings.Contains(text, "3 errores") || !strings.Contains(text, "/setup") {
		t.Errorf("alert text = %q", text)
	}
	mu.Unlock()
	for cat, want := range map[string]string{
		"application": `"msg":"listening"`,
		"security":    `"kind":"csrf_rejected"`,
		"error":       `"msg":"alert"`,
	} {
		data, err := os.ReadFile(filepath.Join(logDir, cat+".log"))
		if err != nil || !strings.Contains(string(data), want) {
			t.Errorf("%s.log lacks %s (%v)", cat, want, err)
		}
	}
}
