package sketch

import (
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// SVG returns the sketch of s as an inline <svg> element. It fails with
// ErrDims when a dimension is ≤ 0 or > MaxMM, and with ErrHojas when the
// number of leaves is not one the kind is drawn with.
func SVG(s Spec) (template.HTML, error) {
	b, err := AppendSVG(nil, s)
	// Safe: every piece of text and every attribute value goes through
	// escape in svgWriter.
	return template.HTML(b), err
}

// AppendSVG appends the sketch of s to dst, as SVG would return it, so a
// page being written into a buffer gets it without a copy.
func AppendSVG(dst []byte, s Spec) ([]byte, error) {
	c := canvases.Get().(*canvas)
	defer canvases.Put(c)
	if err := c.layout(s); err != nil {
		return dst, err
	}
	return c.d.appendSVG(dst), nil
}

// canvases keeps laid-out shape lists from one sketch to the next: SVG
// needs them only while it writes (Layout's callers keep theirs).
var canvases = sync.Pool{New: func() any { return &canvas{d: Drawing{Shapes: make([]Shape, 0, maxShapes)}} }}

// appendSVG writes the drawing as an inline <svg> element. It is written by
// hand rather than through encoding/xml or text/template: attribute order
// stays fixed (deterministic bytes) and the numbers get exactly the
// formatting num gives them. It appends to one buffer: the quote editor
// draws a sketch on every keystroke.
func (d *Drawing) appendSVG(dst []byte) []byte {
	w := &svgWriter{b: slices.Grow(dst, 512+160*len(d.Shapes))}
	w.open(d)
	group := ""
	for i := range d.Shapes {
		s := &d.Shapes[i]
		if s.Group != group {
			if group != "" {
				w.raw("</g>")
			}
			if s.Group != "" {
				w.raw(`<g class="`)
				w.escape(s.Group)
				w.raw(`">`)
			}
			group = s.Group
		}
		w.shape(s)
	}
	if group != "" {
		w.raw("</g>")
	}
	w.raw("</svg>")
	return w.b
}

type svgWriter struct{ b []byte }

// num formats a coordinate with at most one decimal and no "-0".
func num(v float64) string { return string(appendNum(nil, v)) }

func appendNum(b []byte, v float64) []byte {
	t := math.Round(v * 10)
	if !(math.Abs(t) < 1e15) { // NaN too
		// Not a viewBox coordinate; strconv's shortest form for the rest.
		v = t / 10
		if v == 0 {
			v = 0 // turns -0 into 0
		}
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	// Tenths as an integer: the same digits strconv's shortest form gives
	// for t/10 (an integer, or one decimal), several times cheaper, and the
	// editor writes some two hundred numbers per sketch on every keystroke.
	n := int64(t)
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	b = strconv.AppendInt(b, n/10, 10)
	if d := n % 10; d != 0 {
		b = append(b, '.', byte('0'+d))
	}
	return b
}

func (w *svgWriter) raw(s string) { w.b = append(w.b, s...) }

func (w *svgWriter) num(v float64) { w.b = appendNum(w.b, v) }

// escape writes s escaped exactly as html.EscapeString does (valid in both
// XML and HTML text and attribute values).
func (w *svgWriter) escape(s string) {
	for {
		i := strings.IndexAny(s, `<>&'"`)
		if i < 0 {
			w.raw(s)
			return
		}
		w.raw(s[:i])
		switch s[i] {
		case '<':
			w.raw("&lt;")
		case '>':
			w.raw("&gt;")
		case '&':
			w.raw("&amp;")
		case '\'':
			w.raw("&#39;")
		case '"':
			w.raw("&#34;")
		}
		s = s[i+1:]
	}
}

// attr writes name="value" with the value escaped.
func (w *svgWriter) attr(name, value string) {
	w.raw(" ")
	w.raw(name)
	w.raw(`="`)
	w.escape(value)
	w.raw(`"`)
}

// attrNum writes name="number".
func (w *svgWriter) attrNum(name string, v float64) {
	w.raw(" ")
	w.raw(name)
	w.raw(`="`)
	w.num(v)
	w.raw(`"`)
}

// open writes the root element and the title. role="img" plus the <title>
// child gives screen readers one name for the whole drawing; aria-label
// repeats it for readers that ignore SVG titles.
func (w *svgWriter) open(d *Drawing) {
	w.raw(`<svg xmlns="http://www.w3.org/2000/svg" class="sketch `)
	w.escape(d.KindClass)
	w.raw(`" viewBox="0 0 `)
	w.num(d.Width)
	w.raw(" ")
	w.num(d.Height)
	w.raw(`"`)
	w.attrNum("width", defaultWidthPx)
	w.attrNum("height", defaultWidthPx*d.Height/d.Width)
	w.attr("role", "img")
	w.attr("aria-label", d.Title)
	w.raw("><title>")
	w.escape(d.Title)
	w.raw("</title>")
}

func (w *svgWriter) shape(s *Shape) {
	switch s.Kind {
	case ShapeRect:
		w.raw("<rect")
		w.attr("class", s.Class)
		w.attrNum("x", s.X)
		w.attrNum("y", s.Y)
		w.attrNum("width", s.W)
		w.attrNum("height", s.H)
		if s.Rx > 0 {
			w.attrNum("rx", s.Rx)
		}
		w.attr("fill", s.Fill)
		if s.Stroke != "" {
			w.attr("stroke", s.Stroke)
			w.attrNum("stroke-width", s.StrokeWidth)
		}
		w.raw("/>")
	case ShapeLine:
		w.raw("<line")
		w.attr("class", s.Class)
		w.attrNum("x1", s.Points[0].X)
		w.attrNum("y1", s.Points[0].Y)
		w.attrNum("x2", s.Points[1].X)
		w.attrNum("y2", s.Points[1].Y)
		w.stroke(s)
		w.raw("/>")
	case ShapePolyline:
		w.raw("<polyline")
		w.attr("class", s.Class)
		w.raw(` points="`)
		for i, p := range s.Points {
			if i > 0 {
				w.raw(" ")
			}
			w.num(p.X)
			w.raw(",")
			w.num(p.Y)
		}
		w.raw(`"`)
		w.attr("fill", "none")
		w.stroke(s)
		w.raw("/>")
	case ShapePath:
		w.raw("<path")
		w.attr("class", s.Class)
		w.raw(` d="`)
		for _, c := range s.Path {
			w.b = append(w.b, c.Op)
			switch c.Op {
			case 'H':
				w.num(c.X)
			case 'V':
				w.num(c.Y)
			default:
				w.num(c.X)
				w.raw(" ")
				w.num(c.Y)
			}
		}
		w.raw(`"`)
		w.attr("fill", "none")
		w.stroke(s)
		w.raw("/>")
	case ShapeText:
		w.raw("<text")
		w.attr("class", s.Class)
		w.attrNum("x", s.X)
		w.attrNum("y", s.Y)
		if s.Rotate != 0 {
			w.raw(` transform="rotate(`)
			w.num(s.Rotate)
			w.raw(" ")
			w.num(s.X)
			w.raw(" ")
			w.num(s.Y)
			w.raw(`)"`)
		}
		w.attr("text-anchor", s.Anchor)
		w.attr("font-family", fontStack)
		w.attrNum("font-size", s.Size)
		if s.Bold {
			w.attr("font-weight", "bold")
		}
		w.attr("fill", s.Fill)
		w.raw(">")
		w.escape(s.Text)
		w.raw("</text>")
	}
}

// stroke writes a line's stroke attributes.
func (w *svgWriter) stroke(s *Shape) {
	w.attr("stroke", s.Stroke)
	w.attrNum("stroke-width", s.StrokeWidth)
	if len(s.Dash) > 0 {
		w.raw(` stroke-dasharray="`)
		for i, v := range s.Dash {
			if i > 0 {
				w.raw(" ")
			}
			w.num(v)
		}
		w.raw(`"`)
	}
	if s.Round {
		w.attr("stroke-linecap", "round")
		w.attr("stroke-linejoin", "round")
	}
}
