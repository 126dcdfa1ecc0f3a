package validate

import (
	"testing"

	"cotizador/app"
)

const (
	rfcFisica = "GODE561231GR8" // 13 characters: persona física
	rfcMoral  = "CBA010203XY9"  // 12 characters: persona moral
)

func TestPostalCode(t *testing.T) {
	tests := []struct {
		in, want string
		required bool
		err      app.FieldError
	}{
		{"76000", "76000", false, noError},
		{" 01000 ", "01000", false, noError},
		{"", "", false, noError},
		{"", "", true, fe("validation.required")},
		{"7600", "7600", false, fe("cfdi.postal_code")},
		{"760000", "760000", false, fe("cfdi.postal_code")},
		{"76O00", "76O00", false, fe("cfdi.postal_code")},
		{"７６０００", "７６０００", false, fe("cfdi.postal_code")}, // full-width digits are not ASCII digits
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e := Errors{}
			if got := PostalCode(e, "cp", tt.in, tt.required); got != tt.want {
				t.Errorf("PostalCode(%q) = %q, want %q", tt.in, got, tt.want)
			}
			checkField(t, e, "cp", tt.err)
		})
	}
}

func TestTaxRegime(t *testing.T) {
	tests := []struct {
		name, in, rfc, want string
		err                 app.FieldError
	}{
		{"empty is fine", "", rfcFisica, "", noError},
		{"física regime, física RFC", "612", rfcFisica, "612", noError},
		{"RESICO for both", "626", rfcMoral, "626", noError},
		{"RESICO for both (física)", "626", rfcFisica, "626", noError},
		{"moral regime, moral RFC", "601", rfcMoral, "601", noError},
		{"moral regime, física RFC", "601", rfcFisica, "601", fe("cfdi.regime_for_moral")},
		{"física regime, moral RFC", "605", rfcMoral, "605", fe("cfdi.regime_for_fisica")},
		{"no RFC: only the catalogue", "601", "", "601", noError},
		{"generic RFC needs 616", "612", "XAXX010101000", "612", fe("cfdi.generic_regime")},
		{"generic RFC with 616", "616", "XEXX010101000", "616", noError},
		{"unknown code", "999", rfcFisica, "", fe("validation.choice")},
		{"markup", "<b>601</b>", rfcMoral, "", fe("validation.choice")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Errors{}
			if got := TaxRegime(e, "regime", tt.in, tt.rfc); got != tt.want {
				t.Errorf("TaxRegime(%q, %q) = %q, want %q", tt.in, tt.rfc, got, tt.want)
			}
			checkField(t, e, "regime", tt.err)
		})
	}
}

func TestCFDIUse(t *testing.T) {
	tests := []struct {
		name, in, rfc, want string
		err                 app.FieldError
	}{
		{"empty is fine", "", rfcMoral, "", noError},
		{"G03 for both", "G03", rfcMoral, "G03", noError},
		{"lowercase typed", "i01", rfcFisica, "I01", noError},
		{"personal deduction for a person", "D10", rfcFisica, "D10", noError},
		{"personal deduction for a company", "D01", rfcMoral, "D01", fe("cfdi.use_for_fisica")},
		{"generic RFC needs S01", "G03", "XAXX010101000", "G03", fe("cfdi.generic_use")},
		{"generic RFC with S01", "S01", "XAXX010101000", "S01", noError},
		{"payroll is not a sale", "CN01", rfcFisica, "", fe("validation.choice")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Errors{}
			if got := CFDIUse(e, "use", tt.in, tt.rfc); got != tt.want {
				t.Errorf("CFDIUse(%q, %q) = %q, want %q", tt.in, tt.rfc, got, tt.want)
			}
			checkField(t, e, "use", tt.err)
		})
	}
}

func TestCFDICataloguesAreConsistent(t *testing.T) {
	for name, cat := range map[string][]CFDIOption{"TaxRegimes": TaxRegimes, "CFDIUses": CFDIUses} {
		seen := map[string]bool{}
		for _, o := range cat {
			if seen[o.Code] {
				t.Errorf("%s: %s twice", name, o.Code)
			}
			seen[o.Code] = true
			if !o.Fisica && !o.Moral {
				t.Errorf("%s: %s is for nobody", name, o.Code)
			}
		}
	}
	if len(TaxRegimes) != 19 || len(CFDIUses) != 22 {
		t.Errorf("catalogue sizes %d, %d; want 19 regimes and 22 uses", len(TaxRegimes), len(CFDIUses))
	}
}
