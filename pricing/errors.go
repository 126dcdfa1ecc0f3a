package pricing

import (
	"fmt"
	"sort"
	"strings"
)

// Every user-facing error carries a stable message key plus its arguments, so
// a UI can localise it later; Msg is the Spanish (es-MX) text shown today.
// Templates use go-i18n's {{.Name}} placeholders so they can be copied into a
// locale file unchanged.
var messagesES = map[string]string{
	// Formulas.
	"formula.empty":              "la fórmula está vacía",
	"formula.too_long":           "la fórmula es demasiado larga (máximo {{.Detail}} caracteres)",
	"formula.too_complex":        "la fórmula es demasiado compleja (máximo {{.Detail}} elementos)",
	"formula.syntax":             "error de sintaxis en la posición {{.Pos}}",
	"formula.unexpected_token":   "símbolo inesperado «{{.Detail}}» en la posición {{.Pos}}",
	"formula.incomplete":         "la fórmula está incompleta: falta un número o una variable al final",
	"formula.unclosed_paren":     "falta cerrar el paréntesis abierto en la posición {{.Pos}}",
	"formula.unopened_paren":     "paréntesis «)» sin abrir en la posición {{.Pos}}",
	"formula.empty_parens":       "paréntesis vacíos en la posición {{.Pos}}",
	"formula.bad_char":           "carácter no permitido «{{.Detail}}» en la posición {{.Pos}}",
	"formula.bad_number":         "número mal escrito «{{.Detail}}» en la posición {{.Pos}}",
	"formula.number_too_large":   "número demasiado grande «{{.Detail}}» en la posición {{.Pos}}",
	"formula.decimal_comma":      "use punto para los decimales (por ejemplo 0.5), no coma: posición {{.Pos}}",
	"formula.unknown_variable":   "variable desconocida «{{.Detail}}» en la posición {{.Pos}}",
	"formula.unknown_function":   "función desconocida «{{.Detail}}» en la posición {{.Pos}}",
	"formula.forbidden_function": "función no permitida «{{.Detail}}» en la posición {{.Pos}}",
	"formula.not_a_function":     "«{{.Detail}}» es una variable, no una función (posición {{.Pos}})",
	"formula.missing_call":       "«{{.Detail}}» es una función: escríbala con paréntesis, por ejemplo {{.Detail}}(width_m) (posición {{.Pos}})",
	"formula.string":             "no se permiten cadenas de texto (posición {{.Pos}})",
	"formula.list":               "no se permiten listas ni corchetes [ ] (posición {{.Pos}})",
	"formula.map":                "no se permiten llaves { } (posición {{.Pos}})",
	"formula.range":              "no se permiten rangos «..» (posición {{.Pos}})",
	"formula.pipe":               "no se permite el operador «|» (posición {{.Pos}})",
	"formula.let":                "no se permite declarar variables con «let» (posición {{.Pos}})",
	"formula.sequence":           "no se permiten varias expresiones separadas por «;» (posición {{.Pos}})",
	"formula.comment":            "no se permiten comentarios ni «//» (posición {{.Pos}}); para dividir use «/» y, si hace falta, floor(…)",
	"formula.forbidden_operator": "operador no permitido «{{.Detail}}» en la posición {{.Pos}}",
	"formula.assignment":         "operador no permitido «=» en la posición {{.Pos}}; para comparar use «==»",
	"formula.if":                 "no se permite «{{.Detail}}» (posición {{.Pos}}); use «condición ? valor_si : valor_no»",
	"formula.member":             "acceso no permitido «{{.Detail}}» en la posición {{.Pos}}; solo se permiten math.ceil, math.floor y math.sqrt",
	"formula.nil":                "no se permite «nil» (posición {{.Pos}})",
	"formula.bool_literal":       "no se permite el valor «{{.Detail}}»; use una comparación como width_m > 1 (posición {{.Pos}})",
	"formula.expected_number":    "se esperaba un número, pero hay una comparación en la posición {{.Pos}}",
	"formula.expected_condition": "se esperaba una condición (por ejemplo width_m > 1) en la posición {{.Pos}}",
	"formula.bool_result":        "el resultado debe ser un número, no una comparación; use «condición ? a : b» (posición {{.Pos}})",
	"formula.arity_one":          "la función «{{.Detail}}» recibe un solo argumento (posición {{.Pos}})",
	"formula.arity_round":        "la función «{{.Detail}}» recibe uno o dos argumentos (posición {{.Pos}})",
	"formula.arity_two":          "la función «{{.Detail}}» recibe dos argumentos (posición {{.Pos}})",
	"formula.arity_min_two":      "la función «{{.Detail}}» necesita al menos dos argumentos (posición {{.Pos}})",
	"formula.invalid":            "fórmula no válida: {{.Detail}}",
	"formula.not_finite":         "el resultado no es un número válido (¿división entre cero o raíz de un negativo?)",
	"formula.too_large":          "el resultado es demasiado grande",
	"formula.eval":               "no se pudo evaluar la fórmula: {{.Detail}}",

	// Money and numbers typed by users.
	"number.invalid": "«{{.Value}}» no es un número válido",

	// Quote input.
	"quote.mode_unknown":          "Modo de precio desconocido «{{.Value}}»",
	"quote.product_required":      "Elija un producto",
	"quote.product_unknown":       "El producto «{{.Code}}» no existe en el catálogo",
	"quote.colour_unknown":        "El color «{{.Code}}» no existe en el catálogo",
	"quote.glass_unknown":         "El vidrio «{{.Code}}» no existe en el catálogo",
	"quote.glass_not_glass":       "«{{.Code}}» no es un vidrio",
	"quote.material_required":     "Elija un material",
	"quote.material_unknown":      "El material «{{.Code}}» no existe en el catálogo",
	"quote.bom_material_unknown":  "El producto «{{.Product}}» usa el material «{{.Code}}», que no existe en el catálogo",
	"quote.bom_formula":           "No se pudo calcular «{{.Material}}» del producto «{{.Product}}»: {{.Reason}}",
	"quote.width_positive":        "El ancho debe ser mayor que cero",
	"quote.height_positive":       "El alto debe ser mayor que cero",
	"quote.width_range":           "El ancho debe estar entre {{.Min}} y {{.Max}} mm",
	"quote.height_range":          "El alto debe estar entre {{.Min}} y {{.Max}} mm",
	"quote.width_too_big":         "El ancho no puede pasar de {{.Max}} mm",
	"quote.height_too_big":        "El alto no puede pasar de {{.Max}} mm",
	"quote.quantity_min":          "La cantidad debe ser al menos 1",
	"quote.quantity_max":          "La cantidad no puede pasar de {{.Max}}",
	"quote.material_quantity":     "La cantidad debe ser mayor que cero",
	"quote.profit_range":          "La utilidad debe estar entre 0 % y 1000 %",
	"quote.indirect_range":        "Los indirectos deben estar entre 0 % y 1000 %",
	"quote.iva_range":             "El IVA debe estar entre 0 % y 100 %",
	"quote.deposit_range":         "El anticipo debe estar entre 0 % y 100 %",
	"quote.waste_range":           "El factor de desperdicio debe estar entre 1 y 3",
	"quote.labour_rate_negative":  "La mano de obra por m² no puede ser negativa",
	"quote.discount_both":         "Indique el descuento como porcentaje o como importe, no ambos",
	"quote.discount_rate_range":   "El descuento debe estar entre 0 % y 100 %",
	"quote.discount_negative":     "El descuento no puede ser negativo",
	"quote.discount_too_big":      "El descuento no puede ser mayor que el subtotal ({{.Subtotal}})",
	"quote.piece_too_long":        "La pieza de {{.Length}} mm de «{{.Material}}» no cabe en un tramo de {{.Bar}} mm",
	"quote.too_many_pieces":       "La cotización tiene demasiadas piezas para optimizar (máximo {{.Max}})",
	"quote.cut_settings":          "Los ajustes de corte no son válidos: {{.Reason}}",
	"catalog.waste_range":         "El factor de desperdicio debe estar entre 1 y 3",
	"catalog.bom_quantity":        "La línea necesita una fórmula de cantidad o un número y un largo de cortes",
	"catalog.bom_formula":         "Fórmula de la línea {{.Line}}: {{.Reason}}",
	"catalog.range_order":         "El mínimo no puede ser mayor que el máximo",
	"catalog.duplicate":           "El código «{{.Code}}» está repetido",
	"catalog.bar_length_negative": "El largo del tramo no puede ser negativo",
	"catalog.cost_negative":       "El costo no puede ser negativo",
	"catalog.factor_positive":     "El factor del color debe ser mayor que cero",
}

// MessageTemplates returns a copy of the Spanish templates by key, e.g. for
// writing active.es.toml or checking that every key has a translation.
func MessageTemplates() map[string]string {
	out := make(map[string]string, len(messagesES))
	for k, v := range messagesES {
		out[k] = v
	}
	return out
}

// render fills a template with {{.Name}} placeholders. It is deliberately not
// text/template: the templates are ours and only need plain substitution.
func render(key string, args map[string]any) string {
	tpl, ok := messagesES[key]
	if !ok {
		return key
	}
	if args == nil || !strings.Contains(tpl, "{{") {
		return tpl
	}
	pairs := make([]string, 0, 2*len(args))
	for name, v := range args {
		pairs = append(pairs, "{{."+name+"}}", fmt.Sprint(v))
	}
	return strings.NewReplacer(pairs...).Replace(tpl)
}

// FormulaError reports why a formula is invalid or could not be evaluated.
type FormulaError struct {
	Key    string // stable message key, e.g. "formula.unknown_variable"
	Pos    int    // 1-based column (in characters) where the problem is; 0 if none
	Detail string // the offending token, or the limit the message quotes
	Msg    string // Spanish message
}

func (e *FormulaError) Error() string { return e.Msg }

// Args returns the template arguments for Key.
func (e *FormulaError) Args() map[string]any {
	return map[string]any{"Pos": e.Pos, "Detail": e.Detail}
}

func formulaErr(key string, pos int, detail string) *FormulaError {
	e := &FormulaError{Key: key, Pos: pos, Detail: detail}
	e.Msg = render(key, e.Args())
	return e
}

// FieldError is a validation error tied to one input field.
type FieldError struct {
	Field string         // input path, e.g. "items[2].width_mm"
	Key   string         // stable message key, e.g. "quote.width_range"
	Args  map[string]any // template arguments for Key
	Msg   string         // Spanish message
	Err   error          // underlying cause (e.g. a *FormulaError), if any
}

func (e *FieldError) Error() string { return e.Msg }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, key string, args map[string]any) *FieldError {
	return &FieldError{Field: field, Key: key, Args: args, Msg: render(key, args)}
}

// FieldErrors collects every problem of an input at once, so a form can show
// them all instead of one per submit.
type FieldErrors []*FieldError

func (fe FieldErrors) Error() string {
	msgs := make([]string, len(fe))
	for i, e := range fe {
		msgs[i] = e.Msg
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

// ByField groups the messages by field path for a form renderer.
func (fe FieldErrors) ByField() map[string][]string {
	out := make(map[string][]string)
	for _, e := range fe {
		out[e.Field] = append(out[e.Field], e.Msg)
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
