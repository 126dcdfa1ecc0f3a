package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"cotizador/auth"
	"cotizador/db"
)

func TestUserAndTokenCommands(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "c.db")
	e := env(map[string]string{"COTIZADOR_DB": dbPath, "COTIZADOR_BASE_URL": "https://cotiza.example.mx"})
	cli := func(stdin string, args ...string) (string, string, error) {
		var out, errOut strings.Builder
		err := run(ctx, append([]string{"cotizador"}, args...), e, strings.NewReader(stdin), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	open := func() *db.DB {
		d, err := db.Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}

	t.Run("first user completes the setup", func(t *testing.T) {
		out, _, err := cli("Perfil-Jamba-Tres-2026\n", "user", "create", "--email", "Duena@Taller.mx", "--name", "Dueña", "--role", "owner", "--password-stdin")
		if err != nil || !strings.Contains(out, "duena@taller.mx (owner") {
			t.Fatalf("out %q, err %v", out, err)
		}
		d := open()
		if name, _ := d.CompanyName(ctx); name != "Mi Empresa" {
			t.Errorf("company = %q, want the default", name)
		}
		u, err := d.FindUserByEmail(ctx, "duena@taller.mx")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := auth.VerifyPassword("Perfil-Jamba-Tres-2026", u.PasswordHash); !ok {
			t.Error("password from stdin not stored")
		}
	})
	t.Run("more users", func(t *testing.T) {
		if _, _, err := cli("Zoclo-Riel-Jamba-2026\n", "user", "create", "--email", "v@taller.mx", "--name", "Vendedor", "--role", "sales", "--password-stdin"); err != nil {
			t.Fatal(err)
		}
	})
	bad := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"unknown role", "Zoclo-Riel-Jamba-2026\n", []string{"--email", "x@taller.mx", "--name", "X", "--role", "jefe", "--password-stdin"}},
		{"weak password", "123456789012\n", []string{"--email", "x@taller.mx", "--name", "X", "--role", "sales", "--password-stdin"}},
		{"no stdin flag", "", []string{"--email", "x@taller.mx", "--name", "X", "--role", "sales"}},
		{"taken e-mail", "Zoclo-Riel-Jamba-2026\n", []string{"--email", "v@taller.mx", "--name", "X", "--role", "sales", "--password-stdin"}},
		{"bad e-mail", "Zoclo-Riel-Jamba-2026\n", []string{"--email", "nada", "--name", "X", "--role", "sales", "--password-stdin"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := cli(tt.stdin, append([]string{"user", "create"}, tt.args...)...)
			if err == nil || exitCode(err) != 2 {
				t.Errorf("err = %v (exit %d), want a usage error", err, exitCode(err))
			}
		})
	}
	t.Run("unlock", func(t *testing.T) {
		d := open()
		for i := 0; i < 5; i++ {
			d.RecordLoginAttempt(ctx, "v@taller.mx", "1.2.3.4", db.LoginFailure)
		}
		p := db.LockoutPolicy{MaxFailures: 5, Window: 15 * 60e9, Duration: 15 * 60e9}
		if _, locked, _ := d.LockedUntil(ctx, "v@taller.mx", p); !locked {
			t.Fatal("not locked")
		}
		if out, _, err := cli("", "user", "unlock", "--email", "v@taller.mx"); err != nil || !strings.Contains(out, "desbloqueada") {
			t.Fatalf("%q %v", out, err)
		}
		if _, locked, _ := d.LockedUntil(ctx, "v@taller.mx", p); locked {
			t.Error("still locked after unlock")
		}
	})
	t.Run("reset-password prints a working one-time link", func(t *testing.T) {
		out, _, err := cli("", "user", "reset-password", "--email", "v@taller.mx")
		if err != nil {
			t.Fatal(err)
		}
		link := strings.TrimSpace(out)
		raw, ok := strings.CutPrefix(link, "https://cotiza.example.mx/restablecer/")
		if !ok {
			t.Fatalf("link = %q", link)
		}
		d := open()
		u, err := d.FindPasswordReset(ctx, raw)
		if err != nil || u.Email != "v@taller.mx" {
			t.Fatalf("reset token: %v", err)
		}
		if _, err := d.UsePasswordReset(ctx, raw, "hash"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.UsePasswordReset(ctx, raw, "hash"); err == nil {
			t.Error("a reset link worked twice")
		}
	})
	t.Run("token create", func(t *testing.T) {
		out, _, err := cli("", "token", "create", "--email", "v@taller.mx", "--name", "excel")
		if err != nil {
			t.Fatal(err)
		}
		raw := strings.TrimSpace(out)
		tok, u, err := open().FindAPIToken(ctx, raw)
		if err != nil || u.Email != "v@taller.mx" || tok.Name != "excel" {
			t.Errorf("token %q: %v", raw, err)
		}
	})
	t.Run("unknown user", func(t *testing.T) {
		if _, _, err := cli("", "token", "create", "--email", "nadie@taller.mx"); err == nil {
			t.Error("want an error")
		}
	})
}
