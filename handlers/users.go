package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/validate"
)

// userRow is a user as the users page lists it.
type userRow struct {
	*db.User
	Locked bool
}

// assignableRoles are the roles the current user may give.
func assignableRoles(me *db.User) []string {
	var out []string
	for _, r := range auth.Roles {
		if me.Role.CanManage(r) {
			out = append(out, string(r))
		}
	}
	return out
}

func (s *server) usersData(c *fiber.Ctx, f *form) (fiber.Map, error) {
	ctx := c.UserContext()
	users, err := s.DB.FindUsers(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]userRow, len(users))
	for i, u := range users {
		_, locked, err := s.DB.LockedUntil(ctx, u.Email, s.Config.Security.Lockout)
		if err != nil {
			return nil, err
		}
		rows[i] = userRow{User: u, Locked: locked}
	}
	if f == nil {
		f = newForm(c)
		f.Values["role"] = string(auth.RoleSales)
		f.Values["max_discount"] = "0"
	}
	return fiber.Map{"Users": rows, "Form": f, "Roles": assignableRoles(currentUser(c))}, nil
}

func (s *server) usersPage(c *fiber.Ctx) error {
	data, err := s.usersData(c, nil)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "users", "users.title", data)
}

// parseDiscount reads a maximum discount percentage, 0 to 100 (empty: 0),
// typed like any other decimal ("7,5" too).
func parseDiscount(f *form, field string) string {
	return validate.Decimal(f.Errors, field, f.Get(field), false, decimal.Zero, decimal.NewFromInt(100)).Round(2).String()
}

func (s *server) usersCreate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	me := currentUser(c)
	f := newForm(c, "name", "email", "role", "password", "max_discount")
	name := validate.Text(f.Errors, "name", f.Get("name"), true, maxName)
	email := validate.Email(f.Errors, "email", f.Get("email"), true)
	role := auth.Role(validate.Choice(f.Errors, "role", f.Get("role"), true, assignableRoles(me)...))
	discount := parseDiscount(f, "max_discount")
	company, err := s.DB.CompanyName(ctx)
	if err != nil {
		return err
	}
	s.checkPassword(f, "password", f.Get("password"), email, name, company)
	render := func() error {
		f.Values["password"] = ""
		data, err := s.usersData(c, f)
		if err != nil {
			return err
		}
		return s.renderPage(c, fiber.StatusUnprocessableEntity, "users", "users.title", data)
	}
	if len(f.Errors) > 0 {
		return render()
	}
	hash, err := auth.HashPassword(f.Get("password"), s.Config.Security.PasswordParams)
	if err != nil {
		return err
	}
	u := &db.User{Email: email, Name: name, Role: role, PasswordHash: hash, MaxDiscountPct: discount}
	if err := s.DB.CreateUser(ctx, u, actor(c)); err != nil {
		if f.mergeAppError(err) {
			return render()
		}
		return err
	}
	s.securityEvent(c, "user_created", u, "", string(u.Role))
	s.setFlash(c, "success", "users.created")
	return redirect(c, "/usuarios")
}

// managedUser loads the user of the URL and checks the current user may
// change them.
func (s *server) managedUser(c *fiber.Ctx) (*db.User, error) {
	id, err := paramID(c)
	if err != nil {
		return nil, err
	}
	u, err := s.DB.FindUserByID(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if !currentUser(c).Role.CanManage(u.Role) {
		return nil, app.Errorf(app.EFORBIDDEN, "users.cannot_manage")
	}
	return u, nil
}

func (s *server) userPageData(c *fiber.Ctx, u *db.User, f *form) (fiber.Map, error) {
	_, locked, err := s.DB.LockedUntil(c.UserContext(), u.Email, s.Config.Security.Lockout)
	if err != nil {
		return nil, err
	}
	if f == nil {
		f = newForm(c)
		f.Values["role"] = string(u.Role)
		f.Values["max_discount"] = u.MaxDiscountPct
		if u.Active {
			f.Values["active"] = "1"
		}
	}
	return fiber.Map{"Target": u, "Locked": locked, "Form": f, "Roles": assignableRoles(currentUser(c)),
		"IsSelf": u.ID == currentUser(c).ID}, nil
}

func (s *server) userPage(c *fiber.Ctx) error {
	u, err := s.managedUser(c)
	if err != nil {
		return err
	}
	data, err := s.userPageData(c, u, nil)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "user", "users.edit_title", data)
}

func (s *server) userUpdate(c *fiber.Ctx) error {
	u, err := s.managedUser(c)
	if err != nil {
		return err
	}
	f := newForm(c, "role", "max_discount", "active")
	role := auth.Role(validate.Choice(f.Errors, "role", f.Get("role"), true, assignableRoles(currentUser(c))...))
	discount := parseDiscount(f, "max_discount")
	active := f.Get("active") != ""
	if u.ID == currentUser(c).ID && (role != u.Role || !active) {
		f.Errors.Add("role", "users.cannot_change_self", nil)
	}
	render := func(status int) error {
		data, err := s.userPageData(c, u, f)
		if err != nil {
			return err
		}
		return s.renderPage(c, status, "user", "users.edit_title", data)
	}
	if len(f.Errors) > 0 {
		return render(fiber.StatusUnprocessableEntity)
	}
	oldRole, wasActive := u.Role, u.Active
	updated, err := s.DB.UpdateUser(c.UserContext(), u.ID, db.UserUpdate{Role: &role, MaxDiscountPct: &discount, Active: &active}, actor(c))
	if err != nil {
		if app.ErrorCode(err) == app.ECONFLICT {
			f.Errors.Add("role", app.ErrorMessage(err), nil)
			return render(fiber.StatusUnprocessableEntity)
		}
		return err
	}
	if oldRole != updated.Role {
		s.securityEvent(c, "role_changed", updated, "", string(oldRole)+" → "+string(updated.Role))
	}
	if wasActive != updated.Active {
		kind := "user_deactivated"
		if updated.Active {
			kind = "user_activated"
		}
		s.securityEvent(c, kind, updated, "", "")
	}
	s.setFlash(c, "success", "users.updated")
	return redirect(c, "/usuarios/"+strconv.FormatInt(u.ID, 10))
}

func (s *server) userUnlock(c *fiber.Ctx) error {
	u, err := s.managedUser(c)
	if err != nil {
		return err
	}
	if err := s.DB.RecordLoginAttempt(c.UserContext(), u.Email, c.IP(), db.LoginUnlock); err != nil {
		return err
	}
	s.securityEvent(c, "account_unlocked", u, "", "")
	s.setFlash(c, "success", "users.unlocked")
	return redirect(c, "/usuarios/"+strconv.FormatInt(u.ID, 10))
}

// securityLogPage shows the security log, newest first, 50 a page.
func (s *server) securityLogPage(c *fiber.Ctx) error {
	const perPage = 50
	page := max(1, c.QueryInt("pagina", 1))
	kind := c.Query("tipo")
	if !validMessageID(kind) {
		kind = ""
	}
	events, total, err := s.DB.FindSecurityEvents(c.UserContext(), kind, perPage, (page-1)*perPage)
	if err != nil {
		return err
	}
	pages := max(1, (total+perPage-1)/perPage)
	return s.renderPage(c, fiber.StatusOK, "security", "security.title", fiber.Map{
		"Events": events, "Page": page, "Pages": pages, "Total": total, "Kind": kind, "TZ": mexicoCity,
		"PrevPage": page - 1, "NextPage": page + 1, "HasPrev": page > 1, "HasNext": page < pages,
	})
}
