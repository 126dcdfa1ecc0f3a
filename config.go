package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cotizador/handlers"
)

// Config is read from the environment once, at start.
type Config struct {
	Addr     string
	DBPath   string
	Env      string
	LogLevel slog.Level
	BaseURL  string
	// InsecureDirect (COTIZADOR_INSECURE_DIRECT=1) lets production listen
	// on a non-loopback address with no trusted proxy in front.
	InsecureDirect bool
	Security       handlers.Security
	Backup         BackupConfig // see backup_cmd.go
	Obs            ObsConfig    // see observability_config.go
}

// configVar documents one environment variable: the README's configuration
// table is written from the same names and defaults.
type configVar struct {
	Name    string
	Default string
}

var configVars = []configVar{
	{"COTIZADOR_ADDR", "127.0.0.1:3000"},
	{"COTIZADOR_DB", "./data/cotizador.db"},
	{"COTIZADOR_ENV", "development"},
	{"COTIZADOR_LOG_LEVEL", "info"},
	{"COTIZADOR_BASE_URL", ""},
	{"COTIZADOR_SESSION_IDLE", "12h"},
	{"COTIZADOR_SESSION_ABSOLUTE", "720h"},
	{"COTIZADOR_LOCKOUT_ATTEMPTS", "5"},
	{"COTIZADOR_LOCKOUT_DURATION", "15m"},
	{"COTIZADOR_RATE_LIMIT", "100"},
	{"COTIZADOR_LOGIN_RATE_LIMIT", "10"},
	{"COTIZADOR_TRUSTED_PROXIES", ""},
	{"COTIZADOR_CORS_ORIGINS", ""},
	{"COTIZADOR_INSECURE_DIRECT", "0"},
	// Observability and resilience (observability_config.go).
	{"COTIZADOR_LOG_DIR", ""},
	{"COTIZADOR_LOG_MAX_SIZE_MB", "20"},
	{"COTIZADOR_LOG_MAX_AGE_DAYS", "30"},
	{"COTIZADOR_LOG_ROTATE_EVERY", "24h"},
	{"COTIZADOR_SLOW_REQUEST_MS", "500"},
	{"COTIZADOR_SLOW_QUERY_MS", "100"},
	{"COTIZADOR_ALERT_WEBHOOK", ""},
	{"COTIZADOR_ALERT_THRESHOLD", "10"},
	{"COTIZADOR_ALERT_WINDOW", "5m"},
	{"COTIZADOR_ALERT_COOLDOWN", "30m"},
	{"COTIZADOR_READONLY_PROBE_INTERVAL", "10s"},
}

// ConfigError names the variable with a bad value; it stops start-up with
// exit code 2.
type ConfigError struct {
	Var, Value, Want string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("configuración inválida / invalid configuration: %s=%q: %s", e.Var, e.Value, e.Want)
}

// loadConfig reads and validates every variable; the first bad one is reported.
func loadConfig(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			for _, cv := range configVars {
				if cv.Name == name {
					return cv.Default
				}
			}
		}
		return v
	}
	var c Config

	c.Addr = get("COTIZADOR_ADDR")
	host, port, err := net.SplitHostPort(c.Addr)
	if p, perr := strconv.Atoi(port); err != nil || perr != nil || p < 0 || p > 65535 {
		return c, &ConfigError{"COTIZADOR_ADDR", c.Addr, "se espera host:puerto, p. ej. 127.0.0.1:3000 / want host:port"}
	}
	if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		return c, &ConfigError{"COTIZADOR_ADDR", c.Addr, "el host debe ser una IP o localhost / host must be an IP or localhost"}
	}

	c.DBPath = get("COTIZADOR_DB")
	if strings.ContainsAny(c.DBPath, "?#") {
		return c, &ConfigError{"COTIZADOR_DB", c.DBPath, "la ruta no puede contener ? ni # / path must not contain ? or #"}
	}

	c.Env = get("COTIZADOR_ENV")
	if c.Env != "development" && c.Env != "production" {
		return c, &ConfigError{"COTIZADOR_ENV", c.Env, "se espera development o production / want development or production"}
	}

	lvl := get("COTIZADOR_LOG_LEVEL")
	if err := c.LogLevel.UnmarshalText([]byte(lvl)); err != nil || strings.ContainsAny(lvl, "+-") {
		return c, &ConfigError{"COTIZADOR_LOG_LEVEL", lvl, "se espera debug, info, warn o error / want debug, info, warn or error"}
	}

	c.BaseURL = strings.TrimRight(get("COTIZADOR_BASE_URL"), "/")
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return c, &ConfigError{"COTIZADOR_BASE_URL", c.BaseURL, "se espera una URL absoluta http(s), p. ej. https://cotiza.example.mx / want an absolute http(s) URL"}
		}
		if c.Env == "production" && u.Scheme != "https" {
			return c, &ConfigError{"COTIZADOR_BASE_URL", c.BaseURL, "en producción debe ser https / must be https in production"}
		}
	}

	switch v := get("COTIZADOR_INSECURE_DIRECT"); v {
	case "0", "1":
		c.InsecureDirect = v == "1"
	default:
		return c, &ConfigError{"COTIZADOR_INSECURE_DIRECT", v, "se espera 0 o 1 / want 0 or 1"}
	}

	sec := handlers.DefaultSecurity()
	duration := func(name string, min time.Duration) (time.Duration, error) {
		v := get(name)
		d, err := time.ParseDuration(v)
		if err != nil || d < min {
			return 0, &ConfigError{name, v, fmt.Sprintf("se espera una duración de al menos %s, p. ej. 12h o 15m / want a duration of at least %s", min, min)}
		}
		return d, nil
	}
	number := func(name string, min, max int) (int, error) {
		v := get(name)
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			return 0, &ConfigError{name, v, fmt.Sprintf("se espera un entero de %d a %d / want an integer from %d to %d", min, max, min, max)}
		}
		return n, nil
	}
	var err2 error
	if sec.Sessions.Idle, err2 = duration("COTIZADOR_SESSION_IDLE", time.Minute); err2 != nil {
		return c, err2
	}
	if sec.Sessions.Absolute, err2 = duration("COTIZADOR_SESSION_ABSOLUTE", time.Minute); err2 != nil {
		return c, err2
	}
	if sec.Lockout.MaxFailures, err2 = number("COTIZADOR_LOCKOUT_ATTEMPTS", 1, 1000); err2 != nil {
		return c, err2
	}
	if sec.Lockout.Duration, err2 = duration("COTIZADOR_LOCKOUT_DURATION", time.Second); err2 != nil {
		return c, err2
	}
	if sec.RateLimit, err2 = number("COTIZADOR_RATE_LIMIT", 0, 1000000); err2 != nil {
		return c, err2
	}
	if sec.LoginRateLimit, err2 = number("COTIZADOR_LOGIN_RATE_LIMIT", 0, 1000000); err2 != nil {
		return c, err2
	}
	for _, p := range splitList(get("COTIZADOR_TRUSTED_PROXIES")) {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return c, &ConfigError{"COTIZADOR_TRUSTED_PROXIES", p, "se espera una lista de IP o CIDR separada por comas / want a comma-separated list of IPs or CIDRs"}
			}
		}
		sec.TrustedProxies = append(sec.TrustedProxies, p)
	}
	for _, o := range splitList(get("COTIZADOR_CORS_ORIGINS")) {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return c, &ConfigError{"COTIZADOR_CORS_ORIGINS", o, "se espera una lista de orígenes como https://app.example.mx / want a list of origins like https://app.example.mx"}
		}
		sec.CORSOrigins = append(sec.CORSOrigins, strings.TrimSuffix(o, "/"))
	}
	c.Security = sec
	if c.Backup, err = loadBackupConfig(c.DBPath, getenv); err != nil {
		return c, err
	}
	if c.Obs, err = loadObsConfig(get, number, duration); err != nil {
		return c, err
	}
	return c, nil
}

// productionProblem says why a production server must not start with this
// configuration, or returns nil. Every value may be valid on its own; these
// combinations are not:
//   - no https:// base URL: production cookies are Secure, so over plain
//     HTTP the browser drops them and sign-in silently fails;
//   - a non-loopback listen address with no trusted proxy: other machines
//     reach the app over plain HTTP (it never serves TLS itself), and a proxy
//     in front would make every user share one rate limit. A deployment that
//     knows better (a cloud load balancer with unknown addresses) sets
//     COTIZADOR_INSECURE_DIRECT=1.
func (c Config) productionProblem() *ConfigError {
	if c.Env != "production" {
		return nil
	}
	if !strings.HasPrefix(c.BaseURL, "https://") {
		return &ConfigError{"COTIZADOR_BASE_URL", c.BaseURL, "en producción se requiere la URL pública https://, p. ej. https://cotiza.example.mx (sin ella las cookies seguras no llegan y no se puede iniciar sesión) / production requires the public https:// URL (without it Secure cookies break sign-in)"}
	}
	if !loopbackAddr(c.Addr) && len(c.Security.TrustedProxies) == 0 && !c.InsecureDirect {
		return &ConfigError{"COTIZADOR_ADDR", c.Addr, "en producción, una dirección que no es de loopback requiere un proxy con HTTPS delante (Caddy) en COTIZADOR_TRUSTED_PROXIES: Cotizador no sirve HTTPS directamente; COTIZADOR_INSECURE_DIRECT=1 lo permite bajo tu riesgo / in production a non-loopback address needs an HTTPS proxy in COTIZADOR_TRUSTED_PROXIES: serving HTTPS directly is not supported; COTIZADOR_INSECURE_DIRECT=1 allows it at your own risk"}
	}
	return nil
}

// loopbackAddr reports whether a listen address (validated host:port) is
// reachable only from this machine. An empty host listens on every
// interface.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
