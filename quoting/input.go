// Package quoting is the one home of quote rules: the quote editor (HTML
// form) and the JSON API are two doors that parse their request into the
// same Input, and everything after that — validation, role caps, pricing in
// one pass with per-line results, display prices, saving, status changes,
// reprice, duplicate and revise — happens here. It imports db and pricing,
// never handlers, and knows nothing of HTTP.
package quoting

import (
	"unicode/utf8"
)

// Field names, the same at both doors: the editor's inputs carry them and
// the API's JSON body and 422 answers use them. Line fields are reported as
// items[i].<field> and material_items[i].<field> by the API and as
// item-N-<field> / mat-N-<field> by the editor.
const (
	FieldCustomerID      = "customer_id"
	FieldCustomerName    = "customer_name"
	FieldCustomerPhone   = "customer_phone"
	FieldCustomerEmail   = "customer_email"
	FieldCustomerRFC     = "customer_rfc"
	FieldCustomerAddress = "customer_address"
	// FieldCustomerNew confirms that a typed customer who looks like an
	// existing one is someone else ("1").
	FieldCustomerNew    = "customer_new"
	FieldUnit           = "unit"
	FieldMode           = "pricing_mode"
	FieldProfitRate     = "profit_rate"
	FieldIndirectRate   = "indirect_rate"
	FieldIVARate        = "iva_rate"
	FieldDepositRate    = "deposit_rate"
	FieldLabourRate     = "labor_rate_m2"
	FieldDiscountRate   = "discount_rate"
	FieldDiscountAmount = "discount_amount"
	FieldPriceDisplay   = "price_display"
	FieldValidUntil     = "valid_until"
	FieldNotes          = "notes"
	FieldConditions     = "conditions"
	FieldItems          = "items"
	FieldBody           = "body"

	ItemProduct  = "product_code"
	ItemWidth    = "width"
	ItemHeight   = "height"
	ItemQuantity = "quantity"
	ItemColour   = "color_code"
	ItemGlass    = "glass_code"
	ItemLocation = "location"
	ItemNotes    = "notes"
	MatMaterial  = "material_code"
	MatQuantity  = "quantity"
	MatColour    = "color_code"
)

// QuoteFields are the quote-level fields of Input.Fields.
var QuoteFields = []string{FieldCustomerID, FieldCustomerName, FieldCustomerPhone, FieldCustomerEmail, FieldCustomerRFC,
	FieldCustomerAddress, FieldCustomerNew, FieldUnit, FieldMode, FieldProfitRate, FieldIndirectRate, FieldIVARate, FieldDepositRate,
	FieldLabourRate, FieldDiscountRate, FieldDiscountAmount, FieldPriceDisplay, FieldValidUntil, FieldNotes, FieldConditions}

// Display choices and units.
const (
	DisplayPlusIVA     = "mas_iva"
	DisplayIVAIncluded = "iva_incluido"
	UnitCM             = "cm"
	UnitMM             = "mm"
	IVAExempt          = "exento"
)

// MaxLines bounds a quote: far more than any job, small enough that a
// crafted request cannot make the server price thousands of windows.
const MaxLines = 200

// Input is a quote as typed at either door, before any check: every value is
// the text the user (or the API client) sent.
type Input struct {
	// Fields holds the quote-level values by field name. A field that is
	// absent takes the company's default (rates, mode, validity, conditions);
	// present and empty means empty (a required rate is then missing).
	Fields map[string]string
	// Percent: rates are typed as percentages ("16") — the editor — rather
	// than fractions ("0.16") — the API.
	Percent   bool
	Items     []ItemInput
	Materials []MaterialInput
}

// Get returns a quote-level value ("" when absent).
func (in *Input) Get(name string) string { return in.Fields[name] }

func (in *Input) has(name string) bool {
	_, ok := in.Fields[name]
	return ok
}

// ItemInput is a window or door line as typed. N is the door's own key for
// the line (the editor's line number; the API's index).
type ItemInput struct {
	N                                     int
	ProductCode, Width, Height, Quantity  string
	ColorCode, GlassCode, Location, Notes string
	Optional                              bool
}

// MaterialInput is a material sold on its own, as typed.
type MaterialInput struct {
	N                                 int
	MaterialCode, Quantity, ColorCode string
	Optional                          bool
}

// ValidBytes reports whether a raw request body is valid UTF-8 with no JSON
// escape of a lone surrogate: encoding/json would silently turn either into
// U+FFFD before any validator could see it, where a form refuses it. Control
// characters escaped in JSON (\u0000) decode as themselves and are refused
// by the same text validators as a form's.
func ValidBytes(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] != 'u' {
			i++ // skip the escaped character, so "\\u" is not an escape
			continue
		}
		r, ok := hex4(b, i+2)
		switch {
		case !ok:
			return false
		case r >= 0xD800 && r <= 0xDBFF: // a high surrogate needs its low half next
			lo, ok := hex4(b, i+8)
			if !ok || i+7 >= len(b) || b[i+6] != '\\' || b[i+7] != 'u' || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 11
		case r >= 0xDC00 && r <= 0xDFFF:
			return false
		default:
			i += 5
		}
	}
	return true
}

// hex4 reads the four hex digits at b[at:].
func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
