package handlers

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"cotizador/auth"
	"cotizador/db"
	"cotizador/validate"
)

// customerWriters may create, edit and delete customers: everyone but the
// read-only viewer (a salesperson registers customers on site).
var customerWriters = access{roles: []auth.Role{auth.RoleOwner, auth.RoleAdmin, auth.RoleSales}}

const (
	customersPerPage = 20
	// customerPicks is how many matches the quote editor's picker shows.
	customerPicks = 8
	// maxCustomerSearch bounds what a search may carry (runes).
	maxCustomerSearch = 100
)

// customerView adds what pages show to a customer.
type customerView struct {
	*db.Customer
}

// PhoneDisplay groups the 10 digits as people read them: "55 1234 5678" for
// the two-digit area codes (Mexico City, Guadalajara, Monterrey), "222 123
// 4567" for the others.
func (v customerView) PhoneDisplay() string { return validate.FormatPhone(v.Phone) }

// Created is the creation date in Mexico City.
func (v customerView) Created() string { return v.CreatedAt.In(mexicoCity).Format("02/01/2006") }

func customerViews(cs []*db.Customer) []customerView {
	out := make([]customerView, len(cs))
	for i, c := range cs {
		out[i] = customerView{c}
	}
	return out
}

// searchQuery reads a search box: trimmed, cut to maxCustomerSearch runes.
func searchQuery(v string) string {
	v = strings.TrimSpace(strings.ToValidUTF8(v, ""))
	if utf8.RuneCountInString(v) > maxCustomerSearch {
		v = string([]rune(v)[:maxCustomerSearch])
	}
	return v
}

// customersPage lists the customers, 20 a page, filtered by the search box
// as the user types (htmx swaps #customer-results) or, without JavaScript,
// when the GET form is submitted.
func (s *server) customersPage(c *fiber.Ctx) error {
	q := searchQuery(c.Query("q"))
	page := max(1, c.QueryInt("pagina", 1))
	list, total, err := s.DB.FindCustomers(c.UserContext(), db.CustomerFilter{Search: q, Limit: customersPerPage, Offset: (page - 1) * customersPerPage})
	if err != nil {
		return err
	}
	pages := max(1, (total+customersPerPage-1)/customersPerPage)
	pageURL := func(n int) string {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		if n > 1 {
			v.Set("pagina", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/clientes"
		}
		return "/clientes?" + v.Encode()
	}
	data := fiber.Map{
		"Customers": customerViews(list), "Search": q, "Total": total, "Page": page, "Pages": pages,
		"HasPrev": page > 1, "HasNext": page < pages, "PrevURL": pageURL(page - 1), "NextURL": pageURL(page + 1),
		"CanEdit": customerWriters.allowsUser(currentUser(c)),
	}
	if isFragment(c) && c.Get("HX-Target") == "customer-results" {
		return s.renderPartial(c, fiber.StatusOK, "customer_results", data)
	}
	return s.renderPage(c, fiber.StatusOK, "customers", "customer.list_title", data)
}

// customerSearch answers the quote editor's customer picker: a small
// fragment listing the best matches, each a button carrying the customer's
// data in data-* attributes for the editor to copy. It reads q, or the
// editor's own field name when the picker sends the input it is on.
func (s *server) customerSearch(c *fiber.Ctx) error {
	q := searchQuery(c.Query("q"))
	if q == "" {
		q = searchQuery(c.Query("customer_name"))
	}
	var list []*db.Customer
	total := 0
	if q != "" {
		var err error
		list, total, err = s.DB.FindCustomers(c.UserContext(), db.CustomerFilter{Search: q, Limit: customerPicks})
		if err != nil {
			return err
		}
	}
	return s.renderPartial(c, fiber.StatusOK, "customer_picks", fiber.Map{"Customers": customerViews(list), "Search": q, "Total": total})
}

// customerForm reads and validates a customer form.
func customerForm(c *fiber.Ctx) (*form, *db.Customer) {
	f := newForm(c, "name", "business_name", "rfc", "email", "phone", "address", "tax_regime", "postal_code", "cfdi_use", "notes")
	e := f.Errors
	cu := &db.Customer{
		Name:         validate.Text(e, "name", f.Get("name"), true, 200),
		BusinessName: validate.Text(e, "business_name", f.Get("business_name"), false, 300),
		RFC:          validate.RFC(e, "rfc", f.Get("rfc"), false),
		Email:        validate.Email(e, "email", f.Get("email"), false),
		Phone:        validate.Phone(e, "phone", f.Get("phone"), false),
		Address:      validate.Multiline(e, "address", f.Get("address"), false, 500),
		PostalCode:   validate.PostalCode(e, "postal_code", f.Get("postal_code"), false),
		Notes:        validate.Multiline(e, "notes", f.Get("notes"), false, 2000),
	}
	// The régimen and uso de CFDI must fit the kind of taxpayer the RFC
	// belongs to; a bad RFC already has its own message.
	rfc := cu.RFC
	if e.Has("rfc") {
		rfc = ""
	}
	cu.TaxRegime = validate.TaxRegime(e, "tax_regime", f.Get("tax_regime"), rfc)
	cu.CFDIUse = validate.CFDIUse(e, "cfdi_use", f.Get("cfdi_use"), rfc)
	return f, cu
}

func customerFormValues(cu *db.Customer) *form {
	return &form{Values: map[string]string{
		"name": cu.Name, "business_name": cu.BusinessName, "rfc": cu.RFC, "email": cu.Email, "phone": validate.FormatPhone(cu.Phone),
		"address": cu.Address, "tax_regime": cu.TaxRegime, "postal_code": cu.PostalCode, "cfdi_use": cu.CFDIUse, "notes": cu.Notes,
	}, Errors: validate.Errors{}}
}

// renderCustomer renders the customer page: the form (read-only for a
// viewer) and, for a saved customer, the section with their quotes.
func (s *server) renderCustomer(c *fiber.Ctx, status int, cu *db.Customer, f *form) error {
	data := fiber.Map{"Form": f, "TaxRegimes": validate.TaxRegimes, "CFDIUses": validate.CFDIUses, "TZ": mexicoCity, "Today": s.today(),
		"CanEdit": customerWriters.allowsUser(currentUser(c))}
	title := "customer.new"
	if cu != nil {
		title = "customer.title"
		data["Customer"] = customerView{cu}
		quotes, err := s.customerQuotes(c, cu.ID)
		if err != nil {
			return err
		}
		data["Quotes"] = quotes
		// Deleting says what happens to all their quotes, not only those
		// this user may see.
		if data["QuoteCount"], err = s.DB.CustomerQuoteCount(c.UserContext(), cu.ID); err != nil {
			return err
		}
	}
	return s.renderPage(c, status, "customer", title, data)
}

func (s *server) customerNew(c *fiber.Ctx) error {
	return s.renderCustomer(c, fiber.StatusOK, nil, newForm(c))
}

func (s *server) customerCreate(c *fiber.Ctx) error {
	f, cu := customerForm(c)
	if len(f.Errors) > 0 {
		return s.renderCustomer(c, fiber.StatusUnprocessableEntity, nil, f)
	}
	if err := s.DB.CreateCustomer(c.UserContext(), cu, actor(c)); err != nil {
		if f.mergeAppError(err) {
			return s.renderCustomer(c, fiber.StatusUnprocessableEntity, nil, f)
		}
		return err
	}
	s.setFlash(c, "success", "customer.created")
	return redirect(c, "/clientes/"+strconv.FormatInt(cu.ID, 10))
}

func (s *server) customerPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	cu, err := s.DB.FindCustomerByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	return s.renderCustomer(c, fiber.StatusOK, cu, customerFormValues(cu))
}

func (s *server) customerUpdate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	existing, err := s.DB.FindCustomerByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	f, cu := customerForm(c)
	if len(f.Errors) > 0 {
		return s.renderCustomer(c, fiber.StatusUnprocessableEntity, existing, f)
	}
	if err := s.DB.UpdateCustomer(c.UserContext(), id, cu, actor(c)); err != nil {
		if f.mergeAppError(err) {
			return s.renderCustomer(c, fiber.StatusUnprocessableEntity, existing, f)
		}
		return err
	}
	s.setFlash(c, "success", "customer.saved")
	return redirect(c, "/clientes/"+strconv.FormatInt(id, 10))
}

func (s *server) customerDelete(c *fiber.Ctx) error {
	return s.softDelete(c, s.DB.DeleteCustomer, "customer.deleted", "/clientes")
}
