package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProductionRefusesUnsafeStarts: `serve` in production stops with a
// one-line Spanish/English message and exit 2, before touching the
// database, on each configuration that would silently break sign-in or put
// every user behind one rate limit; the safe neighbours of each start.
func TestProductionRefusesUnsafeStarts(t *testing.T) {
	base := map[string]string{
		"COTIZADOR_ENV":      "production",
		"COTIZADOR_BASE_URL": "https://cotiza.example.mx",
		"COTIZADOR_ADDR":     "127.0.0.1:0",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "<unset>" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	refused := []struct {
		name    string
		env     map[string]string
		varName string
		says    []string
	}{
		{"no base URL", with("COTIZADOR_BASE_URL", "<unset>"), "COTIZADOR_BASE_URL", []string{"https://", "cookies"}},
		{"http base URL", with("COTIZADOR_BASE_URL", "http://cotiza.example.mx"), "COTIZADOR_BASE_URL", []string{"https"}},
		{"all interfaces without a trusted proxy", with("COTIZADOR_ADDR", "0.0.0.0:3000"), "COTIZADOR_ADDR",
			[]string{"COTIZADOR_TRUSTED_PROXIES", "no sirve HTTPS directamente", "serving HTTPS directly is not supported", "COTIZADOR_INSECURE_DIRECT=1"}},
		{"empty host without a trusted proxy", with("COTIZADOR_ADDR", ":3000"), "COTIZADOR_ADDR", []string{"COTIZADOR_TRUSTED_PROXIES"}},
		{"IPv6 wildcard without a trusted proxy", with("COTIZADOR_ADDR", "[::]:3000"), "COTIZADOR_ADDR", []string{"COTIZADOR_TRUSTED_PROXIES"}},
		{"private address without a trusted proxy", with("COTIZADOR_ADDR", "10.0.0.5:3000"), "COTIZADOR_ADDR", []string{"COTIZADOR_TRUSTED_PROXIES"}},
		{"public address, insecure direct not 1", with("COTIZADOR_ADDR", "0.0.0.0:3000", "COTIZADOR_INSECURE_DIRECT", "0"), "COTIZADOR_ADDR", nil},
		{"insecure direct misspelt", with("COTIZADOR_INSECURE_DIRECT", "yes"), "COTIZADOR_INSECURE_DIRECT", []string{"0 o 1"}},
	}
	for _, tt := range refused {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "c.db")
			tt.env["COTIZADOR_DB"] = dbPath
			var out, errOut strings.Builder
			err := run(context.Background(), []string{"cotizador", "serve"}, env(tt.env), nil, &out, &errOut)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Var != tt.varName {
				t.Fatalf("err = %v, want a ConfigError naming %s", err, tt.varName)
			}
			if exitCode(err) != 2 {
				t.Errorf("exit code %d, want 2", exitCode(err))
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, "configuración inválida / invalid configuration") {
				t.Errorf("want one Spanish/English line, got %q", msg)
			}
			for _, s := range tt.says {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not say %q", msg, s)
				}
			}
			if _, err := os.Stat(dbPath); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the refused start touched the database (%v)", err)
			}
		})
	}

	allowed := []struct {
		name string
		env  map[string]string
	}{
		{"loopback", base},
		{"localhost", with("COTIZADOR_ADDR", "localhost:0")},
		{"IPv6 loopback", with("COTIZADOR_ADDR", "[::1]:0")},
		{"all interfaces behind a trusted proxy", with("COTIZADOR_ADDR", "0.0.0.0:0", "COTIZADOR_TRUSTED_PROXIES", "172.30.80.0/24")},
		{"all interfaces, insecure direct on purpose", with("COTIZADOR_ADDR", "0.0.0.0:0", "COTIZADOR_INSECURE_DIRECT", "1")},
		{"development needs neither", map[string]string{"COTIZADOR_ADDR": "0.0.0.0:0"}},
	}
	for _, tt := range allowed {
		t.Run("allowed: "+tt.name, func(t *testing.T) {
			cfg, err := loadConfig(env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if p := cfg.productionProblem(); p != nil {
				t.Errorf("refused: %v", p)
			}
		})
	}

	// A refused configuration does not stop the other commands: an operator
	// must still be able to migrate, back up or restore while fixing it.
	t.Run("other commands still run", func(t *testing.T) {
		e := with("COTIZADOR_BASE_URL", "<unset>", "COTIZADOR_ADDR", "0.0.0.0:3000")
		e["COTIZADOR_DB"] = filepath.Join(t.TempDir(), "c.db")
		if err := run(context.Background(), []string{"cotizador", "migrate", "up"}, env(e), nil, io.Discard, io.Discard); err != nil {
			t.Errorf("migrate up: %v", err)
		}
	})
}
