package pdf

import "time"

// WorkshopDoc is a workshop order as the shop floor reads it: large type,
// one profile per section, a check box beside every cut. Every value is
// final text, and there is no field for a price, a cost or a margin, so the
// sheet cannot print one; workshop.Document fills it.
type WorkshopDoc struct {
	Company string
	Title   string   // "Orden de taller OT-2026-0001"
	Meta    []string // status, date, quotes
	Created time.Time

	Profiles []WorkshopProfile
	Tables   []WorkshopTable // glass, hardware and consumables
	// PageLabel renders "Página n de N".
	PageLabel func(page, pages int) string
}

// WorkshopProfile is the section of one profile in one colour.
type WorkshopProfile struct {
	Heading string // "PER-L3-JA Jamba 3" · Blanco (BLA)"
	Summary string // bars, bound, utilisation
	Bars    []WorkshopBar
}

// WorkshopBar is one bar or offcut and its cuts in order.
type WorkshopBar struct {
	Heading string // "Barra 2 de 5 · 6100 mm" or "Retazo #12 · 1600 mm"
	Pieces  []WorkshopPiece
	Footer  string // what is left and whether to keep it
}

// WorkshopPiece is one cut.
type WorkshopPiece struct {
	Length string // "1480 mm"
	Angle  string // "45°" or ""
	Label  string // the BOM line's description
	Where  string // quote, line, location
}

// WorkshopTable is a titled table (glass panes, supplies).
type WorkshopTable struct {
	Title   string
	Columns []string
	// Widths are the columns' widths in points (Σ = ContentWidth); the
	// last column is right-aligned when RightLast is set.
	Widths    []float64
	RightLast bool
	Rows      [][]string
}

// Type sizes of the shop-floor sheet: read at arm's length on a bench.
const (
	wsTitle   = 18.0
	wsHeading = 14.0
	wsBody    = 11.5
	wsLength  = 15.0
	wsLine    = 19.0
	wsBox     = 11.0
)

// Workshop draws the workshop order.
func Workshop(w *WorkshopDoc) ([]byte, error) {
	d, err := New(w.Title, w.Company)
	if err != nil {
		return nil, err
	}
	info := d.GetInfo()
	info.CreationDate = w.Created // the same order gives the same document
	d.SetInfo(info)

	d.Font(true, wsTitle)
	d.TextAt(Margin, d.Y, w.Title)
	d.Y += wsTitle + 6
	d.Font(false, wsBody)
	for _, m := range w.Meta {
		d.Paragraph(Margin, ContentWidth, wsBody+4, m)
	}
	d.Y += 4
	d.Rule()
	d.Y += 10

	for _, p := range w.Profiles {
		workshopProfile(d, p)
	}
	for _, t := range w.Tables {
		workshopTable(d, t)
	}
	if w.PageLabel != nil {
		d.NumberPages(w.PageLabel)
	}
	return d.Bytes()
}

// workshopProfile starts a section with the profile's heading (on a new
// page when less than a heading and one bar fit) and draws its bars.
func workshopProfile(d *Doc, p WorkshopProfile) {
	d.Need(wsHeading + 2*wsLine + 40)
	d.SetFillColor(232, 238, 246)
	d.RectFromUpperLeftWithStyle(Margin, d.Y-3, ContentWidth, wsHeading+8, "F")
	// PDF text is painted with the fill colour: back to black for it.
	d.SetTextColor(0, 0, 0)
	d.Font(true, wsHeading)
	for i, l := range d.Lines(p.Heading, ContentWidth-8) {
		if i > 0 {
			d.Y += wsHeading + 2
			d.Need(wsHeading)
		}
		d.TextAt(Margin+4, d.Y, l)
	}
	d.Y += wsHeading + 8
	d.Font(false, wsBody)
	d.Paragraph(Margin, ContentWidth, wsBody+4, p.Summary)
	d.Y += 4
	for _, b := range p.Bars {
		workshopBar(d, b)
	}
	d.Y += 8
}

// Columns of a bar's cuts.
const (
	wsColBox    = Margin + 6
	wsColLength = Margin + 24
	wsColAngle  = Margin + 112
	wsColLabel  = Margin + 152
	wsColWhere  = Margin + 330
)

func workshopBar(d *Doc, b WorkshopBar) {
	d.Need(wsBody + 6 + wsLine)
	d.Font(true, wsBody)
	d.TextAt(Margin, d.Y, b.Heading)
	d.Y += wsBody + 6
	for _, pc := range b.Pieces {
		// Label and destination wrap (two lines at most) rather than run
		// into the next column.
		d.Font(false, wsBody)
		label := firstLines(d.Lines(pc.Label, wsColWhere-wsColLabel-6), 2)
		where := firstLines(d.Lines(pc.Where, PageWidth-Margin-wsColWhere), 2)
		h := max(wsLine, float64(max(len(label), len(where)))*(wsBody+3)+4)
		d.Need(h)
		d.SetLineWidth(0.8)
		d.SetStrokeColor(0, 0, 0)
		d.RectFromUpperLeftWithStyle(wsColBox, d.Y+1, wsBox, wsBox, "D")
		d.TextAt(wsColAngle, d.Y, pc.Angle)
		for i, l := range label {
			d.TextAt(wsColLabel, d.Y+float64(i)*(wsBody+3), l)
		}
		for i, l := range where {
			d.TextAt(wsColWhere, d.Y+float64(i)*(wsBody+3), l)
		}
		d.Font(true, wsLength)
		d.TextAt(wsColLength, d.Y-2, pc.Length)
		d.Y += h
	}
	if b.Footer != "" {
		d.Need(wsBody + 4)
		d.Font(false, wsBody)
		d.SetTextColor(70, 70, 70)
		d.TextAt(wsColLength, d.Y, b.Footer)
		d.SetTextColor(0, 0, 0)
		d.Y += wsBody + 4
	}
	d.Y += 6
}

func workshopTable(d *Doc, t WorkshopTable) {
	if len(t.Rows) == 0 {
		return
	}
	d.Need(wsHeading + 3*wsLine)
	d.Font(true, wsHeading)
	d.TextAt(Margin, d.Y, t.Title)
	d.Y += wsHeading + 8
	row := func(cells []string, bold bool) {
		d.Font(bold, wsBody)
		wrapped := make([][]string, len(cells))
		n := 1
		for i, c := range cells {
			wrapped[i] = firstLines(d.Lines(c, t.Widths[i]-6), 2)
			n = max(n, len(wrapped[i]))
		}
		h := float64(n)*(wsBody+3) + 4
		d.Need(h)
		x := Margin
		for i, lines := range wrapped {
			w := t.Widths[i]
			for k, l := range lines {
				if t.RightLast && i == len(cells)-1 {
					d.TextRight(x+w, d.Y+float64(k)*(wsBody+3), l)
				} else {
					d.TextAt(x, d.Y+float64(k)*(wsBody+3), l)
				}
			}
			x += w
		}
		d.Y += max(h, wsLine-2)
	}
	row(t.Columns, true)
	for _, r := range t.Rows {
		row(r, false)
	}
	d.Y += 10
}

// firstLines keeps at most n lines, marking a cut with an ellipsis.
func firstLines(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	out := append([]string(nil), lines[:n]...)
	out[n-1] += "…"
	return out
}
