package handlers

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
)

// access is who may call a route. Every route declares one; the declaration
// is also the route's name, so tests can list every route with its rule.
type access struct {
	public bool
	roles  []auth.Role
}

var (
	// public: anyone, signed in or not.
	public = access{public: true}
	// anyUser: any signed-in user, whatever the role.
	anyUser = access{roles: auth.Roles}
	// managers: owner and admin.
	managers = access{roles: []auth.Role{auth.RoleOwner, auth.RoleAdmin}}
	// ownerOnly: the owner.
	ownerOnly = access{roles: []auth.Role{auth.RoleOwner}}
)

// String is the route name recorded for the access test: "public" or
// "roles:owner,admin".
func (a access) String() string {
	if a.public {
		return "public"
	}
	names := make([]string, len(a.roles))
	for i, r := range a.roles {
		names[i] = string(r)
	}
	return "roles:" + strings.Join(names, ",")
}

// allowsUser reports whether a signed-in user (nil: anonymous) passes.
func (a access) allowsUser(u *db.User) bool {
	return a.public || (u != nil && slices.Contains(a.roles, u.Role))
}

// require enforces a route's access rule. Anonymous callers of a private
// page are sent to the login page (and come back after it); API callers get
// a JSON 401; a signed-in user without the role gets a 403.
func (s *server) require(a access) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if a.public {
			return c.Next()
		}
		u := currentUser(c)
		if u == nil {
			if strings.HasPrefix(c.Path(), "/api/") || c.Method() != fiber.MethodGet {
				return app.Errorf(app.EUNAUTHORIZED, "error.unauthorized.body")
			}
			next := c.OriginalURL()
			target := "/login"
			if next != "/" {
				target += "?next=" + url.QueryEscape(next)
			}
			if c.Get("HX-Request") == "true" {
				c.Set("HX-Redirect", target)
				return c.SendStatus(fiber.StatusUnauthorized)
			}
			return c.Redirect(target, fiber.StatusSeeOther)
		}
		if !a.allowsUser(u) {
			return app.Errorf(app.EFORBIDDEN, "error.forbidden.body")
		}
		return c.Next()
	}
}

// router registers routes with their access rule.
type router struct {
	s *server
	r fiber.Router
}

func (rt router) add(method, path string, a access, hs ...fiber.Handler) {
	chain := append([]fiber.Handler{rt.s.require(a)}, hs...)
	rt.r.Add(method, path, chain...).Name(a.String())
	if method == fiber.MethodGet {
		rt.r.Add(fiber.MethodHead, path, chain...).Name(a.String())
	}
}

func (rt router) get(path string, a access, hs ...fiber.Handler) {
	rt.add(fiber.MethodGet, path, a, hs...)
}
func (rt router) post(path string, a access, hs ...fiber.Handler) {
	rt.add(fiber.MethodPost, path, a, hs...)
}
