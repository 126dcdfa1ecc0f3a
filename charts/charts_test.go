package charts

import (
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A chart is well-formed SVG with its title, one bar per value scaled to
// the largest, no inline style, and escaped labels.
func TestCharts(t *testing.T) {
	series := []Series{{"Cotizado", "quoted"}, {"Ganado", "won"}}
	groups := []Group{{"ene", []int64{100, 50}}, {"<feb>", []int64{200, 0}}, {"mar", []int64{0, -5}}}
	for name, svg := range map[string]string{
		"columns": string(Columns("c1", "Cotizado & ganado", series, groups, func(v int64) string { return strconv.FormatInt(v, 10) })),
		"bars":    string(Bars("c2", "Vendedores", series, groups)),
	} {
		if err := xml.Unmarshal([]byte(svg), new(any)); err != nil {
			t.Errorf("%s: not well-formed: %v\n%s", name, err, svg)
		}
		if strings.Contains(svg, "style=") || strings.Contains(svg, "<feb>") || !strings.Contains(svg, "&lt;feb&gt;") {
			t.Errorf("%s: inline style or unescaped label:\n%s", name, svg)
		}
		if !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, "<title") {
			t.Errorf("%s: no role or title", name)
		}
		sizes := regexp.MustCompile(`<rect class="chart-bar (quoted|won)" x="[^"]*" y="[^"]*" (?:width|height)="([^"]*)" (?:width|height)="([^"]*)"/>`).FindAllStringSubmatch(svg, -1)
		if len(sizes) != 6+2 { // six values, two legend keys
			t.Fatalf("%s: %d bars, want 8", name, len(sizes))
		}
		// The largest value fills the scale; half of it, half; zero and
		// negative, nothing.
		length := func(m []string) float64 {
			a, _ := strconv.ParseFloat(m[2], 64)
			b, _ := strconv.ParseFloat(m[3], 64)
			if name == "columns" {
				return b
			}
			return a
		}
		full := length(sizes[2])
		if full <= 0 || length(sizes[0]) != full/2 || length(sizes[1]) != full/4 || length(sizes[3]) != 0 || length(sizes[5]) != 0 {
			t.Errorf("%s: bar lengths %v", name, sizes)
		}
	}
}
