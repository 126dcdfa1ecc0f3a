// Package charts draws the dashboard's charts as SVG on the server: no
// script in the browser, no inline style (colours come from CSS classes, so
// the CSP holds), and a title for assistive technology. Each chart is an
// image of numbers that its page also shows in a table beside it; the
// charts carry no figures a reader would need from them alone. A chart
// library was not worth it: Go's SVG charting libraries write inline styles
// and this is a few bar shapes.
package charts

import (
	"fmt"
	"html/template"
	"strings"
)

// Series is one measure drawn for every group: its name, for the legend,
// and the CSS class that colours it.
type Series struct {
	Name, Class string
}

// Group is a label's values, one per series.
type Group struct {
	Label  string
	Values []int64
}

// Columns draws groups side by side as vertical bars (months along the
// bottom); format writes the largest value at the top of the scale.
func Columns(id, title string, series []Series, groups []Group, format func(int64) string) template.HTML {
	const w, h, top, bottom, legend = 640, 250, 28, 28, 22
	plot := float64(h - top - bottom - legend)
	peak := maxValue(groups)
	var b strings.Builder
	open(&b, id, title, w, h)
	fmt.Fprintf(&b, `<text class="chart-scale" x="0" y="18">%s</text>`, esc(format(peak)))
	fmt.Fprintf(&b, `<line class="chart-axis" x1="0" y1="%d" x2="%d" y2="%d"/>`, h-bottom-legend, w, h-bottom-legend)
	if n := len(groups); n > 0 {
		gw := float64(w) / float64(n)
		bw := gw * 0.8 / float64(len(series))
		every := (n + 11) / 12 // at most 12 labels fit a phone
		for i, g := range groups {
			x0 := float64(i)*gw + gw*0.1
			for j, v := range g.Values {
				bh := scale(v, peak, plot)
				fmt.Fprintf(&b, `<rect class="chart-bar %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`,
					series[j].Class, x0+float64(j)*bw, float64(h-bottom-legend)-bh, bw*0.92, bh)
			}
			if i%every == 0 {
				fmt.Fprintf(&b, `<text class="chart-label" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x0+gw*0.4, h-legend-10, esc(g.Label))
			}
		}
	}
	writeLegend(&b, series, h-6)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Bars draws one row per group (a name above its bars), longest first as
// given: rankings of salespeople, customers, products.
func Bars(id, title string, series []Series, groups []Group) template.HTML {
	const w, label, bar, gap, legend = 640, 18, 12, 10, 22
	row := label + bar*len(series) + gap
	h := row*max(len(groups), 1) + legend
	peak := maxValue(groups)
	var b strings.Builder
	open(&b, id, title, w, h)
	for i, g := range groups {
		y := i * row
		fmt.Fprintf(&b, `<text class="chart-label" x="0" y="%d">%s</text>`, y+label-4, esc(g.Label))
		for j, v := range g.Values {
			fmt.Fprintf(&b, `<rect class="chart-bar %s" x="0" y="%d" width="%.1f" height="%d"/>`,
				series[j].Class, y+label+j*bar, scale(v, peak, w), bar-2)
		}
	}
	writeLegend(&b, series, h-6)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func open(b *strings.Builder, id, title string, w, h int) {
	fmt.Fprintf(b, `<svg class="chart" id="%s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title" preserveAspectRatio="xMidYMid meet">`,
		esc(id), w, h, esc(id))
	fmt.Fprintf(b, `<title id="%s-title">%s</title>`, esc(id), esc(title))
}

func writeLegend(b *strings.Builder, series []Series, y int) {
	x := 0
	for _, s := range series {
		fmt.Fprintf(b, `<rect class="chart-bar %s" x="%d" y="%d" width="12" height="12"/>`, s.Class, x, y-11)
		fmt.Fprintf(b, `<text class="chart-label" x="%d" y="%d">%s</text>`, x+16, y, esc(s.Name))
		x += 32 + 12*len([]rune(s.Name)) // the labels' 20 px text is about 11 px a letter
	}
}

// scale is v's length on a scale where peak is full; never negative.
func scale(v, peak int64, full float64) float64 {
	if v <= 0 || peak <= 0 {
		return 0
	}
	return float64(v) / float64(peak) * full
}

func maxValue(groups []Group) int64 {
	var m int64
	for _, g := range groups {
		for _, v := range g.Values {
			m = max(m, v)
		}
	}
	return m
}

func esc(s string) string { return template.HTMLEscapeString(s) }
