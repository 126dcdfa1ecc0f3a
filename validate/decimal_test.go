package validate

import (
	"testing"

	"github.com/shopspring/decimal"

	"cotizador/app"
)

// TestDecimal covers the one validator of typed decimals that forms, the
// JSON API and the quoting core share: how people write numbers in Mexico,
// the range, and the message ids the pages and the API translate.
func TestDecimal(t *testing.T) {
	min, max := decimal.Zero, decimal.NewFromInt(10000)
	rangeErr := app.FieldError{Message: msgRange, Args: map[string]any{"Min": "0", "Max": "10000"}}
	for _, tt := range []struct {
		value    string
		required bool
		want     string
		err      app.FieldError
	}{
		{"52.5", true, "52.5", noError},
		{" 52,5 ", true, "52.5", noError},      // a comma alone is the decimal point
		{"1,234.50", true, "1234.5", noError},  // with a point, commas group thousands
		{"$ 1 234.5", true, "1234.5", noError}, // a peso sign and spaces are dropped
		{"0", true, "0", noError},
		{"10000", true, "10000", noError},
		{"", false, "0", noError},
		{"", true, "0", app.FieldError{Message: msgRequired}},
		{"10000.01", true, "0", rangeErr},
		{"-1", true, "0", rangeErr},
		{"doce", true, "0", app.FieldError{Message: "number.invalid", Args: map[string]any{"Value": "doce"}}},
		{"1e3", true, "0", app.FieldError{Message: "number.invalid", Args: map[string]any{"Value": "1e3"}}},
		{"1.2.3", true, "0", app.FieldError{Message: "number.invalid", Args: map[string]any{"Value": "1.2.3"}}},
	} {
		t.Run(tt.value, func(t *testing.T) {
			e := Errors{}
			got := Decimal(e, "cost", tt.value, tt.required, min, max)
			if got.String() != tt.want {
				t.Errorf("Decimal(%q) = %s, want %s", tt.value, got, tt.want)
			}
			checkField(t, e, "cost", tt.err)
		})
	}
}
