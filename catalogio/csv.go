package catalogio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"cotizador/db"
	"cotizador/pricing"
	"cotizador/validate"
)

// utf8BOM starts files saved by Excel as "CSV UTF-8"; the export writes it
// too, so Excel shows accents right when a shop opens the file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// table reads one CSV file with a header row, column by name.
type table struct {
	file string
	r    *csv.Reader
	cols map[string]int
	rows int
	// unquote: cells the native export neutralised (see neutralise) get
	// their value back. The prototype's files are read as it writes them.
	unquote bool
}

// formulaLead reports whether a spreadsheet may read a cell that starts
// with c as a formula: OWASP's CSV injection list (=, +, -, @, tab, CR).
func formulaLead(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// neutralise makes a cell safe to open in a spreadsheet: a value that a
// spreadsheet could run as a formula (a name like =HYPERLINK(…), a
// formula like -1+width_m) is written after a single quote, which makes it
// text. Every cell goes through it, whatever its column, so the rule is
// the same for all. A value that already starts with quotes before such a
// character gets one quote more, so unneutralise always gives back
// exactly the value, and an export imported and exported again is the
// same bytes.
func neutralise(v string) string {
	i := 0
	for i < len(v) && v[i] == '\'' {
		i++
	}
	if i < len(v) && formulaLead(v[i]) {
		return "'" + v
	}
	return v
}

// NeutraliseCell is neutralise for the app's other CSV writers (the data
// exports), so every spreadsheet file it writes follows one rule;
// UnneutraliseCell undoes it.
func NeutraliseCell(v string) string { return neutralise(v) }

// UnneutraliseCell gives back the value NeutraliseCell was given.
func UnneutraliseCell(v string) string { return unneutralise(v) }

// unneutralise undoes neutralise: a cell of one or more quotes followed by
// a formula character loses its first quote.
func unneutralise(v string) string {
	if len(v) < 2 || v[0] != '\'' {
		return v
	}
	rest := strings.TrimLeft(v, "'")
	if rest != "" && formulaLead(rest[0]) {
		return v[1:]
	}
	return v
}

// openTable reads the header and checks it has exactly the given columns,
// in any order. A problem with the header is reported on a row of its own
// (line 1) and the file is not read further.
func openTable(c *db.CatalogChanges, file string, rd io.Reader, columns []string) *table {
	data, err := io.ReadAll(rd)
	if err != nil {
		row := db.ImportRow{File: file, Line: 1, Kind: db.KindFile, Code: file}
		row.Fail("", "catalogio.csv_invalid", nil)
		c.AddRow(row)
		return nil
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		// Excel's plain "CSV" on Windows is Windows-1252: accents would be
		// garbled, so say how to save it instead of importing mojibake.
		row := db.ImportRow{File: file, Line: 1, Kind: db.KindFile, Code: file}
		row.Fail("", "catalogio.not_utf8", nil)
		c.AddRow(row)
		return nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // counted per row, with a Spanish message
	r.ReuseRecord = false
	t := &table{file: file, r: r}
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		row := db.ImportRow{File: file, Line: 1, Kind: db.KindFile, Code: file}
		row.Fail("", "catalogio.file_empty", nil)
		c.AddRow(row)
		return nil
	}
	if err != nil {
		row := db.ImportRow{File: file, Line: 1, Kind: db.KindFile, Code: file}
		row.Fail("", csvProblem(err), nil)
		c.AddRow(row)
		return nil
	}
	t.cols = make(map[string]int, len(header))
	var unknown, repeated []string
	want := make(map[string]bool, len(columns))
	for _, col := range columns {
		want[col] = true
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := t.cols[h]; dup {
			repeated = append(repeated, h)
		}
		if !want[h] {
			unknown = append(unknown, h)
		}
		t.cols[h] = i
	}
	var missing []string
	for _, col := range columns {
		if _, ok := t.cols[col]; !ok {
			missing = append(missing, col)
		}
	}
	if len(missing)+len(unknown)+len(repeated) > 0 {
		row := db.ImportRow{File: file, Line: 1, Kind: db.KindFile, Code: file}
		if len(missing) > 0 {
			row.Fail("", "catalogio.header_missing", map[string]any{"Columns": strings.Join(missing, ", ")})
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			row.Fail("", "catalogio.header_unknown", map[string]any{"Columns": strings.Join(unknown, ", ")})
		}
		if len(repeated) > 0 {
			row.Fail("", "catalogio.header_repeated", map[string]any{"Columns": strings.Join(repeated, ", ")})
		}
		if len(header) == 1 && strings.Contains(header[0], ";") {
			row.Note("catalogio.semicolon", nil)
		}
		row.Note("catalogio.header_expected", map[string]any{"Columns": strings.Join(columns, ",")})
		c.AddRow(row)
		return nil
	}
	return t
}

// record is one data row.
type record struct {
	t      *table
	fields []string
	line   int
}

// get returns a column's value without surrounding white space.
func (r record) get(col string) string {
	i, ok := r.t.cols[col]
	if !ok || i >= len(r.fields) {
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

// raw returns a column's value as written (formulas keep their spacing).
func (r record) raw(col string) string {
	i, ok := r.t.cols[col]
	if !ok || i >= len(r.fields) {
		return ""
	}
	return r.fields[i]
}

func (r record) blank() bool {
	for _, f := range r.fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// next returns the next non-blank row. A row the CSV reader cannot parse is
// reported and skipped; ok is false at the end of the file.
func (t *table) next(c *db.CatalogChanges) (rec record, ok bool) {
	for {
		fields, err := t.r.Read()
		if errors.Is(err, io.EOF) {
			return record{}, false
		}
		line := 0
		if err == nil && len(fields) > 0 {
			line, _ = t.r.FieldPos(0)
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			row := db.ImportRow{File: t.file, Line: line, Kind: db.KindFile, Code: t.file}
			row.Fail("", csvProblem(err), nil)
			c.AddRow(row)
			return record{}, false
		}
		if pe != nil {
			line = pe.StartLine
			if line < 1 {
				line = pe.Line
			}
			row := db.ImportRow{File: t.file, Line: line, Kind: db.KindFile, Code: t.file}
			row.Fail("", csvProblem(err), nil)
			c.AddRow(row)
			continue
		}
		t.rows++
		if t.rows > MaxRows {
			row := db.ImportRow{File: t.file, Line: line, Kind: db.KindFile, Code: t.file}
			row.Fail("", "catalogio.too_many_rows", map[string]any{"Max": MaxRows})
			c.AddRow(row)
			return record{}, false
		}
		if t.unquote {
			for i, f := range fields {
				fields[i] = unneutralise(f)
			}
		}
		rec := record{t: t, fields: fields, line: line}
		if rec.blank() {
			continue
		}
		return rec, true
	}
}

// csvProblem names encoding/csv's (English) error as a message id.
func csvProblem(err error) string {
	switch {
	case errors.Is(err, csv.ErrQuote):
		return "catalogio.csv_quote"
	case errors.Is(err, csv.ErrBareQuote):
		return "catalogio.csv_bare_quote"
	}
	return "catalogio.csv_invalid"
}

// rowErrors collects a row's problems through the validate package's
// validators, then copies them to the row in column order.
type rowErrors struct {
	e     validate.Errors
	order []string
}

func newRowErrors() *rowErrors { return &rowErrors{e: validate.Errors{}} }

func (re *rowErrors) add(field, key string, args map[string]any) {
	if !re.e.Has(field) {
		re.order = append(re.order, field)
	}
	re.e.Add(field, key, args)
}

// sync records fields the validate package added on its own.
func (re *rowErrors) sync() {
	for f := range re.e {
		found := false
		for _, o := range re.order {
			if o == f {
				found = true
				break
			}
		}
		if !found {
			re.order = append(re.order, f)
		}
	}
}

func (re *rowErrors) text(field, value string, required bool, max int) string {
	v := validate.Text(re.e, field, value, required, max)
	re.sync()
	return v
}

func (re *rowErrors) multiline(field, value string, max int) string {
	v := validate.Multiline(re.e, field, value, false, max)
	re.sync()
	return v
}

func (re *rowErrors) copyTo(row *db.ImportRow) {
	for _, f := range re.order {
		fe := re.e[f]
		row.Fail(f, fe.Message, fe.Args)
	}
}

// decimalField parses an exact decimal column ("52.0000", "6.00", "1.1").
// Empty is zero unless required.
func (re *rowErrors) decimal(field, value string, required bool) decimal.Decimal {
	if value == "" {
		if required {
			re.add(field, "validation.required", nil)
		}
		return decimal.Zero
	}
	d, err := pricing.ParseDecimal(value)
	if err != nil {
		re.add(field, "catalogio.number", map[string]any{"Value": value})
		return decimal.Zero
	}
	return d
}

// nonNegative is decimal for values that cannot be negative.
func (re *rowErrors) nonNegative(field, value string, required bool) decimal.Decimal {
	d := re.decimal(field, value, required)
	if d.IsNegative() {
		re.add(field, "catalogio.negative", nil)
	}
	return d
}

// integer parses a whole number in [min, max].
func (re *rowErrors) integer(field, value string, min, max int) int {
	if value == "" {
		return 0
	}
	n, err := strconv.Atoi(value)
	if err != nil {
		// "800.0" is how some spreadsheets save whole numbers.
		d, derr := pricing.ParseDecimal(value)
		if derr != nil || !d.IsInteger() {
			re.add(field, "validation.integer", nil)
			return 0
		}
		n = int(d.IntPart())
	}
	if n < min || n > max {
		re.add(field, "validation.range", map[string]any{"Min": min, "Max": max})
		return 0
	}
	return n
}

// boolean reads an active flag: 1/0, sí/no, true/false; empty is true.
func (re *rowErrors) boolean(field, value string) bool {
	switch strings.ToLower(value) {
	case "", "1", "si", "sí", "s", "true", "verdadero", "yes":
		return true
	case "0", "no", "n", "false", "falso":
		return false
	}
	re.add(field, "catalogio.boolean", map[string]any{"Value": value})
	return true
}

// choice accepts one of the listed values exactly.
func (re *rowErrors) choice(field, value string, options ...string) string {
	for _, o := range options {
		if value == o {
			return value
		}
	}
	if value == "" {
		re.add(field, "validation.required", nil)
	} else {
		re.add(field, "catalogio.choice", map[string]any{"Value": value, "Options": strings.Join(options, ", ")})
	}
	return value
}

// pricingProblems copies pricing's validation errors onto the row, each on
// the column its field path maps to. Pricing's errors carry a key and
// arguments, not text: the error itself is the reason, and the translator
// renders it (and any reason nested in it) in the reader's language.
func pricingProblems(row *db.ImportRow, err error, fieldMap func(string) string) {
	var fes pricing.FieldErrors
	if !errors.As(err, &fes) {
		row.Fail("", "catalogio.invalid", map[string]any{"Reason": err})
		return
	}
	for _, fe := range fes {
		field := fieldMap(fe.Field)
		if hasProblem(row, field) {
			continue // the row already says what is wrong with this column
		}
		row.Fail(field, "catalogio.invalid", map[string]any{"Reason": fe})
	}
}

func hasProblem(row *db.ImportRow, field string) bool {
	for _, p := range row.Problems {
		if p.Field == field {
			return true
		}
	}
	return false
}

// actionFor is a parsed row's provisional outcome.
func actionFor(op db.ChangeOp) db.RowAction {
	if op == db.OpDelete {
		return db.ActionDelete
	}
	return db.ActionUpsert
}

var (
	categories = []string{
		string(pricing.CategoryProfiles), string(pricing.CategoryGlass), string(pricing.CategoryHardware),
		string(pricing.CategoryConsumables), string(pricing.CategoryLabour), string(pricing.CategoryOther),
	}
	units = []string{
		string(pricing.UnitML), string(pricing.UnitM2), string(pricing.UnitPZA),
		string(pricing.UnitCartucho), string(pricing.UnitLTS), string(pricing.UnitKG),
	}
	roles = []string{
		string(pricing.RoleProfile), string(pricing.RoleGlass), string(pricing.RoleHardware),
		string(pricing.RoleConsumable), string(pricing.RoleLabour),
	}
)
