package sketch

import (
	"math"
	"strconv"
)

// canvas collects the shapes of one drawing; svg.go writes them as SVG and
// pdf/ draws them on a page.
type canvas struct{ d Drawing }

func (c *canvas) add(s Shape) { c.d.Shapes = append(c.d.Shapes, s) }

func (c *canvas) rect(class string, r rect, fill, stroke string, sw float64) {
	c.add(Shape{Kind: ShapeRect, Class: class, X: r.x, Y: r.y, W: r.w, H: r.h, Fill: fill, Stroke: stroke, StrokeWidth: sw})
}

// text adds a centred text with its baseline at x, y.
func (c *canvas) text(class string, x, y float64, content string, size float64, bold bool, fill string) {
	c.add(Shape{Kind: ShapeText, Class: class, X: x, Y: y, Text: content, Size: size, Bold: bold, Anchor: "middle", Fill: fill})
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
		c.add(Shape{Kind: ShapeLine, Class: "sketch-floor", Points: []Point{{f.x - 6, f.y + f.h}, {f.x + f.w + 6, f.y + f.h}},
			Stroke: colInk, StrokeWidth: 2})
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
	c.text("sketch-mark", g.cx(), g.cy()+size*0.35, "F", size, true, colInk)
}

// swing draws the opening triangle: lines from the two corners opposite the
// hinge meeting at the middle of the hinge side, the elevation convention
// for casement, awning and tilt openings. Dashed so it does not read as a
// profile.
func (c *canvas) swing(g rect, hinge string) {
	var pts []Point
	switch hinge {
	case "top":
		pts = []Point{{g.x, g.y + g.h}, {g.cx(), g.y}, {g.x + g.w, g.y + g.h}}
	case "bottom":
		pts = []Point{{g.x, g.y}, {g.cx(), g.y + g.h}, {g.x + g.w, g.y}}
	case "right":
		pts = []Point{{g.x, g.y}, {g.x + g.w, g.cy()}, {g.x, g.y + g.h}}
	default: // left
		pts = []Point{{g.x + g.w, g.y}, {g.x, g.cy()}, {g.x + g.w, g.y + g.h}}
	}
	c.add(Shape{Kind: ShapePolyline, Class: "sketch-swing", Points: pts, Fill: "none", Stroke: colInk, StrokeWidth: 1,
		Dash: []float64{5, 3}})
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
	c.add(Shape{Kind: ShapePath, Class: "sketch-arrow", Path: []PathCmd{
		{'M', x1, y}, {'H', x2, y},
		{'M', tip + dir*head, y - head}, {'L', tip, y}, {'L', tip + dir*head, y + head},
	}, Fill: "none", Stroke: colInk, StrokeWidth: 1.5, Round: true})
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
		c.add(Shape{Kind: ShapeRect, Class: "sketch-handle", X: lockX - hw/2, Y: cy - hl/2, W: hw, H: hl, Rx: hw / 2, Fill: colInk})
	}
}

// dims draws the width dimension under the frame and the height dimension on
// its left, with the real size in mm (never the clamped drawn size).
func (c *canvas) dims(f rect, wmm, hmm int) {
	const group = "sketch-dim"
	y := f.y + f.h + 10
	x := f.x - 10
	const t = 4 // tick half-length
	c.add(Shape{Kind: ShapePath, Class: "sketch-dim-line", Group: group, Path: []PathCmd{
		{'M', f.x, y - t}, {'V', f.x, y + t},
		{'M', f.x, y}, {'H', f.x + f.w, y},
		{'M', f.x + f.w, y - t}, {'V', f.x + f.w, y + t},
		{'M', x - t, f.y}, {'H', x + t, f.y},
		{'M', x, f.y}, {'V', x, f.y + f.h},
		{'M', x - t, f.y + f.h}, {'H', x + t, f.y + f.h},
	}, Fill: "none", Stroke: colDim, StrokeWidth: 1})
	wText := Shape{Kind: ShapeText, Class: "sketch-dim-text sketch-dim-w", Group: group, X: f.cx(), Y: y + 22,
		Text: strconv.Itoa(wmm), Size: dimFont, Anchor: "middle", Fill: colText}
	c.add(wText)
	// On a very short frame the rotated number is longer than the frame;
	// lift it so it grows upwards into free space instead of down into the
	// width dimension. Digits are about 0.56 em wide in sans-serif.
	half := float64(len(strconv.Itoa(hmm))) * dimFont * 0.28
	hText := wText
	hText.Class, hText.Text = "sketch-dim-text sketch-dim-h", strconv.Itoa(hmm)
	hText.X, hText.Y, hText.Rotate = x-6, math.Min(f.cy(), f.y+f.h-half), -90
	c.add(hText)
}

func (c *canvas) caption(label string) {
	c.text("sketch-label", viewW/2, viewH-8, label, captionFont, false, colText)
}
