package sketch

import (
	"fmt"
	"strings"
)

// Drawing is a sketch laid out once, in viewBox units (Width × Height, y
// growing downwards), as a list of simple shapes. SVG writes it as markup for
// the pages; the quote PDF (pdf/) draws the same shapes as vector graphics,
// so both show exactly the same opening and neither holds the geometry.
type Drawing struct {
	Width, Height float64
	// Title is the accessible name (see Title); KindClass is sketch-<kind>
	// or sketch-otro for a kind this package does not draw.
	Title     string
	KindClass string
	Shapes    []Shape
}

// ShapeKind says which fields of a Shape are used.
type ShapeKind int

const (
	// ShapeRect: X, Y, W, H, Rx (rounded corners), Fill, Stroke, StrokeWidth.
	ShapeRect ShapeKind = iota
	// ShapeLine: Points[0] to Points[1], Stroke, StrokeWidth.
	ShapeLine
	// ShapePolyline: an open line through Points, Stroke, StrokeWidth, Dash.
	ShapePolyline
	// ShapePath: the moves and lines of Path, Stroke, StrokeWidth, Round.
	ShapePath
	// ShapeText: Text with its baseline at X, Y, anchored by Anchor
	// ("start", "middle"), Size, Bold, Fill, and rotated by Rotate degrees
	// (clockwise, as in SVG) around X, Y.
	ShapeText
)

// Point is a position in viewBox units.
type Point struct{ X, Y float64 }

// PathCmd is one command of a path: 'M' moves to (X, Y), 'L' draws a line
// to (X, Y), 'H' a horizontal line to X, 'V' a vertical line to Y.
type PathCmd struct {
	Op   byte
	X, Y float64
}

// Shape is one element of a drawing. Colours are "#rrggbb" or "none"; a
// stroke of "" means no outline.
type Shape struct {
	Kind  ShapeKind
	Class string
	// Group is the class of the group the shape belongs to ("" for none);
	// consecutive shapes of one group are one <g> in the SVG.
	Group string

	X, Y, W, H, Rx float64
	Points         []Point
	Path           []PathCmd

	Fill, Stroke string
	StrokeWidth  float64
	Dash         []float64 // dash and gap lengths; nil is a solid line
	Round        bool      // round line caps and joins

	Text   string
	Size   float64
	Bold   bool
	Anchor string
	Rotate float64
}

// Layout lays out the sketch of s. It fails with ErrDims when a dimension is
// ≤ 0 or > MaxMM, and with ErrHojas when the number of leaves is not one the
// kind is drawn with.
func Layout(s Spec) (*Drawing, error) {
	c := &canvas{d: Drawing{Shapes: make([]Shape, 0, maxShapes)}}
	if err := c.layout(s); err != nil {
		return nil, err
	}
	return &c.d, nil
}

// layout draws s on c from scratch, reusing c's list of shapes.
func (c *canvas) layout(s Spec) error {
	if s.WidthMM <= 0 || s.WidthMM > MaxMM || s.HeightMM <= 0 || s.HeightMM > MaxMM {
		return fmt.Errorf("%w: %d × %d mm (deben estar entre 1 y %d mm)", ErrDims, s.WidthMM, s.HeightMM, MaxMM)
	}
	kind := Kind(strings.ToLower(strings.TrimSpace(string(s.Kind))))
	hojas, err := leaves(kind, s.Hojas)
	if err != nil {
		return err
	}
	label := cleanText(s.Label)
	clear(c.d.Shapes)
	c.d = Drawing{Width: viewW, Height: viewH, KindClass: "sketch-otro", Shapes: c.d.Shapes[:0],
		Title: Title(Spec{Kind: s.Kind, Hojas: hojas, WidthMM: s.WidthMM, HeightMM: s.HeightMM, Label: label})}
	switch kind {
	case Fija, Corrediza, Proyectante, Abatible, Oscilobatiente, Puerta:
		c.d.KindClass = "sketch-" + string(kind)
	}
	f := frameRect(s.WidthMM, s.HeightMM)
	c.drawOpening(kind, hojas, f, s.HeightMM)
	c.dims(f, s.WidthMM, s.HeightMM)
	if label != "" {
		c.caption(truncate(label, maxCaption))
	}
	return nil
}

// CaptionHeight is the height of the caption row at the bottom of every
// drawing, reserved whether or not there is a label: a document that draws
// the sketch without one may leave that row out.
const CaptionHeight = captionH
