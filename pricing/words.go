package pricing

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// NumberForm is how "1" is written at the end of a number: "uno" when
// counting, "un" before a masculine noun (un peso, veintiún pesos), "una"
// before a feminine one (veintiuna piezas, doscientas una hojas).
type NumberForm int

const (
	FormUno NumberForm = iota
	FormUn
	FormUna
)

var (
	wordsUnits = [...]string{"", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
		"diez", "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho", "diecinueve",
		"veinte", "veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco", "veintiséis",
		"veintisiete", "veintiocho", "veintinueve"}
	wordsTens     = [...]string{"", "", "", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"}
	wordsHundreds = [...]string{"", "ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos",
		"seiscientos", "setecientos", "ochocientos", "novecientos"}
)

// unitWord writes 1..29 honouring the form of "uno".
func unitWord(n int, form NumberForm) string {
	switch {
	case n == 1 && form == FormUn:
		return "un"
	case n == 1 && form == FormUna:
		return "una"
	case n == 21 && form == FormUn:
		return "veintiún"
	case n == 21 && form == FormUna:
		return "veintiuna"
	}
	return wordsUnits[n]
}

// below1000 writes 1..999 ("" for 0).
func below1000(n int, form NumberForm) string {
	if n == 0 {
		return ""
	}
	if n == 100 {
		return "cien"
	}
	var parts []string
	if h := n / 100; h > 0 {
		w := wordsHundreds[h]
		if form == FormUna && h > 1 {
			w = strings.TrimSuffix(w, "os") + "as" // doscientas, quinientas
		}
		parts = append(parts, w)
	}
	switch r := n % 100; {
	case r == 0:
	case r < 30:
		parts = append(parts, unitWord(r, form))
	case r%10 == 0:
		parts = append(parts, wordsTens[r/10])
	default:
		parts = append(parts, wordsTens[r/10]+" y "+unitWord(r%10, form))
	}
	return strings.Join(parts, " ")
}

// beforeNoun is the form a count takes in front of "mil", "millones"...:
// "uno" shortens to "un"; feminine stays (veintiuna mil piezas).
func beforeNoun(form NumberForm) NumberForm {
	if form == FormUna {
		return FormUna
	}
	return FormUn
}

// CardinalWords writes n in Spanish words, lower case, long scale
// (mil millones = 10⁹, billón = 10¹²): 1500 → "mil quinientos".
func CardinalWords(n int64, form NumberForm) string {
	if n == 0 {
		return "cero"
	}
	if n < 0 {
		// Via uint64 so math.MinInt64 (which has no int64 opposite) works too.
		return "menos " + strings.TrimSpace(cardinal(uint64(-(n+1))+1, form))
	}
	return strings.TrimSpace(cardinal(uint64(n), form))
}

func cardinal(n uint64, form NumberForm) string {
	const (
		thousand = 1_000
		million  = 1_000_000
		billion  = 1_000_000_000_000 // billón
	)
	join := func(a, b string) string {
		if a == "" {
			return b
		}
		if b == "" {
			return a
		}
		return a + " " + b
	}
	switch {
	case n >= billion:
		b, rest := n/billion, n%billion
		head := "un billón"
		if b > 1 {
			head = cardinal(b, FormUn) + " billones"
		}
		return join(head, cardinal(rest, form))
	case n >= million:
		m, rest := n/million, n%million
		head := "un millón"
		if m > 1 {
			head = cardinal(m, FormUn) + " millones"
		}
		return join(head, cardinal(rest, form))
	case n >= thousand:
		t, rest := n/thousand, n%thousand
		head := "mil"
		if t > 1 {
			head = below1000(int(t), beforeNoun(form)) + " mil"
		}
		return join(head, below1000(int(rest), form))
	}
	return below1000(int(n), form)
}

// maxWordsAmount bounds AmountInWords to what int64 centavos hold.
var maxWordsAmount = decimal.New(1, 16)

// AmountInWords writes an amount the way Mexican quotes and invoices do:
// 3926.67 → "TRES MIL NOVECIENTOS VEINTISÉIS PESOS 67/100 M.N.",
// 1 → "UN PESO 00/100 M.N.", 1000000 → "UN MILLÓN DE PESOS 00/100 M.N.".
// The amount is rounded to centavos first (HALF_UP).
func AmountInWords(d decimal.Decimal) string {
	d = RoundMoney(d)
	sign := ""
	if d.IsNegative() {
		sign, d = "MENOS ", d.Neg()
	}
	if d.GreaterThanOrEqual(maxWordsAmount) {
		// No quote reaches 10¹⁶ pesos; keep the function total anyway.
		return sign + FormatNumber(d, 2) + " PESOS M.N."
	}
	pesos := d.IntPart()
	cents := d.Sub(decimal.NewFromInt(pesos)).Mul(hundred).IntPart()
	var words string
	switch {
	case pesos == 1:
		words = "un peso"
	case pesos >= 1_000_000 && pesos%1_000_000 == 0:
		words = CardinalWords(pesos, FormUn) + " de pesos" // "un millón de pesos"
	default:
		words = CardinalWords(pesos, FormUn) + " pesos"
	}
	return sign + strings.ToUpper(words) + fmt.Sprintf(" %02d/100 M.N.", cents)
}
