package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/db"
	"cotizador/pricing"
	"cotizador/validate"
)

// The quotes API (Bearer token): calculate without saving, create, read.
// Money travels as strings with two decimals, rates as fractions ("0.25").

type apiQuoteItem struct {
	ProductCode string      `json:"product_code"`
	WidthMM     json.Number `json:"width_mm"`
	HeightMM    json.Number `json:"height_mm"`
	Quantity    int         `json:"quantity"`
	ColorCode   string      `json:"color_code"`
	GlassCode   string      `json:"glass_code"`
	Location    string      `json:"location"`
	Optional    bool        `json:"optional"`
}

type apiMaterialItem struct {
	MaterialCode string `json:"material_code"`
	ColorCode    string `json:"color_code"`
	Quantity     string `json:"quantity"`
	Optional     bool   `json:"optional"`
}

type apiQuoteRequest struct {
	PricingMode    *string           `json:"pricing_mode"`
	ProfitRate     *string           `json:"profit_rate"`
	IndirectRate   *string           `json:"indirect_rate"`
	IVARate        *string           `json:"iva_rate"` // "0.16", "0.08", "0" or "exento"
	DepositRate    *string           `json:"deposit_rate"`
	LaborRateM2    *string           `json:"labor_rate_m2"`
	DiscountRate   *string           `json:"discount_rate"`
	DiscountAmount *string           `json:"discount_amount"`
	ValidUntil     string            `json:"valid_until"`
	Notes          string            `json:"notes"`
	Items          []apiQuoteItem    `json:"items"`
	MaterialItems  []apiMaterialItem `json:"material_items"`
	Customer       *struct {
		Name  string `json:"name"`
		RFC   string `json:"rfc"`
		Email string `json:"email"`
		Phone string `json:"phone"`
	} `json:"customer"`
}

func money(d decimal.Decimal) string { return d.StringFixed(2) }

// apiInvalid is the 422 answer with every field's Spanish message.
func apiInvalid(fields map[string]app.FieldError) error {
	e := app.Errorf(app.EINVALID, "validation.form_invalid")
	e.Fields = fields
	return e
}

// parseAPIQuote turns the request into a pricing input, filling omitted
// rates with the company's defaults.
func (s *server) parseAPIQuote(c *fiber.Ctx, st quoteSettings) (*apiQuoteRequest, pricing.QuoteInput, error) {
	var req apiQuoteRequest
	in := pricing.QuoteInput{Mode: st.Mode, Rates: st.Rates, LabourRateM2: st.LabourRateM2, Cut: st.Cut}
	dec := json.NewDecoder(bytesReader(c.Body()))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return nil, in, apiInvalid(map[string]app.FieldError{"body": {Message: "api.bad_json"}})
	}
	fields := map[string]app.FieldError{}
	rate := func(field string, v *string, dst *decimal.Decimal, max decimal.Decimal) {
		if v == nil {
			return
		}
		d, err := decimal.NewFromString(*v)
		if err != nil || d.IsNegative() || d.GreaterThan(max) {
			fields[field] = app.FieldError{Message: "api.bad_rate", Args: map[string]any{"Value": *v}}
			return
		}
		*dst = d
	}
	if req.PricingMode != nil {
		if !validChoice(*req.PricingMode, pricingModes) {
			fields["pricing_mode"] = app.FieldError{Message: "quote.mode_unknown", Args: map[string]any{"Value": *req.PricingMode}}
		}
		in.Mode = pricing.Mode(*req.PricingMode)
	}
	rate("profit_rate", req.ProfitRate, &in.Rates.Profit, decimal.NewFromInt(10))
	rate("indirect_rate", req.IndirectRate, &in.Rates.Indirect, decimal.NewFromInt(10))
	rate("deposit_rate", req.DepositRate, &in.Rates.Deposit, one)
	if req.IVARate != nil {
		if *req.IVARate == "exento" {
			in.Rates.IVA, in.Rates.IVAExempt = zero, true
		} else {
			in.Rates.IVAExempt = false
			rate("iva_rate", req.IVARate, &in.Rates.IVA, one)
		}
	}
	if req.LaborRateM2 != nil {
		var l decimal.Decimal
		rate("labor_rate_m2", req.LaborRateM2, &l, maxMoney)
		in.LabourRateM2 = &l
	}
	rate("discount_rate", req.DiscountRate, &in.Discount.Rate, one)
	rate("discount_amount", req.DiscountAmount, &in.Discount.Amount, maxMoney)
	if u := currentUser(c); u != nil && u.Role == "sales" && !in.Discount.Rate.IsZero() {
		if limit, _ := decimal.NewFromString(u.MaxDiscountPct); in.Discount.Rate.Mul(hundred).GreaterThan(limit) {
			fields["discount_rate"] = app.FieldError{Message: "quote.discount_cap", Args: map[string]any{"Max": limit.String()}}
		}
	}
	if len(req.Items)+len(req.MaterialItems) == 0 {
		fields["items"] = app.FieldError{Message: "quote.no_lines"}
	}
	if len(req.Items) > maxLines || len(req.MaterialItems) > maxLines {
		fields["items"] = app.FieldError{Message: "api.too_many_lines", Args: map[string]any{"Max": maxLines}}
	}
	for i, it := range req.Items {
		w, errW := decimal.NewFromString(it.WidthMM.String())
		h, errH := decimal.NewFromString(it.HeightMM.String())
		if errW != nil {
			fields[fmt.Sprintf("items[%d].width_mm", i)] = app.FieldError{Message: "number.invalid", Args: map[string]any{"Value": it.WidthMM.String()}}
		}
		if errH != nil {
			fields[fmt.Sprintf("items[%d].height_mm", i)] = app.FieldError{Message: "number.invalid", Args: map[string]any{"Value": it.HeightMM.String()}}
		}
		in.Items = append(in.Items, pricing.ItemInput{ProductCode: it.ProductCode, ColourCode: it.ColorCode, GlassCode: it.GlassCode,
			WidthMM: w, HeightMM: h, Quantity: it.Quantity, Optional: it.Optional})
	}
	for i, m := range req.MaterialItems {
		q, err := decimal.NewFromString(m.Quantity)
		if err != nil {
			fields[fmt.Sprintf("material_items[%d].quantity", i)] = app.FieldError{Message: "number.invalid", Args: map[string]any{"Value": m.Quantity}}
		}
		in.Materials = append(in.Materials, pricing.MaterialLineInput{MaterialCode: m.MaterialCode, ColourCode: m.ColorCode, Quantity: q, Optional: m.Optional})
	}
	if len(fields) > 0 {
		return &req, in, apiInvalid(fields)
	}
	return &req, in, nil
}

// priceAPI prices an API request; pricing's field errors become a 422.
func (s *server) priceAPI(c *fiber.Ctx) (*apiQuoteRequest, *pricing.QuoteResult, *db.PricingCatalog, quoteSettings, error) {
	st, err := s.quoteSettings(c.UserContext())
	if err != nil {
		return nil, nil, nil, st, err
	}
	req, in, err := s.parseAPIQuote(c, st)
	if err != nil {
		return nil, nil, nil, st, err
	}
	cat, err := s.DB.PricingCatalog(c.UserContext())
	if err != nil {
		return nil, nil, nil, st, err
	}
	res, err := pricing.PriceQuote(cat, in)
	if err != nil {
		var fe pricing.FieldErrors
		if errors.As(err, &fe) {
			fields := map[string]app.FieldError{}
			for _, e := range fe {
				name := e.Field
				if idx, field, kind := itemField(e.Field); kind == "materials" {
					name = fmt.Sprintf("material_items[%d].%s", idx, apiFieldName(field))
				} else if kind == "items" {
					name = fmt.Sprintf("items[%d].%s", idx, apiFieldName(field))
				}
				if _, dup := fields[name]; !dup {
					fields[name] = app.FieldError{Message: e.Key, Args: e.Args}
				}
			}
			return nil, nil, nil, st, apiInvalid(fields)
		}
		return nil, nil, nil, st, err
	}
	return req, res, cat, st, nil
}

func apiFieldName(editorField string) string {
	switch editorField {
	case "width":
		return "width_mm"
	case "height":
		return "height_mm"
	case "qty":
		return "quantity"
	case "product":
		return "product_code"
	case "colour":
		return "color_code"
	case "glass":
		return "glass_code"
	case "code":
		return "material_code"
	}
	return editorField
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
	_, res, _, _, err := s.priceAPI(c)
	if err != nil {
		return err
	}
	return c.JSON(apiQuoteResult(res))
}

func (s *server) apiQuoteCreate(c *fiber.Ctx) error {
	req, res, cat, st, err := s.priceAPI(c)
	if err != nil {
		return err
	}
	if req.Customer == nil {
		return apiInvalid(map[string]app.FieldError{"customer.name": {Message: "validation.required"}})
	}
	errs := validate.Errors{}
	cu := &db.Customer{
		Name:  validate.Text(errs, "customer.name", req.Customer.Name, true, 200),
		RFC:   validate.RFC(errs, "customer.rfc", req.Customer.RFC, false),
		Email: validate.Email(errs, "customer.email", req.Customer.Email, false),
		Phone: validate.Phone(errs, "customer.phone", req.Customer.Phone, false),
	}
	validUntil := req.ValidUntil
	if validUntil == "" {
		validUntil = addDays(s.today(), st.ValidityDays)
	} else if _, err := parseDay(validUntil); err != nil {
		errs.Add("valid_until", "quote.validity_date", nil)
	}
	notes := validate.Multiline(errs, "notes", req.Notes, false, 4000)
	if len(errs) > 0 {
		return apiInvalid(errs)
	}
	ctx := c.UserContext()
	if err := s.DB.CreateCustomer(ctx, cu, actor(c)); err != nil {
		return err
	}
	q := pricedQuote(res, cat, cu, currentUser(c).ID, st, s.Clock.Now(), func(i int) (string, string) { return req.Items[i].Location, "" })
	q.ValidUntil, q.Notes = validUntil, notes
	if err := s.DB.CreateQuote(ctx, q, st.Prefix, actor(c)); err != nil {
		return err
	}
	out := apiQuoteResult(res)
	out["folio"], out["status"], out["valid_until"] = q.DisplayFolio(), q.Status, q.ValidUntil
	c.Location("/api/v1/quotes/" + q.DisplayFolio())
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *server) apiQuoteGet(c *fiber.Ctx) error {
	ctx := c.UserContext()
	st, err := s.quoteSettings(ctx)
	if err != nil {
		return err
	}
	q, err := s.DB.FindQuoteByFolio(ctx, c.Params("folio"))
	if err != nil {
		return err
	}
	if !s.mayReadQuote(c, q, st) {
		return app.Errorf(app.ENOTFOUND, "quote.not_found")
	}
	items, mats := []fiber.Map{}, []fiber.Map{}
	for _, it := range q.Items {
		if it.Kind == "material" {
			mats = append(mats, fiber.Map{"material_code": it.MaterialCode, "quantity": it.Quantity.String(), "amount": money(it.Amount), "optional": it.Optional})
			continue
		}
		items = append(items, fiber.Map{"product_code": it.ProductCode, "width_mm": it.WidthMM.String(), "height_mm": it.HeightMM.String(),
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
