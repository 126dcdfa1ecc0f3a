package sketch

import (
	"html"
	"math"
	"strconv"
	"strings"
)

// canvas writes SVG text by hand rather than through encoding/xml or
// text/template: attribute order stays fixed (deterministic bytes) and the
// numbers get exactly the formatting num gives them.
type canvas struct{ b strings.Builder }

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

// el writes a self-closing element; attrs are name, value pairs.
func (c *canvas) el(name string, attrs ...string) {
	c.b.WriteString("<" + name)
	c.attrs(attrs)
	c.b.WriteString("/>")
}

func (c *canvas) attrs(attrs []string) {
	for i := 0; i+1 < len(attrs); i += 2 {
		c.b.WriteString(" " + attrs[i] + `="` + escape(attrs[i+1]) + `"`)
	}
}

func (c *canvas) text(content string, attrs ...string) {
	c.b.WriteString("<text")
	c.attrs(attrs)
	c.b.WriteString(">" + escape(content) + "</text>")
}

func (c *canvas) rect(class string, r rect, fill, stroke string, sw float64) {
	c.el("rect", "class", class, "x", num(r.x), "y", num(r.y), "width", num(r.w), "height", num(r.h),
		"fill", fill, "stroke", stroke, "stroke-width", num(sw))
}

// open writes the root element and the title. role="img" plus the <title>
// child gives screen readers one name for the whole drawing; aria-label
// repeats it for readers that ignore SVG titles.
func (c *canvas) open(k Kind, title string) {
	kindClass := "sketch-otro"
	switch k {
	case Fija, Corrediza, Proyectante, Abatible, Oscilobatiente, Puerta:
		kindClass = "sketch-" + string(k)
	}
	c.b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg"`)
	c.attrs([]string{
		"class", "sketch " + kindClass,
		"viewBox", "0 0 " + num(viewW) + " " + num(viewH),
		"width", num(defaultWidthPx),
		"height", num(defaultWidthPx * viewH / viewW),
		"role", "img",
		"aria-label", title,
	})
	c.b.WriteString("><title>" + escape(title) + "</title>")
}

// drawOpening draws the frame and the leaves of one kind. f is the outer
// frame; hmm is the real height, used to place a door handle to scale.
func (c *canvas) drawOpening(k Kind, hojas int, f rect, hmm int) {
	// The profile bands are not to scale (a real 50 mm jamb would be a
	// hairline on a 3 m window); they shrink only for very small frames.
	band := math.Min(6, math.Min(f.w, f.h)/8)
	sash := band * 0.7
	c.rect("sketch-frame", f, colFrame, colInk, 1.5)
	inner := f.inset(band)

	switch k {
	case Fija:
		g := inner
		c.glass(g)
		c.fixedMark(g)
	case Corrediza:
		c.sliding(inner, hojas, sash)
	case Proyectante:
		g := c.sash(inner, sash)
		// Awning: hinged at the top, so the triangle's apex is on the top.
		c.swing(g, "top")
	case Abatible:
		g := c.sash(inner, sash)
		// Spec has no hinge side; casements are drawn hinged on the left.
		c.swing(g, "left")
	case Oscilobatiente:
		g := c.sash(inner, sash)
		// Tilt-and-turn: turns on the left hinge, tilts on the bottom one.
		c.swing(g, "left")
		c.swing(g, "bottom")
	case Puerta:
		c.door(inner, hojas, sash, hmm)
		// A floor line tells a door from a window at a glance.
		c.el("line", "class", "sketch-floor", "x1", num(f.x-6), "y1", num(f.y+f.h), "x2", num(f.x+f.w+6), "y2", num(f.y+f.h),
			"stroke", colInk, "stroke-width", "2")
	default:
		c.glass(inner)
	}
}

func (c *canvas) glass(r rect) {
	c.rect("sketch-glass", r, colGlass, colInk, 0.8)
}

// sash draws a moving leaf's profile and its glass, returning the glass.
func (c *canvas) sash(r rect, band float64) rect {
	c.rect("sketch-sash", r, colSash, colInk, 1)
	g := r.inset(band)
	c.glass(g)
	return g
}

// fixedMark is the "F" architects write on fixed glass.
func (c *canvas) fixedMark(g rect) {
	size := math.Max(6, math.Min(22, math.Min(g.w*0.7, g.h*0.5)))
	c.text("F", "class", "sketch-mark", "x", num(g.cx()), "y", num(g.cy()+size*0.35),
		"text-anchor", "middle", "font-family", fontStack, "font-size", num(size), "font-weight", "bold", "fill", colInk)
}

// swing draws the opening triangle: lines from the two corners opposite the
// hinge meeting at the middle of the hinge side, the elevation convention
// for casement, awning and tilt openings. Dashed so it does not read as a
// profile.
func (c *canvas) swing(g rect, hinge string) {
	var pts [3][2]float64
	switch hinge {
	case "top":
		pts = [3][2]float64{{g.x, g.y + g.h}, {g.cx(), g.y}, {g.x + g.w, g.y + g.h}}
	case "bottom":
		pts = [3][2]float64{{g.x, g.y}, {g.cx(), g.y + g.h}, {g.x + g.w, g.y}}
	case "right":
		pts = [3][2]float64{{g.x, g.y}, {g.x + g.w, g.cy()}, {g.x, g.y + g.h}}
	default: // left
		pts = [3][2]float64{{g.x + g.w, g.y}, {g.x, g.cy()}, {g.x + g.w, g.y + g.h}}
	}
	var p []string
	for _, pt := range pts {
		p = append(p, num(pt[0])+","+num(pt[1]))
	}
	c.el("polyline", "class", "sketch-swing", "points", strings.Join(p, " "),
		"fill", "none", "stroke", colInk, "stroke-width", "1", "stroke-dasharray", "5 3")
}

// slidingLayout says, per number of leaves, which leaves slide (X) and which
// are fixed (O): the usual Mexican configurations, XX, XOX and OXXO (two
// fixed ends, two sliding centre leaves).
var slidingLayout = map[int]string{2: "XX", 3: "XOX", 4: "OXXO"}

// sliding draws n leaves that overlap by one sash band at each meeting stile,
// on alternating tracks: back-track leaves first so front leaves cover the
// overlap, the way the window looks from outside.
func (c *canvas) sliding(inner rect, n int, band float64) {
	layout := slidingLayout[n]
	ov := band
	pw := (inner.w + float64(n-1)*ov) / float64(n)
	leaf := func(i int) rect {
		return rect{inner.x + float64(i)*(pw-ov), inner.y, pw, inner.h}
	}
	for _, front := range []bool{false, true} {
		for i := 0; i < n; i++ {
			if (i%2 == 1) != front {
				continue
			}
			g := c.sash(leaf(i), band)
			if layout[i] == 'O' {
				c.fixedMark(g)
				continue
			}
			// A sliding leaf moves towards its neighbour: the left half of
			// the window slides right in XX/XOX, but in OXXO the centre
			// leaves slide outwards over the fixed ends.
			right := float64(i)+0.5 < float64(n)/2
			if layout == "OXXO" {
				right = !right
			}
			c.arrow(g, right)
		}
	}
}

// arrow draws a horizontal arrow centred in the glass.
func (c *canvas) arrow(g rect, right bool) {
	l := math.Min(g.w*0.6, 40)
	head := math.Min(5, l/2)
	y := g.cy()
	x1, x2 := g.cx()-l/2, g.cx()+l/2
	tip, dir := x2, -1.0
	if !right {
		tip, dir = x1, 1.0
	}
	d := "M" + num(x1) + " " + num(y) + "H" + num(x2) +
		"M" + num(tip+dir*head) + " " + num(y-head) + "L" + num(tip) + " " + num(y) + "L" + num(tip+dir*head) + " " + num(y+head)
	c.el("path", "class", "sketch-arrow", "d", d, "fill", "none", "stroke", colInk, "stroke-width", "1.5",
		"stroke-linecap", "round", "stroke-linejoin", "round")
}

// door draws 1 or 2 leaves: hinged on the left (single) or on both jambs
// (double), with the handle on the lock stile at about 1 m from the floor,
// to scale within reason.
func (c *canvas) door(inner rect, n int, band float64, hmm int) {
	lw := inner.w / float64(n)
	for i := 0; i < n; i++ {
		r := rect{inner.x + float64(i)*lw, inner.y, lw, inner.h}
		g := c.sash(r, band)
		hinge, lockX := "left", r.x+r.w-band/2
		if n == 2 && i == 1 {
			hinge, lockX = "right", r.x+band/2
		}
		c.swing(g, hinge)
		frac := math.Max(0.3, math.Min(0.7, 1000/float64(hmm)))
		hl := math.Max(6, math.Min(14, r.h*0.08))
		hw := math.Max(1.5, band*0.6)
		cy := r.y + r.h*(1-frac)
		c.el("rect", "class", "sketch-handle", "x", num(lockX-hw/2), "y", num(cy-hl/2), "width", num(hw), "height", num(hl),
			"rx", num(hw/2), "fill", colInk)
	}
}

// dims draws the width dimension under the frame and the height dimension on
// its left, with the real size in mm (never the clamped drawn size).
func (c *canvas) dims(f rect, wmm, hmm int) {
	c.b.WriteString(`<g class="sketch-dim">`)
	y := f.y + f.h + 10
	x := f.x - 10
	const t = 4 // tick half-length
	d := "M" + num(f.x) + " " + num(y-t) + "V" + num(y+t) +
		"M" + num(f.x) + " " + num(y) + "H" + num(f.x+f.w) +
		"M" + num(f.x+f.w) + " " + num(y-t) + "V" + num(y+t) +
		"M" + num(x-t) + " " + num(f.y) + "H" + num(x+t) +
		"M" + num(x) + " " + num(f.y) + "V" + num(f.y+f.h) +
		"M" + num(x-t) + " " + num(f.y+f.h) + "H" + num(x+t)
	c.el("path", "class", "sketch-dim-line", "d", d, "fill", "none", "stroke", colDim, "stroke-width", "1")
	c.text(strconv.Itoa(wmm), "class", "sketch-dim-text sketch-dim-w", "x", num(f.cx()), "y", num(y+22),
		"text-anchor", "middle", "font-family", fontStack, "font-size", num(dimFont), "fill", colText)
	// On a very short frame the rotated number is longer than the frame;
	// lift it so it grows upwards into free space instead of down into the
	// width dimension. Digits are about 0.56 em wide in sans-serif.
	half := float64(len(strconv.Itoa(hmm))) * dimFont * 0.28
	tx, ty := x-6, math.Min(f.cy(), f.y+f.h-half)
	c.text(strconv.Itoa(hmm), "class", "sketch-dim-text sketch-dim-h", "x", num(tx), "y", num(ty),
		"transform", "rotate(-90 "+num(tx)+" "+num(ty)+")",
		"text-anchor", "middle", "font-family", fontStack, "font-size", num(dimFont), "fill", colText)
	c.b.WriteString("</g>")
}

func (c *canvas) caption(label string) {
	c.text(label, "class", "sketch-label", "x", num(viewW/2), "y", num(viewH-8),
		"text-anchor", "middle", "font-family", fontStack, "font-size", num(captionFont), "fill", colText)
}
