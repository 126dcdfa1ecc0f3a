package workshop

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"cotizador/db"
	"cotizador/pricing"
)

// Plan is what the shop floor cuts and fits for one or several quotes: per
// profile and colour the bars with their pieces in cutting order, the
// glass pieces by type, and the hardware and consumables. It holds no
// price. A workshop order stores it as JSON when created, so the sheet
// printed is what gets cut whatever happens to the catalogue later.
type Plan struct {
	Version  int                 `json:"v"`
	Cut      pricing.CutSettings `json:"cut"`
	Quotes   []string            `json:"quotes"` // folios, with revision
	Profiles []ProfilePlan       `json:"profiles"`
	Glass    []GlassGroup        `json:"glass"`
	Supplies []Supply            `json:"supplies"`
}

// ProfilePlan is the cut plan of one profile in one colour.
type ProfilePlan struct {
	MaterialCode string    `json:"material_code"`
	MaterialName string    `json:"material_name"`
	ColourCode   string    `json:"colour_code"`
	ColourName   string    `json:"colour_name"`
	BarLengthMM  int       `json:"bar_length_mm"`
	Bars         []PlanBar `json:"bars"`
	// NewBars are the bars to buy (or take from the rack); the other bars
	// are offcuts in stock.
	NewBars  int `json:"new_bars"`
	PiecesMM int `json:"pieces_mm"`
	StockMM  int `json:"stock_mm"` // Σ of the bars' and offcuts' lengths
	// LowerBound is the fewest new bars any plan could use for the pieces
	// they hold (pricing.Packing); Optimal when NewBars equals it.
	LowerBound int  `json:"lower_bound"`
	Optimal    bool `json:"optimal"`
}

// PlanBar is one bar or offcut with its pieces, longest first.
type PlanBar struct {
	// Number counts the new bars of the profile from 1; 0 for an offcut.
	Number   int         `json:"number,omitempty"`
	StockMM  int         `json:"stock_mm"`
	OffcutID int64       `json:"offcut_id,omitempty"` // the offcut in stock it is; 0 for a new bar
	Pieces   []PlanPiece `json:"pieces"`
	UsedMM   int         `json:"used_mm"`
	OffcutMM int         `json:"offcut_mm"` // left after the last cut
	Reusable bool        `json:"reusable"`
}

// PlanPiece is one cut.
type PlanPiece struct {
	LengthMM int    `json:"length_mm"`
	Angle    string `json:"angle,omitempty"` // "45°" when the BOM line says so
	Label    string `json:"label"`           // the BOM line's description
	Quote    string `json:"quote"`           // folio
	Line     int    `json:"line"`            // the quote's line number
	Location string `json:"location,omitempty"`
}

// GlassGroup is the glass of one type.
type GlassGroup struct {
	Code   string          `json:"code"`
	Name   string          `json:"name"`
	Pieces []GlassPiece    `json:"pieces"`
	AreaM2 decimal.Decimal `json:"area_m2"`
}

// GlassPiece is the glass of Count windows of one line: a pane of the
// window's size less the product's glass deductions, when that is the
// glass the BOM line counts. A BOM whose glass formula says something else
// (panes per leaf written into the formula, say) gives the area alone,
// with no size: the catalogue has no pane sizes to print.
type GlassPiece struct {
	WidthMM  int             `json:"width_mm"`
	HeightMM int             `json:"height_mm"`
	Count    int             `json:"count"`
	AreaM2   decimal.Decimal `json:"area_m2"` // all Count panes, to 0.001 m²
	Label    string          `json:"label"`
	Quote    string          `json:"quote"`
	Line     int             `json:"line"`
	Location string          `json:"location,omitempty"`
}

// Supply is a hardware or consumable material (or a material sold on its
// own, or a profile not sold by the bar) with the quantity all lines use.
type Supply struct {
	Code     string          `json:"code"`
	Name     string          `json:"name"`
	Role     pricing.Role    `json:"role"`
	Unit     pricing.Unit    `json:"unit"`
	Quantity decimal.Decimal `json:"quantity"` // to 0.001
	// Buy is what to get: whole units for pieces and cartridges.
	Buy decimal.Decimal `json:"buy"`
}

// Utilisation is the share of the stock that ends up in pieces, as a
// percentage to 0.1.
func (p ProfilePlan) Utilisation() decimal.Decimal { return pct(p.PiecesMM, p.StockMM) }

// Utilisation of one bar, as a percentage to 0.1.
func (b PlanBar) Utilisation() decimal.Decimal { return pct(b.UsedMM, b.StockMM) }

// FromStock counts the offcuts in stock the plan cuts.
func (p ProfilePlan) FromStock() int { return len(p.Bars) - p.NewBars }

// Extra is how many new bars the plan may use beyond the best possible.
func (p ProfilePlan) Extra() int { return p.NewBars - p.LowerBound }

func pct(part, whole int) decimal.Decimal {
	if whole <= 0 {
		return decimal.Zero
	}
	return decimal.NewFromInt(int64(part)).Mul(decimal.NewFromInt(100)).DivRound(decimal.NewFromInt(int64(whole)), 1)
}

// Bars counts the new bars of every profile.
func (p *Plan) Bars() int {
	n := 0
	for i := range p.Profiles {
		n += p.Profiles[i].NewBars
	}
	return n
}

// Leftovers are the reusable offcuts the plan leaves, to enter the stock
// when the order is finished.
func (p *Plan) Leftovers() []db.Offcut {
	var out []db.Offcut
	for _, pp := range p.Profiles {
		for _, b := range pp.Bars {
			if b.Reusable {
				out = append(out, db.Offcut{MaterialCode: pp.MaterialCode, ColourCode: pp.ColourCode, LengthMM: b.OffcutMM})
			}
		}
	}
	return out
}

// OffcutsUsed lists the offcuts in stock the plan cuts.
func (p *Plan) OffcutsUsed() []int64 {
	var out []int64
	for _, pp := range p.Profiles {
		for _, b := range pp.Bars {
			if b.OffcutID != 0 {
				out = append(out, b.OffcutID)
			}
		}
	}
	return out
}

// planVersion is the layout of Plan's JSON.
const planVersion = 1

// source is a quote line pieces come from.
type source struct {
	quote    string
	line     int
	location string
}

// angleRe finds an angle a BOM line's description states: "Marco
// horizontal (corte a 45°)". The BOM has no angle field; the demo
// catalogue writes angles this way.
var angleRe = regexp.MustCompile(`(\d{1,3}(?:[.,]\d+)?)\s*°`)

func angleOf(label string) string {
	if m := angleRe.FindStringSubmatch(label); m != nil {
		return strings.ReplaceAll(m[1], ",", ".") + "°"
	}
	return ""
}

// BuildPlan makes the plan of quotes (in the order given) against what
// the catalogue says of their materials and products: profile pieces from
// each line's saved breakdown, exactly as optimizado packed them, grouped
// by profile and colour across the quotes and packed with cut, offcuts in
// stock first (stock may be nil); glass panes; supplies. Optional lines
// are left out: the customer did not necessarily take them.
func BuildPlan(quotes []*db.Quote, cat *db.WorkshopCatalog, cut pricing.CutSettings, stock map[db.OffcutKey][]pricing.Offcut) (*Plan, error) {
	plan := &Plan{Version: planVersion, Cut: cut}
	var sources []source
	type group struct {
		mat    pricing.Material
		colour string
		pieces []pricing.Piece
	}
	groups := map[db.OffcutKey]*group{}
	glass := map[string]*GlassGroup{}
	supplies := map[string]*Supply{}
	addSupply := func(code, name string, role pricing.Role, unit pricing.Unit, qty decimal.Decimal) {
		s := supplies[code]
		if s == nil {
			s = &Supply{Code: code, Name: name, Role: role, Unit: unit}
			supplies[code] = s
		}
		s.Quantity = s.Quantity.Add(qty)
	}
	for _, q := range quotes {
		folio := q.DisplayFolio()
		plan.Quotes = append(plan.Quotes, folio)
		for _, it := range q.Items {
			if it.Optional {
				continue
			}
			if it.Kind != "producto" {
				m := cat.Materials[it.MaterialCode]
				addSupply(it.MaterialCode, it.MaterialName, roleOf(m), m.Unit, it.Quantity)
				continue
			}
			windows := int(it.Quantity.IntPart())
			src := len(sources)
			sources = append(sources, source{quote: folio, line: it.Position, location: it.Location})
			for li := range it.Breakdown {
				ld := &it.Breakdown[li]
				if ld.Ignored || ld.Role == pricing.RoleLabour {
					continue
				}
				label := ld.Description
				if label == "" {
					label = ld.MaterialName
				}
				mat := cat.Materials[ld.MaterialCode]
				switch {
				case ld.Role == pricing.RoleProfile && ld.Unit == pricing.UnitML && mat.BarLengthMM() > 0:
					lengths, err := pricing.LinePieces(ld, windows, mat.BarLengthMM(), cut.TrimMM)
					if err != nil {
						return nil, err
					}
					if mat.Code == "" {
						mat.Code, mat.Name = ld.MaterialCode, ld.MaterialName
					}
					k := db.OffcutKey{MaterialCode: ld.MaterialCode, ColourCode: it.ColourCode}
					g := groups[k]
					if g == nil {
						g = &group{mat: mat, colour: it.ColourCode}
						groups[k] = g
					}
					for _, mm := range lengths {
						g.pieces = append(g.pieces, pricing.Piece{LengthMM: mm, Item: src, Line: li, Label: label})
					}
				case ld.Role == pricing.RoleGlass:
					addGlass(glass, ld, it, cat.Products[it.ProductCode], windows, source{folio, it.Position, it.Location}, label)
				default:
					// Hardware, consumables, and profiles not sold by the bar: as
					// the line counted them per window, after waste.
					addSupply(ld.MaterialCode, ld.MaterialName, ld.Role, ld.Unit, ld.Quantity.Mul(it.Quantity))
				}
			}
		}
	}

	keys := make([]db.OffcutKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	// By profile then colour, as optimizado packs them.
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].MaterialCode != keys[j].MaterialCode {
			return keys[i].MaterialCode < keys[j].MaterialCode
		}
		return keys[i].ColourCode < keys[j].ColourCode
	})
	for _, k := range keys {
		g := groups[k]
		pk, err := pricing.PackWithOffcuts(g.mat.BarLengthMM(), g.pieces, stock[k], cut)
		if err != nil {
			var tooLong *pricing.PieceTooLongError
			if errors.As(err, &tooLong) {
				src := sources[tooLong.Piece.Item]
				return nil, &PieceTooLongError{Quote: src.quote, Line: src.line, LengthMM: tooLong.Piece.LengthMM,
					Material: g.mat.Name, BarMM: g.mat.BarLengthMM()}
			}
			return nil, err
		}
		pp := ProfilePlan{MaterialCode: k.MaterialCode, MaterialName: g.mat.Name, ColourCode: k.ColourCode,
			ColourName: cat.Colours[k.ColourCode], BarLengthMM: g.mat.BarLengthMM(), NewBars: pk.NewBars(),
			PiecesMM: pk.PiecesMM, LowerBound: pk.LowerBound, Optimal: pk.Optimal}
		n := 0
		for _, b := range pk.Bars {
			bar := PlanBar{StockMM: b.StockMM, OffcutID: b.OffcutID, UsedMM: b.UsedMM, OffcutMM: b.OffcutMM, Reusable: b.Reusable}
			if b.OffcutID == 0 {
				n++
				bar.Number = n
			}
			for _, pc := range b.Pieces {
				src := sources[pc.Item]
				bar.Pieces = append(bar.Pieces, PlanPiece{LengthMM: pc.LengthMM, Angle: angleOf(pc.Label), Label: pc.Label,
					Quote: src.quote, Line: src.line, Location: src.location})
			}
			pp.StockMM += b.StockMM
			pp.Bars = append(pp.Bars, bar)
		}
		plan.Profiles = append(plan.Profiles, pp)
	}

	for _, g := range glass {
		plan.Glass = append(plan.Glass, *g)
	}
	sort.Slice(plan.Glass, func(i, j int) bool { return plan.Glass[i].Code < plan.Glass[j].Code })
	for _, s := range supplies {
		s.Quantity = s.Quantity.Round(3)
		s.Buy = s.Quantity
		if s.Unit == pricing.UnitPZA || s.Unit == pricing.UnitCartucho {
			s.Buy = s.Quantity.Ceil()
		}
		plan.Supplies = append(plan.Supplies, *s)
	}
	sort.Slice(plan.Supplies, func(i, j int) bool {
		a, b := plan.Supplies[i], plan.Supplies[j]
		if a.Role != b.Role {
			return roleRank(a.Role) < roleRank(b.Role)
		}
		return a.Code < b.Code
	})
	return plan, nil
}

// addGlass adds the glass of one line: one pane per window of the
// window's size less the product's glass deductions, or, when the line's
// formula counts another area, that area without a size.
func addGlass(glass map[string]*GlassGroup, ld *pricing.LineDetail, it *db.QuoteItem, p pricing.Product, windows int, src source, label string) {
	w := it.WidthMM.Sub(p.GlassDeductWMM).Round(0)
	h := it.HeightMM.Sub(p.GlassDeductHMM).Round(0)
	pane := w.Mul(h).Shift(-6)
	perWindow := pane
	sized := w.IsPositive() && h.IsPositive()
	if ld.Kind == pricing.LineBOM {
		// The BOM's own figure (m² per window, before waste) is what the
		// line counts; the pane size stands only when it agrees.
		perWindow = decimal.NewFromFloat(max(0, ld.Raw))
		sized = sized && perWindow.Sub(pane).Abs().LessThan(decimal.New(5, -4))
	}
	if !perWindow.IsPositive() {
		return
	}
	g := glass[ld.MaterialCode]
	if g == nil {
		g = &GlassGroup{Code: ld.MaterialCode, Name: ld.MaterialName}
		glass[ld.MaterialCode] = g
	}
	area := perWindow.Mul(decimal.NewFromInt(int64(windows))).Round(3)
	gp := GlassPiece{Count: windows, AreaM2: area, Label: label, Quote: src.quote, Line: src.line, Location: src.location}
	if sized {
		gp.WidthMM, gp.HeightMM = int(w.IntPart()), int(h.IntPart())
	}
	g.Pieces = append(g.Pieces, gp)
	g.AreaM2 = g.AreaM2.Add(area)
}

func roleOf(m pricing.Material) pricing.Role {
	switch m.Category {
	case pricing.CategoryProfiles:
		return pricing.RoleProfile
	case pricing.CategoryGlass:
		return pricing.RoleGlass
	case pricing.CategoryHardware:
		return pricing.RoleHardware
	}
	return pricing.RoleConsumable
}

func roleRank(r pricing.Role) int {
	switch r {
	case pricing.RoleHardware:
		return 0
	case pricing.RoleConsumable:
		return 1
	case pricing.RoleProfile:
		return 2
	}
	return 3
}

// PieceTooLongError says a piece is longer than its profile's usable bar
// (the catalogue's bar length changed since the quote was priced, or the
// saw's trim grew).
type PieceTooLongError struct {
	Quote    string
	Line     int
	LengthMM int
	Material string
	BarMM    int
}

func (e *PieceTooLongError) Error() string {
	return fmt.Sprintf("workshop: piece of %d mm of %s (%s line %d) longer than its %d mm bar", e.LengthMM, e.Material, e.Quote, e.Line, e.BarMM)
}

// LineLabel is how a piece or pane names where it goes: the quote line
// and its location.
func LineLabel(quote string, line int, location string) string {
	s := quote + " · " + strconv.Itoa(line)
	if location != "" {
		s += " · " + location
	}
	return s
}
