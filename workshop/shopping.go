package workshop

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/shopspring/decimal"

	"cotizador/catalogio"
	"cotizador/pricing"
)

// ShoppingList is what to buy for a plan: new bars per profile, colour and
// bar length (the offcuts in stock the plan cuts are already left out),
// glass by type, and the supplies.
type ShoppingList struct {
	Bars     []BarPurchase
	Glass    []GlassPurchase
	Supplies []Supply
}

// BarPurchase is a number of bars of one profile in one colour and length.
type BarPurchase struct {
	MaterialCode, MaterialName, ColourCode, ColourName string
	BarLengthMM                                        int
	Bars                                               int
	// FromStock counts the offcuts in stock the plan cuts instead.
	FromStock int
}

// GlassPurchase is the glass of one type.
type GlassPurchase struct {
	Code, Name string
	Panes      int
	AreaM2     decimal.Decimal
}

// Shopping is the plan's shopping list.
func (p *Plan) Shopping() ShoppingList {
	var l ShoppingList
	for _, pp := range p.Profiles {
		b := BarPurchase{MaterialCode: pp.MaterialCode, MaterialName: pp.MaterialName, ColourCode: pp.ColourCode,
			ColourName: pp.ColourName, BarLengthMM: pp.BarLengthMM, Bars: pp.NewBars}
		b.FromStock = pp.FromStock()
		l.Bars = append(l.Bars, b)
	}
	for _, g := range p.Glass {
		gp := GlassPurchase{Code: g.Code, Name: g.Name, AreaM2: g.AreaM2}
		for _, pc := range g.Pieces {
			gp.Panes += pc.Count
		}
		l.Glass = append(l.Glass, gp)
	}
	l.Supplies = p.Supplies
	return l
}

// Translator renders a message id (locales.Translator).
type Translator interface {
	T(id string, args ...any) string
	N(id string, count int, args ...any) string
}

// WriteCSV writes the list as CSV (UTF-8 with a BOM, so Excel shows
// accents): kind, code, description, colour, bar length, quantity, unit.
// Every cell goes through catalogio's neutraliser, as the catalogue export
// does, so a name like =HYPERLINK(…) opens as text in a spreadsheet.
func (l ShoppingList) WriteCSV(w io.Writer, t Translator) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	row := func(cells ...string) {
		for i, c := range cells {
			cells[i] = catalogio.NeutraliseCell(c)
		}
		_ = cw.Write(cells) // errors surface in cw.Error below
	}
	row(t.T("workshop.csv_kind"), t.T("workshop.csv_code"), t.T("workshop.csv_description"), t.T("workshop.csv_colour"),
		t.T("workshop.csv_bar_mm"), t.T("workshop.csv_quantity"), t.T("workshop.csv_unit"))
	for _, b := range l.Bars {
		if b.Bars == 0 {
			continue
		}
		row(t.T("workshop.kind_bars"), b.MaterialCode, b.MaterialName, colourText(b.ColourCode, b.ColourName),
			strconv.Itoa(b.BarLengthMM), strconv.Itoa(b.Bars), t.T("workshop.unit_bars"))
	}
	for _, g := range l.Glass {
		row(t.T("workshop.kind_glass"), g.Code, g.Name, "", "", g.AreaM2.StringFixed(3), "M2")
	}
	for _, s := range l.Supplies {
		row(t.T(RoleKey(s.Role)), s.Code, s.Name, "", "", s.Buy.String(), string(s.Unit))
	}
	cw.Flush()
	return cw.Error()
}

// colourText is a colour as the lists show it: "Blanco (BLA)", or the code
// alone when the catalogue has no name for it.
func colourText(code, name string) string {
	switch {
	case code == "":
		return ""
	case name == "":
		return code
	}
	return name + " (" + code + ")"
}

// RoleKey is the message id naming a supply's kind.
func RoleKey(r pricing.Role) string {
	switch r {
	case pricing.RoleHardware:
		return "workshop.kind_hardware"
	case pricing.RoleProfile:
		return "workshop.kind_profile"
	case pricing.RoleGlass:
		return "workshop.kind_glass"
	}
	return "workshop.kind_consumable"
}
