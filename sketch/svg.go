package sketch

import (
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// SVG returns the sketch of s as an inline <svg> element. It fails with
// ErrDims when a dimension is ≤ 0 or > MaxMM, and with ErrHojas when the
// number of leaves is not one the kind is drawn with.
func SVG(s Spec) (template.HTML, error) {
	d, err := Layout(s)
	if err != nil {
		return "", err
	}
	// Safe: every piece of text and every attribute value goes through
	// escape() in svgWriter.
	return template.HTML(d.SVG()), nil
}

// SVG writes the drawing as an inline <svg> element. It is written by hand
// rather than through encoding/xml or text/template: attribute order stays
// fixed (deterministic bytes) and the numbers get exactly the formatting num
// gives them.
func (d *Drawing) SVG() string {
	w := &svgWriter{}
	w.open(d)
	group := ""
	for i := range d.Shapes {
		s := &d.Shapes[i]
		if s.Group != group {
			if group != "" {
				w.b.WriteString("</g>")
			}
			if s.Group != "" {
				w.b.WriteString(`<g class="` + escape(s.Group) + `">`)
			}
			group = s.Group
		}
		w.shape(s)
	}
	if group != "" {
		w.b.WriteString("</g>")
	}
	w.b.WriteString("</svg>")
	return w.b.String()
}

type svgWriter struct{ b strings.Builder }

// num formats a coordinate with at most one decimal and no "-0".
func num(v float64) string {
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // turns -0 into 0
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// escape is valid in both XML and HTML text and attribute values.
func escape(s string) string { return html.EscapeString(s) }

func (w *svgWriter) attrs(attrs ...string) {
	for i := 0; i+1 < len(attrs); i += 2 {
		w.b.WriteString(" " + attrs[i] + `="` + escape(attrs[i+1]) + `"`)
	}
}

// open writes the root element and the title. role="img" plus the <title>
// child gives screen readers one name for the whole drawing; aria-label
// repeats it for readers that ignore SVG titles.
func (w *svgWriter) open(d *Drawing) {
	w.b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg"`)
	w.attrs(
		"class", "sketch "+d.KindClass,
		"viewBox", "0 0 "+num(d.Width)+" "+num(d.Height),
		"width", num(defaultWidthPx),
		"height", num(defaultWidthPx*d.Height/d.Width),
		"role", "img",
		"aria-label", d.Title,
	)
	w.b.WriteString("><title>" + escape(d.Title) + "</title>")
}

func (w *svgWriter) shape(s *Shape) {
	switch s.Kind {
	case ShapeRect:
		w.b.WriteString("<rect")
		w.attrs("class", s.Class, "x", num(s.X), "y", num(s.Y), "width", num(s.W), "height", num(s.H))
		if s.Rx > 0 {
			w.attrs("rx", num(s.Rx))
		}
		w.attrs("fill", s.Fill)
		if s.Stroke != "" {
			w.attrs("stroke", s.Stroke, "stroke-width", num(s.StrokeWidth))
		}
		w.b.WriteString("/>")
	case ShapeLine:
		w.b.WriteString("<line")
		w.attrs("class", s.Class, "x1", num(s.Points[0].X), "y1", num(s.Points[0].Y), "x2", num(s.Points[1].X), "y2", num(s.Points[1].Y))
		w.stroke(s)
		w.b.WriteString("/>")
	case ShapePolyline:
		pts := make([]string, len(s.Points))
		for i, p := range s.Points {
			pts[i] = num(p.X) + "," + num(p.Y)
		}
		w.b.WriteString("<polyline")
		w.attrs("class", s.Class, "points", strings.Join(pts, " "), "fill", "none")
		w.stroke(s)
		w.b.WriteString("/>")
	case ShapePath:
		var d strings.Builder
		for _, c := range s.Path {
			d.WriteByte(c.Op)
			switch c.Op {
			case 'H':
				d.WriteString(num(c.X))
			case 'V':
				d.WriteString(num(c.Y))
			default:
				d.WriteString(num(c.X) + " " + num(c.Y))
			}
		}
		w.b.WriteString("<path")
		w.attrs("class", s.Class, "d", d.String(), "fill", "none")
		w.stroke(s)
		w.b.WriteString("/>")
	case ShapeText:
		w.b.WriteString("<text")
		w.attrs("class", s.Class, "x", num(s.X), "y", num(s.Y))
		if s.Rotate != 0 {
			w.attrs("transform", "rotate("+num(s.Rotate)+" "+num(s.X)+" "+num(s.Y)+")")
		}
		w.attrs("text-anchor", s.Anchor, "font-family", fontStack, "font-size", num(s.Size))
		if s.Bold {
			w.attrs("font-weight", "bold")
		}
		w.attrs("fill", s.Fill)
		w.b.WriteString(">" + escape(s.Text) + "</text>")
	}
}

// stroke writes a line's stroke attributes.
func (w *svgWriter) stroke(s *Shape) {
	w.attrs("stroke", s.Stroke, "stroke-width", num(s.StrokeWidth))
	if len(s.Dash) > 0 {
		dash := make([]string, len(s.Dash))
		for i, v := range s.Dash {
			dash[i] = num(v)
		}
		w.attrs("stroke-dasharray", strings.Join(dash, " "))
	}
	if s.Round {
		w.attrs("stroke-linecap", "round", "stroke-linejoin", "round")
	}
}
