package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"cotizador/db"
)

// One table of quotes sent through both doors, the editor's form and the
// JSON API, by the same salesperson (maximum discount 5 %): each must give
// the same totals or the same problem on the same field.

type doorItem struct {
	product, width, height, qty, colour, glass, location string
	optional                                             bool
}

type doorMat struct{ code, qty, colour string }

type doorCase struct {
	name string
	// customer is the new customer's name; rates are percentages here
	// (the editor's way) and become fractions for the API.
	customer string
	rates    map[string]string // profit_rate, iva_rate, discount_rate … in %
	amount   string            // discount_amount
	items    []doorItem
	mats     []doorMat
	// wantTotal for a quote that saves, or wantField + wantMsg.
	wantTotal string
	wantField string
	wantMsg   string
}

var protoWindow = doorItem{product: "PROTO-COR-3", width: "1500", height: "1200", qty: "1", colour: "NAT", glass: "VID-CLARO-6", location: "Sala"}

func (dc doorCase) form() url.Values {
	v := url.Values{"accion": {"guardar"}, "customer_name": {dc.customer}, "unit": {"mm"}, "pricing_mode": {"compatible"},
		"profit_rate": {"25"}, "indirect_rate": {"15"}, "iva_rate": {"16"}, "deposit_rate": {"50"}, "price_display": {"mas_iva"},
		"valid_until": {"2026-12-31"}, "discount_type": {"porcentaje"}}
	for k, r := range dc.rates {
		if k == "discount_rate" {
			v.Set("discount", r)
			continue
		}
		v.Set(k, r)
	}
	if dc.amount != "" {
		v.Set("discount_type", "importe")
		v.Set("discount", dc.amount)
	}
	for i, it := range dc.items {
		p := fmt.Sprintf("item-%d-", i)
		v.Set(p+"product_code", it.product)
		v.Set(p+"width", it.width)
		v.Set(p+"height", it.height)
		v.Set(p+"quantity", it.qty)
		v.Set(p+"color_code", it.colour)
		v.Set(p+"glass_code", it.glass)
		v.Set(p+"location", it.location)
		if it.optional {
			v.Set(p+"optional", "1")
		}
	}
	for i, m := range dc.mats {
		p := fmt.Sprintf("mat-%d-", i)
		v.Set(p+"material_code", m.code)
		v.Set(p+"quantity", m.qty)
		v.Set(p+"color_code", m.colour)
	}
	return v
}

// jsonBody writes the case as the API's JSON, byte for byte what a client
// would send (so invalid UTF-8 stays invalid).
func (dc doorCase) jsonBody() string {
	str := func(s string) string {
		// Quote by hand: json.Marshal would replace invalid UTF-8.
		r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\a", `\u0007`, "\x00", `\u0000`)
		return `"` + r.Replace(s) + `"`
	}
	rates := map[string]string{"profit_rate": "25", "indirect_rate": "15", "iva_rate": "16", "deposit_rate": "50"}
	for k, r := range dc.rates {
		rates[k] = r
	}
	var b strings.Builder
	// The form door saved this customer first: here it is another one.
	b.WriteString(`{"unit":"mm","pricing_mode":"compatible","valid_until":"2026-12-31","customer_new":true,"customer":{"name":` + str(dc.customer) + `}`)
	for k, r := range rates {
		if r != "exento" {
			d, err := decimal.NewFromString(r)
			if err == nil {
				r = d.Div(decimal.NewFromInt(100)).String()
			}
		}
		b.WriteString(`,"` + k + `":` + str(r))
	}
	if dc.amount != "" {
		b.WriteString(`,"discount_amount":` + str(dc.amount))
	}
	b.WriteString(`,"items":[`)
	for i, it := range dc.items {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"product_code":%s,"width":%s,"height":%s,"quantity":%s,"color_code":%s,"glass_code":%s,"location":%s,"optional":%t}`,
			str(it.product), str(it.width), str(it.height), str(it.qty), str(it.colour), str(it.glass), str(it.location), it.optional)
	}
	b.WriteString(`],"material_items":[`)
	for i, m := range dc.mats {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"material_code":%s,"quantity":%s,"color_code":%s}`, str(m.code), str(m.qty), str(m.colour))
	}
	b.WriteString("]}")
	return b.String()
}

// formField is the editor's input for an API field name.
func formField(field string) string {
	switch field {
	case "discount_rate", "discount_amount":
		return "discount"
	}
	if m := regexp.MustCompile(`^(items|material_items)\[(\d+)\]\.(\w+)$`).FindStringSubmatch(field); m != nil {
		prefix := "item"
		if m[1] == "material_items" {
			prefix = "mat"
		}
		return prefix + "-" + m[2] + "-" + m[3]
	}
	return field
}

func TestQuoteBothDoors(t *testing.T) {
	a, _ := catalogApp(t)
	five := "5"
	sellerID := userID(t, a, "vendedor@aluminios.mx")
	if _, err := a.DB.UpdateUser(t.Context(), sellerID, db.UserUpdate{MaxDiscountPct: &five}, "test"); err != nil {
		t.Fatal(err)
	}
	seller := a.Login(t, "vendedor@aluminios.mx")
	token, _, err := a.DB.CreateAPIToken(t.Context(), sellerID, "erp", "test")
	if err != nil {
		t.Fatal(err)
	}
	badByte := "Sala \xff"
	cases := []doorCase{
		{name: "worked example", customer: "Ana", items: []doorItem{protoWindow}, wantTotal: "3926.67"},
		{name: "optional and material lines", customer: "Beto",
			items: []doorItem{protoWindow, {product: "PROTO-FIJ-3", width: "1000", height: "1000", qty: "2", colour: "BLA", optional: true}},
			mats:  []doorMat{{code: "VID-TEMP-6", qty: "2.5"}, {code: "PER-NAC3-JA", qty: "6", colour: "NEG"}}, wantTotal: ""},
		{name: "discount within the cap", customer: "Carla", rates: map[string]string{"discount_rate": "5"}, items: []doorItem{protoWindow}, wantTotal: ""},
		{name: "discount rate over the cap", customer: "Dora", rates: map[string]string{"discount_rate": "10"}, items: []doorItem{protoWindow},
			wantField: "discount_rate", wantMsg: "Tu descuento máximo es 5 %"},
		{name: "discount amount over the cap", customer: "Elsa", amount: "500", items: []doorItem{protoWindow},
			wantField: "discount_amount", wantMsg: "Tu descuento máximo es 5 %"},
		{name: "discount amount far over the subtotal", customer: "Elsa", amount: "5000", items: []doorItem{protoWindow},
			wantField: "discount_amount", wantMsg: "El descuento no puede ser mayor que el subtotal"},
		{name: "IVA outside the set", customer: "Fer", rates: map[string]string{"iva_rate": "50"}, items: []doorItem{protoWindow},
			wantField: "iva_rate", wantMsg: "El IVA debe ser 16 %, 8 %, 0 % o exento"},
		{name: "IVA exento", customer: "Gil", rates: map[string]string{"iva_rate": "exento"}, items: []doorItem{protoWindow}, wantTotal: "3385.06"},
		{name: "invalid UTF-8 in a line", customer: "Hugo", items: []doorItem{func() doorItem { w := protoWindow; w.location = badByte; return w }()},
			wantField: "items[0].location", wantMsg: "caracteres no permitidos"},
		{name: "control character in the customer", customer: "Iván\a", items: []doorItem{protoWindow},
			wantField: "customer_name", wantMsg: "caracteres no permitidos"},
		{name: "width out of the product's range", customer: "Juan", items: []doorItem{func() doorItem { w := protoWindow; w.width = "350"; return w }()},
			wantField: "items[0].width", wantMsg: "El ancho debe estar entre 800 y 3000 mm"},
		{name: "unknown product", customer: "Karla", items: []doorItem{{product: "NO-EXISTE", width: "1000", height: "1000", qty: "1"}},
			wantField: "items[0].product_code", wantMsg: "El producto «NO-EXISTE» no existe en el catálogo"},
		{name: "unknown colour", customer: "Luis", items: []doorItem{func() doorItem { w := protoWindow; w.colour = "ROSA"; return w }()},
			wantField: "items[0].color_code", wantMsg: "El color «ROSA» no existe en el catálogo"},
		{name: "unknown material", customer: "Mara", items: []doorItem{protoWindow}, mats: []doorMat{{code: "NADA", qty: "1"}},
			wantField: "material_items[0].material_code", wantMsg: "El material «NADA» no existe en el catálogo"},
		{name: "quantity zero", customer: "Nora", items: []doorItem{func() doorItem { w := protoWindow; w.qty = "0"; return w }()},
			wantField: "items[0].quantity", wantMsg: "entre 1 y 10000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := countRows(t, a, "customers")
			// The editor.
			resp, body := seller.PostForm(t, "/cotizaciones", tc.form())
			var formTotal string
			if tc.wantField == "" {
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("form: status %d, want 303\n%s", resp.StatusCode, body)
				}
				id, _ := strconv.ParseInt(strings.TrimPrefix(resp.Header.Get("Location"), "/cotizaciones/"), 10, 64)
				q, err := a.DB.FindQuoteByID(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				formTotal = q.Totals.Total.StringFixed(2)
			} else {
				if resp.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("form: status %d, want 422", resp.StatusCode)
				}
				if !strings.Contains(body, tc.wantMsg) {
					t.Errorf("form: page lacks %q", tc.wantMsg)
				}
				re := regexp.MustCompile(`name="` + regexp.QuoteMeta(formField(tc.wantField)) + `"[^>]*aria-invalid="true"`)
				if !re.MatchString(body) {
					t.Errorf("form: input %q is not marked invalid", formField(tc.wantField))
				}
				if got := countRows(t, a, "customers"); got != before {
					t.Errorf("form: customers %d → %d: a refused quote left a customer behind", before, got)
				}
			}
			// The API.
			resp, out := apiPost(t, a, token, "/api/v1/quotes", tc.jsonBody())
			if tc.wantField == "" {
				if resp.StatusCode != http.StatusCreated {
					t.Fatalf("api: status %d, want 201: %v", resp.StatusCode, out)
				}
				if out["total"] != formTotal {
					t.Errorf("api total %v, form total %s", out["total"], formTotal)
				}
				if tc.wantTotal != "" && formTotal != tc.wantTotal {
					t.Errorf("total %s, want %s", formTotal, tc.wantTotal)
				}
				return
			}
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("api: status %d, want 422: %v", resp.StatusCode, out)
			}
			fields, _ := out["error"].(map[string]any)["fields"].(map[string]any)
			got, _ := fields[tc.wantField].(string)
			if !strings.Contains(got, tc.wantMsg) {
				raw, _ := json.Marshal(fields)
				t.Errorf("api: fields[%s] = %q, want it to contain %q (all: %s)", tc.wantField, got, tc.wantMsg, raw)
			}
		})
	}
}

func countRows(t *testing.T, a *testutilApp, table string) int {
	t.Helper()
	var n int
	if err := a.DB.Reader.QueryRowContext(t.Context(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
