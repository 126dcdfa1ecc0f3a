package locales

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/shopspring/decimal"

	"cotizador/pricing"
)

// messages reads a message file into id → forms (a plain message has the
// single form "other").
func messages(t *testing.T, name string) map[string]map[string]string {
	t.Helper()
	var raw map[string]any
	data, err := fs.ReadFile(FS, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := toml.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := map[string]map[string]string{}
	for id, v := range raw {
		switch v := v.(type) {
		case string:
			out[id] = map[string]string{"other": v}
		case map[string]any:
			forms := map[string]string{}
			for k, f := range v {
				s, _ := f.(string)
				forms[k] = s
			}
			out[id] = forms
		default:
			t.Fatalf("%s: %s has unexpected type %T", name, id, v)
		}
	}
	return out
}

var (
	// In templates: {{.L.T "id"}}, {{$.L.N "id" .Count}}.
	templateKey = regexp.MustCompile(`\.L\.[TN] "([^"]+)"`)
	// In Go: any string literal shaped like a message id. Only ids whose
	// first segment is one of the files' namespaces are checked, so other
	// dotted strings (file names, routes) are not mistaken for ids.
	goKey = regexp.MustCompile(`"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
)

// usedKeys collects the message ids used in views and in Go code.
func usedKeys(t *testing.T, namespaces map[string]bool) map[string][]string {
	t.Helper()
	used := map[string][]string{}
	root := ".."
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "data", "bin", "tools":
				return filepath.SkipDir
			}
			return nil
		}
		isView := strings.HasSuffix(p, ".html")
		isGo := strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go")
		if !isView && !isGo {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		re := goKey
		if isView {
			re = templateKey
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			id := m[1]
			if isGo && !namespaces[strings.SplitN(id, ".", 2)[0]] {
				continue
			}
			used[id] = append(used[id], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return used
}

func TestEveryUsedKeyExistsInEveryLocale(t *testing.T) {
	es, en := messages(t, "active.es.toml"), messages(t, "active.en.toml")
	namespaces := map[string]bool{}
	for id := range es {
		namespaces[strings.SplitN(id, ".", 2)[0]] = true
	}
	used := usedKeys(t, namespaces)
	if len(used) < 20 {
		t.Fatalf("found only %d used keys: the scanner is broken", len(used))
	}
	for _, file := range []struct {
		name string
		msgs map[string]map[string]string
	}{{"active.es.toml", es}, {"active.en.toml", en}} {
		t.Run(file.name, func(t *testing.T) {
			var missing []string
			for id, where := range used {
				if _, ok := file.msgs[id]; !ok {
					missing = append(missing, id+" (used in "+where[0]+")")
				}
			}
			sort.Strings(missing)
			for _, m := range missing {
				t.Errorf("missing message %s", m)
			}
		})
	}
}

func TestLocalesHaveTheSameKeys(t *testing.T) {
	es, en := messages(t, "active.es.toml"), messages(t, "active.en.toml")
	for id := range es {
		if _, ok := en[id]; !ok {
			t.Errorf("%s is in es but not in en", id)
		}
	}
	for id := range en {
		if _, ok := es[id]; !ok {
			t.Errorf("%s is in en but not in es", id)
		}
	}
}

// Spanish has three plural categories (one, many, other); go-i18n fails a
// plural lookup whose category is missing.
func TestPluralFormsComplete(t *testing.T) {
	want := map[string][]string{"active.es.toml": {"one", "many", "other"}, "active.en.toml": {"one", "other"}}
	for file, forms := range want {
		for id, got := range messages(t, file) {
			if len(got) == 1 {
				continue // not a plural message
			}
			for _, f := range forms {
				if got[f] == "" {
					t.Errorf("%s: plural message %s lacks the %q form", file, id, f)
				}
			}
		}
	}
}

func TestTranslatorPluralsAndFallback(t *testing.T) {
	b, err := NewBundle(nil)
	if err != nil {
		t.Fatal(err)
	}
	es := b.Translator("es")
	for _, tt := range []struct {
		n    int
		want string
	}{{1, "1 día"}, {2, "2 días"}, {1000000, "1000000 de días"}} {
		if got := es.N("status.uptime_days", tt.n); got != tt.want {
			t.Errorf("N(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got, want := es.T("no.such.key"), "no.such.key"; got != want {
		t.Errorf("missing key renders %q, want %q", got, want)
	}
	if got, want := b.Translator("en").T("nav.home"), "Home"; got != want {
		t.Errorf("en nav.home = %q, want %q", got, want)
	}
}

func TestMatch(t *testing.T) {
	b, err := NewBundle(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		prefs []string
		want  string
	}{
		{[]string{"", "", ""}, "es"},
		{[]string{"en", "es", "es-MX"}, "en"},
		{[]string{"", "en", "es"}, "en"},
		{[]string{"", "", "en-US,en;q=0.9"}, "en"},
		{[]string{"", "", "es-MX,es;q=0.9,en;q=0.8"}, "es"},
		{[]string{"", "", "fr-FR,fr;q=0.9"}, "es"},
		{[]string{"xx-garbage!!", "", ""}, "es"},
	}
	for _, tt := range tests {
		if got := b.Match(tt.prefs...); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.prefs, got, tt.want)
		}
	}
}

// TestPricingMessages: pricing's errors carry only keys and arguments, so
// every key pricing.MessageKeys lists must exist in both files and render
// with no placeholder left, and a reason nested in another message (a
// formula's error inside a BOM line's) must be rendered by the locale too,
// in the same language.
func TestPricingMessages(t *testing.T) {
	b, err := NewBundle(nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := pricing.MessageKeys()
	if len(keys) < 50 {
		t.Fatalf("pricing.MessageKeys() lists %d keys: the list is broken", len(keys))
	}
	// Every argument any pricing message reads; Reason is itself a message.
	args := map[string]any{
		"Pos": 5, "Detail": "anchoo", "Value": "abc", "Code": "PER-1", "Material": "Jamba", "Product": "Ventana",
		"Min": "800", "Max": "3000", "Subtotal": "$2,531.68 MXN", "Length": 6000, "Bar": 6000, "Trim": 10,
		"Line": 3, "Formula": "1/0", "Width": "800", "Height": "600",
		"Reason": &pricing.FormulaError{Key: "formula.unknown_variable", Pos: 5, Detail: "anchoo"},
	}
	leftover := regexp.MustCompile(`\{\{|<no value>|\b(formula|quote|catalog|number)\.[a-z_]+`)
	for _, lang := range []string{"es", "en"} {
		msgs := messages(t, "active."+lang+".toml")
		tr := b.Translator(lang)
		for _, key := range keys {
			t.Run(lang+"/"+key, func(t *testing.T) {
				if _, ok := msgs[key]; !ok {
					t.Fatalf("active.%s.toml lacks pricing message %s", lang, key)
				}
				if got := tr.Map(key, args); leftover.MatchString(got) {
					t.Errorf("%s renders %q, want no placeholder or key left", key, got)
				}
			})
		}
	}

	// Whole texts of errors pricing really returns.
	formulaErr := func(src string) error {
		f, err := pricing.CompileFormula(src)
		if err != nil {
			return err
		}
		_, err = f.Eval(pricing.NewDims(decimal.NewFromInt(1500), decimal.NewFromInt(1200), 2, 1))
		return err
	}
	firstFieldError := func(err error) error {
		var fes pricing.FieldErrors
		if !errors.As(err, &fes) || len(fes) == 0 {
			t.Fatalf("error %v, want pricing.FieldErrors", err)
		}
		return fes[0]
	}
	corner := firstFieldError(pricing.ValidateProduct(pricing.Product{
		MinWidthMM: decimal.NewFromInt(800), MaxWidthMM: decimal.NewFromInt(2400),
		MinHeightMM: decimal.NewFromInt(600), MaxHeightMM: decimal.NewFromInt(2000),
		BOM: []pricing.BOMLine{
			{MaterialCode: "A", QuantityFormula: "1"},
			{MaterialCode: "B", QuantityFormula: "2"},
			{MaterialCode: "C", QuantityFormula: "1/0"},
		},
	}))
	tests := []struct {
		name, lang string
		err        error
		want       string
	}{
		{"size corner es", "es", corner,
			"La fórmula «1/0» de la línea 3 no se puede calcular con 800 × 600 mm: el resultado no es un número válido (¿división entre cero o raíz de un negativo?)"},
		{"size corner en", "en", corner,
			"The formula «1/0» of line 3 cannot be calculated for 800 × 600 mm: the result is not a valid number (division by zero or root of a negative?)"},
		{"compile error in a line es", "es", firstFieldError(pricing.ValidateProduct(pricing.Product{
			BOM: []pricing.BOMLine{{MaterialCode: "A", QuantityFormula: "anchoo * 2"}}})),
			"Fórmula de la línea 1: variable desconocida «anchoo» en la posición 1"},
		{"round digits es", "es", formulaErr("round(1, 20)"), "los decimales de round deben ser un número entero entre -15 y 15"},
		{"unknown variable en", "en", formulaErr("3 * anchoo"), "unknown variable «anchoo» at position 5"},
		{"number es", "es", func() error { _, err := pricing.ParseDecimal("abc"); return err }(), "«abc» no es un número válido"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok := tt.err.(Nested)
			if !ok {
				t.Fatalf("error %T %v is not a Nested message", tt.err, tt.err)
			}
			if got := b.Translator(tt.lang).Map(n.MessageID(), n.MessageData()); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// selfNested is a message whose Reason is itself: rendering must stop.
type selfNested struct{}

func (s selfNested) MessageID() string           { return "catalogio.invalid" }
func (s selfNested) MessageData() map[string]any { return map[string]any{"Reason": s} }

// TestNestedMessages: a template argument that is itself a message is
// rendered first, in the same language, at any depth; the caller's argument
// map is left as it was; a message that contains itself stops rendering.
func TestNestedMessages(t *testing.T) {
	b, err := NewBundle(nil)
	if err != nil {
		t.Fatal(err)
	}
	formula := &pricing.FormulaError{Key: "formula.unknown_variable", Pos: 1, Detail: "anchoo"}
	line := &pricing.FieldError{Field: "bom[0].quantity_formula", Key: "catalog.bom_formula", Args: map[string]any{"Line": 1, "Reason": formula}}
	args := map[string]any{"Reason": line}
	tests := []struct {
		name, lang, id string
		args           map[string]any
		want           string
	}{
		{"one level", "es", "catalog.bom_formula", line.Args, "Fórmula de la línea 1: variable desconocida «anchoo» en la posición 1"},
		{"two levels (a CSV row's reason)", "es", "catalogio.invalid", args, "Fórmula de la línea 1: variable desconocida «anchoo» en la posición 1"},
		{"two levels in English", "en", "catalogio.invalid", args, "Formula of line 1: unknown variable «anchoo» at position 1"},
		{"a message that contains itself", "es", "catalogio.invalid", map[string]any{"Reason": selfNested{}}, "catalogio.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Translator(tt.lang).Map(tt.id, tt.args); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	if args["Reason"] != line || line.Args["Reason"] != formula {
		t.Error("rendering replaced the caller's arguments")
	}
}
