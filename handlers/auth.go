package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/validate"
)

// Field lengths shared by the account forms.
const (
	maxEmail    = 254
	maxName     = 120
	maxCompany  = 200
	maxPassword = auth.MaxPasswordLen
)

// checkPassword applies the password policy to a form's password field.
func (s *server) checkPassword(f *form, field, password, email, name, company string) {
	if problems := auth.CheckPassword(auth.PolicyInput{Password: password, Email: email, Name: name, Company: company}); len(problems) > 0 {
		f.Errors[field] = problems[0]
	}
}

// startSession signs a user in: a brand-new session token (never one the
// browser brought: no session fixation) and a fresh CSRF token.
func (s *server) startSession(c *fiber.Ctx, u *db.User, remember bool) error {
	if old := currentSession(c); old != nil {
		_ = s.DB.RevokeSession(c.UserContext(), old.ID, 0, app.UserActor(u.ID))
	}
	raw, sess, err := s.DB.CreateSession(c.UserContext(), u.ID, remember, c.Get(fiber.HeaderUserAgent), c.IP(), s.Config.Security.Sessions)
	if err != nil {
		return err
	}
	if sess.NewDevice {
		// The user sees it on their next page elsewhere (base.html's notice).
		s.securityEvent(c, "login_new_device", u, "", sess.Device+" · "+sess.Network)
	}
	s.setSessionCookie(c, raw, remember)
	s.rotateCSRF(c)
	return nil
}

func (s *server) setupPage(c *fiber.Ctx) error {
	n, err := s.DB.CountUsers(c.UserContext())
	if err != nil {
		return err
	}
	if n > 0 {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	return s.renderPage(c, fiber.StatusOK, "setup", "setup.title", fiber.Map{"Form": newForm(c), "DemoAvailable": s.setupDemoAvailable(c)})
}

func (s *server) setupSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := newForm(c, "company", "name", "email", "password", "demo")
	company := validate.Text(f.Errors, "company", f.Get("company"), true, maxCompany)
	name := validate.Text(f.Errors, "name", f.Get("name"), true, maxName)
	email := validate.Email(f.Errors, "email", f.Get("email"), true)
	password := f.Get("password")
	s.checkPassword(f, "password", password, email, name, company)
	if len(f.Errors) > 0 {
		return s.renderPage(c, fiber.StatusUnprocessableEntity, "setup", "setup.title", fiber.Map{"Form": f, "DemoAvailable": s.setupDemoAvailable(c)})
	}
	hash, err := auth.HashPassword(password, s.Config.Security.PasswordParams)
	if err != nil {
		return err
	}
	owner := &db.User{Email: email, Name: name, PasswordHash: hash}
	if err := s.DB.Setup(ctx, company, owner, app.Actor("setup")); err != nil {
		if app.ErrorCode(err) == app.ECONFLICT {
			return c.Redirect("/login", fiber.StatusSeeOther)
		}
		if f.mergeAppError(err) {
			return s.renderPage(c, fiber.StatusUnprocessableEntity, "setup", "setup.title", fiber.Map{"Form": f, "DemoAvailable": s.setupDemoAvailable(c)})
		}
		return err
	}
	s.securityEvent(c, "setup", owner, "", company)
	if err := s.startSession(c, owner, false); err != nil {
		return err
	}
	s.securityEvent(c, "login", owner, "", "setup")
	done := "setup.done"
	if f.Get("demo") != "" {
		done = s.loadDemoAfterSetup(c, owner)
	}
	kind := "success"
	if done == "import.demo_failed" {
		kind = "error"
	}
	s.setFlash(c, kind, done)
	return redirect(c, "/")
}

func (s *server) loginPage(c *fiber.Ctx) error {
	n, err := s.DB.CountUsers(c.UserContext())
	if err != nil {
		return err
	}
	if n == 0 {
		return c.Redirect("/setup", fiber.StatusSeeOther)
	}
	if currentUser(c) != nil {
		return c.Redirect(safeNext(c.Query("next")), fiber.StatusSeeOther)
	}
	f := newForm(c)
	f.Values["next"] = safeNext(c.Query("next"))
	return s.renderPage(c, fiber.StatusOK, "login", "login.title", fiber.Map{"Form": f})
}

// loginSubmit checks the per-IP throttle, then the account's lockout, then
// the password. Every failure shows the same message whether or not the
// e-mail has an account, and takes the same time.
func (s *server) loginSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := newForm(c, "email", "password", "remember", "next")
	sec := s.Config.Security
	email := db.NormalizeEmail(f.Get("email"))
	if len(email) > maxEmail {
		email = email[:maxEmail]
	}
	f.Values["email"] = email
	fail := func(status int, message string, args map[string]any) error {
		return s.renderPage(c, status, "login", "login.title", fiber.Map{"Form": f, "LoginError": message, "LoginErrorArgs": args})
	}

	ip := c.IP()
	if n, err := s.DB.IPFailures(ctx, ip, sec.Lockout.Window); err != nil {
		return err
	} else if n >= sec.Lockout.MaxIPFails {
		_ = s.DB.RecordLoginAttempt(ctx, email, ip, db.LoginLocked)
		s.securityEvent(c, "login_ip_throttled", nil, email, "")
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(sec.Lockout.Window.Seconds())))
		return fail(fiber.StatusTooManyRequests, "login.ip_throttled", nil)
	}
	until, locked, err := s.DB.LockedUntil(ctx, email, sec.Lockout)
	if err != nil {
		return err
	}
	if locked {
		_ = s.DB.RecordLoginAttempt(ctx, email, ip, db.LoginLocked)
		s.securityEvent(c, "login_refused_locked", nil, email, "")
		minutes := int(until.Sub(s.Clock.Now()).Minutes()) + 1
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(until.Sub(s.Clock.Now()).Seconds())+1))
		return fail(fiber.StatusTooManyRequests, "login.locked", map[string]any{"Minutes": minutes})
	}

	u, err := s.DB.FindUserByEmail(ctx, email)
	if err != nil && app.ErrorCode(err) != app.ENOTFOUND {
		return err
	}
	ok := false
	if u != nil && u.Active {
		ok, err = auth.VerifyPassword(f.Get("password"), u.PasswordHash)
		if err != nil {
			s.Logger.Error("verify password: stored hash unreadable", "user_id", u.ID, "err", err)
			ok = false
		}
	} else {
		auth.DummyVerify(sec.PasswordParams)
	}
	if !ok {
		if err := s.DB.RecordLoginAttempt(ctx, email, ip, db.LoginFailure); err != nil {
			return err
		}
		s.securityEvent(c, "login_failed", u, email, "")
		if _, nowLocked, err := s.DB.LockedUntil(ctx, email, sec.Lockout); err == nil && nowLocked {
			s.securityEvent(c, "account_locked", u, email, "")
		}
		f.Values["password"] = ""
		return fail(fiber.StatusUnprocessableEntity, "login.invalid", nil)
	}

	if err := s.DB.RecordLoginAttempt(ctx, email, ip, db.LoginSuccess); err != nil {
		return err
	}
	if auth.NeedsRehash(u.PasswordHash, sec.PasswordParams) {
		if hash, err := auth.HashPassword(f.Get("password"), sec.PasswordParams); err == nil {
			if err := s.DB.RehashPassword(ctx, u.ID, hash); err != nil {
				s.Logger.Error("rehash password", "user_id", u.ID, "err", err)
			}
		}
	}
	if err := s.startSession(c, u, f.Get("remember") != ""); err != nil {
		return err
	}
	s.securityEvent(c, "login", u, "", "")
	return redirect(c, safeNext(f.Get("next")))
}

func (s *server) logout(c *fiber.Ctx) error {
	if sess := currentSession(c); sess != nil {
		if err := s.DB.RevokeSession(c.UserContext(), sess.ID, 0, actor(c)); err != nil && app.ErrorCode(err) != app.ENOTFOUND {
			return err
		}
		s.securityEvent(c, "logout", currentUser(c), "", "")
	}
	s.clearSessionCookie(c)
	s.rotateCSRF(c)
	s.setFlash(c, "success", "logout.done")
	return redirect(c, "/login")
}

func (s *server) resetPage(c *fiber.Ctx) error {
	u, err := s.DB.FindPasswordReset(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "reset", "reset.title", fiber.Map{"Form": newForm(c), "ResetUser": u})
}

func (s *server) resetSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	token := c.Params("token")
	u, err := s.DB.FindPasswordReset(ctx, token)
	if err != nil {
		return err
	}
	f := newForm(c, "password")
	company, err := s.DB.CompanyName(ctx)
	if err != nil {
		return err
	}
	s.checkPassword(f, "password", f.Get("password"), u.Email, u.Name, company)
	if len(f.Errors) > 0 {
		return s.renderPage(c, fiber.StatusUnprocessableEntity, "reset", "reset.title", fiber.Map{"Form": f, "ResetUser": u})
	}
	hash, err := auth.HashPassword(f.Get("password"), s.Config.Security.PasswordParams)
	if err != nil {
		return err
	}
	if _, err := s.DB.UsePasswordReset(ctx, token, hash); err != nil {
		return err
	}
	s.securityEvent(c, "password_reset", u, "", "")
	s.setFlash(c, "success", "reset.done")
	return redirect(c, "/login")
}

// passwordCheck gives feedback on a password as it is typed (htmx).
func (s *server) passwordCheck(c *fiber.Ctx) error {
	f := newForm(c, "password", "email", "name", "company")
	email, name, company := f.Get("email"), f.Get("name"), f.Get("company")
	if u := currentUser(c); u != nil {
		email, name = u.Email, u.Name
	}
	if n, err := s.DB.CompanyName(c.UserContext()); err == nil && n != "" {
		company = n
	}
	problems := auth.CheckPassword(auth.PolicyInput{Password: f.Get("password"), Email: email, Name: name, Company: company})
	return s.renderPartial(c, fiber.StatusOK, "password_feedback", fiber.Map{"Problems": problems, "Empty": f.Get("password") == ""})
}
