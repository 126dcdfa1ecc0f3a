package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/validate"
)

// resetLinkTTL is how long a reset link printed by the CLI stays valid.
const resetLinkTTL = 24 * time.Hour

// userCommand runs `cotizador user create|unlock|reset-password`.
func userCommand(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &usageError{"user: se espera create, unlock o reset-password / want create, unlock or reset-password"}
	}
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "correo / e-mail")
	name := fs.String("name", "", "nombre / name")
	role := fs.String("role", "", "owner|admin|sales|viewer")
	company := fs.String("company", "Mi Empresa", "empresa, si la instalación está vacía / company, on an empty installation")
	passwordStdin := fs.Bool("password-stdin", false, "leer la contraseña de la entrada estándar / read the password from stdin")
	if err := fs.Parse(args[1:]); err != nil {
		return &usageError{err.Error()}
	}
	if *email == "" {
		return &usageError{"user: falta --email / --email is required"}
	}
	d, _, err := openMigrated(ctx, cfg, printSnapshot(stderr))
	if err != nil {
		return err
	}
	defer d.Close()

	switch args[0] {
	case "create":
		if !*passwordStdin {
			return &usageError{"user create: la contraseña se lee con --password-stdin / the password is read with --password-stdin"}
		}
		password, err := readPassword(stdin)
		if err != nil {
			return err
		}
		errs := validate.Errors{}
		e := validate.Email(errs, "email", *email, true)
		n := validate.Text(errs, "name", *name, true, 120)
		r := auth.Role(*role)
		if !r.Valid() {
			return &usageError{"user create: --role debe ser owner, admin, sales o viewer / --role must be owner, admin, sales or viewer"}
		}
		if len(errs) > 0 {
			return &usageError{fmt.Sprintf("user create: datos inválidos / invalid data: %v", fieldList(errs))}
		}
		count, err := d.CountUsers(ctx)
		if err != nil {
			return err
		}
		companyName := *company
		if count > 0 {
			if companyName, err = d.CompanyName(ctx); err != nil {
				return err
			}
		}
		if problems := auth.CheckPassword(auth.PolicyInput{Password: password, Email: e, Name: n, Company: companyName}); len(problems) > 0 {
			return &usageError{fmt.Sprintf("user create: la contraseña no cumple la política / the password fails the policy: %s", problems[0].Message)}
		}
		hash, err := auth.HashPassword(password, auth.DefaultParams)
		if err != nil {
			return err
		}
		u := &db.User{Email: e, Name: n, Role: r, PasswordHash: hash}
		if count == 0 {
			// The first account completes the setup, so scripts never meet the setup page.
			if r != auth.RoleOwner {
				return &usageError{"user create: el primer usuario debe ser owner / the first user must be an owner"}
			}
			err = d.Setup(ctx, companyName, u, app.CLIActor)
		} else {
			err = d.CreateUser(ctx, u, app.CLIActor)
		}
		if err != nil {
			var ae *app.Error
			if errors.As(err, &ae) && ae.Code == app.EINVALID {
				return &usageError{fmt.Sprintf("user create: %v", fieldList(ae.Fields))}
			}
			return err
		}
		_ = d.RecordSecurityEvent(ctx, &db.SecurityEvent{Kind: "user_created", UserID: u.ID, Email: u.Email, Actor: string(app.CLIActor), Detail: string(u.Role)})
		fmt.Fprintf(stdout, "usuario creado / user created: %s (%s, id %d)\n", u.Email, u.Role, u.ID)
	case "unlock":
		u, err := d.FindUserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("no existe el usuario / no such user: %s", *email)
		}
		if err := d.RecordLoginAttempt(ctx, u.Email, "cli", db.LoginUnlock); err != nil {
			return err
		}
		_ = d.RecordSecurityEvent(ctx, &db.SecurityEvent{Kind: "account_unlocked", UserID: u.ID, Email: u.Email, Actor: string(app.CLIActor)})
		fmt.Fprintf(stdout, "cuenta desbloqueada / account unlocked: %s\n", u.Email)
	case "reset-password":
		u, err := d.FindUserByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("no existe el usuario / no such user: %s", *email)
		}
		raw, err := d.CreatePasswordReset(ctx, u.ID, resetLinkTTL, app.CLIActor)
		if err != nil {
			return err
		}
		_ = d.RecordSecurityEvent(ctx, &db.SecurityEvent{Kind: "password_reset_link", UserID: u.ID, Email: u.Email, Actor: string(app.CLIActor)})
		fmt.Fprintf(stdout, "%s/restablecer/%s\n", baseURL(cfg), raw)
		fmt.Fprintf(stderr, "enlace de un solo uso, válido %s / one-time link, valid for %s\n", resetLinkTTL, resetLinkTTL)
	default:
		return &usageError{fmt.Sprintf("user: subcomando desconocido / unknown subcommand %q", args[0])}
	}
	return nil
}

// tokenCommand runs `cotizador token create --email E [--name N]`.
func tokenCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return &usageError{"token: se espera create / want create"}
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "correo del usuario / user's e-mail")
	name := fs.String("name", "cli", "nombre del token / token name")
	if err := fs.Parse(args[1:]); err != nil {
		return &usageError{err.Error()}
	}
	if *email == "" {
		return &usageError{"token create: falta --email / --email is required"}
	}
	d, _, err := openMigrated(ctx, cfg, printSnapshot(stderr))
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := d.FindUserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("no existe el usuario / no such user: %s", *email)
	}
	raw, tok, err := d.CreateAPIToken(ctx, u.ID, *name, app.CLIActor)
	if err != nil {
		return err
	}
	_ = d.RecordSecurityEvent(ctx, &db.SecurityEvent{Kind: "token_created", UserID: u.ID, Email: u.Email, Actor: string(app.CLIActor), Detail: tok.Name})
	fmt.Fprintln(stdout, raw)
	fmt.Fprintln(stderr, "guárdalo ahora: no se vuelve a mostrar / store it now: it is not shown again")
	return nil
}

func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", &usageError{"no se recibió contraseña en la entrada estándar / no password on stdin"}
	}
	return pw, nil
}

func fieldList(fields map[string]app.FieldError) string {
	var parts []string
	for k, v := range fields {
		parts = append(parts, k+": "+v.Message)
	}
	return strings.Join(parts, ", ")
}

// baseURL is where links printed by the CLI point.
func baseURL(cfg Config) string {
	if cfg.BaseURL != "" {
		return cfg.BaseURL
	}
	addr := cfg.Addr
	if strings.HasPrefix(addr, ":") || strings.HasPrefix(addr, "0.0.0.0:") {
		addr = "127.0.0.1" + addr[strings.Index(addr, ":"):]
	}
	return "http://" + addr
}
