package pricing

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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

// forbiddenFormulas are rejected with a key, a 1-based position and the
// detail the message quotes (the texts are in locales/, tested there).
var forbiddenFormulas = []struct {
	src, key string
	pos      int
	detail   string // the token or limit the message quotes
}{
	{"", "formula.empty", 0, ""},
	{"   ", "formula.empty", 0, ""},
	{strings.Repeat("1+", 250) + "1", "formula.too_long", 0, "500"},
	{strings.Repeat("1+", 120) + "1", "formula.too_complex", 0, "200"},
	{"anchoo * 2", "formula.unknown_variable", 1, "anchoo"},
	{"width_m * alto", "formula.unknown_variable", 11, "alto"},
	{"año", "formula.unknown_variable", 1, "año"},
	{"pi * 2", "formula.unknown_variable", 1, "pi"},
	{"foo(1)", "formula.unknown_function", 1, "foo"},
	{"len(1)", "formula.forbidden_function", 1, "len"},
	{"sum(1, 2)", "formula.forbidden_function", 1, "sum"},
	{"map(1, 2)", "formula.forbidden_function", 1, "map"},
	{"int(width_m)", "formula.forbidden_function", 1, "int"},
	{"1 + math.pow(2, 3)", "formula.forbidden_function", 5, "math.pow"},
	{"math.pi", "formula.forbidden_function", 1, "math.pi"},
	{"width_m(2)", "formula.not_a_function", 1, "width_m"},
	{"sqrt + 1", "formula.missing_call", 1, "sqrt"},
	{"math.ceil", "formula.missing_call", 1, "math.ceil"},
	{"math", "formula.missing_call", 1, "math.ceil"},
	{"'a'", "formula.string", 1, ""},
	{`width_m + "2"`, "formula.string", 11, ""},
	{"`x`", "formula.string", 1, ""},
	{"[1, 2]", "formula.list", 1, ""},
	{"{a: 1}", "formula.map", 1, ""},
	{"1..3", "formula.range", 2, ""},
	{"let x = 1; x", "formula.let", 1, ""},
	{"1; 2", "formula.sequence", 2, ""},
	{"width_m | abs()", "formula.pipe", 9, ""},
	{"width_cm // 10", "formula.comment", 10, ""},
	{"1 /* x */", "formula.comment", 3, ""},
	{"1 in 2", "formula.forbidden_operator", 3, "in"},
	{"1 matches 2", "formula.forbidden_operator", 3, "matches"},
	{"1 ?? 2", "formula.forbidden_operator", 3, "??"},
	{"1 & 2", "formula.forbidden_operator", 3, "&"},
	{"#x", "formula.forbidden_operator", 1, "#"},
	{"width_m = 2", "formula.assignment", 9, ""},
	{"if width_m > 1 { 1 } else { 2 }", "formula.if", 1, "if"},
	{"width_m.x", "formula.member", 1, "width_m.x"},
	{"nil", "formula.nil", 1, ""},
	{"true", "formula.bool_literal", 1, "true"},
	{"false ? 1 : 2", "formula.bool_literal", 1, "false"},
	{"width_m > 1", "formula.bool_result", 9, ""},
	{"(width_m > 1) + 1", "formula.expected_number", 10, ""},
	{"width_m ? 1 : 2", "formula.expected_condition", 1, ""},
	{"!width_m", "formula.expected_condition", 2, ""},
	{"1 ?: 2", "formula.expected_condition", 1, ""},
	{"abs(1, 2)", "formula.arity_one", 1, "abs"},
	{"abs()", "formula.arity_one", 1, "abs"},
	{"math.ceil(1, 2)", "formula.arity_one", 1, "math.ceil"},
	{"pow(2)", "formula.arity_two", 1, "pow"},
	{"round(1, 2, 3)", "formula.arity_round", 1, "round"},
	{"min(1)", "formula.arity_min_two", 1, "min"},
	{"1 +", "formula.incomplete", 0, ""},
	{"width_m > 1 ? 2", "formula.incomplete", 0, ""},
	{"* 2", "formula.unexpected_token", 1, "*"},
	{"width_m width_m", "formula.unexpected_token", 9, "width_m"},
	{"(1 + 2", "formula.unclosed_paren", 1, ""},
	{"1 + 2)", "formula.unopened_paren", 6, ""},
	{"()", "formula.empty_parens", 1, ""},
	{"0,5 * width_m", "formula.decimal_comma", 2, ""},
	{"1 × 2", "formula.bad_char", 3, "×"},
	{"width_m $ 2", "formula.bad_char", 9, "$"},
	{"0x10", "formula.bad_number", 1, "0x10"},
	{"1_000", "formula.bad_number", 1, "1_000"},
	{"2 * 12abc", "formula.bad_number", 5, "12abc"},
	{"99999999999999999999", "formula.number_too_large", 1, "99999999999999999999"},
	{"1e999", "formula.number_too_large", 1, "1e999"},
}

func TestFormulaForbidden(t *testing.T) {
	for _, tt := range forbiddenFormulas {
		t.Run(tt.src, func(t *testing.T) {
			_, err := CompileFormula(tt.src)
			var fe *FormulaError
			if !errors.As(err, &fe) {
				t.Fatalf("CompileFormula(%q) error = %v, want *FormulaError", tt.src, err)
			}
			if fe.Key != tt.key || fe.Pos != tt.pos || fe.Detail != tt.detail {
				t.Errorf("key, pos, detail = %q, %d, %q; want %q, %d, %q", fe.Key, fe.Pos, fe.Detail, tt.key, tt.pos, tt.detail)
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
		{"round(width_m, 0.5)", window1500x1200, "formula.round_digits"},
		{"round(1, 20)", window1500x1200, "formula.round_digits"},
		{"round(width_m, width_m * 20)", window1500x1200, "formula.round_digits"}, // digits known only at run time
		{"pow(10, 400)", window1500x1200, "formula.not_finite"},
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

// TestMessageKeysMatchCode: MessageKeys, which locales' tests check against
// both message files, must list exactly the keys this package's code
// returns (every quoted "formula.…", "quote.…", "catalog.…" or "number.…"
// literal outside tests and errors.go), sorted.
func TestMessageKeysMatchCode(t *testing.T) {
	literal := regexp.MustCompile(`"((?:formula|quote|catalog|number)\.[a-z_]+)"`)
	inCode := map[string]string{}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "errors.go" {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(data), -1) {
			inCode[m[1]] = name
		}
	}
	listed := map[string]bool{}
	for _, k := range MessageKeys() {
		listed[k] = true
		if _, ok := inCode[k]; !ok {
			t.Errorf("MessageKeys lists %s, which no code returns", k)
		}
	}
	for k, file := range inCode {
		if !listed[k] {
			t.Errorf("%s returns %s, which MessageKeys does not list", file, k)
		}
	}
	if !slices.IsSorted(messageKeys) {
		t.Error("messageKeys is not sorted")
	}
	for _, tt := range forbiddenFormulas {
		if !listed[tt.key] {
			t.Errorf("forbidden formula %q gives %s, not in MessageKeys", tt.src, tt.key)
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
			if !slices.Contains(messageKeys, fe.Key) {
				t.Fatalf("CompileFormula(%q): key %q is not in MessageKeys", src, fe.Key)
			}
			return
		}
		for _, d := range fuzzDims {
			v, err := form.Eval(d)
			if err != nil {
				var fe *FormulaError
				if !errors.As(err, &fe) || (fe.Key != "formula.not_finite" && fe.Key != "formula.round_digits") {
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
