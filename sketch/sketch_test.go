package sketch

import (
	"encoding/xml"
	"errors"
	"html/template"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// node is one parsed element: its name, attributes and direct text.
type node struct {
	name  string
	attrs map[string]string
	text  string
	depth int
}

func (n node) hasClass(c string) bool {
	for _, f := range strings.Fields(n.attrs["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

func (n node) float(t *testing.T, attr string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attrs[attr], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.name, attr, n.attrs[attr], err)
	}
	return v
}

// parse walks the SVG with encoding/xml (strict mode), failing the test on
// any syntax error, and returns the elements in document order.
func parse(t *testing.T, svg string) []node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var out []node
	var stack []int
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := node{name: tok.Name.Local, attrs: map[string]string{}, depth: len(stack)}
			if len(stack) == 0 && tok.Name.Space != "http://www.w3.org/2000/svg" {
				t.Errorf("root namespace %q, want the SVG namespace", tok.Name.Space)
			}
			for _, a := range tok.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			out = append(out, n)
			stack = append(stack, len(out)-1)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				out[stack[len(stack)-1]].text += string(tok)
			}
		}
	}
	if len(out) == 0 || out[0].name != "svg" {
		t.Fatalf("root is not <svg>: %s", svg)
	}
	return out
}

func byClass(nodes []node, class string) []node {
	var out []node
	for _, n := range nodes {
		if n.hasClass(class) {
			out = append(out, n)
		}
	}
	return out
}

func mustSVG(t *testing.T, s Spec) string {
	t.Helper()
	h, err := SVG(s)
	if err != nil {
		t.Fatalf("SVG(%+v): %v", s, err)
	}
	return string(h)
}

func TestSVGKinds(t *testing.T) {
	tests := []struct {
		spec      Spec
		title     string
		kindClass string
		glass     int // panes (one per leaf, or the fixed pane)
		sashes    int // moving or framed leaves
		arrows    int
		swings    int // opening triangles
		marks     int // "F" marks
		handles   int
	}{
		{Spec{Kind: Fija, WidthMM: 1000, HeightMM: 1000}, "Ventana fija, 1000 × 1000 mm", "sketch-fija", 1, 0, 0, 0, 1, 0},
		{Spec{Kind: Corrediza, WidthMM: 1500, HeightMM: 1200}, "Ventana corrediza 2 hojas, 1500 × 1200 mm", "sketch-corrediza", 2, 2, 2, 0, 0, 0},
		{Spec{Kind: Corrediza, Hojas: 2, WidthMM: 1500, HeightMM: 1200, Label: "Recámara 1"}, "Ventana corrediza 2 hojas, 1500 × 1200 mm — Recámara 1", "sketch-corrediza", 2, 2, 2, 0, 0, 0},
		{Spec{Kind: Corrediza, Hojas: 3, WidthMM: 2400, HeightMM: 1200}, "Ventana corrediza 3 hojas, 2400 × 1200 mm", "sketch-corrediza", 3, 3, 2, 0, 1, 0},
		{Spec{Kind: Corrediza, Hojas: 4, WidthMM: 3000, HeightMM: 1500}, "Ventana corrediza 4 hojas, 3000 × 1500 mm", "sketch-corrediza", 4, 4, 2, 0, 2, 0},
		{Spec{Kind: Proyectante, WidthMM: 600, HeightMM: 400}, "Ventana proyectante, 600 × 400 mm", "sketch-proyectante", 1, 1, 0, 1, 0, 0},
		{Spec{Kind: Abatible, Hojas: 1, WidthMM: 600, HeightMM: 1200}, "Ventana abatible, 600 × 1200 mm", "sketch-abatible", 1, 1, 0, 1, 0, 0},
		{Spec{Kind: Oscilobatiente, WidthMM: 800, HeightMM: 1400}, "Ventana oscilobatiente, 800 × 1400 mm", "sketch-oscilobatiente", 1, 1, 0, 2, 0, 0},
		{Spec{Kind: Puerta, WidthMM: 900, HeightMM: 2100}, "Puerta 1 hoja, 900 × 2100 mm", "sketch-puerta", 1, 1, 0, 1, 0, 1},
		{Spec{Kind: Puerta, Hojas: 2, WidthMM: 1800, HeightMM: 2400}, "Puerta 2 hojas, 1800 × 2400 mm", "sketch-puerta", 2, 2, 0, 2, 0, 2},
		{Spec{Kind: "Corrediza ", Hojas: 3, WidthMM: 2400, HeightMM: 1200}, "Ventana corrediza 3 hojas, 2400 × 1200 mm", "sketch-corrediza", 3, 3, 2, 0, 1, 0},
		{Spec{Kind: "domo", Hojas: 7, WidthMM: 1000, HeightMM: 1000}, "Vano (domo), 1000 × 1000 mm", "sketch-otro", 1, 0, 0, 0, 0, 0},
		{Spec{WidthMM: 1000, HeightMM: 500}, "Vano, 1000 × 500 mm", "sketch-otro", 1, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			svg := mustSVG(t, tt.spec)
			nodes := parse(t, svg)
			root := nodes[0]
			if root.attrs["role"] != "img" {
				t.Errorf(`role = %q, want "img"`, root.attrs["role"])
			}
			if !root.hasClass("sketch") || !root.hasClass(tt.kindClass) {
				t.Errorf("root class = %q, want sketch and %s", root.attrs["class"], tt.kindClass)
			}
			if root.attrs["viewBox"] != "0 0 244 272" {
				t.Errorf("viewBox = %q; it is meant to be fixed", root.attrs["viewBox"])
			}
			if nodes[1].name != "title" || nodes[1].text != tt.title {
				t.Errorf("first child <%s> %q, want <title> %q", nodes[1].name, nodes[1].text, tt.title)
			}
			if root.attrs["aria-label"] != tt.title {
				t.Errorf("aria-label = %q, want %q", root.attrs["aria-label"], tt.title)
			}
			for class, want := range map[string]int{
				"sketch-frame":  1,
				"sketch-glass":  tt.glass,
				"sketch-sash":   tt.sashes,
				"sketch-arrow":  tt.arrows,
				"sketch-swing":  tt.swings,
				"sketch-mark":   tt.marks,
				"sketch-handle": tt.handles,
				"sketch-dim":    1,
				"sketch-dim-w":  1,
				"sketch-dim-h":  1,
			} {
				if got := len(byClass(nodes, class)); got != want {
					t.Errorf("%d elements of class %s, want %d", got, class, want)
				}
			}
			if got := byClass(nodes, "sketch-dim-w")[0].text; got != strconv.Itoa(tt.spec.WidthMM) {
				t.Errorf("width text %q, want %d", got, tt.spec.WidthMM)
			}
			h := byClass(nodes, "sketch-dim-h")[0]
			if h.text != strconv.Itoa(tt.spec.HeightMM) {
				t.Errorf("height text %q, want %d", h.text, tt.spec.HeightMM)
			}
			if !strings.HasPrefix(h.attrs["transform"], "rotate(-90 ") {
				t.Errorf("height text transform %q, want it rotated", h.attrs["transform"])
			}
			floors := len(byClass(nodes, "sketch-floor"))
			if wantFloor := tt.kindClass == "sketch-puerta"; (floors == 1) != wantFloor {
				t.Errorf("%d floor lines, door=%v", floors, wantFloor)
			}
			if labels := byClass(nodes, "sketch-label"); tt.spec.Label != "" {
				if len(labels) != 1 || labels[0].text != tt.spec.Label {
					t.Errorf("caption %v, want %q", labels, tt.spec.Label)
				}
			} else if len(labels) != 0 {
				t.Errorf("caption drawn without a label: %v", labels)
			}
			checkInside(t, nodes)
		})
	}
}

// checkInside asserts every rectangle lies within the viewBox, so nothing is
// clipped on the phone.
func checkInside(t *testing.T, nodes []node) {
	t.Helper()
	for _, n := range nodes {
		if n.name != "rect" {
			continue
		}
		x, y, w, h := n.float(t, "x"), n.float(t, "y"), n.float(t, "width"), n.float(t, "height")
		if x < 0 || y < 0 || w < 0 || h < 0 || x+w > 244.05 || y+h > 272.05 {
			t.Errorf("rect %v outside the viewBox", n.attrs)
		}
	}
}

func TestFrameAspect(t *testing.T) {
	for _, wh := range [][2]int{
		{1500, 1200}, {1200, 1500}, {1000, 1000}, {3000, 1500}, {900, 2100},
		{600, 3600}, {3600, 600}, // exactly at the clamp
		{300, 2400}, {6000, 400}, {1, 100000}, {100000, 1}, // beyond it
		{1, 1}, {100000, 100000}, {1234, 567},
	} {
		for _, k := range []Kind{Fija, Corrediza, Puerta, "x"} {
			nodes := parse(t, mustSVG(t, Spec{Kind: k, WidthMM: wh[0], HeightMM: wh[1]}))
			f := byClass(nodes, "sketch-frame")[0]
			w, h := f.float(t, "width"), f.float(t, "height")
			want := math.Max(1.0/6, math.Min(6, float64(wh[0])/float64(wh[1])))
			if got := w / h; math.Abs(got-want)/want > 0.01 {
				t.Errorf("%s %d×%d: frame %v×%v, ratio %.4f, want %.4f", k, wh[0], wh[1], w, h, got, want)
			}
			if math.Max(w, h) != 200 {
				t.Errorf("%s %d×%d: longer side %v, want 200", k, wh[0], wh[1], math.Max(w, h))
			}
			// The dimension texts show the real size even when clamped.
			if got := byClass(nodes, "sketch-dim-w")[0].text; got != strconv.Itoa(wh[0]) {
				t.Errorf("width text %q, want %d", got, wh[0])
			}
			if got := byClass(nodes, "sketch-dim-h")[0].text; got != strconv.Itoa(wh[1]) {
				t.Errorf("height text %q, want %d", got, wh[1])
			}
			checkInside(t, nodes)
		}
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		spec Spec
		err  error
	}{
		{Spec{Kind: Fija, WidthMM: 0, HeightMM: 1000}, ErrDims},
		{Spec{Kind: Fija, WidthMM: 1000, HeightMM: 0}, ErrDims},
		{Spec{Kind: Fija, WidthMM: -5, HeightMM: 1000}, ErrDims},
		{Spec{Kind: Fija, WidthMM: 1000, HeightMM: -1}, ErrDims},
		{Spec{Kind: Fija, WidthMM: 100001, HeightMM: 1000}, ErrDims},
		{Spec{Kind: "otro", WidthMM: 1000, HeightMM: 100001}, ErrDims},
		{Spec{Kind: Corrediza, Hojas: 1, WidthMM: 1000, HeightMM: 1000}, ErrHojas},
		{Spec{Kind: Corrediza, Hojas: 5, WidthMM: 1000, HeightMM: 1000}, ErrHojas},
		{Spec{Kind: Corrediza, Hojas: -2, WidthMM: 1000, HeightMM: 1000}, ErrHojas},
		{Spec{Kind: Puerta, Hojas: 3, WidthMM: 1000, HeightMM: 2000}, ErrHojas},
		{Spec{Kind: Fija, Hojas: 2, WidthMM: 1000, HeightMM: 1000}, ErrHojas},
		{Spec{Kind: Abatible, Hojas: 2, WidthMM: 1000, HeightMM: 1000}, ErrHojas},
	}
	for _, tt := range tests {
		h, err := SVG(tt.spec)
		if !errors.Is(err, tt.err) {
			t.Errorf("SVG(%+v) error = %v, want %v", tt.spec, err, tt.err)
		}
		if h != "" {
			t.Errorf("SVG(%+v) returned output with an error", tt.spec)
		}
	}
	// The limits themselves are valid.
	for _, wh := range [][2]int{{1, 1}, {MaxMM, MaxMM}} {
		if _, err := SVG(Spec{Kind: Fija, WidthMM: wh[0], HeightMM: wh[1]}); err != nil {
			t.Errorf("%v: %v", wh, err)
		}
	}
}

func TestLabelEscaped(t *testing.T) {
	label := `<script>alert("x")</script> & 'Recámara'`
	svg := mustSVG(t, Spec{Kind: Corrediza, WidthMM: 1500, HeightMM: 1200, Label: label})
	if strings.Contains(strings.ToLower(svg), "<script") {
		t.Fatalf("label not escaped:\n%s", svg)
	}
	if !strings.Contains(svg, "&lt;script&gt;") {
		t.Errorf("escaped label missing:\n%s", svg)
	}
	nodes := parse(t, svg)
	want := "Ventana corrediza 2 hojas, 1500 × 1200 mm — " + label
	if nodes[1].text != want || nodes[0].attrs["aria-label"] != want {
		t.Errorf("title %q / aria-label %q, want %q", nodes[1].text, nodes[0].attrs["aria-label"], want)
	}
	// The caption is cut to fit the viewBox; the title keeps the whole label.
	capt := byClass(nodes, "sketch-label")[0].text
	if !strings.HasPrefix(label, strings.TrimSuffix(capt, "…")) || !strings.HasSuffix(capt, "…") {
		t.Errorf("caption %q", capt)
	}
	// An unknown kind is user data too.
	svg = mustSVG(t, Spec{Kind: `"><script>x</script>`, WidthMM: 10, HeightMM: 10})
	if strings.Contains(svg, "<script") {
		t.Fatalf("kind not escaped:\n%s", svg)
	}
	nodes = parse(t, svg)
	if !nodes[0].hasClass("sketch-otro") || len(strings.Fields(nodes[0].attrs["class"])) != 2 {
		t.Errorf("an unknown kind must not reach the class attribute: %q", nodes[0].attrs["class"])
	}
}

func TestLabelCleaned(t *testing.T) {
	// Control characters and invalid UTF-8 would make the XML unparseable.
	svg := mustSVG(t, Spec{Kind: Fija, WidthMM: 1000, HeightMM: 800, Label: "Baño\x00\x01\n  planta\talta\xff\uFFFE"})
	nodes := parse(t, svg)
	if got := byClass(nodes, "sketch-label")[0].text; got != "Baño planta alta\uFFFD" {
		t.Errorf("caption %q", got)
	}
	// A label of blanks is no label.
	nodes = parse(t, mustSVG(t, Spec{Kind: Fija, WidthMM: 1000, HeightMM: 800, Label: " \n\t"}))
	if n := len(byClass(nodes, "sketch-label")); n != 0 || strings.Contains(nodes[1].text, "—") {
		t.Errorf("blank label drawn: %d captions, title %q", n, nodes[1].text)
	}
}

// allSpecs is every kind and leaf count, plus edge shapes, for the checks
// that apply to all output.
func allSpecs() []Spec {
	return []Spec{
		{Kind: Fija, WidthMM: 1000, HeightMM: 1000},
		{Kind: Corrediza, Hojas: 2, WidthMM: 1500, HeightMM: 1200, Label: "Recámara 1"},
		{Kind: Corrediza, Hojas: 3, WidthMM: 2400, HeightMM: 1200},
		{Kind: Corrediza, Hojas: 4, WidthMM: 3000, HeightMM: 1500},
		{Kind: Proyectante, WidthMM: 600, HeightMM: 400},
		{Kind: Abatible, WidthMM: 600, HeightMM: 1200},
		{Kind: Oscilobatiente, WidthMM: 800, HeightMM: 1400},
		{Kind: Puerta, WidthMM: 900, HeightMM: 2100, Label: "Entrada principal de la casa"},
		{Kind: Puerta, Hojas: 2, WidthMM: 1800, HeightMM: 2400},
		{Kind: "mosquitero", WidthMM: 1000, HeightMM: 1000},
		{Kind: Corrediza, Hojas: 4, WidthMM: 400, HeightMM: 2400}, // narrow, clamped
		{Kind: Corrediza, Hojas: 4, WidthMM: 100000, HeightMM: 1}, // extreme, clamped
		{Kind: Oscilobatiente, WidthMM: 3, HeightMM: 7},
		{Kind: Puerta, Hojas: 2, WidthMM: 5000, HeightMM: 300},
	}
}

var manyDecimals = regexp.MustCompile(`\d\.\d\d`)

func TestOutputRules(t *testing.T) {
	for _, s := range allSpecs() {
		a := mustSVG(t, s)
		b := mustSVG(t, s)
		if a != b {
			t.Errorf("%+v: output not deterministic", s)
		}
		nodes := parse(t, a)
		for _, n := range nodes {
			if n.name == "style" || n.name == "script" {
				t.Errorf("%+v: <%s> element (the CSP forbids it)", s, n.name)
			}
			for name, v := range n.attrs {
				if name == "style" || name == "id" || strings.HasPrefix(name, "on") {
					t.Errorf("%+v: attribute %s=%q", s, name, v)
				}
				if m := manyDecimals.FindString(v); m != "" {
					t.Errorf("%+v: %s=%q has more than one decimal", s, name, v)
				}
			}
		}
		checkInside(t, nodes)
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", -0.04: "0", 1.25: "1.3", 33.333: "33.3", 200: "200", -3.96: "-4", 12.05: "12.1",
	} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestNumIsShortestFloat: the integer formatting of tenths gives exactly
// the digits strconv's shortest form gives for the rounded value, which
// the golden files were written with.
func TestNumIsShortestFloat(t *testing.T) {
	want := func(v float64) string {
		v = math.Round(v*10) / 10
		if v == 0 {
			v = 0
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	for _, v := range []float64{0, 0.04, 0.05, -0.05, -0.06, 0.95, 9.95, 99.99, -123.45, 244, 272, 1e6 + 0.1,
		99999999999999.9, 1e16, -1e16, math.Inf(1), math.Inf(-1), math.NaN()} {
		if got := num(v); got != want(v) {
			t.Errorf("num(%v) = %q, want %q", v, got, want(v))
		}
	}
	for i := -300000; i <= 300000; i += 7 {
		v := float64(i) / 97.0
		if got := num(v); got != want(v) {
			t.Fatalf("num(%v) = %q, want %q", v, got, want(v))
		}
	}
}

// TestPlainTextSkipsOnlyCleanLabels: the fast path of cleanText must never
// keep a label the full cleaning would change.
func TestPlainTextSkipsOnlyCleanLabels(t *testing.T) {
	for _, s := range []string{"", "Recámara 1", " a", "a ", "a  b", "a\tb", "a\nb", "a\u00a0b", "a\u200bb", "\xff",
		"\ufffd", "a\x00", "a\u0085b", "\ufffe", "ñandú — 2ª", "\u3000x"} {
		if plainText(s) && cleanText(s) != s {
			t.Errorf("plainText(%q) = true, but cleaning gives %q", s, cleanText(s))
		}
	}
	if !plainText("Recámara 1 — baño") {
		t.Error("an ordinary label takes the slow path")
	}
}

// TestShapeCapacity: no kind draws more shapes than Layout allocates room
// for (more would reallocate the list on every keystroke's sketch).
func TestShapeCapacity(t *testing.T) {
	for _, s := range []Spec{{Kind: Corrediza, Hojas: 4}, {Kind: Corrediza, Hojas: 3}, {Kind: Puerta, Hojas: 2},
		{Kind: Oscilobatiente}, {Kind: "otro"}} {
		s.WidthMM, s.HeightMM, s.Label = 3000, 2100, "Sala"
		d, err := Layout(s)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Shapes) > maxShapes {
			t.Errorf("%s %d hojas: %d shapes, maxShapes is %d", s.Kind, s.Hojas, len(d.Shapes), maxShapes)
		}
	}
}

func TestTitleDefaults(t *testing.T) {
	// Title on its own (as a page would call it) before SVG has defaulted
	// the leaves.
	if got := Title(Spec{Kind: Corrediza, WidthMM: 1500, HeightMM: 1200}); got != "Ventana corrediza 2 hojas, 1500 × 1200 mm" {
		t.Errorf("Title = %q", got)
	}
	if got := Title(Spec{Kind: Puerta, WidthMM: 900, HeightMM: 2100}); got != "Puerta 1 hoja, 900 × 2100 mm" {
		t.Errorf("Title = %q", got)
	}
}

// FuzzSVG checks that any label and kind still give well-formed XML with no
// markup injected. `go test` runs only the seeds; run with -fuzz to explore.
func FuzzSVG(f *testing.F) {
	f.Add("corrediza", 3, 1500, 1200, "Recámara 1")
	f.Add("x\"><script>", 0, 1, 100000, "</text><script>alert(1)</script>")
	f.Add("puerta", 2, 100000, 1, "\x00\xff\ufffe]]>&amp;")
	f.Fuzz(func(t *testing.T, kind string, hojas, w, h int, label string) {
		out, err := SVG(Spec{Kind: Kind(kind), Hojas: hojas, WidthMM: w, HeightMM: h, Label: label})
		if err != nil {
			return
		}
		if strings.Contains(strings.ToLower(string(out)), "<script") {
			t.Fatalf("markup injected: %s", out)
		}
		parse(t, string(out))
	})
}

func TestInTemplate(t *testing.T) {
	// The point of returning template.HTML: a page template prints the SVG
	// as markup, not as escaped text.
	tpl := template.Must(template.New("p").Parse(`<td>{{.}}</td>`))
	h, err := SVG(Spec{Kind: Fija, WidthMM: 1000, HeightMM: 800, Label: "<b>"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := tpl.Execute(&b, h); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), `<td><svg xmlns="http://www.w3.org/2000/svg"`) || strings.Contains(b.String(), "<b>") {
		t.Errorf("rendered %s", b.String())
	}
}
