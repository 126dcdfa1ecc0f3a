package pricing

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Errors meant for users carry a stable message key and the arguments its
// text needs, never the text: every text lives in locales/ (Spanish the
// source of truth, English beside it), so a page, the JSON API and the CSV
// importer render a pricing error in the reader's language through the same
// go-i18n call as every other message, and a wording is changed in one place.
//
// A message may embed another: quote.bom_formula's {{.Reason}} is the
// formula's own error. Such an argument is the inner error itself (a
// *FormulaError or *FieldError), not its text; both have MessageID and
// MessageData, which locales.Translator looks for in template data to render
// the argument as a message of its own, in the same language.

// messageKeys lists every key this package returns, sorted. locales' tests
// check each one against both message files and render it;
// TestMessageKeysMatchCode checks the list against the keys in the code.
var messageKeys = []string{
	"catalog.bar_length_negative",
	"catalog.bom_formula",
	"catalog.bom_formula_size",
	"catalog.bom_quantity",
	"catalog.cost_negative",
	"catalog.factor_positive",
	"catalog.range_order",
	"catalog.waste_range",
	"formula.arity_min_two",
	"formula.arity_one",
	"formula.arity_round",
	"formula.arity_two",
	"formula.assignment",
	"formula.bad_char",
	"formula.bad_number",
	"formula.bool_literal",
	"formula.bool_result",
	"formula.comment",
	"formula.decimal_comma",
	"formula.empty",
	"formula.empty_parens",
	"formula.eval",
	"formula.expected_condition",
	"formula.expected_number",
	"formula.forbidden_function",
	"formula.forbidden_operator",
	"formula.if",
	"formula.incomplete",
	"formula.invalid",
	"formula.let",
	"formula.list",
	"formula.map",
	"formula.member",
	"formula.missing_call",
	"formula.nil",
	"formula.not_a_function",
	"formula.not_finite",
	"formula.number_too_large",
	"formula.pipe",
	"formula.range",
	"formula.round_digits",
	"formula.sequence",
	"formula.string",
	"formula.syntax",
	"formula.too_complex",
	"formula.too_large",
	"formula.too_long",
	"formula.unclosed_paren",
	"formula.unexpected_token",
	"formula.unknown_function",
	"formula.unknown_variable",
	"formula.unopened_paren",
	"number.invalid",
	"quote.bom_formula",
	"quote.bom_material_unknown",
	"quote.colour_unknown",
	"quote.cut_bar_short",
	"quote.cut_negative",
	"quote.cut_settings",
	"quote.deposit_range",
	"quote.discount_both",
	"quote.discount_negative",
	"quote.discount_rate_range",
	"quote.discount_too_big",
	"quote.glass_not_glass",
	"quote.glass_unknown",
	"quote.height_positive",
	"quote.height_range",
	"quote.height_too_big",
	"quote.indirect_range",
	"quote.iva_range",
	"quote.labour_rate_negative",
	"quote.material_quantity",
	"quote.material_required",
	"quote.material_unknown",
	"quote.mode_unknown",
	"quote.piece_too_long",
	"quote.product_required",
	"quote.product_unknown",
	"quote.profit_range",
	"quote.quantity_max",
	"quote.quantity_min",
	"quote.too_many_pieces",
	"quote.waste_range",
	"quote.width_positive",
	"quote.width_range",
	"quote.width_too_big",
}

// MessageKeys returns every message key the package's errors can carry,
// sorted, so that a test elsewhere can prove each one has a text in every
// locale file.
func MessageKeys() []string { return slices.Clone(messageKeys) }

// logText is an error's key and arguments as one line for logs and test
// failures ("quote.width_range Max=3000 Min=800"); users never see it. An
// argument that is itself an error is shown in parentheses.
func logText(key string, args map[string]any) string {
	if len(args) == 0 {
		return key
	}
	names := make([]string, 0, len(args))
	for name := range args {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(key)
	for _, name := range names {
		b.WriteString(" " + name + "=")
		if err, ok := args[name].(error); ok {
			b.WriteString("(" + err.Error() + ")")
		} else {
			fmt.Fprint(&b, args[name])
		}
	}
	return b.String()
}

// FormulaError reports why a formula is invalid or could not be evaluated.
type FormulaError struct {
	Key    string // stable message key, e.g. "formula.unknown_variable"
	Pos    int    // 1-based column (in characters) where the problem is; 0 if none
	Detail string // the offending token, or the limit the message quotes
}

func (e *FormulaError) Error() string { return logText(e.Key, e.Args()) }

// Args returns the template arguments for Key.
func (e *FormulaError) Args() map[string]any {
	return map[string]any{"Pos": e.Pos, "Detail": e.Detail}
}

// MessageID and MessageData let a translator render the error, also when it
// is the argument of another message.
func (e *FormulaError) MessageID() string           { return e.Key }
func (e *FormulaError) MessageData() map[string]any { return e.Args() }

func formulaErr(key string, pos int, detail string) *FormulaError {
	return &FormulaError{Key: key, Pos: pos, Detail: detail}
}

// FieldError is a validation error tied to one input field.
type FieldError struct {
	Field string         // input path, e.g. "items[2].width_mm"
	Key   string         // stable message key, e.g. "quote.width_range"
	Args  map[string]any // template arguments for Key; an error value is a nested message
	Err   error          // underlying cause (e.g. a *FormulaError), if any
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return logText(e.Key, e.Args)
	}
	return e.Field + ": " + logText(e.Key, e.Args)
}

func (e *FieldError) Unwrap() error { return e.Err }

// MessageID and MessageData let a translator render the error, also when it
// is the argument of another message (a catalogue import row's reason).
func (e *FieldError) MessageID() string           { return e.Key }
func (e *FieldError) MessageData() map[string]any { return e.Args }

func fieldErr(field, key string, args map[string]any) *FieldError {
	return &FieldError{Field: field, Key: key, Args: args}
}

// FieldErrors collects every problem of an input at once, so a form can show
// them all instead of one per submit.
type FieldErrors []*FieldError

func (fe FieldErrors) Error() string {
	msgs := make([]string, len(fe))
	for i, e := range fe {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap exposes each FieldError (and through it any cause, e.g. a
// *FormulaError) to errors.Is and errors.As.
func (fe FieldErrors) Unwrap() []error {
	out := make([]error, len(fe))
	for i, e := range fe {
		out[i] = e
	}
	return out
}

// ByField groups the errors by field path for a form renderer.
func (fe FieldErrors) ByField() map[string][]*FieldError {
	out := make(map[string][]*FieldError)
	for _, e := range fe {
		out[e.Field] = append(out[e.Field], e)
	}
	return out
}

// Fields returns the sorted, distinct field paths that have errors.
func (fe FieldErrors) Fields() []string {
	seen := make(map[string]bool)
	var out []string
	for _, e := range fe {
		if !seen[e.Field] {
			seen[e.Field] = true
			out = append(out, e.Field)
		}
	}
	sort.Strings(out)
	return out
}

// errOrNil avoids the typed-nil trap of returning an empty FieldErrors as error.
func (fe FieldErrors) errOrNil() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}
