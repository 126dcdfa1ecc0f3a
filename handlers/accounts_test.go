package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cotizador/auth"
	"cotizador/handlers"
	"cotizador/internal/testutil"
)

// xss is stored in every text field a user can set; every page that shows
// it must render it inert.
const xss = `<script>alert("xss")</script><img src=x onerror=alert(1)>"'`

func assertInert(t *testing.T, page, body string) {
	t.Helper()
	if strings.Contains(body, xss) || strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
		t.Errorf("%s renders the payload as markup", page)
	}
	if !strings.Contains(body, "&lt;script&gt;alert(") {
		t.Errorf("%s does not show the payload escaped", page)
	}
}

func TestXSSPayloadsRenderInert(t *testing.T) {
	a := staff(t)
	owner := a.Login(t, "duena@aluminios.mx")

	// A user whose name is the payload.
	resp, body := owner.PostForm(t, "/usuarios", url.Values{"name": {xss}, "email": {"xss@aluminios.mx"}, "role": {"sales"}, "password": {testutil.Password}, "max_discount": {"5"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create user: %d\n%s", resp.StatusCode, body)
	}
	// A token whose name is the payload.
	xssUser := a.Login(t, "xss@aluminios.mx")
	if resp, _ := xssUser.PostForm(t, "/cuenta/tokens", url.Values{"name": {xss}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("create token: %d", resp.StatusCode)
	}
	// A failed login whose e-mail is the payload (shown in the security log).
	anon := a.NewClient()
	anon.Get(t, "/login")
	_, loginPage := anon.PostForm(t, "/login", url.Values{"email": {xss}, "password": {"x"}})

	id := userID(t, a, "xss@aluminios.mx")
	pages := []struct {
		name string
		cl   *testutil.Client
		path string
	}{
		{"users list", owner, "/usuarios"},
		{"user page", owner, fmt.Sprintf("/usuarios/%d", id)},
		{"security log", owner, "/seguridad"},
		{"own account (header and tokens)", xssUser, "/cuenta"},
		{"home header", xssUser, "/"},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			resp, body := p.cl.Get(t, p.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			assertInert(t, p.name, body)
		})
	}
	t.Run("login form re-render", func(t *testing.T) {
		if strings.Contains(loginPage, `value="<script>`) || strings.Contains(loginPage, "<script>alert") {
			t.Error("login form echoes the payload unescaped")
		}
	})
	t.Run("setup form re-render", func(t *testing.T) {
		fresh := testutil.NewApp(t)
		cl := fresh.NewClient()
		cl.Get(t, "/setup")
		resp, body := cl.PostForm(t, "/setup", url.Values{"company": {xss}, "name": {xss}, "email": {"a@b.mx"}, "password": {"corta"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", resp.StatusCode)
		}
		assertInert(t, "setup", body)
	})
}

func TestSetup(t *testing.T) {
	a := testutil.NewApp(t)
	cl := a.NewClient()
	if resp, _ := cl.Get(t, "/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("/ on a fresh install: %d", resp.StatusCode)
	}
	if resp, _ := cl.Get(t, "/login"); resp.Header.Get("Location") != "/setup" {
		t.Fatalf("/login on a fresh install goes to %q, want /setup", resp.Header.Get("Location"))
	}
	cl.Get(t, "/setup")

	t.Run("field errors keep the values", func(t *testing.T) {
		resp, body := cl.PostForm(t, "/setup", url.Values{"company": {"Cancelería Ñandú"}, "name": {"Rosa"}, "email": {"rosa-sin-arroba"}, "password": {"password123"}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", resp.StatusCode)
		}
		for _, want := range []string{`value="Cancelería Ñandú"`, `value="Rosa"`, `value="rosa-sin-arroba"`, "Escribe un correo válido", "demasiado común"} {
			if !strings.Contains(body, want) {
				t.Errorf("re-rendered form lacks %q", want)
			}
		}
		if strings.Contains(body, "password123") {
			t.Error("the password is echoed back")
		}
		if n, _ := a.DB.CountUsers(t.Context()); n != 0 {
			t.Errorf("a failed setup wrote %d users", n)
		}
	})
	t.Run("success signs the owner in", func(t *testing.T) {
		resp, _ := cl.PostForm(t, "/setup", url.Values{"company": {"Cancelería Ñandú"}, "name": {"Rosa Pérez"}, "email": {"Rosa@Nandu.mx"}, "password": {"Ventana-Proyectante-40"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Fatalf("status %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body := cl.Get(t, "/cuenta")
		if !strings.Contains(body, "rosa@nandu.mx") || !strings.Contains(body, "Propietario") {
			t.Error("not signed in as the new owner")
		}
		if name, _ := a.DB.CompanyName(t.Context()); name != "Cancelería Ñandú" {
			t.Errorf("company = %q", name)
		}
	})
	t.Run("closed afterwards", func(t *testing.T) {
		other := a.NewClient()
		if resp, _ := other.Get(t, "/setup"); resp.Header.Get("Location") != "/login" {
			t.Errorf("/setup after setup: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		other.Get(t, "/login")
		resp, _ := other.PostForm(t, "/setup", url.Values{"company": {"Intruso"}, "name": {"Intruso"}, "email": {"i@i.mx"}, "password": {"Otra-Clave-Larga-99"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("a second setup: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if n, _ := a.DB.CountUsers(t.Context()); n != 1 {
			t.Errorf("users = %d, want 1", n)
		}
	})
}

func TestPasswordFeedback(t *testing.T) {
	a := staff(t)
	cl := a.NewClient()
	cl.Get(t, "/login")
	tests := []struct {
		password, email string
		want            string
	}{
		{"corta", "", "al menos 10 caracteres"},
		{"qwertyuiop", "", "demasiado común"},
		{"ramirez-ventanas-2026", "ramirez@aluminios.mx", "no puede contener tu correo"},
		{"aluminiosdelnorte2026!", "", "nombre de la empresa"},
		{"Riel-Superior-Tres-Pulgadas", "", "Contraseña aceptable"},
	}
	for _, tt := range tests {
		t.Run(tt.password, func(t *testing.T) {
			resp, body := cl.PostForm(t, "/contrasena/revisar", url.Values{"password": {tt.password}, "email": {tt.email}}, "HX-Request", "true")
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, tt.want) {
				t.Errorf("status %d, body %q, want %q", resp.StatusCode, body, tt.want)
			}
			if strings.Contains(body, "<html") {
				t.Error("feedback should be a fragment")
			}
		})
	}
}

func TestUserManagement(t *testing.T) {
	a := staff(t)
	admin := a.Login(t, "admin@aluminios.mx")
	owner := a.Login(t, "duena@aluminios.mx")

	t.Run("admin cannot create an owner", func(t *testing.T) {
		resp, body := admin.PostForm(t, "/usuarios", url.Values{"name": {"Otro"}, "email": {"otro@aluminios.mx"}, "role": {"owner"}, "password": {testutil.Password}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Elige una opción") {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("admin cannot change the owner", func(t *testing.T) {
		resp, _ := admin.PostForm(t, fmt.Sprintf("/usuarios/%d", userID(t, a, "duena@aluminios.mx")), url.Values{"role": {"viewer"}, "active": {"1"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
	})
	t.Run("duplicate e-mail", func(t *testing.T) {
		resp, body := owner.PostForm(t, "/usuarios", url.Values{"name": {"Otro"}, "email": {"VENDEDOR@aluminios.mx"}, "role": {"sales"}, "password": {testutil.Password}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Ya existe un usuario con ese correo") || !strings.Contains(body, `value="Otro"`) {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("salesperson with a discount cap", func(t *testing.T) {
		resp, _ := owner.PostForm(t, "/usuarios", url.Values{"name": {"Juan"}, "email": {"juan@aluminios.mx"}, "role": {"sales"}, "password": {"Cancel-Bano-Templado-10"}, "max_discount": {"7.5"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		u, err := a.DB.FindUserByEmail(t.Context(), "juan@aluminios.mx")
		if err != nil || u.Role != auth.RoleSales || u.MaxDiscountPct != "7.5" {
			t.Errorf("user = %+v, %v", u, err)
		}
	})
	t.Run("discount cap through the one decimal validator", func(t *testing.T) {
		resp, _ := owner.PostForm(t, "/usuarios", url.Values{"name": {"Ana"}, "email": {"ana@aluminios.mx"}, "role": {"sales"}, "password": {"Cancel-Bano-Templado-10"}, "max_discount": {"12,5"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("a decimal comma: status %d", resp.StatusCode)
		}
		if u, err := a.DB.FindUserByEmail(t.Context(), "ana@aluminios.mx"); err != nil || u.MaxDiscountPct != "12.5" {
			t.Errorf("user = %+v, %v; want a cap of 12.5", u, err)
		}
		for value, want := range map[string]string{"150": "Escribe un valor entre 0 y 100.", "doce": "«doce» no es un número válido"} {
			resp, body := owner.PostForm(t, "/usuarios", url.Values{"name": {"Otra"}, "email": {"otra@aluminios.mx"}, "role": {"sales"}, "password": {"Cancel-Bano-Templado-10"}, "max_discount": {value}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, want) {
				t.Errorf("max_discount %q: status %d, want 422 with %q", value, resp.StatusCode, want)
			}
		}
	})
	t.Run("the owner cannot demote itself", func(t *testing.T) {
		resp, body := owner.PostForm(t, fmt.Sprintf("/usuarios/%d", userID(t, a, "duena@aluminios.mx")), url.Values{"role": {"admin"}, "active": {"1"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "No puedes cambiar tu propio rol") {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("viewer cannot reach users", func(t *testing.T) {
		viewer := a.Login(t, "consulta@aluminios.mx")
		resp, body := viewer.Get(t, "/usuarios")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Acceso denegado") {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
}

// A hash made with old argon2 parameters is replaced at the next login.
func TestPasswordRehashOnLogin(t *testing.T) {
	a := staff(t, testutil.WithSecurity(func(s *handlers.Security) {
		s.PasswordParams = auth.Params{Memory: 2048, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	}))
	before, err := a.DB.FindUserByEmail(t.Context(), "vendedor@aluminios.mx")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(before.PasswordHash, "m=1024,t=1") {
		t.Fatalf("fixture hash = %s", before.PasswordHash)
	}
	a.Login(t, "vendedor@aluminios.mx")
	after, _ := a.DB.FindUserByEmail(t.Context(), "vendedor@aluminios.mx")
	if !strings.Contains(after.PasswordHash, "m=2048,t=2") {
		t.Errorf("hash after login = %s, want the new parameters", after.PasswordHash)
	}
	if ok, _ := auth.VerifyPassword(testutil.Password, after.PasswordHash); !ok {
		t.Error("the new hash does not verify the password")
	}
}
