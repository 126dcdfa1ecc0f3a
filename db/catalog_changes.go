package db

import "cotizador/pricing"

// Catalogue changes as the store applies them (ApplyCatalog): the result of
// reading an import, whatever its file format. The store knows these types
// only; catalogio turns CSV files into them and writes an export from a
// CatalogSnapshot, so db never depends on a file format.

// ChangeOp is what a change asks for.
type ChangeOp string

const (
	OpUpsert ChangeOp = "upsert" // create, or replace the fields of the record with this code
	OpDelete ChangeOp = "delete" // soft delete the record with this code
)

// RowAction is a row's outcome, as the preview lists it.
type RowAction string

const (
	ActionUpsert    RowAction = "upsert" // parsed, not yet looked up: create or update
	ActionCreate    RowAction = "create"
	ActionUpdate    RowAction = "update"
	ActionDelete    RowAction = "delete"
	ActionUnchanged RowAction = "unchanged" // nothing to write (e.g. a colour price the factor already gives)
	ActionError     RowAction = "error"
)

// RowKind says what a row describes.
type RowKind string

const (
	KindMaterial    RowKind = "material"
	KindColour      RowKind = "colour"
	KindColourPrice RowKind = "colour_price"
	KindProduct     RowKind = "product"
	KindBOM         RowKind = "bom"
	KindFile        RowKind = "file"    // the file itself (header, CSV syntax)
	KindUnknown     RowKind = "unknown" // a row whose record column names no kind
)

// RowProblem is one message about a row: a locale message id with its data
// and the column (or JSON path inside one) it is about.
type RowProblem struct {
	Field string
	Key   string
	Args  map[string]any
}

// ImportRow is what happened (or would happen) to one row of an import.
// Line is the row's line in its file, the header being line 1.
type ImportRow struct {
	File     string
	Line     int
	Kind     RowKind
	Code     string
	Name     string
	Action   RowAction
	Problems []RowProblem // errors: the row is not applied, nor is anything else
	Notes    []RowProblem // information, e.g. a colour created on the way
}

// Failed reports whether the row has errors.
func (r *ImportRow) Failed() bool { return len(r.Problems) > 0 }

// Fail records an error on the row: the reader's (a bad value) or the
// store's (an unknown material, a code to delete that does not exist).
func (r *ImportRow) Fail(field, key string, args map[string]any) {
	r.Problems = append(r.Problems, RowProblem{Field: field, Key: key, Args: args})
	r.Action = ActionError
}

// Note records information on the row.
func (r *ImportRow) Note(key string, args map[string]any) {
	r.Notes = append(r.Notes, RowProblem{Key: key, Args: args})
}

// ColourChange creates, updates or deletes a colour.
type ColourChange struct {
	Row    int // index into CatalogChanges.Rows
	Op     ChangeOp
	Colour Colour
	// Implicit: the colour is only named by a colour price (prototype). It
	// is created when missing (found by code, then by name) and never
	// modified; the row's outcome is the material's, with a note.
	Implicit bool
}

// MaterialChange creates, updates or deletes a material.
type MaterialChange struct {
	Row      int
	Op       ChangeOp
	Material Material
	// Partial: the file has no line, waste or active columns (prototype), so
	// an update keeps those of the stored material.
	Partial bool
}

// ColourPriceChange sets or removes an explicit price of a material in a
// colour.
type ColourPriceChange struct {
	Row         int
	Op          ChangeOp
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
	Op      ChangeOp
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

// CatalogChanges is a parsed import: every row's result and the changes to
// apply, in the order they are applied (colours, materials, colour prices,
// products).
type CatalogChanges struct {
	Rows         []ImportRow
	Colours      []ColourChange
	Materials    []MaterialChange
	ColourPrices []ColourPriceChange
	Products     []ProductChange
}

// OK reports whether no row has errors.
func (c *CatalogChanges) OK() bool { return CountErrors(c.Rows) == 0 }

// AddRow appends a row's result and returns its index.
func (c *CatalogChanges) AddRow(r ImportRow) int {
	c.Rows = append(c.Rows, r)
	return len(c.Rows) - 1
}

// CountErrors counts the rows with errors.
func CountErrors(rows []ImportRow) int {
	n := 0
	for i := range rows {
		if rows[i].Failed() {
			n++
		}
	}
	return n
}

// ImportSummary counts rows by outcome.
type ImportSummary struct {
	Upsert, Create, Update, Delete, Unchanged, Errors int
}

// SummarizeRows counts rows by outcome.
func SummarizeRows(rows []ImportRow) ImportSummary {
	var s ImportSummary
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

// CatalogSnapshot is the whole catalogue (active and inactive, not
// deleted), as an export writes it.
type CatalogSnapshot struct {
	Colours      []Colour
	Materials    []Material
	ColourPrices []pricing.ColourPrice
	Products     []Product
}
