package testutil

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
)

// Password is the password of every account the helpers create: it passes
// the policy.
const Password = "Ventana-Corrediza-2026!"

// CreateUser adds an account with Password. The first account of an app
// completes the setup (company "Aluminios del Norte") and must be an owner.
func (a *App) CreateUser(t testing.TB, role auth.Role, email string) *db.User {
	t.Helper()
	hash, err := auth.HashPassword(Password, FastPasswords)
	if err != nil {
		t.Fatal(err)
	}
	u := &db.User{Email: email, Name: "Usuario " + string(role), Role: role, PasswordHash: hash}
	n, err := a.DB.CountUsers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		err = a.DB.Setup(t.Context(), "Aluminios del Norte", u, app.CLIActor)
	} else {
		err = a.DB.CreateUser(t.Context(), u, app.CLIActor)
	}
	if err != nil {
		t.Fatalf("create %s user: %v", role, err)
	}
	return u
}

// Client is a browser-like client of the in-process app: it keeps cookies
// and the page's CSRF token, and adds the token to every form post.
type Client struct {
	App     *App
	Cookies map[string]string
	CSRF    string
}

// NewClient starts an anonymous client.
func (a *App) NewClient() *Client { return &Client{App: a, Cookies: map[string]string{}} }

var (
	csrfField  = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	csrfHeader = regexp.MustCompile(`"X-CSRF-Token": "([^"]+)"`)
)

// Do sends req with the client's cookies and records the cookies set and
// the CSRF token of the page it gets back.
func (cl *Client) Do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	var parts []string
	for k, v := range cl.Cookies {
		parts = append(parts, k+"="+v)
	}
	if extra := req.Header.Get("Cookie"); extra != "" {
		parts = append(parts, extra)
	}
	if len(parts) > 0 {
		req.Header.Set("Cookie", strings.Join(parts, "; "))
	}
	resp, body := cl.App.Do(t, req)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(cl.Cookies, c.Name)
		} else {
			cl.Cookies[c.Name] = c.Value
		}
	}
	if m := csrfHeader.FindStringSubmatch(body); m != nil {
		cl.CSRF = m[1]
	} else if m := csrfField.FindStringSubmatch(body); m != nil {
		cl.CSRF = m[1]
	}
	return resp, body
}

// Get sends a GET with optional header pairs.
func (cl *Client) Get(t testing.TB, path string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return cl.Do(t, req)
}

// PostForm posts a form with the client's CSRF token (unless values carries
// a _csrf of its own) and optional header pairs.
func (cl *Client) PostForm(t testing.TB, path string, values url.Values, headers ...string) (*http.Response, string) {
	t.Helper()
	if values == nil {
		values = url.Values{}
	}
	if _, ok := values["_csrf"]; !ok && cl.CSRF != "" {
		values.Set("_csrf", cl.CSRF)
	}
	req, err := http.NewRequest(http.MethodPost, path, strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return cl.Do(t, req)
}

// Login signs in through the login form and loads the home page, so the
// client holds a session and a CSRF token bound to it.
func (a *App) Login(t testing.TB, email string) *Client {
	t.Helper()
	cl := a.NewClient()
	cl.Get(t, "/login")
	resp, body := cl.PostForm(t, "/login", url.Values{"email": {email}, "password": {Password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: status %d, want 303\n%s", email, resp.StatusCode, body)
	}
	if resp, _ := cl.Get(t, "/cuenta"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after login, /cuenta: status %d", resp.StatusCode)
	}
	return cl
}
