package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"cotizador/auth"
	"cotizador/validate"
)

// sessionView is a session as the account page lists it.
type sessionView struct {
	ID       int64
	Device   string
	IP       string
	LastSeen string
	Created  string
	Current  bool
	Remember bool
}

// deviceName turns a User-Agent into "Chrome · Android": enough for a
// person to recognise their own phone, and nothing to parse beyond that.
func deviceName(ua string) string {
	browser := "?"
	for _, b := range []struct{ needle, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"SamsungBrowser", "Samsung Internet"}, {"Firefox/", "Firefox"},
		{"CriOS", "Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.needle) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, o := range []struct{ needle, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"},
		{"Mac OS X", "Mac"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.needle) {
			system = o.name
			break
		}
	}
	if system == "" {
		return browser
	}
	return browser + " · " + system
}

const dateTimeLayout = "02/01/2006 15:04"

func (s *server) accountData(c *fiber.Ctx, extra fiber.Map) (fiber.Map, error) {
	ctx := c.UserContext()
	u := currentUser(c)
	sessions, err := s.DB.FindUserSessions(ctx, u.ID, s.Config.Security.Sessions)
	if err != nil {
		return nil, err
	}
	cur := currentSession(c)
	views := make([]sessionView, 0, len(sessions))
	for _, ss := range sessions {
		views = append(views, sessionView{ID: ss.ID, Device: deviceName(ss.UserAgent), IP: ss.IP,
			LastSeen: ss.LastSeenAt.In(mexicoCity).Format(dateTimeLayout), Created: ss.CreatedAt.In(mexicoCity).Format(dateTimeLayout),
			Current: cur != nil && cur.ID == ss.ID, Remember: ss.Remember})
	}
	tokens, err := s.DB.FindUserAPITokens(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	data := fiber.Map{"Sessions": views, "Tokens": tokens, "PasswordForm": newForm(c), "TokenForm": newForm(c), "TZ": mexicoCity}
	for k, v := range extra {
		data[k] = v
	}
	return data, nil
}

func (s *server) accountPage(c *fiber.Ctx) error {
	data, err := s.accountData(c, nil)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "account", "account.title", data)
}

func (s *server) accountPassword(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := currentUser(c)
	f := newForm(c, "current", "password")
	if ok, _ := auth.VerifyPassword(f.Get("current"), u.PasswordHash); !ok {
		f.Errors.Add("current", "account.current_wrong", nil)
	}
	company, err := s.DB.CompanyName(ctx)
	if err != nil {
		return err
	}
	s.checkPassword(f, "password", f.Get("password"), u.Email, u.Name, company)
	if len(f.Errors) > 0 {
		f.Values["current"], f.Values["password"] = "", ""
		data, err := s.accountData(c, fiber.Map{"PasswordForm": f})
		if err != nil {
			return err
		}
		return s.renderPage(c, fiber.StatusUnprocessableEntity, "account", "account.title", data)
	}
	hash, err := auth.HashPassword(f.Get("password"), s.Config.Security.PasswordParams)
	if err != nil {
		return err
	}
	// Every session ends, this one included; a new token replaces it.
	if err := s.DB.SetPassword(ctx, u.ID, hash, 0, actor(c)); err != nil {
		return err
	}
	remember := false
	if sess := currentSession(c); sess != nil {
		remember = sess.Remember
	}
	c.Locals(localsSession, nil)
	if err := s.startSession(c, u, remember); err != nil {
		return err
	}
	s.securityEvent(c, "password_changed", u, "", "")
	s.setFlash(c, "success", "account.password_changed")
	return redirect(c, "/cuenta")
}

func (s *server) accountEndOtherSessions(c *fiber.Ctx) error {
	u, sess := currentUser(c), currentSession(c)
	var keep int64
	if sess != nil {
		keep = sess.ID
	}
	n, err := s.DB.RevokeUserSessions(c.UserContext(), u.ID, keep, actor(c))
	if err != nil {
		return err
	}
	s.securityEvent(c, "sessions_ended", u, "", itoa(n))
	s.setFlash(c, "success", "account.sessions_ended")
	return redirect(c, "/cuenta")
}

func (s *server) accountEndSession(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if err := s.DB.RevokeSession(c.UserContext(), id, u.ID, actor(c)); err != nil {
		return err
	}
	s.securityEvent(c, "session_ended", u, "", itoa(int(id)))
	if sess := currentSession(c); sess != nil && sess.ID == id {
		s.clearSessionCookie(c)
		return redirect(c, "/login")
	}
	msg := "account.session_ended"
	if c.FormValue("aviso") != "" {
		// Ended from the new-sign-in notice: say what to do if it was not them.
		msg = "session.new_device.ended"
	}
	s.setFlash(c, "success", msg)
	return redirect(c, "/cuenta")
}

func (s *server) accountCreateToken(c *fiber.Ctx) error {
	u := currentUser(c)
	f := newForm(c, "name")
	name := validate.Text(f.Errors, "name", f.Get("name"), true, 80)
	if len(f.Errors) > 0 {
		data, err := s.accountData(c, fiber.Map{"TokenForm": f})
		if err != nil {
			return err
		}
		return s.renderPage(c, fiber.StatusUnprocessableEntity, "account", "account.title", data)
	}
	raw, tok, err := s.DB.CreateAPIToken(c.UserContext(), u.ID, name, actor(c))
	if err != nil {
		return err
	}
	s.securityEvent(c, "token_created", u, "", tok.Name)
	// The token is shown once, on this response, and never again.
	c.Set(fiber.HeaderCacheControl, "no-store")
	data, err := s.accountData(c, fiber.Map{"NewToken": raw})
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "account", "account.title", data)
}

func (s *server) accountRevokeToken(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if err := s.DB.RevokeAPIToken(c.UserContext(), id, u.ID, actor(c)); err != nil {
		return err
	}
	s.securityEvent(c, "token_revoked", u, "", itoa(int(id)))
	s.setFlash(c, "success", "account.token_revoked")
	return redirect(c, "/cuenta")
}
