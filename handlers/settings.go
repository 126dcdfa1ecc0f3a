package handlers

import (
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"cotizador/db"
	"cotizador/pricing"
	"cotizador/validate"
)

// pricingModes (products.go) are the choices of the default pricing mode.
var (
	// ivaChoices are the IVA options of a quote: 16 %, 8 % (border region),
	// 0 % and exento (no IVA at all; a CFDI tells it apart from 0 %).
	ivaChoices   = []string{"16", "8", "0", "exento"}
	folioPattern = regexp.MustCompile(`^[A-Z0-9]{1,10}$`)

	percentScale = decimal.NewFromInt(100)
	maxRatePct   = decimal.NewFromInt(500)
	maxLabourM2  = decimal.NewFromInt(100_000)
	maxWaste     = decimal.NewFromInt(3)
	minWasteRate = decimal.NewFromInt(1)
)

// percentField reads a rate typed as a percentage ("25", "12.5", "16 %")
// and returns it as a fraction (0.25): forms speak percent, the database
// and pricing speak fractions.
func percentField(f *form, field string, max decimal.Decimal) decimal.Decimal {
	raw := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f.Get(field)), "%"))
	// decimalField reads from a form; give it the value without the sign
	// but record errors in the real form.
	pct := decimalField(&form{Values: map[string]string{field: raw}, Errors: f.Errors}, field, true, zero, max)
	return pct.Div(percentScale)
}

// percentText shows a fraction as the percentage typed in the form.
func percentText(d decimal.Decimal) string { return d.Mul(percentScale).String() }

// settingsForm reads and validates the settings form into s, which holds
// the current settings (the logo is not part of the form).
func settingsForm(c *fiber.Ctx, s *db.CompanySettings) *form {
	f := newForm(c, "name", "rfc", "address", "phone", "email", "profit_pct", "indirect_pct", "iva", "deposit_pct", "labor_rate_m2",
		"pricing_mode", "waste_factor", "validity_days", "folio_prefix", "conditions", "bank_details", "kerf_mm", "trim_mm",
		"min_offcut_mm", "sales_see_all", planField(3), planField(6), planField(9), planField(12))
	e := f.Errors
	s.Name = validate.Text(e, "name", f.Get("name"), true, 200)
	s.RFC = validate.RFC(e, "rfc", f.Get("rfc"), false)
	s.Address = validate.Multiline(e, "address", f.Get("address"), false, 500)
	s.Phone = validate.Phone(e, "phone", f.Get("phone"), false)
	s.Email = validate.Email(e, "email", f.Get("email"), false)

	s.Rates.Profit = percentField(f, "profit_pct", maxRatePct)
	s.Rates.Indirect = percentField(f, "indirect_pct", maxRatePct)
	switch iva := validate.Choice(e, "iva", f.Get("iva"), true, ivaChoices...); iva {
	case "exento":
		s.Rates.IVA, s.Rates.IVAExempt = zero, true
	case "":
	default:
		s.Rates.IVA, s.Rates.IVAExempt = decimal.RequireFromString(iva).Div(percentScale), false
	}
	s.Rates.Deposit = percentField(f, "deposit_pct", percentScale)
	s.LabourRateM2 = nil
	if strings.TrimSpace(f.Get("labor_rate_m2")) != "" {
		l := decimalField(f, "labor_rate_m2", false, zero, maxLabourM2)
		s.LabourRateM2 = &l
	}
	s.PricingMode = pricing.Mode(validate.Choice(e, "pricing_mode", f.Get("pricing_mode"), true, pricingModes...))
	s.Rates.ProfileWaste = decimalField(f, "waste_factor", true, minWasteRate, maxWaste)

	s.ValidityDays = validate.Int(e, "validity_days", f.Get("validity_days"), true, 1, 365)
	s.FolioPrefix = strings.ToUpper(validate.Text(e, "folio_prefix", f.Get("folio_prefix"), true, 10))
	if s.FolioPrefix != "" && !e.Has("folio_prefix") && !folioPattern.MatchString(s.FolioPrefix) {
		e.Add("folio_prefix", "settings.folio_prefix_invalid", nil)
	}
	s.Conditions = validate.Multiline(e, "conditions", f.Get("conditions"), false, 4000)
	s.BankDetails = validate.Multiline(e, "bank_details", f.Get("bank_details"), false, 1000)

	s.Cut.KerfMM = validate.Int(e, "kerf_mm", f.Get("kerf_mm"), true, 0, 20)
	s.Cut.TrimMM = validate.Int(e, "trim_mm", f.Get("trim_mm"), true, 0, 200)
	s.Cut.MinOffcutMM = validate.Int(e, "min_offcut_mm", f.Get("min_offcut_mm"), true, 0, 6000)
	s.SalesSeeAllQuotes = f.Get("sales_see_all") != ""
	// Meses sin intereses: a surcharge typed as a percentage offers the
	// plan (0 without surcharge); an empty field does not.
	s.PaymentPlans = nil
	for _, m := range pricing.PaymentPlanMonths {
		if strings.TrimSpace(f.Get(planField(m))) == "" {
			continue
		}
		pct := percentField(f, planField(m), percentScale)
		s.PaymentPlans = append(s.PaymentPlans, pricing.PaymentPlan{Months: m, Surcharge: pct})
	}
	return f
}

// settingsFormValues fills the form from stored settings.
func settingsFormValues(s *db.CompanySettings) *form {
	iva := percentText(s.Rates.IVA)
	if s.Rates.IVAExempt {
		iva = "exento"
	}
	v := map[string]string{
		"name": s.Name, "rfc": s.RFC, "address": s.Address, "phone": validate.FormatPhone(s.Phone), "email": s.Email,
		"profit_pct": percentText(s.Rates.Profit), "indirect_pct": percentText(s.Rates.Indirect), "iva": iva,
		"deposit_pct": percentText(s.Rates.Deposit), "pricing_mode": string(s.PricingMode), "waste_factor": s.Rates.ProfileWaste.StringFixed(2),
		"validity_days": strconv.Itoa(s.ValidityDays), "folio_prefix": s.FolioPrefix, "conditions": s.Conditions,
		"bank_details": s.BankDetails, "kerf_mm": strconv.Itoa(s.Cut.KerfMM), "trim_mm": strconv.Itoa(s.Cut.TrimMM),
		"min_offcut_mm": strconv.Itoa(s.Cut.MinOffcutMM),
	}
	if s.LabourRateM2 != nil {
		v["labor_rate_m2"] = s.LabourRateM2.StringFixed(2)
	}
	for _, p := range s.PaymentPlans {
		v[planField(p.Months)] = percentText(p.Surcharge)
	}
	if s.SalesSeeAllQuotes {
		v["sales_see_all"] = "1"
	}
	return &form{Values: v, Errors: validate.Errors{}}
}

// planField is the settings form's field of the surcharge of the plan of
// months meses sin intereses.
func planField(months int) string { return "msi_" + strconv.Itoa(months) + "_pct" }

// logoURL is where the current logo is served; the etag in it changes with
// the logo, so browsers may cache each URL for good.
func logoURL(etag string) string {
	if etag == "" {
		return ""
	}
	return "/empresa/logo?v=" + etag
}

func (s *server) renderSettings(c *fiber.Ctx, status int, st *db.CompanySettings, f *form, logoError string) error {
	return s.renderPage(c, status, "settings", "settings.title", fiber.Map{
		"Form": f, "LogoURL": logoURL(st.LogoETag), "LogoError": logoError, "Modes": pricingModes, "IVAChoices": ivaChoices,
		"MaxLogoMB": maxLogoBytes >> 20, "LogoW": maxLogoW, "LogoH": maxLogoH, "PlanMonths": pricing.PaymentPlanMonths,
	})
}

func (s *server) settingsPage(c *fiber.Ctx) error {
	st, err := s.DB.CompanySettings(c.UserContext())
	if err != nil {
		return err
	}
	return s.renderSettings(c, fiber.StatusOK, st, settingsFormValues(st), "")
}

func (s *server) settingsUpdate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	st, err := s.DB.CompanySettings(ctx)
	if err != nil {
		return err
	}
	f := settingsForm(c, st)
	if len(f.Errors) > 0 {
		return s.renderSettings(c, fiber.StatusUnprocessableEntity, st, f, "")
	}
	if err := s.DB.UpdateCompanySettings(ctx, st, actor(c)); err != nil {
		return err
	}
	s.setFlash(c, "success", "settings.saved")
	return redirect(c, "/configuracion")
}

// settingsLogo receives a logo upload (multipart field "logo").
func (s *server) settingsLogo(c *fiber.Ctx) error {
	ctx := c.UserContext()
	problem := msgLogoMissing
	if fh, err := c.FormFile("logo"); err == nil && fh.Size > 0 {
		problem = msgLogoTooBig
		if fh.Size <= maxLogoBytes {
			file, err := fh.Open()
			if err != nil {
				return err
			}
			data, err := io.ReadAll(io.LimitReader(file, maxLogoBytes+1))
			file.Close()
			if err != nil {
				return err
			}
			var png []byte
			if png, problem = processLogo(data); problem == "" {
				if _, err := s.DB.SetCompanyLogo(ctx, png, actor(c)); err != nil {
					return err
				}
				s.setFlash(c, "success", "settings.logo_saved")
				return redirect(c, "/configuracion#logo")
			}
		}
	}
	st, err := s.DB.CompanySettings(ctx)
	if err != nil {
		return err
	}
	return s.renderSettings(c, fiber.StatusUnprocessableEntity, st, settingsFormValues(st), problem)
}

func (s *server) settingsLogoDelete(c *fiber.Ctx) error {
	if _, err := s.DB.SetCompanyLogo(c.UserContext(), nil, actor(c)); err != nil {
		return err
	}
	s.setFlash(c, "success", "settings.logo_removed")
	return redirect(c, "/configuracion#logo")
}

// companyLogo serves the logo. It is public: quotes shared with customers
// (who never sign in) show it. With the current etag in the URL it may be
// cached for a year; any other URL revalidates.
func (s *server) companyLogo(c *fiber.Ctx) error {
	png, etag, err := s.DB.CompanyLogo(c.UserContext())
	if err != nil {
		return err
	}
	tag := `"` + etag + `"`
	c.Set(fiber.HeaderETag, tag)
	if c.Query("v") == etag {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	if c.Get(fiber.HeaderIfNoneMatch) == tag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, "image/png")
	return c.Send(png)
}
