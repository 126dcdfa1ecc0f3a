// Package catalogio reads and writes the catalogue as CSV: our own native
// format (two files that round-trip everything the catalogue holds) and the
// two files the prototype exports. It is pure: it parses files into a list of
// changes with one result per CSV row and never stops at the first bad row;
// db.ApplyCatalog applies the changes to the database, all or nothing.
package catalogio

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"cotizador/pricing"
)

// Format names a CSV dialect.
type Format string

const (
	// Native is Cotizador's own format (see README, "Catálogo en CSV").
	Native Format = "native"
	// Prototype is the format of the Python prototype's CSV export.
	Prototype Format = "prototype"
)

// Formats lists the formats an import accepts.
var Formats = []Format{Native, Prototype}

// Default file names, as the export writes them.
const (
	MaterialsFile = "materials.csv"
	ProductsFile  = "products.csv"
)

// Limits that keep one upload from exhausting memory or a transaction.
const (
	MaxRows      = 50_000 // per file
	maxCodeLen   = 40
	maxColourLen = 20
	maxNameLen   = 160
	maxColourNm  = 80
	maxLineLen   = 60
	maxMatDesc   = 1000
	maxProdDesc  = 2000
	maxBOMDesc   = 200
	maxHojas     = 8
	maxMM        = 100_000 // 100 m: no window range is larger
)

// Material is a catalogue material as a file carries it.
type Material struct {
	pricing.Material
	Line        string
	Description string
	Active      bool
}

// Colour is a finish as a file carries it.
type Colour struct {
	pricing.Colour
	Active bool
}

// Product is a product with its BOM as a file carries it.
type Product struct {
	pricing.Product
	Category    string
	Line        string
	Description string
	Active      bool
}

// ProductCategories are the categories a product may have.
var ProductCategories = []string{"ventana", "puerta", "cancel_bano", "barandal", "domo", "material_suelto"}

// Op is what a change asks for.
type Op string

const (
	OpUpsert Op = "upsert" // create, or replace the fields of the record with this code
	OpDelete Op = "delete" // soft delete the record with this code
)

// Action is a row's outcome, as the preview lists it.
type Action string

const (
	ActionUpsert    Action = "upsert" // parsed, not yet looked up: create or update
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionDelete    Action = "delete"
	ActionUnchanged Action = "unchanged" // nothing to write (e.g. a colour price the factor already gives)
	ActionError     Action = "error"
)

// Kind says what a row describes.
type Kind string

const (
	KindMaterial    Kind = "material"
	KindColour      Kind = "colour"
	KindColourPrice Kind = "colour_price"
	KindProduct     Kind = "product"
	KindBOM         Kind = "bom"
	KindFile        Kind = "file"    // the file itself (header, CSV syntax)
	KindUnknown     Kind = "unknown" // a row whose record column names no kind
)

// Problem is one message about a row: a locale message id with its data and
// the column (or JSON path inside one) it is about.
type Problem struct {
	Field string
	Key   string
	Args  map[string]any
}

// RowResult is what happened (or would happen) to one CSV row. Line is the
// row's line in its file, the header being line 1.
type RowResult struct {
	File     string
	Line     int
	Kind     Kind
	Code     string
	Name     string
	Action   Action
	Problems []Problem // errors: the row is not applied, nor is anything else
	Notes    []Problem // information, e.g. a colour created on the way
}

// Failed reports whether the row has errors.
func (r *RowResult) Failed() bool { return len(r.Problems) > 0 }

func (r *RowResult) fail(field, key string, args map[string]any) {
	r.Problems = append(r.Problems, Problem{Field: field, Key: key, Args: args})
	r.Action = ActionError
}

func (r *RowResult) note(key string, args map[string]any) {
	r.Notes = append(r.Notes, Problem{Key: key, Args: args})
}

// Fail records an error on a row; the store uses it for problems only the
// database can see (an unknown material, a code to delete that does not
// exist).
func (r *RowResult) Fail(field, key string, args map[string]any) { r.fail(field, key, args) }

// Note records information on a row.
func (r *RowResult) Note(key string, args map[string]any) { r.note(key, args) }

// ColourChange creates, updates or deletes a colour.
type ColourChange struct {
	Row    int // index into Changes.Rows
	Op     Op
	Colour Colour
	// Implicit: the colour is only named by a colour price (prototype). It
	// is created when missing (found by code, then by name) and never
	// modified; the row's outcome is the material's, with a note.
	Implicit bool
}

// MaterialChange creates, updates or deletes a material.
type MaterialChange struct {
	Row      int
	Op       Op
	Material Material
	// Partial: the file has no line, waste or active columns (prototype), so
	// an update keeps those of the stored material.
	Partial bool
}

// ColourPriceChange sets or removes an explicit price of a material in a
// colour.
type ColourPriceChange struct {
	Row         int
	Op          Op
	ColourPrice pricing.ColourPrice
	// FactorEquivalent (prototype): when the price equals the material's
	// cost × the colour's factor, no explicit price is kept, so the price
	// follows later cost changes as the factor does.
	FactorEquivalent bool
	// Secondary: the row's outcome belongs to its material (the first row of
	// a prototype profile); the price only adds a note.
	Secondary bool
}

// ProductChange creates, updates or deletes a product; an upsert replaces
// the whole BOM.
type ProductChange struct {
	Row     int
	Op      Op
	Product Product
	// BOMRows runs parallel to Product.BOM: the row each line came from
	// (native), or -1 when the lines sit inside the product's row (prototype,
	// bom_json) and errors go to the product's row with the line's path.
	BOMRows []int
	// Partial (prototype): an update keeps the stored category, hojas, glass
	// deductions, labour rate, complexity and active flag, which the
	// prototype's file does not carry.
	Partial bool
}

// Changes is a parsed import: every row's result and the changes to apply,
// in the order they must be applied (colours, materials, colour prices,
// products).
type Changes struct {
	Format       Format
	Rows         []RowResult
	Colours      []ColourChange
	Materials    []MaterialChange
	ColourPrices []ColourPriceChange
	Products     []ProductChange
}

// OK reports whether no row has errors.
func (c *Changes) OK() bool { return CountErrors(c.Rows) == 0 }

// addRow appends a row's result; a row without errors gets the outcome
// its op implies until the store knows better.
func (c *Changes) addRow(r RowResult) int {
	c.Rows = append(c.Rows, r)
	return len(c.Rows) - 1
}

// CountErrors counts the rows with errors.
func CountErrors(rows []RowResult) int {
	n := 0
	for i := range rows {
		if rows[i].Failed() {
			n++
		}
	}
	return n
}

// Summary counts rows by outcome.
type Summary struct {
	Upsert, Create, Update, Delete, Unchanged, Errors int
}

// Summarize counts rows by outcome.
func Summarize(rows []RowResult) Summary {
	var s Summary
	for i := range rows {
		if rows[i].Failed() {
			s.Errors++
			continue
		}
		switch rows[i].Action {
		case ActionUpsert:
			s.Upsert++
		case ActionCreate:
			s.Create++
		case ActionUpdate:
			s.Update++
		case ActionDelete:
			s.Delete++
		case ActionUnchanged:
			s.Unchanged++
		}
	}
	return s
}

// Translator renders a message id; *locales.Translator is one.
type Translator interface {
	Map(id string, data map[string]any) string
}

// Describe renders a row's outcome as lines of text: the outcome, then one
// line per error and per note, each naming the file, the row and the field.
func (r *RowResult) Describe(t Translator) []string {
	where := map[string]any{"File": r.File, "Line": r.Line}
	subject := t.Map("catalogio.kind."+string(r.Kind), map[string]any{"Code": r.Code, "Name": r.Name})
	out := []string{t.Map("catalogio.row", map[string]any{
		"File": r.File, "Line": r.Line, "Subject": subject, "Action": t.Map("catalogio.action."+string(r.Action), nil),
	})}
	for _, p := range r.Problems {
		out = append(out, t.Map(problemKey(p), mergeArgs(where, map[string]any{"Field": p.Field, "Message": t.Map(p.Key, p.Args)})))
	}
	for _, n := range r.Notes {
		out = append(out, "  "+t.Map(n.Key, n.Args))
	}
	return out
}

// Message renders one problem of the row, naming the row and the field.
func (r *RowResult) Message(t Translator, p Problem) string {
	return t.Map(problemKey(p), map[string]any{"File": r.File, "Line": r.Line, "Field": p.Field, "Message": t.Map(p.Key, p.Args)})
}

func problemKey(p Problem) string {
	if p.Field == "" {
		return "catalogio.row_error"
	}
	return "catalogio.field_error"
}

func mergeArgs(a, b map[string]any) map[string]any {
	m := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// GenerateCode makes a stable code from a name: upper case ASCII letters
// and digits joined by "-", accents dropped ("Ventana Corrediza 2 Hojas
// (Línea 3\")" → "VENTANA-CORREDIZA-2-HOJAS-LINEA-3"), at most max
// characters, cut at a word boundary when possible.
func GenerateCode(name string, max int) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // a combining accent
		case r == 'ñ' || r == 'Ñ':
			r = 'N'
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToUpper(r))
			continue
		}
		dash = true
	}
	s := b.String()
	if len(s) <= max {
		return s
	}
	s = s[:max]
	if i := strings.LastIndexByte(s, '-'); i > max/2 {
		s = s[:i]
	}
	return strings.TrimRight(s, "-")
}

// normName compares names as a person would: case, accents and repeated
// spaces do not matter.
func normName(s string) string {
	return strings.ToLower(GenerateCode(s, 1<<20))
}

func errf(format string, args ...any) error { return fmt.Errorf("catalogio: "+format, args...) }
