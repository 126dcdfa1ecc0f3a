package handlers

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cotizador/quoting"
	"cotizador/validate"
)

// The quote editor's door into the quoting core: the form's fields carry the
// core's field names (item-N-<field> for line N), so parsing is copying and
// every error lands on the input it names.

// quoteView is the editor as templates see it: the core's draft plus the
// next free line number.
type quoteView struct {
	*quoting.Draft
	NextN int
	// ClientView: the "Vista cliente" toggle was on (costs, margins and
	// formulas hidden, so the phone can be shown to the customer).
	ClientView bool
}

// F lets the shared field partial read values and errors.
func (v *quoteView) F() *quoteView { return v }

// Get returns a value as typed; the discount is typed in one box whose kind
// a select chooses.
func (v *quoteView) Get(name string) string {
	in := v.Input
	switch name {
	case "discount_type":
		if strings.TrimSpace(in.Get(quoting.FieldDiscountAmount)) != "" {
			return "importe"
		}
		return "porcentaje"
	case "discount":
		if a := in.Get(quoting.FieldDiscountAmount); strings.TrimSpace(a) != "" {
			return a
		}
		return in.Get(quoting.FieldDiscountRate)
	}
	return in.Get(name)
}

// DiscountError is the problem of whichever discount was typed.
func (v *quoteView) DiscountError() any {
	if e := v.Error(quoting.FieldDiscountAmount); e != nil {
		return e
	}
	if e := v.Error(quoting.FieldDiscountRate); e != nil {
		return e
	}
	return nil
}

// lineNumber reads n from a form key prefix-n-field (n of one to three
// digits), the names the editor gives a line's inputs.
func lineNumber(key []byte, prefix, field string) (int, bool) {
	rest, ok := bytes.CutPrefix(key, []byte(prefix))
	if !ok || len(rest) == 0 || rest[0] != '-' {
		return 0, false
	}
	digits, ok := bytes.CutSuffix(rest[1:], []byte(field))
	if !ok || len(digits) < 2 || len(digits) > 4 || digits[len(digits)-1] != '-' {
		return 0, false
	}
	n := 0
	for _, d := range digits[:len(digits)-1] {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int(d-'0')
	}
	return n, true
}

// parseQuoteForm reads the editor into the core's input: the quote's own
// fields and every line in the order of their numbers, less lines marked
// for removal and blank ones (the spare line at the end of the page).
func parseQuoteForm(c *fiber.Ctx) (*quoting.Input, int) {
	in := &quoting.Input{Percent: true, Fields: make(map[string]string, len(quoting.QuoteFields))}
	for _, name := range quoting.QuoteFields {
		in.Fields[name] = c.FormValue(name)
	}
	// Asked whether the typed customer is one that exists: the answer is an
	// existing customer's id or "new".
	switch pick := c.FormValue("customer_pick"); pick {
	case "":
	case "new":
		in.Fields[quoting.FieldCustomerNew] = "1"
	default:
		in.Fields[quoting.FieldCustomerID] = pick
	}
	if c.FormValue("discount_type") == "importe" {
		in.Fields[quoting.FieldDiscountAmount], in.Fields[quoting.FieldDiscountRate] = c.FormValue("discount"), ""
	} else {
		in.Fields[quoting.FieldDiscountRate], in.Fields[quoting.FieldDiscountAmount] = c.FormValue("discount"), ""
	}
	var items, mats []int
	c.Request().PostArgs().VisitAll(func(k, _ []byte) {
		if n, ok := lineNumber(k, "item", quoting.ItemProduct); ok {
			items = append(items, n)
		} else if n, ok := lineNumber(k, "mat", quoting.MatMaterial); ok {
			mats = append(mats, n)
		}
	})
	sort.Ints(items)
	sort.Ints(mats)
	get := func(prefix string, n int, field string) string {
		return strings.TrimSpace(c.FormValue(prefix + "-" + strconv.Itoa(n) + "-" + field))
	}
	next := 0
	for _, n := range items {
		next = max(next, n+1)
		if get("item", n, "remove") != "" {
			continue
		}
		it := quoting.ItemInput{N: n, ProductCode: get("item", n, quoting.ItemProduct), Width: get("item", n, quoting.ItemWidth),
			Height: get("item", n, quoting.ItemHeight), Quantity: get("item", n, quoting.ItemQuantity), ColorCode: get("item", n, quoting.ItemColour),
			GlassCode: get("item", n, quoting.ItemGlass), Location: get("item", n, quoting.ItemLocation), Notes: get("item", n, quoting.ItemNotes),
			Optional: get("item", n, "optional") != ""}
		if it.ProductCode == "" && it.Width == "" && it.Height == "" {
			continue
		}
		in.Items = append(in.Items, it)
	}
	for _, n := range mats {
		next = max(next, n+1)
		if get("mat", n, "remove") != "" || get("mat", n, quoting.MatMaterial) == "" {
			continue
		}
		in.Materials = append(in.Materials, quoting.MaterialInput{N: n, MaterialCode: get("mat", n, quoting.MatMaterial),
			Quantity: get("mat", n, quoting.MatQuantity), ColorCode: get("mat", n, quoting.MatColour), Optional: get("mat", n, "optional") != ""})
	}
	return in, next
}

// withSpareLine adds a blank line at the end unless the last one is blank:
// without JavaScript, that is how a user adds the next window (fill it in,
// press Calcular, and a new blank line appears).
func (v *quoteView) withSpareLine() {
	if n := len(v.Lines); n > 0 && v.Lines[n-1].ProductCode == "" && v.Lines[n-1].Width == "" {
		return
	}
	for _, l := range v.Lines {
		v.NextN = max(v.NextN, l.N+1)
	}
	for _, m := range v.Mats {
		v.NextN = max(v.NextN, m.N+1)
	}
	v.Lines = append(v.Lines, &quoting.Line{ItemInput: quoting.ItemInput{N: v.NextN, Quantity: "1"}, Errors: validate.Errors{}})
	v.NextN++
}
