package main

import (
	"net/url"
	"time"
)

// ObsConfig is the observability and resilience configuration: log files,
// slow-request and slow-query thresholds, alert rules and webhook, and how
// often a read-only database is probed.
type ObsConfig struct {
	LogDir         string
	LogMaxSizeMB   int
	LogMaxAgeDays  int
	LogRotateEvery time.Duration
	// SlowRequest and SlowQuery are logged to the performance category;
	// 0 turns each off.
	SlowRequest time.Duration
	SlowQuery   time.Duration
	// AlertWebhook receives alerts as a JSON POST (empty: log only).
	AlertWebhook   string
	AlertThreshold int
	AlertWindow    time.Duration
	AlertCooldown  time.Duration
	// ReadOnlyProbe is how often a read-only database is tried again.
	ReadOnlyProbe time.Duration
}

// loadObsConfig reads the variables with loadConfig's helpers (defaults
// in configVars).
func loadObsConfig(get func(string) string, number func(string, int, int) (int, error),
	duration func(string, time.Duration) (time.Duration, error)) (ObsConfig, error) {
	var o ObsConfig
	var err error
	o.LogDir = get("COTIZADOR_LOG_DIR")
	if o.LogMaxSizeMB, err = number("COTIZADOR_LOG_MAX_SIZE_MB", 1, 10000); err != nil {
		return o, err
	}
	if o.LogMaxAgeDays, err = number("COTIZADOR_LOG_MAX_AGE_DAYS", 1, 3650); err != nil {
		return o, err
	}
	if o.LogRotateEvery, err = duration("COTIZADOR_LOG_ROTATE_EVERY", time.Minute); err != nil {
		return o, err
	}
	ms, err := number("COTIZADOR_SLOW_REQUEST_MS", 0, 3600000)
	if err != nil {
		return o, err
	}
	o.SlowRequest = time.Duration(ms) * time.Millisecond
	if ms, err = number("COTIZADOR_SLOW_QUERY_MS", 0, 3600000); err != nil {
		return o, err
	}
	o.SlowQuery = time.Duration(ms) * time.Millisecond
	o.AlertWebhook = get("COTIZADOR_ALERT_WEBHOOK")
	if o.AlertWebhook != "" {
		u, err := url.Parse(o.AlertWebhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return o, &ConfigError{"COTIZADOR_ALERT_WEBHOOK", o.AlertWebhook, "se espera una URL http(s) absoluta / want an absolute http(s) URL"}
		}
	}
	if o.AlertThreshold, err = number("COTIZADOR_ALERT_THRESHOLD", 1, 100000); err != nil {
		return o, err
	}
	if o.AlertWindow, err = duration("COTIZADOR_ALERT_WINDOW", time.Minute); err != nil {
		return o, err
	}
	if o.AlertCooldown, err = duration("COTIZADOR_ALERT_COOLDOWN", time.Minute); err != nil {
		return o, err
	}
	if o.ReadOnlyProbe, err = duration("COTIZADOR_READONLY_PROBE_INTERVAL", time.Second); err != nil {
		return o, err
	}
	return o, nil
}
