package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := loadConfig(env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != "127.0.0.1:3000" || c.DBPath != "./data/cotizador.db" || c.Env != "development" || c.LogLevel.String() != "INFO" || c.BaseURL != "" {
			t.Errorf("defaults = %+v", c)
		}
	})
	t.Run("valid values", func(t *testing.T) {
		c, err := loadConfig(env(map[string]string{
			"COTIZADOR_ADDR": ":8080", "COTIZADOR_DB": "/data/c.db", "COTIZADOR_ENV": "production",
			"COTIZADOR_LOG_LEVEL": "debug", "COTIZADOR_BASE_URL": "https://cotiza.example.mx/",
		}))
		if err != nil {
			t.Fatal(err)
		}
		if c.Addr != ":8080" || c.Env != "production" || c.LogLevel.String() != "DEBUG" || c.BaseURL != "https://cotiza.example.mx" {
			t.Errorf("config = %+v", c)
		}
	})
	bad := []struct {
		name, value string
	}{
		{"COTIZADOR_ADDR", "3000"},
		{"COTIZADOR_ADDR", "127.0.0.1:99999"},
		{"COTIZADOR_ADDR", "example.com:80"},
		{"COTIZADOR_DB", "c.db?mode=memory"},
		{"COTIZADOR_ENV", "prod"},
		{"COTIZADOR_LOG_LEVEL", "verbose"},
		{"COTIZADOR_LOG_LEVEL", "info+2"},
		{"COTIZADOR_BASE_URL", "cotiza.example.mx"},
		{"COTIZADOR_BASE_URL", "ftp://cotiza.example.mx"},
	}
	for _, tt := range bad {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, err := loadConfig(env(map[string]string{tt.name: tt.value}))
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Var != tt.name {
				t.Fatalf("err = %v, want a ConfigError naming %s", err, tt.name)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, tt.name) {
				t.Errorf("message %q should be one line naming the variable", msg)
			}
			if code := exitCode(err); code != 2 {
				t.Errorf("exit code = %d, want 2", code)
			}
		})
	}
	t.Run("http base url refused in production", func(t *testing.T) {
		_, err := loadConfig(env(map[string]string{"COTIZADOR_ENV": "production", "COTIZADOR_BASE_URL": "http://x.mx"}))
		if err == nil {
			t.Error("want an error")
		}
	})
}

func TestRunCommands(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "nested", "c.db")
	e := env(map[string]string{"COTIZADOR_DB": dbPath})
	runOut := func(args ...string) (string, error) {
		var out, errOut strings.Builder
		err := run(ctx, append([]string{"cotizador"}, args...), e, strings.NewReader(""), &out, &errOut)
		return out.String() + errOut.String(), err
	}

	t.Run("version", func(t *testing.T) {
		out, err := runOut("version")
		if err != nil || !strings.HasPrefix(out, "cotizador dev (commit") {
			t.Errorf("version: %q, %v", out, err)
		}
	})
	t.Run("unknown command exits 2", func(t *testing.T) {
		_, err := runOut("bogus")
		if exitCode(err) != 2 {
			t.Errorf("err = %v, exit %d; want exit 2", err, exitCode(err))
		}
	})
	t.Run("bad config exits 2", func(t *testing.T) {
		err := run(ctx, []string{"cotizador", "serve"}, env(map[string]string{"COTIZADOR_ENV": "staging"}), nil, io.Discard, io.Discard)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "COTIZADOR_ENV") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("migrate status before up", func(t *testing.T) {
		out, err := runOut("migrate", "status")
		if err != nil || !strings.Contains(out, "pendiente") {
			t.Errorf("status: %q, %v", out, err)
		}
	})
	t.Run("migrate up", func(t *testing.T) {
		out, err := runOut("migrate", "up")
		if err != nil || !strings.Contains(out, "migraciones aplicadas / migrations applied: ") {
			t.Errorf("up: %q, %v", out, err)
		}
		if _, err := os.Stat(dbPath); err != nil {
			t.Errorf("database file not created: %v", err)
		}
		out, _ = runOut("migrate", "status")
		if strings.Contains(out, "pendiente") || !strings.Contains(out, "aplicada") {
			t.Errorf("status after up: %q", out)
		}
	})
	t.Run("migrate down", func(t *testing.T) {
		out, err := runOut("migrate", "down")
		if err != nil || !strings.Contains(out, "migración revertida") {
			t.Errorf("down: %q, %v", out, err)
		}
	})
	t.Run("migrate without subcommand exits 2", func(t *testing.T) {
		if _, err := runOut("migrate"); exitCode(err) != 2 {
			t.Errorf("err = %v", err)
		}
	})
}

// startServe runs `cotizador serve` in-process on a free loopback port and
// reads its JSON log until the "listening" line gives the address.
func startServe(t *testing.T, dbPath string) (addr string, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	return startServeEnv(t, map[string]string{"COTIZADOR_DB": dbPath})
}

// startServeEnv is startServe with more environment variables.
func startServeEnv(t *testing.T, vars map[string]string) (addr string, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	vars["COTIZADOR_ADDR"] = "127.0.0.1:0"
	go func() {
		ch <- run(ctx, []string{"cotizador"}, env(vars), nil, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "listening" {
			// Keep draining so the server never blocks on its log pipe.
			go func() {
				for sc.Scan() {
				}
			}()
			return rec.Addr, cancel, ch
		}
	}
	cancel()
	t.Fatalf("server never logged its address: %v", <-ch)
	return
}

func TestServeShutsDownCleanly(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "c.db")
	addr, cancel, done := startServe(t, dbPath)

	resp, err := http.Get("http://" + addr + "/api/health/ready")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("ready = %d, want 200", resp.StatusCode)
	}
	resp, err = http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Cotizador") {
		t.Fatalf("home page: %s", body)
	}
	if _, err := os.Stat(dbPath + "-wal"); err != nil {
		t.Fatalf("while serving, the WAL should exist: %v", err)
	}

	start := time.Now()
	cancel() // what SIGTERM does in main
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return within 15 s of cancellation")
	}
	if d := time.Since(start); d > 11*time.Second {
		t.Errorf("shutdown took %s, want under the 10 s drain limit", d)
	}
	// Closing the last connection checkpoints and removes the WAL: proof the
	// database was closed, not abandoned.
	if _, err := os.Stat(dbPath + "-wal"); !os.IsNotExist(err) {
		t.Errorf("WAL still present after shutdown (err %v): the DB was not closed", err)
	}
	if _, err := http.Get("http://" + addr + "/api/health/live"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

// An idle keep-alive connection must not hold the exit for the whole drain
// timeout.
func TestServeExitsWithIdleKeepAlive(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "c.db")
	addr, cancel, done := startServe(t, dbPath)
	// Hold a keep-alive connection open with a completed request, then
	// shut down: idle connections must not delay the exit.
	client := &http.Client{}
	resp, err := client.Get("http://" + addr + "/estado")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	start := time.Now()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("an idle keep-alive connection held shutdown for %s", d)
	}
}

// Cancelling right after the "listening" line, before any request, still
// exits promptly.
func TestServeCancelledImmediately(t *testing.T) {
	for i := 0; i < 5; i++ {
		_, cancel, done := startServe(t, filepath.Join(t.TempDir(), "c.db"))
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run returned %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("run did not return after an immediate cancellation")
		}
	}
}
