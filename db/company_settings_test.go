package db_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/db"
	"cotizador/pricing"
)

// settingsText renders settings with decimals as text, so "0.5" and "0.50"
// compare equal and a mismatch prints readably.
func settingsText(s *db.CompanySettings) map[string]any {
	labour := "none"
	if s.LabourRateM2 != nil {
		labour = s.LabourRateM2.String()
	}
	d := func(x decimal.Decimal) string { return x.String() }
	return map[string]any{
		"name": s.Name, "rfc": s.RFC, "address": s.Address, "phone": s.Phone, "email": s.Email, "logo": s.LogoETag,
		"profit": d(s.Rates.Profit), "indirect": d(s.Rates.Indirect), "iva": d(s.Rates.IVA), "exempt": s.Rates.IVAExempt,
		"deposit": d(s.Rates.Deposit), "waste": d(s.Rates.ProfileWaste), "labour": labour, "mode": s.PricingMode,
		"validity": s.ValidityDays, "prefix": s.FolioPrefix, "conditions": s.Conditions, "bank": s.BankDetails,
		"cut": s.Cut, "sales_all": s.SalesSeeAllQuotes,
	}
}

func setupCompany(t *testing.T, d *db.DB) {
	t.Helper()
	owner := &db.User{Email: "duena@aluminios.mx", Name: "Rosa", PasswordHash: "x"}
	if err := d.Setup(t.Context(), "Aluminios del Norte", owner, app.CLIActor); err != nil {
		t.Fatal(err)
	}
}

func TestCompanySettingsDefaults(t *testing.T) {
	d := customersDB(t)
	got, err := d.CompanySettings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := db.DefaultCompanySettings()
	if !reflect.DeepEqual(settingsText(got), settingsText(want)) {
		t.Errorf("before setup:\n got %v\nwant %v", settingsText(got), settingsText(want))
	}
	for name, v := range map[string]string{"profit": "0.25", "indirect": "0.15", "iva": "0.16", "deposit": "0.5", "waste": "1.1"} {
		if got := settingsText(want)[name]; got != v {
			t.Errorf("default %s = %v, want %s", name, got, v)
		}
	}
	if want.ValidityDays != 15 || want.FolioPrefix != "COT" || want.PricingMode != pricing.ModeByMetre ||
		want.Cut != (pricing.CutSettings{KerfMM: 4, TrimMM: 10, MinOffcutMM: 500}) {
		t.Errorf("defaults = %+v", want)
	}

	// The migration's column defaults and DefaultCompanySettings are two
	// copies of the same values: a company created by setup must read
	// exactly as the defaults.
	setupCompany(t, d)
	got, err = d.CompanySettings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want.Name = "Aluminios del Norte"
	if !reflect.DeepEqual(settingsText(got), settingsText(want)) {
		t.Errorf("after setup:\n got %v\nwant %v", settingsText(got), settingsText(want))
	}
}

func TestUpdateCompanySettings(t *testing.T) {
	d := customersDB(t)
	setupCompany(t, d)
	labour := decimal.RequireFromString("85.50")
	s := &db.CompanySettings{
		Name: "Aluminios del Norte", RFC: "ADN010203AB1", Address: "Av. Juárez 100, Centro, Monterrey, N.L.", Phone: "8112345678",
		Email: "ventas@aluminiosdelnorte.mx",
		Rates: pricing.Rates{Profit: decimal.RequireFromString("0.3"), Indirect: decimal.RequireFromString("0.125"),
			IVA: decimal.RequireFromString("0.08"), Deposit: decimal.RequireFromString("0.6"), ProfileWaste: decimal.RequireFromString("1.15")},
		LabourRateM2: &labour, PricingMode: pricing.ModeOptimised, ValidityDays: 30, FolioPrefix: "ADN",
		Conditions: "Vigencia: 30 días.\nAnticipo 60 %.", BankDetails: "BBVA\nCLABE 012580001234567890",
		Cut: pricing.CutSettings{KerfMM: 3, TrimMM: 5, MinOffcutMM: 400}, SalesSeeAllQuotes: true,
	}
	if err := d.UpdateCompanySettings(t.Context(), s, app.UserActor(1)); err != nil {
		t.Fatal(err)
	}
	got, err := d.CompanySettings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(settingsText(got), settingsText(s)) {
		t.Errorf("round trip:\n got %v\nwant %v", settingsText(got), settingsText(s))
	}
	var updatedBy, waste string
	d.Reader.QueryRow(`SELECT updated_by, default_waste_factor FROM company`).Scan(&updatedBy, &waste)
	if updatedBy != "user:1" || waste != "1.15" {
		t.Errorf("updated_by, default_waste_factor = %q, %q", updatedBy, waste)
	}
	if w := got.Rates.ProfileWaste.String(); w != "1.15" {
		t.Errorf("profile waste read back = %s, want the settings' 1.15", w)
	}

	t.Run("exento and no labour override", func(t *testing.T) {
		s.Rates.IVA, s.Rates.IVAExempt, s.LabourRateM2 = decimal.Zero, true, nil
		if err := d.UpdateCompanySettings(t.Context(), s, app.UserActor(1)); err != nil {
			t.Fatal(err)
		}
		got, _ := d.CompanySettings(t.Context())
		if !got.Rates.IVAExempt || got.LabourRateM2 != nil || !got.Rates.IVA.IsZero() {
			t.Errorf("got IVA %s exempt %v labour %v", got.Rates.IVA, got.Rates.IVAExempt, got.LabourRateM2)
		}
	})

	t.Run("the database refuses impossible values", func(t *testing.T) {
		for name, mutate := range map[string]func(*db.CompanySettings){
			"IVA 50 %":     func(s *db.CompanySettings) { s.Rates.IVA = decimal.RequireFromString("0.5") },
			"unknown mode": func(s *db.CompanySettings) { s.PricingMode = "gratis" },
			"0 days":       func(s *db.CompanySettings) { s.ValidityDays = 0 },
			"long prefix":  func(s *db.CompanySettings) { s.FolioPrefix = "COTIZACIONES" },
			"kerf 50 mm":   func(s *db.CompanySettings) { s.Cut.KerfMM = 50 },
		} {
			bad := *s
			mutate(&bad)
			if err := d.UpdateCompanySettings(t.Context(), &bad, app.UserActor(1)); err == nil {
				t.Errorf("%s: stored", name)
			}
		}
	})
}

func TestCompanyLogo(t *testing.T) {
	d := customersDB(t)
	if _, err := d.SetCompanyLogo(t.Context(), []byte("png"), app.UserActor(1)); app.ErrorCode(err) != app.ECONFLICT {
		t.Errorf("logo before setup: %v, want ECONFLICT", err)
	}
	setupCompany(t, d)
	if _, _, err := d.CompanyLogo(t.Context()); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("no logo yet: %v, want ENOTFOUND", err)
	}
	png := []byte("\x89PNG\r\n\x1a\nnot really, the store does not decode")
	etag, err := d.SetCompanyLogo(t.Context(), png, app.UserActor(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(etag) != 16 {
		t.Errorf("etag %q, want 16 hex digits", etag)
	}
	got, gotTag, err := d.CompanyLogo(t.Context())
	if err != nil || !bytes.Equal(got, png) || gotTag != etag {
		t.Fatalf("CompanyLogo = %q, %q, %v", got, gotTag, err)
	}
	s, _ := d.CompanySettings(t.Context())
	if s.LogoETag != etag {
		t.Errorf("settings LogoETag = %q, want %q", s.LogoETag, etag)
	}
	// Saving the settings leaves the logo alone.
	s.LogoETag = ""
	if err := d.UpdateCompanySettings(t.Context(), s, app.UserActor(1)); err != nil {
		t.Fatal(err)
	}
	if _, tag, _ := d.CompanyLogo(t.Context()); tag != etag {
		t.Errorf("after saving settings the logo's etag is %q, want %q", tag, etag)
	}
	other, _ := d.SetCompanyLogo(t.Context(), append(png, '!'), app.UserActor(1))
	if other == etag {
		t.Error("a different logo got the same etag")
	}
	if _, err := d.SetCompanyLogo(t.Context(), nil, app.UserActor(1)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.CompanyLogo(t.Context()); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("after removal: %v, want ENOTFOUND", err)
	}
	if s, _ := d.CompanySettings(t.Context()); s.LogoETag != "" {
		t.Errorf("after removal LogoETag = %q", s.LogoETag)
	}
}
