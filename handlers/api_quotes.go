package handlers

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/pricing"
	"cotizador/quoting"
)

// The quotes API (Bearer token): calculate without saving, create, read.
// Money travels as strings with two decimals, rates as fractions ("0.25").
// The body is parsed into the quoting core's Input with the core's field
// names; validation, caps and pricing are the core's, as for the editor.

// flexString is a JSON value given as a string or a number, kept as typed.
// A string with invalid UTF-8 or an escaped lone surrogate, which
// encoding/json would silently turn into U+FFFD, is kept as an invalid byte
// instead, so the core's text validators refuse it on its own field exactly
// as they refuse the same bytes typed into a form.
type flexString struct {
	set bool
	v   string
}

func (f *flexString) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		return nil
	case "true": // a yes/no field such as customer_new
		f.set, f.v = true, "1"
		return nil
	case "false":
		f.set, f.v = true, ""
		return nil
	}
	var s string
	if len(b) > 0 && b[0] == '"' {
		if !quoting.ValidBytes(b) {
			f.set, f.v = true, "\xff"
			return nil
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		s = n.String()
	}
	f.set, f.v = true, s
	return nil
}

type apiQuoteItem struct {
	ProductCode flexString `json:"product_code"`
	Width       flexString `json:"width"`
	Height      flexString `json:"height"`
	Quantity    flexString `json:"quantity"`
	ColorCode   flexString `json:"color_code"`
	GlassCode   flexString `json:"glass_code"`
	Location    flexString `json:"location"`
	Notes       flexString `json:"notes"`
	Optional    bool       `json:"optional"`
}

type apiMaterialItem struct {
	MaterialCode flexString `json:"material_code"`
	ColorCode    flexString `json:"color_code"`
	Quantity     flexString `json:"quantity"`
	Optional     bool       `json:"optional"`
}

type apiQuoteRequest struct {
	CustomerID     flexString        `json:"customer_id"`
	CustomerNew    flexString        `json:"customer_new"`
	Unit           flexString        `json:"unit"`
	PricingMode    flexString        `json:"pricing_mode"`
	ProfitRate     flexString        `json:"profit_rate"`
	IndirectRate   flexString        `json:"indirect_rate"`
	IVARate        flexString        `json:"iva_rate"` // "0.16", "0.08", "0" or "exento"
	DepositRate    flexString        `json:"deposit_rate"`
	LaborRateM2    flexString        `json:"labor_rate_m2"`
	DiscountRate   flexString        `json:"discount_rate"`
	DiscountAmount flexString        `json:"discount_amount"`
	PriceDisplay   flexString        `json:"price_display"`
	ValidUntil     flexString        `json:"valid_until"`
	Notes          flexString        `json:"notes"`
	Conditions     flexString        `json:"conditions"`
	Items          []apiQuoteItem    `json:"items"`
	MaterialItems  []apiMaterialItem `json:"material_items"`
	Customer       *struct {
		Name    flexString `json:"name"`
		RFC     flexString `json:"rfc"`
		Email   flexString `json:"email"`
		Phone   flexString `json:"phone"`
		Address flexString `json:"address"`
	} `json:"customer"`
}

func money(d decimal.Decimal) string { return d.StringFixed(2) }

// apiInvalid is the 422 answer with every field's Spanish message.
func apiInvalid(fields map[string]app.FieldError) error {
	e := app.Errorf(app.EINVALID, "validation.form_invalid")
	e.Fields = fields
	return e
}

// parseAPIQuote reads the JSON body into the core's input, every value as
// typed (see flexString for bad text).
func parseAPIQuote(body []byte) (*quoting.Input, error) {
	var req apiQuoteRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		return nil, apiInvalid(map[string]app.FieldError{quoting.FieldBody: {Message: "api.bad_json"}})
	}
	if len(req.Items) > quoting.MaxLines || len(req.MaterialItems) > quoting.MaxLines {
		return nil, apiInvalid(map[string]app.FieldError{quoting.FieldItems: {Message: "api.too_many_lines", Args: map[string]any{"Max": quoting.MaxLines}}})
	}
	in := &quoting.Input{Fields: map[string]string{}}
	for name, f := range map[string]flexString{quoting.FieldCustomerID: req.CustomerID, quoting.FieldCustomerNew: req.CustomerNew, quoting.FieldUnit: req.Unit,
		quoting.FieldMode: req.PricingMode, quoting.FieldProfitRate: req.ProfitRate, quoting.FieldIndirectRate: req.IndirectRate,
		quoting.FieldIVARate: req.IVARate, quoting.FieldDepositRate: req.DepositRate, quoting.FieldLabourRate: req.LaborRateM2,
		quoting.FieldDiscountRate: req.DiscountRate, quoting.FieldDiscountAmount: req.DiscountAmount, quoting.FieldPriceDisplay: req.PriceDisplay,
		quoting.FieldValidUntil: req.ValidUntil, quoting.FieldNotes: req.Notes, quoting.FieldConditions: req.Conditions} {
		if f.set {
			in.Fields[name] = f.v
		}
	}
	if cu := req.Customer; cu != nil {
		in.Fields[quoting.FieldCustomerName], in.Fields[quoting.FieldCustomerRFC] = cu.Name.v, cu.RFC.v
		in.Fields[quoting.FieldCustomerEmail], in.Fields[quoting.FieldCustomerPhone] = cu.Email.v, cu.Phone.v
		in.Fields[quoting.FieldCustomerAddress] = cu.Address.v
	}
	for i, it := range req.Items {
		in.Items = append(in.Items, quoting.ItemInput{N: i, ProductCode: it.ProductCode.v, Width: it.Width.v, Height: it.Height.v,
			Quantity: it.Quantity.v, ColorCode: it.ColorCode.v, GlassCode: it.GlassCode.v, Location: it.Location.v, Notes: it.Notes.v, Optional: it.Optional})
	}
	for i, m := range req.MaterialItems {
		in.Materials = append(in.Materials, quoting.MaterialInput{N: i, MaterialCode: m.MaterialCode.v, Quantity: m.Quantity.v,
			ColorCode: m.ColorCode.v, Optional: m.Optional})
	}
	return in, nil
}

// priceAPI prices the request through the core; any problem is a 422 with
// every field.
func (s *server) priceAPI(c *fiber.Ctx) (*quoting.Draft, error) {
	in, err := parseAPIQuote(c.Body())
	if err != nil {
		return nil, err
	}
	d, err := s.quotes().Price(c.UserContext(), in, currentUser(c))
	if err != nil {
		return nil, err
	}
	return d, d.Err()
}

func apiTotals(t pricing.Totals) fiber.Map {
	return fiber.Map{"materials": money(t.Materials), "labor": money(t.Labour), "cost": money(t.Cost), "utilidad": money(t.Profit),
		"indirectos": money(t.Indirect), "subtotal": money(t.Subtotal), "descuento": money(t.Discount), "iva": money(t.IVA),
		"total": money(t.Total), "anticipo": money(t.Deposit), "saldo": money(t.Balance)}
}

func apiQuoteResult(res *pricing.QuoteResult) fiber.Map {
	items := make([]fiber.Map, len(res.Items))
	for i, it := range res.Items {
		items[i] = fiber.Map{"product_code": it.ProductCode, "profiles": money(it.Buckets.Profiles), "glass": money(it.Buckets.Glass),
			"hardware": money(it.Buckets.Hardware), "consumables": money(it.Buckets.Consumables), "labor": money(it.Buckets.Labour),
			"subtotal": money(it.Cost), "unit_price": money(it.UnitPrice), "amount": money(it.Amount), "quantity": it.Quantity, "optional": it.Optional}
	}
	mats := make([]fiber.Map, len(res.Materials))
	for i, m := range res.Materials {
		mats[i] = fiber.Map{"material_code": m.MaterialCode, "quantity": m.Quantity.String(), "amount": money(m.Amount), "optional": m.Optional}
	}
	out := apiTotals(res.Totals)
	out["items"], out["material_items"], out["pricing_mode"] = items, mats, string(res.Mode)
	return out
}

func (s *server) apiQuoteCalculate(c *fiber.Ctx) error {
	d, err := s.priceAPI(c)
	if err != nil {
		return err
	}
	return c.JSON(apiQuoteResult(d.Result))
}

func (s *server) apiQuoteCreate(c *fiber.Ctx) error {
	d, err := s.priceAPI(c)
	if err != nil {
		return err
	}
	q, err := s.quotes().Save(c.UserContext(), d, currentUser(c), nil, actor(c))
	if err != nil {
		return err
	}
	out := apiQuoteResult(d.Result)
	out["folio"], out["status"], out["valid_until"] = q.DisplayFolio(), q.Status, q.ValidUntil
	c.Location("/api/v1/quotes/" + q.DisplayFolio())
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *server) apiQuoteGet(c *fiber.Ctx) error {
	q, _, err := s.quotes().FindByFolio(c.UserContext(), c.Params("folio"), currentUser(c))
	if err != nil {
		return err
	}
	items, mats := []fiber.Map{}, []fiber.Map{}
	for _, it := range q.Items {
		if it.Kind == "material" {
			mats = append(mats, fiber.Map{"material_code": it.MaterialCode, "quantity": it.Quantity.String(), "amount": money(it.Amount), "optional": it.Optional})
			continue
		}
		items = append(items, fiber.Map{"product_code": it.ProductCode, "width_mm": it.WidthMM.String(), "height_mm": it.HeightMM.String(), "notes": it.Notes,
			"quantity": it.Quantity.IntPart(), "color_code": it.ColourCode, "glass_code": it.GlassCode, "location": it.Location, "optional": it.Optional,
			"profiles": money(it.Buckets.Profiles), "glass": money(it.Buckets.Glass), "hardware": money(it.Buckets.Hardware),
			"consumables": money(it.Buckets.Consumables), "labor": money(it.Buckets.Labour), "subtotal": money(it.Cost),
			"unit_price": money(it.UnitPrice), "amount": money(it.Amount)})
	}
	out := apiTotals(q.Totals)
	out["folio"], out["revision"], out["status"], out["valid_until"] = q.DisplayFolio(), q.Revision, q.EffectiveStatus(s.today()), q.ValidUntil
	out["pricing_mode"], out["items"], out["material_items"] = string(q.Mode), items, mats
	out["customer"] = fiber.Map{"name": q.Customer.Name, "rfc": q.Customer.RFC, "email": q.Customer.Email, "phone": q.Customer.Phone}
	out["rates"] = fiber.Map{"profit_rate": q.Rates.Profit.String(), "indirect_rate": q.Rates.Indirect.String(), "iva_rate": q.Rates.IVA.String(),
		"iva_exempt": q.Rates.IVAExempt, "deposit_rate": q.Rates.Deposit.String()}
	out["created_at"] = q.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")
	out["salesperson"] = q.SalespersonName
	out["id"] = strconv.FormatInt(q.ID, 10)
	return c.JSON(out)
}
