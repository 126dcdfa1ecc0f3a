// Package sketch draws a small parametric SVG elevation of a window or door
// opening: the frame to scale, its leaves with the usual architectural marks
// (sliding arrows, opening triangles pointing to the hinge, "F" for fixed
// glass) and dimension lines with the real size in millimetres.
//
// Layout lays a sketch out once as a list of shapes (Drawing); SVG writes
// them as markup for the pages and pdf/ draws the same shapes as vectors on
// the quote PDF, so the geometry lives only here.
//
// It is meant for a thumbnail next to each quote line on a phone (about
// 120–160 px wide) and for the quote PDF, so:
//
//   - The viewBox is fixed (every sketch has the same size and scale box, so
//     a list of them lines up) and the fonts are sized to stay legible at
//     140 px wide.
//   - There is no style attribute and no <style> element, because the app's
//     Content-Security-Policy forbids inline styles. Everything is drawn with
//     presentation attributes, and every part has a class (sketch,
//     sketch-frame, sketch-sash, sketch-glass, sketch-dim…) the app's CSS can
//     target.
//   - The output is deterministic (same Spec, same bytes: no ids, no maps)
//     and every number has at most one decimal, so golden files stay stable.
//   - All text (the label, the kind of an unknown product type) is escaped,
//     so the result is safe to put in a page as template.HTML.
package sketch

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is the opening type. The values match pricing.ProductType; this
// package does not import pricing so it stays a leaf with no dependencies.
type Kind string

// The kinds this package knows how to draw. Anything else is drawn as a plain
// frame with glass.
const (
	Fija           Kind = "fija"
	Corrediza      Kind = "corrediza"
	Proyectante    Kind = "proyectante"
	Abatible       Kind = "abatible"
	Oscilobatiente Kind = "oscilobatiente"
	Puerta         Kind = "puerta"
)

// Spec describes one opening.
type Spec struct {
	Kind     Kind
	Hojas    int // leaves: corrediza 2, 3 or 4; puerta 1 or 2; others 1 (0 means the kind's default)
	WidthMM  int
	HeightMM int
	Label    string // optional caption, e.g. "Recámara 1"
}

// MaxMM is the largest width or height accepted (100 m); anything bigger is
// a typing mistake, not an opening.
const MaxMM = 100000

// Errors returned by SVG; wrap-compatible with errors.Is.
var (
	ErrDims  = errors.New("sketch: medidas inválidas")
	ErrHojas = errors.New("sketch: número de hojas no válido para el tipo")
)

// Layout of the fixed viewBox, in user units. The opening is drawn inside a
// box×box square; the margins hold the dimension lines (height on the left,
// width below) and a caption row at the bottom, always reserved so every
// sketch has the same viewBox whether or not it has a label.
const (
	box      = 200.0
	marginL  = 36.0
	marginT  = 8.0
	marginR  = 8.0
	marginB  = 38.0
	captionH = 26.0
	viewW    = marginL + box + marginR            // 244
	viewH    = marginT + box + marginB + captionH // 272

	// maxAspect clamps the drawn width:height ratio to 1:6 … 6:1. A 300 ×
	// 2400 mm strip window drawn truly to scale would be 25 units wide and
	// its leaves, marks and arrows would vanish at thumbnail size; beyond
	// the clamp the shape is exaggerated, while the dimension texts always
	// show the real size.
	maxAspect = 6.0

	// Default rendered size in CSS pixels; the app's CSS (.sketch) may
	// override it, the viewBox keeps the proportions.
	defaultWidthPx = 150.0

	dimFont     = 22.0 // ≈12.6 px at 140 px wide
	captionFont = 18.0
	maxCaption  = 22 // runes drawn in the caption; the <title> keeps the full label
	maxShapes   = 18 // a four-leaf sliding window with its caption (TestShapeCapacity)
)

// Colours as presentation attributes (CSS can override them through the
// classes). Neutral greys for aluminium, pale blue for glass.
const (
	colInk    = "#374151"
	colFrame  = "#d1d5db"
	colSash   = "#e5e7eb"
	colGlass  = "#dbeafe"
	colDim    = "#6b7280"
	colText   = "#111827"
	fontStack = "sans-serif"
)

// leaves validates and defaults the number of leaves for a kind.
func leaves(k Kind, n int) (int, error) {
	switch k {
	case Corrediza:
		if n == 0 {
			return 2, nil
		}
		if n < 2 || n > 4 {
			return 0, fmt.Errorf("%w: corrediza de %d hojas (se dibujan 2, 3 o 4)", ErrHojas, n)
		}
	case Puerta:
		if n == 0 {
			return 1, nil
		}
		if n < 1 || n > 2 {
			return 0, fmt.Errorf("%w: puerta de %d hojas (se dibujan 1 o 2)", ErrHojas, n)
		}
	case Fija, Proyectante, Abatible, Oscilobatiente:
		if n == 0 {
			return 1, nil
		}
		if n != 1 {
			return 0, fmt.Errorf("%w: %s de %d hojas (se dibuja 1)", ErrHojas, k, n)
		}
	default:
		// Unknown kinds are drawn as a plain frame; the leaves are ignored
		// rather than rejected so a new catalogue type still gets a sketch.
		return 1, nil
	}
	return n, nil
}

// Title is the accessible name of the sketch, e.g. "Ventana corrediza 2
// hojas, 1500 × 1200 mm — Recámara 1". It is exported so a page can reuse the
// same words (for instance as alt text of a PDF image). Hojas must already be
// defaulted for a meaningful count; SVG does that.
func Title(s Spec) string {
	kind := Kind(strings.ToLower(strings.TrimSpace(string(s.Kind))))
	var name string
	switch kind {
	case Fija, Proyectante, Abatible, Oscilobatiente:
		name = "Ventana " + string(kind)
	case Corrediza:
		name = "Ventana corrediza " + strconv.Itoa(max(s.Hojas, 2)) + " hojas"
	case Puerta:
		if s.Hojas == 2 {
			name = "Puerta 2 hojas"
		} else {
			name = "Puerta 1 hoja"
		}
	default:
		name = "Vano"
		if k := cleanText(string(s.Kind)); k != "" {
			name += " (" + k + ")"
		}
	}
	t := name + ", " + strconv.Itoa(s.WidthMM) + " × " + strconv.Itoa(s.HeightMM) + " mm"
	if l := cleanText(s.Label); l != "" {
		t += " — " + l
	}
	return t
}

// rect is a rectangle in viewBox units.
type rect struct{ x, y, w, h float64 }

func (r rect) inset(d float64) rect {
	// Never invert a rectangle: a tiny pane stays a (degenerate) pane.
	dx := math.Min(d, r.w/2-0.5)
	dy := math.Min(d, r.h/2-0.5)
	dx, dy = math.Max(dx, 0), math.Max(dy, 0)
	return rect{r.x + dx, r.y + dy, r.w - 2*dx, r.h - 2*dy}
}

func (r rect) cx() float64 { return r.x + r.w/2 }
func (r rect) cy() float64 { return r.y + r.h/2 }

// frameRect places the outer frame: the real aspect ratio (clamped, see
// maxAspect) scaled so the longer side is box units, centred horizontally and
// standing on the bottom of the box, so openings in a list share a base line
// and the width dimension always sits at the same height.
func frameRect(wmm, hmm int) rect {
	ratio := float64(wmm) / float64(hmm)
	ratio = math.Max(1/maxAspect, math.Min(maxAspect, ratio))
	w, h := box, box
	if ratio >= 1 {
		h = box / ratio
	} else {
		w = box * ratio
	}
	return rect{marginL + (box-w)/2, marginT + box - h, w, h}
}

// cleanText makes user text fit for one line of XML: invalid UTF-8 and
// characters XML 1.0 forbids (control characters) would make the SVG
// unparseable, and newlines have no meaning in a caption.
func cleanText(s string) string {
	if plainText(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unfitForXML(r):
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// unfitForXML: control characters and the non-characters XML 1.0 forbids
// (line breaks and tabs among them; cleanText turns those into spaces).
func unfitForXML(r rune) bool {
	return unicode.IsControl(r) || r == 0xFFFE || r == 0xFFFF || r >= 0xD800 && r <= 0xDFFF
}

// plainText reports whether cleanText would return s unchanged: valid UTF-8
// with no control or forbidden character, no space at either end and none
// doubled (the common label, checked without building a new string).
func plainText(s string) bool {
	prevSpace := true // a leading space needs cleaning
	for _, r := range s {
		switch {
		case r == utf8.RuneError, unfitForXML(r):
			return false
		case unicode.IsSpace(r):
			if prevSpace || r != ' ' {
				return false
			}
			prevSpace = true
		default:
			prevSpace = false
		}
	}
	return !prevSpace || s == ""
}

// truncate shortens s to n runes with an ellipsis, so a long label does not
// overflow the fixed viewBox.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
