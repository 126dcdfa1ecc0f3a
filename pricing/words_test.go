package pricing

import (
	"math"
	"testing"
)

func TestAmountInWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"3926.67", "TRES MIL NOVECIENTOS VEINTISÉIS PESOS 67/100 M.N."},
		{"0", "CERO PESOS 00/100 M.N."},
		{"0.5", "CERO PESOS 50/100 M.N."},
		{"1", "UN PESO 00/100 M.N."},
		{"1.01", "UN PESO 01/100 M.N."},
		{"2", "DOS PESOS 00/100 M.N."},
		{"15", "QUINCE PESOS 00/100 M.N."},
		{"16", "DIECISÉIS PESOS 00/100 M.N."},
		{"20", "VEINTE PESOS 00/100 M.N."},
		{"21", "VEINTIÚN PESOS 00/100 M.N."},
		{"22", "VEINTIDÓS PESOS 00/100 M.N."},
		{"31", "TREINTA Y UN PESOS 00/100 M.N."},
		{"45", "CUARENTA Y CINCO PESOS 00/100 M.N."},
		{"100", "CIEN PESOS 00/100 M.N."},
		{"101", "CIENTO UN PESOS 00/100 M.N."},
		{"110", "CIENTO DIEZ PESOS 00/100 M.N."},
		{"500", "QUINIENTOS PESOS 00/100 M.N."},
		{"999", "NOVECIENTOS NOVENTA Y NUEVE PESOS 00/100 M.N."},
		{"1000", "MIL PESOS 00/100 M.N."},
		{"1001", "MIL UN PESOS 00/100 M.N."},
		{"1100", "MIL CIEN PESOS 00/100 M.N."},
		{"2000", "DOS MIL PESOS 00/100 M.N."},
		{"21000", "VEINTIÚN MIL PESOS 00/100 M.N."},
		{"31000", "TREINTA Y UN MIL PESOS 00/100 M.N."},
		{"100000", "CIEN MIL PESOS 00/100 M.N."},
		{"101000", "CIENTO UN MIL PESOS 00/100 M.N."},
		{"1000000", "UN MILLÓN DE PESOS 00/100 M.N."},
		{"1000001", "UN MILLÓN UN PESOS 00/100 M.N."},
		{"1500000", "UN MILLÓN QUINIENTOS MIL PESOS 00/100 M.N."},
		{"2000000", "DOS MILLONES DE PESOS 00/100 M.N."},
		{"2000000.05", "DOS MILLONES DE PESOS 05/100 M.N."},
		{"1000000.99", "UN MILLÓN DE PESOS 99/100 M.N."},
		{"2001000", "DOS MILLONES MIL PESOS 00/100 M.N."},
		{"3021500.5", "TRES MILLONES VEINTIÚN MIL QUINIENTOS PESOS 50/100 M.N."},
		{"741.21", "SETECIENTOS CUARENTA Y UN PESOS 21/100 M.N."},
		{"16.16", "DIECISÉIS PESOS 16/100 M.N."},
		{"21000000", "VEINTIÚN MILLONES DE PESOS 00/100 M.N."},
		{"1000000000", "MIL MILLONES DE PESOS 00/100 M.N."},
		{"2500000000.1", "DOS MIL QUINIENTOS MILLONES DE PESOS 10/100 M.N."},
		{"1000000000000", "UN BILLÓN DE PESOS 00/100 M.N."},
		{"12345.678", "DOCE MIL TRESCIENTOS CUARENTA Y CINCO PESOS 68/100 M.N."},
		{"0.995", "UN PESO 00/100 M.N."}, // rounds to 1.00 first
		{"-5.5", "MENOS CINCO PESOS 50/100 M.N."},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := AmountInWords(dec(tt.in)); got != tt.want {
				t.Errorf("AmountInWords(%s) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCardinalWordsForms(t *testing.T) {
	tests := []struct {
		n    int64
		form NumberForm
		want string
	}{
		{1, FormUno, "uno"},
		{1, FormUn, "un"},
		{1, FormUna, "una"},
		{21, FormUno, "veintiuno"},
		{21, FormUn, "veintiún"},
		{21, FormUna, "veintiuna"},
		{41, FormUna, "cuarenta y una"},
		{201, FormUna, "doscientas una"},
		{500, FormUna, "quinientas"},
		{21000, FormUno, "veintiún mil"},
		{21000, FormUna, "veintiuna mil"},
		{200000, FormUna, "doscientas mil"},
		{1000, FormUno, "mil"},
		{1000000, FormUna, "un millón"},
		{-7, FormUno, "menos siete"},
	}
	for _, tt := range tests {
		if got := CardinalWords(tt.n, tt.form); got != tt.want {
			t.Errorf("CardinalWords(%d, %d) = %q, want %q", tt.n, tt.form, got, tt.want)
		}
	}
	// 9,223,372,036,854,775,808 = 9,223,372 billones 36,854 millones 775,808.
	want := "menos nueve millones doscientos veintitrés mil trescientos setenta y dos billones treinta y seis mil " +
		"ochocientos cincuenta y cuatro millones setecientos setenta y cinco mil ochocientos ocho"
	if got := CardinalWords(math.MinInt64, FormUno); got != want {
		t.Errorf("CardinalWords(MinInt64) = %q, want %q", got, want)
	}
}
