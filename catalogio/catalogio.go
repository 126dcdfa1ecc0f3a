// Package catalogio reads and writes the catalogue as CSV: our own native
// format (two files that round-trip everything the catalogue holds) and the
// two files the prototype exports. It parses files into the store's
// db.CatalogChanges, with one result per CSV row, never stopping at the
// first bad row, and writes an export from a db.CatalogSnapshot. It imports
// db for those types only and runs no SQL: the caller hands the changes to
// db.ApplyCatalog, which applies them all or nothing.
package catalogio

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"cotizador/db"
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

// Translator renders a message id; *locales.Translator is one.
type Translator interface {
	Map(id string, data map[string]any) string
}

// Describe renders a row's outcome as lines of text: the outcome, then one
// line per error and per note, each naming the file, the row and the field.
func Describe(r *db.ImportRow, t Translator) []string {
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
func Message(r *db.ImportRow, t Translator, p db.RowProblem) string {
	return t.Map(problemKey(p), map[string]any{"File": r.File, "Line": r.Line, "Field": p.Field, "Message": t.Map(p.Key, p.Args)})
}

func problemKey(p db.RowProblem) string {
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
