package pricing

import (
	"errors"
	"math"
	"testing"
)

func TestRoundMoney(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2.345", "2.35"}, // tie goes up
		{"2.344999", "2.34"},
		{"2.3450001", "2.35"},
		{"79.695", "79.7"},    // the worked example's consumables
		{"604.475", "604.48"}, // the worked example's utilidad
		{"362.685", "362.69"}, // the worked example's indirectos
		{"0.005", "0.01"},
		{"0.004", "0"},
		{"-2.345", "-2.35"}, // negative ties go away from zero, as Python's ROUND_HALF_UP
		{"-0.005", "-0.01"},
		{"-2.344", "-2.34"},
		{"1.1", "1.1"},
		{"100", "100"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := RoundMoney(dec(tt.in)); !got.Equal(dec(tt.want)) {
				t.Errorf("RoundMoney(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestRoundQty(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0.7392", "0.739"},
		{"0.7395", "0.74"},
		{"1.0005", "1.001"},
		{"-1.0005", "-1.001"},
		{"8.19", "8.19"},
	}
	for _, tt := range tests {
		if got := RoundQty(dec(tt.in)); !got.Equal(dec(tt.want)) {
			t.Errorf("RoundQty(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	good := []struct{ in, want string }{
		{"1500", "1500"}, {" 1500.5 ", "1500.5"}, {"-2.5", "-2.5"}, {"+3", "3"}, {".75", "0.75"}, {"7.", "7"},
	}
	for _, tt := range good {
		got, err := ParseDecimal(tt.in)
		if err != nil || !got.Equal(dec(tt.want)) {
			t.Errorf("ParseDecimal(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	bad := []string{"", " ", "NaN", "nan", "Inf", "-Infinity", "1e3", "1,500", "1.2.3", "abc", "12abc", "--1", ".", "-",
		"0x10", "1 500", "١٢", "99999999999999999999999999999999999999999"}
	for _, in := range bad {
		_, err := ParseDecimal(in)
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("ParseDecimal(%q) error = %v, want *FieldError", in, err)
			continue
		}
		if fe.Key != "number.invalid" {
			t.Errorf("ParseDecimal(%q) key = %q, want number.invalid", in, fe.Key)
		}
	}
	_, err := ParseDecimal("abc")
	if want := "number.invalid Value=abc"; err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
}

func TestParseMoney(t *testing.T) {
	good := []struct{ in, want string }{
		{"$12,345.67 MXN", "12345.67"}, {"12,345.67", "12345.67"}, {"1,000,000", "1000000"}, {"$5", "5"},
		{"-$5.00 MXN", "-5"}, {"$-5.00", "-5"}, {"999", "999"}, {"0.5", "0.5"},
	}
	for _, tt := range good {
		got, err := ParseMoney(tt.in)
		if err != nil || !got.Equal(dec(tt.want)) {
			t.Errorf("ParseMoney(%q) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	bad := []string{"1,23", "12,3456", ",123", "$", "MXN", "$NaN", "1,234,56", "$$5", "--5", "-$-5", "1.5e2", "12.345,67"}
	for _, in := range bad {
		if got, err := ParseMoney(in); err == nil {
			t.Errorf("ParseMoney(%q) = %s, want error", in, got)
		}
	}
}

func TestFormatMXN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"12345.67", "$12,345.67 MXN"},
		{"3926.67", "$3,926.67 MXN"},
		{"0", "$0.00 MXN"},
		{"5", "$5.00 MXN"},
		{"999.995", "$1,000.00 MXN"},
		{"1234567.891", "$1,234,567.89 MXN"},
		{"-1234.5", "-$1,234.50 MXN"},
		{"100", "$100.00 MXN"},
		{"100000", "$100,000.00 MXN"},
	}
	for _, tt := range tests {
		if got := FormatMXN(dec(tt.in)); got != tt.want {
			t.Errorf("FormatMXN(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		in     string
		places int32
		want   string
	}{
		{"1234.5", 3, "1,234.500"}, {"0.7392", 3, "0.739"}, {"1500", 0, "1,500"}, {"-12345.6789", 2, "-12,345.68"},
	}
	for _, tt := range tests {
		if got := FormatNumber(dec(tt.in), tt.places); got != tt.want {
			t.Errorf("FormatNumber(%s, %d) = %q, want %q", tt.in, tt.places, got, tt.want)
		}
	}
}

func TestDecimalFromFormula(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{7.800000000000001, "7.8"}, // float noise stops here
		{0.1 + 0.2, "0.3"},
		{1.5, "1.5"},
		{-2.25, "-2.25"},
		{1.0000004, "1"},
		{1.0000006, "1.000001"},
	}
	for _, tt := range tests {
		got, err := decimalFromFormula(tt.in)
		if err != nil || !got.Equal(dec(tt.want)) {
			t.Errorf("decimalFromFormula(%v) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e13, -1e13} {
		_, err := decimalFromFormula(v)
		var fe *FormulaError
		if !errors.As(err, &fe) {
			t.Errorf("decimalFromFormula(%v) error = %v, want *FormulaError", v, err)
		}
	}
}
