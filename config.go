package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Config is read from the environment once, at start.
type Config struct {
	Addr     string
	DBPath   string
	Env      string
	LogLevel slog.Level
	BaseURL  string
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
	return c, nil
}
