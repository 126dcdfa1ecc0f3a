package pricing

import "testing"

// keyArgs is an error's key and arguments as one comparable string, e.g.
// "quote.width_range Max=3000 Min=800": pricing's errors carry no text, so
// tests compare what a translator would be given.
func keyArgs(fe *FieldError) string { return logText(fe.Key, fe.Args) }

func TestErrorLogText(t *testing.T) {
	inner := formulaErr("formula.unknown_variable", 5, "anchoo")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"formula", inner, "formula.unknown_variable Detail=anchoo Pos=5"},
		{"field without arguments", fieldErr("rates.iva", "quote.iva_range", nil), "rates.iva: quote.iva_range"},
		{"nested reason", fieldErr("bom[0].quantity_formula", "catalog.bom_formula", map[string]any{"Line": 1, "Reason": inner}),
			"bom[0].quantity_formula: catalog.bom_formula Line=1 Reason=(formula.unknown_variable Detail=anchoo Pos=5)"},
		{"no field", fieldErr("", "number.invalid", map[string]any{"Value": "abc"}), "number.invalid Value=abc"},
		{"several", FieldErrors{fieldErr("a", "quote.iva_range", nil), fieldErr("b", "quote.quantity_min", nil)},
			"a: quote.iva_range; b: quote.quantity_min"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}
