package pricing

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
)

// window1500x1200 is the worked example's window: 2 hojas, qty 1.
var window1500x1200 = NewDims(decimal.NewFromInt(1500), decimal.NewFromInt(1200), 2, 1)

func TestNewDims(t *testing.T) {
	d := NewDims(dec("1500"), dec("1200.5"), 2, 3)
	want := Dims{WidthMM: 1500, HeightMM: 1200.5, WidthCM: 150, HeightCM: 120.05, WidthM: 1.5, HeightM: 1.2005,
		AreaM2: 1.80075, PerimeterM: 5.401, Hojas: 2, Quantity: 3}
	if d != want {
		t.Errorf("NewDims = %+v, want %+v", d, want)
	}
	if got := window1500x1200.AreaM2; got != 1.8 {
		t.Errorf("area of 1500×1200 = %v, want exactly 1.8", got)
	}
}

// validFormulas are evaluated on the 1500 × 1200 mm, 2-hoja window.
var validFormulas = []struct {
	src  string
	want float64
}{
	// Prototype seed formulas.
	{"width_m", 1.5},
	{"2 * height_m", 2.4},
	{"2 * (width_m / 2)", 1.5},
	{"math.ceil(width_m)", 2},
	{"area_m2 * 0.5", 0.9},
	{"4 * (width_m / 2 + height_m)", 7.8},
	{"2 * (width_m + height_m)", 5.4},
	{"0.5", 0.5},
	{"20", 20},
	// Every variable.
	{"width_mm + height_mm", 2700},
	{"width_cm + height_cm", 270},
	{"perimeter_m", 5.4},
	{"hojas * quantity", 2},
	// Functions.
	{"abs(-3)", 3},
	{"round(2.5)", 2},         // ties to even, as the prototype's Python round
	{"round(3.5)", 4},         // ties to even
	{"round(2.675, 2)", 2.67}, // 2.675 is stored as 2.67499…
	{"round(1234, -2)", 1200},
	{"min(width_m, height_m, 1)", 1},
	{"max(width_m, height_m)", 1.5},
	{"ceil(2.1) + floor(2.9)", 5},
	{"sqrt(16)", 4},
	{"pow(2, 10)", 1024},
	{"math.floor(width_m)", 1},
	{"math.sqrt(area_m2 / 0.45)", 2},
	// Operators.
	{"7 % 3", 1},
	{"-1 % 3", 2}, // floored, as Python
	{"width_mm % 7", 2},
	{"2 ^ 3", 8},
	{"2 ** 3 ^ 2", 512}, // right-associative
	{"-width_m", -1.5},
	{"+width_m", 1.5},
	{"-(2 ** 2)", -4},
	{"width_m > 1 ? 4 : 2", 4},
	{"width_m >= 2 ? 4 : 2", 2},
	{"width_m > 1 && hojas == 2 ? 1 : 0", 1},
	{"width_m > 2 || hojas != 2 ? 1 : 0", 0},
	{"width_m > 1 and not (hojas < 2) ? 1 : 0", 1},
	{"!(width_m > 1) ? 1 : 0", 0},
	{"1 < width_m < 2 ? 1 : 0", 1},
	{"width_m <= 1.5 ? 10 : 20", 10},
	{"9223372036854775807 + 1", 9.223372036854776e18}, // floats, no int64 wrap-around
	{"7 / 2", 3.5},
	{"1e3", 1000},
	{".5 * 2", 1},
	{"  width_m\n* 2 ", 3},
}

func TestFormulaValid(t *testing.T) {
	for _, tt := range validFormulas {
		t.Run(tt.src, func(t *testing.T) {
			f, err := CompileFormula(tt.src)
			if err != nil {
				t.Fatalf("CompileFormula(%q) error: %v", tt.src, err)
			}
			got, err := f.Eval(window1500x1200)
			if err != nil {
				t.Fatalf("Eval(%q) error: %v", tt.src, err)
			}
			if math.Abs(got-tt.want) > 1e-9*math.Max(1, math.Abs(tt.want)) {
				t.Errorf("Eval(%q) = %v, want %v", tt.src, got, tt.want)
			}
		})
	}
}

// forbiddenFormulas are rejected with a key, a 1-based position and a
// Spanish message.
var forbiddenFormulas = []struct {
	src, key string
	pos      int
	msg      string
}{
	{"", "formula.empty", 0, "la fórmula está vacía"},
	{"   ", "formula.empty", 0, "la fórmula está vacía"},
	{strings.Repeat("1+", 250) + "1", "formula.too_long", 0, "la fórmula es demasiado larga (máximo 500 caracteres)"},
	{strings.Repeat("1+", 120) + "1", "formula.too_complex", 0, "la fórmula es demasiado compleja (máximo 200 elementos)"},
	{"anchoo * 2", "formula.unknown_variable", 1, "variable desconocida «anchoo» en la posición 1"},
	{"width_m * alto", "formula.unknown_variable", 11, "variable desconocida «alto» en la posición 11"},
	{"año", "formula.unknown_variable", 1, "variable desconocida «año» en la posición 1"},
	{"pi * 2", "formula.unknown_variable", 1, "variable desconocida «pi» en la posición 1"},
	{"foo(1)", "formula.unknown_function", 1, "función desconocida «foo» en la posición 1"},
	{"len(1)", "formula.forbidden_function", 1, "función no permitida «len» en la posición 1"},
	{"sum(1, 2)", "formula.forbidden_function", 1, "función no permitida «sum» en la posición 1"},
	{"map(1, 2)", "formula.forbidden_function", 1, "función no permitida «map» en la posición 1"},
	{"int(width_m)", "formula.forbidden_function", 1, "función no permitida «int» en la posición 1"},
	{"1 + math.pow(2, 3)", "formula.forbidden_function", 5, "función no permitida «math.pow» en la posición 5"},
	{"math.pi", "formula.forbidden_function", 1, "función no permitida «math.pi» en la posición 1"},
	{"width_m(2)", "formula.not_a_function", 1, "«width_m» es una variable, no una función (posición 1)"},
	{"sqrt + 1", "formula.missing_call", 1, "«sqrt» es una función: escríbala con paréntesis, por ejemplo sqrt(width_m) (posición 1)"},
	{"math.ceil", "formula.missing_call", 1, "«math.ceil» es una función: escríbala con paréntesis, por ejemplo math.ceil(width_m) (posición 1)"},
	{"math", "formula.missing_call", 1, "«math.ceil» es una función: escríbala con paréntesis, por ejemplo math.ceil(width_m) (posición 1)"},
	{"'a'", "formula.string", 1, "no se permiten cadenas de texto (posición 1)"},
	{`width_m + "2"`, "formula.string", 11, "no se permiten cadenas de texto (posición 11)"},
	{"`x`", "formula.string", 1, "no se permiten cadenas de texto (posición 1)"},
	{"[1, 2]", "formula.list", 1, "no se permiten listas ni corchetes [ ] (posición 1)"},
	{"{a: 1}", "formula.map", 1, "no se permiten llaves { } (posición 1)"},
	{"1..3", "formula.range", 2, "no se permiten rangos «..» (posición 2)"},
	{"let x = 1; x", "formula.let", 1, "no se permite declarar variables con «let» (posición 1)"},
	{"1; 2", "formula.sequence", 2, "no se permiten varias expresiones separadas por «;» (posición 2)"},
	{"width_m | abs()", "formula.pipe", 9, "no se permite el operador «|» (posición 9)"},
	{"width_cm // 10", "formula.comment", 10, "no se permiten comentarios ni «//» (posición 10); para dividir use «/» y, si hace falta, floor(…)"},
	{"1 /* x */", "formula.comment", 3, "no se permiten comentarios ni «//» (posición 3); para dividir use «/» y, si hace falta, floor(…)"},
	{"1 in 2", "formula.forbidden_operator", 3, "operador no permitido «in» en la posición 3"},
	{"1 matches 2", "formula.forbidden_operator", 3, "operador no permitido «matches» en la posición 3"},
	{"1 ?? 2", "formula.forbidden_operator", 3, "operador no permitido «??» en la posición 3"},
	{"1 & 2", "formula.forbidden_operator", 3, "operador no permitido «&» en la posición 3"},
	{"#x", "formula.forbidden_operator", 1, "operador no permitido «#» en la posición 1"},
	{"width_m = 2", "formula.assignment", 9, "operador no permitido «=» en la posición 9; para comparar use «==»"},
	{"if width_m > 1 { 1 } else { 2 }", "formula.if", 1, "no se permite «if» (posición 1); use «condición ? valor_si : valor_no»"},
	{"width_m.x", "formula.member", 1, "acceso no permitido «width_m.x» en la posición 1; solo se permiten math.ceil, math.floor y math.sqrt"},
	{"nil", "formula.nil", 1, "no se permite «nil» (posición 1)"},
	{"true", "formula.bool_literal", 1, "no se permite el valor «true»; use una comparación como width_m > 1 (posición 1)"},
	{"false ? 1 : 2", "formula.bool_literal", 1, "no se permite el valor «false»; use una comparación como width_m > 1 (posición 1)"},
	{"width_m > 1", "formula.bool_result", 9, "el resultado debe ser un número, no una comparación; use «condición ? a : b» (posición 9)"},
	{"(width_m > 1) + 1", "formula.expected_number", 10, "se esperaba un número, pero hay una comparación en la posición 10"},
	{"width_m ? 1 : 2", "formula.expected_condition", 1, "se esperaba una condición (por ejemplo width_m > 1) en la posición 1"},
	{"!width_m", "formula.expected_condition", 2, "se esperaba una condición (por ejemplo width_m > 1) en la posición 2"},
	{"1 ?: 2", "formula.expected_condition", 1, "se esperaba una condición (por ejemplo width_m > 1) en la posición 1"},
	{"abs(1, 2)", "formula.arity_one", 1, "la función «abs» recibe un solo argumento (posición 1)"},
	{"abs()", "formula.arity_one", 1, "la función «abs» recibe un solo argumento (posición 1)"},
	{"math.ceil(1, 2)", "formula.arity_one", 1, "la función «math.ceil» recibe un solo argumento (posición 1)"},
	{"pow(2)", "formula.arity_two", 1, "la función «pow» recibe dos argumentos (posición 1)"},
	{"round(1, 2, 3)", "formula.arity_round", 1, "la función «round» recibe uno o dos argumentos (posición 1)"},
	{"min(1)", "formula.arity_min_two", 1, "la función «min» necesita al menos dos argumentos (posición 1)"},
	{"1 +", "formula.incomplete", 0, "la fórmula está incompleta: falta un número o una variable al final"},
	{"width_m > 1 ? 2", "formula.incomplete", 0, "la fórmula está incompleta: falta un número o una variable al final"},
	{"* 2", "formula.unexpected_token", 1, "símbolo inesperado «*» en la posición 1"},
	{"width_m width_m", "formula.unexpected_token", 9, "símbolo inesperado «width_m» en la posición 9"},
	{"(1 + 2", "formula.unclosed_paren", 1, "falta cerrar el paréntesis abierto en la posición 1"},
	{"1 + 2)", "formula.unopened_paren", 6, "paréntesis «)» sin abrir en la posición 6"},
	{"()", "formula.empty_parens", 1, "paréntesis vacíos en la posición 1"},
	{"0,5 * width_m", "formula.decimal_comma", 2, "use punto para los decimales (por ejemplo 0.5), no coma: posición 2"},
	{"1 × 2", "formula.bad_char", 3, "carácter no permitido «×» en la posición 3"},
	{"width_m $ 2", "formula.bad_char", 9, "carácter no permitido «$» en la posición 9"},
	{"0x10", "formula.bad_number", 1, "número mal escrito «0x10» en la posición 1"},
	{"1_000", "formula.bad_number", 1, "número mal escrito «1_000» en la posición 1"},
	{"2 * 12abc", "formula.bad_number", 5, "número mal escrito «12abc» en la posición 5"},
	{"99999999999999999999", "formula.number_too_large", 1, "número demasiado grande «99999999999999999999» en la posición 1"},
	{"1e999", "formula.number_too_large", 1, "número demasiado grande «1e999» en la posición 1"},
}

func TestFormulaForbidden(t *testing.T) {
	for _, tt := range forbiddenFormulas {
		t.Run(tt.src, func(t *testing.T) {
			_, err := CompileFormula(tt.src)
			var fe *FormulaError
			if !errors.As(err, &fe) {
				t.Fatalf("CompileFormula(%q) error = %v, want *FormulaError", tt.src, err)
			}
			if fe.Key != tt.key || fe.Pos != tt.pos {
				t.Errorf("key, pos = %q, %d; want %q, %d", fe.Key, fe.Pos, tt.key, tt.pos)
			}
			if err.Error() != tt.msg {
				t.Errorf("message = %q\nwant      %q", err.Error(), tt.msg)
			}
			if err := ValidateFormula(tt.src); err == nil {
				t.Errorf("ValidateFormula(%q) = nil, want error", tt.src)
			}
		})
	}
}

func TestFormulaEvalErrors(t *testing.T) {
	tests := []struct {
		src  string
		dims Dims
		key  string
	}{
		{"1 / 0", window1500x1200, "formula.not_finite"},
		{"width_m / (height_m - 1.2)", window1500x1200, "formula.not_finite"}, // division by zero for this size only
		{"0 / 0", window1500x1200, "formula.not_finite"},
		{"sqrt(-1)", window1500x1200, "formula.not_finite"},
		{"math.sqrt(width_m - 2)", window1500x1200, "formula.not_finite"},
		{"pow(0, -1)", window1500x1200, "formula.not_finite"},
		{"10 ** 400", window1500x1200, "formula.not_finite"},
		{"width_m % 0", window1500x1200, "formula.not_finite"},
		{"round(width_m, 0.5)", window1500x1200, "formula.eval"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			f, err := CompileFormula(tt.src)
			if err != nil {
				t.Fatalf("CompileFormula(%q) error: %v", tt.src, err)
			}
			v, err := f.Eval(tt.dims)
			var fe *FormulaError
			if !errors.As(err, &fe) || fe.Key != tt.key {
				t.Fatalf("Eval(%q) = %v, %v; want error %s", tt.src, v, err, tt.key)
			}
		})
	}
	f, _ := CompileFormula("1 / 0")
	_, err := f.Eval(window1500x1200)
	if want := "el resultado no es un número válido (¿división entre cero o raíz de un negativo?)"; err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
}

func TestFormulaNegativeIsReturnedRaw(t *testing.T) {
	// Eval reports the raw value; the BOM step clamps it (see TestPriceClampsNegative).
	f, err := CompileFormula("width_m - 2")
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Eval(window1500x1200)
	if err != nil || got != -0.5 {
		t.Errorf("Eval = %v, %v; want -0.5, nil", got, err)
	}
}

func TestFormulaCache(t *testing.T) {
	a, err := CompileFormula("width_m * 3 + 0.25")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := CompileFormula("width_m * 3 + 0.25")
	if a != b {
		t.Error("same text compiled twice, want the cached *Formula")
	}
	if a.Source() != "width_m * 3 + 0.25" {
		t.Errorf("Source() = %q", a.Source())
	}

	c := &cache{m: map[string]*Formula{}, max: 3}
	for i := range 10 {
		c.put(fmt.Sprint(i), a)
	}
	if c.len() != 3 {
		t.Errorf("bounded cache holds %d entries, want 3", c.len())
	}
}

func TestFormulaConcurrent(t *testing.T) {
	// Run with -race: compiling and evaluating share the cache and VM pool.
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				src := fmt.Sprintf("width_m * %d + height_m", (g*200+i)%37)
				f, err := CompileFormula(src)
				if err != nil {
					t.Error(err)
					return
				}
				want := 1.5*float64((g*200+i)%37) + 1.2
				if got, err := f.Eval(window1500x1200); err != nil || math.Abs(got-want) > 1e-9 {
					t.Errorf("Eval(%q) = %v, %v; want %v", src, got, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestMessageTemplatesCoverKeys(t *testing.T) {
	msgs := MessageTemplates()
	for _, tt := range forbiddenFormulas {
		if _, ok := msgs[tt.key]; !ok {
			t.Errorf("key %q has no template", tt.key)
		}
	}
	for k, v := range msgs {
		if strings.Count(v, "{{") != strings.Count(v, "}}") {
			t.Errorf("template %q is unbalanced: %q", k, v)
		}
	}
}

// fuzzDims are the windows each fuzzed formula is evaluated on.
var fuzzDims = []Dims{
	window1500x1200,
	NewDims(dec("1"), dec("1"), 1, 1),
	NewDims(dec("3000"), dec("2500.5"), 4, 10),
	{}, // all zero: divisions by zero variables
}

func FuzzFormula(f *testing.F) {
	for _, tt := range validFormulas {
		f.Add(tt.src)
	}
	for _, tt := range forbiddenFormulas {
		f.Add(tt.src)
	}
	for _, s := range []string{"width_m / height_m", "1 / (width_m - width_m)", "round(width_m, 300)", "min(1,2,", "math.",
		"math.ceil(", "((((1))))", "-(-(-1))", "1 ? 2 : 3", "abs(width_m > 1 ? -1 : 1)", "2 ** 2 ** 2 ** 2 ** 2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		form, err := CompileFormula(src)
		if err != nil {
			var fe *FormulaError
			if !errors.As(err, &fe) {
				t.Fatalf("CompileFormula(%q) error %T %v, want *FormulaError", src, err, err)
			}
			if fe.Key == "formula.invalid" {
				t.Fatalf("CompileFormula(%q): our validator accepted what expr rejected: %v", src, fe.Detail)
			}
			if _, ok := messagesES[fe.Key]; !ok || fe.Msg == "" || strings.Contains(fe.Msg, "{{") {
				t.Fatalf("CompileFormula(%q): bad message %q for key %q", src, fe.Msg, fe.Key)
			}
			return
		}
		for _, d := range fuzzDims {
			v, err := form.Eval(d)
			if err != nil {
				var fe *FormulaError
				if !errors.As(err, &fe) || (fe.Key != "formula.not_finite" && fe.Key != "formula.eval") {
					t.Fatalf("Eval(%q) error %v, want a clean *FormulaError", src, err)
				}
				continue
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("Eval(%q) = %v, want a finite number or an error", src, v)
			}
		}
	})
}

// BenchmarkEvalBOM12 evaluates a 12-line BOM (the prototype corrediza plus
// a few conditionals) with compiled formulas, as pricing one window does.
func BenchmarkEvalBOM12(b *testing.B) {
	srcs := []string{
		"width_m", "width_m", "2 * height_m", "2 * (width_m / 2)", "2 * (width_m / 2)", "height_m",
		"area_m2 * 0.5", "4", "4 * (width_m / 2 + height_m)", "0.5", "hojas > 1 ? 20 : 10", "math.ceil(perimeter_m / 0.5)",
	}
	forms := make([]*Formula, len(srcs))
	for i, s := range srcs {
		f, err := CompileFormula(s)
		if err != nil {
			b.Fatal(err)
		}
		forms[i] = f
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range forms {
			if _, err := f.Eval(window1500x1200); err != nil {
				b.Fatal(err)
			}
		}
	}
}
