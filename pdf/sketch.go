package pdf

import (
	"strconv"

	"github.com/signintech/gopdf"

	"cotizador/sketch"
)

// SketchHeight is the height Sketch takes for dr drawn width points wide.
func SketchHeight(dr *sketch.Drawing, width float64, withCaption bool) float64 {
	top, bottom := extent(dr, withCaption)
	return (bottom - top) * width / dr.Width
}

// extent is the vertical span the shapes use, in viewBox units. The layout's
// box is square whatever the opening's shape (a wide window stands on its
// bottom with empty space above); a document keeps only what is drawn.
func extent(dr *sketch.Drawing, withCaption bool) (top, bottom float64) {
	top, bottom = dr.Height, 0
	span := func(a, b float64) {
		top, bottom = min(top, a), max(bottom, b)
	}
	for i := range dr.Shapes {
		sh := &dr.Shapes[i]
		switch {
		case !withCaption && sh.Class == "sketch-label":
		case sh.Kind == sketch.ShapeRect:
			span(sh.Y, sh.Y+sh.H)
		case sh.Kind == sketch.ShapeText && sh.Rotate != 0:
			// Turned a quarter: it spans its width (digits ≈ 0.6 em).
			half := float64(len([]rune(sh.Text))) * sh.Size * 0.3
			span(sh.Y-half, sh.Y+half)
		case sh.Kind == sketch.ShapeText:
			span(sh.Y-sh.Size*0.8, sh.Y+sh.Size*0.25)
		default:
			for _, p := range sh.Points {
				span(p.Y, p.Y)
			}
			for _, c := range sh.Path {
				span(c.Y, c.Y)
			}
		}
	}
	if bottom <= top {
		return 0, dr.Height
	}
	// Half a line width of room so outlines are not cut.
	return max(0, top-1), min(dr.Height, bottom+1)
}

// Sketch draws a laid-out sketch (sketch.Layout: the same shapes the pages
// show as SVG) as vector graphics, to scale, width points wide, with the top
// of what it draws at y, and returns the height it took (SketchHeight).
// withCaption false leaves out the caption row the layout reserves (a
// document that prints the location in its own column has no label there).
func (d *Doc) Sketch(dr *sketch.Drawing, x, y, width float64, withCaption bool) float64 {
	s := width / dr.Width
	top, bottom := extent(dr, withCaption)
	y -= top * s
	pt := func(p sketch.Point) gopdf.Point { return gopdf.Point{X: x + p.X*s, Y: y + p.Y*s} }
	for i := range dr.Shapes {
		sh := &dr.Shapes[i]
		if !withCaption && sh.Class == "sketch-label" {
			continue
		}
		d.SetLineWidth(sh.StrokeWidth * s)
		d.strokeColour(sh.Stroke)
		switch sh.Kind {
		case sketch.ShapeRect:
			style := ""
			if d.fillColour(sh.Fill) {
				style = "F"
			}
			if sh.Stroke != "" && sh.Stroke != "none" {
				style += "D"
			}
			if style == "" || sh.W <= 0 || sh.H <= 0 {
				continue
			}
			x0, y0 := x+sh.X*s, y+sh.Y*s
			if sh.Rx > 0 {
				// A rounded rectangle (the door handle); the library
				// refuses a radius larger than a side.
				r := min(sh.Rx*s, sh.W*s/2, sh.H*s/2)
				if d.Rectangle(x0, y0, x0+sh.W*s, y0+sh.H*s, style, r, 4) == nil {
					continue
				}
			}
			d.RectFromUpperLeftWithStyle(x0, y0, sh.W*s, sh.H*s, style)
		case sketch.ShapeLine, sketch.ShapePolyline:
			if len(sh.Dash) > 0 {
				dash := make([]float64, len(sh.Dash))
				for i, v := range sh.Dash {
					dash[i] = v * s
				}
				d.SetCustomLineType(dash, 0)
			}
			for i := 1; i < len(sh.Points); i++ {
				a, b := pt(sh.Points[i-1]), pt(sh.Points[i])
				d.Line(a.X, a.Y, b.X, b.Y)
			}
			if len(sh.Dash) > 0 {
				d.SetLineType("solid")
			}
		case sketch.ShapePath:
			var at sketch.Point
			for _, c := range sh.Path {
				to := sketch.Point{X: c.X, Y: c.Y}
				switch c.Op {
				case 'H':
					to.Y = at.Y
				case 'V':
					to.X = at.X
				}
				if c.Op != 'M' {
					a, b := pt(at), pt(to)
					d.Line(a.X, a.Y, b.X, b.Y)
				}
				at = to
			}
		case sketch.ShapeText:
			d.Font(sh.Bold, sh.Size*s)
			r, g, b := rgb(sh.Fill)
			d.SetTextColor(r, g, b)
			tw, err := d.MeasureTextWidth(sh.Text)
			if err != nil {
				tw = 0
			}
			tx, ty := x+sh.X*s, y+sh.Y*s
			if sh.Anchor == "middle" {
				tx -= tw / 2
			}
			if sh.Rotate != 0 {
				// SVG turns clockwise on a y-down page, PDF counterclockwise.
				d.Rotate(-sh.Rotate, x+sh.X*s, ty)
			}
			d.SetXY(tx, ty)
			_ = d.Text(sh.Text) // baseline at ty, as SVG's y
			if sh.Rotate != 0 {
				d.RotateReset()
			}
			d.SetTextColor(0, 0, 0)
		}
	}
	d.SetLineWidth(0.5)
	d.SetStrokeColor(0, 0, 0)
	return (bottom - top) * s
}

func (d *Doc) strokeColour(c string) {
	if c == "" || c == "none" {
		return
	}
	r, g, b := rgb(c)
	d.SetStrokeColor(r, g, b)
}

// fillColour sets the fill colour; false for "none".
func (d *Doc) fillColour(c string) bool {
	if c == "" || c == "none" {
		return false
	}
	r, g, b := rgb(c)
	d.SetFillColor(r, g, b)
	return true
}

// rgb reads "#rrggbb" (the sketch's colours); anything else is black.
func rgb(c string) (uint8, uint8, uint8) {
	if len(c) != 7 || c[0] != '#' {
		return 0, 0, 0
	}
	v, err := strconv.ParseUint(c[1:], 16, 32)
	if err != nil {
		return 0, 0, 0
	}
	return uint8(v >> 16), uint8(v >> 8), uint8(v)
}
