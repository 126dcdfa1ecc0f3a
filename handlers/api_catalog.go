package handlers

import (
	"bytes"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"cotizador/db"
)

func urlEscape(s string) string { return url.QueryEscape(s) }

// Catalogue JSON for API clients (Bearer token). Money and factors are
// strings with their exact decimals, never floats.

type apiColourPrice struct {
	ColourCode string `json:"colour_code"`
	Price      string `json:"price"`
}

type apiMaterial struct {
	Code         string           `json:"code"`
	Name         string           `json:"name"`
	Category     string           `json:"category"`
	Unit         string           `json:"unit"`
	Cost         string           `json:"cost"`
	BarLengthM   string           `json:"bar_length_m,omitempty"`
	Line         string           `json:"line,omitempty"`
	WasteFactor  string           `json:"waste_factor,omitempty"`
	Description  string           `json:"description,omitempty"`
	Active       bool             `json:"active"`
	ColourPrices []apiColourPrice `json:"colour_prices"`
}

type apiBOMLine struct {
	MaterialCode     string `json:"material_code"`
	Role             string `json:"role"`
	QuantityFormula  string `json:"quantity_formula,omitempty"`
	CutCountFormula  string `json:"cut_count_formula,omitempty"`
	CutLengthFormula string `json:"cut_length_formula,omitempty"`
	WasteFactor      string `json:"waste_factor,omitempty"`
	Description      string `json:"description,omitempty"`
	Order            int    `json:"order"`
}

type apiProduct struct {
	Code           string       `json:"code"`
	Name           string       `json:"name"`
	Category       string       `json:"category"`
	Type           string       `json:"type"`
	Line           string       `json:"line,omitempty"`
	Hojas          int          `json:"hojas"`
	MinWidthMM     int64        `json:"min_width_mm"`
	MaxWidthMM     int64        `json:"max_width_mm"`
	MinHeightMM    int64        `json:"min_height_mm"`
	MaxHeightMM    int64        `json:"max_height_mm"`
	LabourRateM2   string       `json:"labor_rate_m2"`
	Complexity     string       `json:"complexity"`
	GlassDeductWMM int64        `json:"glass_deduct_w_mm"`
	GlassDeductHMM int64        `json:"glass_deduct_h_mm"`
	Active         bool         `json:"active"`
	Warnings       []string     `json:"warnings,omitempty"`
	BOM            []apiBOMLine `json:"bom"`
}

func (s *server) apiMaterials(c *fiber.Ctx) error {
	ctx := c.UserContext()
	materials, err := s.DB.FindMaterials(ctx, db.MaterialFilter{Search: c.Query("q"), Category: c.Query("category"), Line: c.Query("line")})
	if err != nil {
		return err
	}
	out := make([]apiMaterial, 0, len(materials))
	for _, m := range materials {
		prices, err := s.DB.FindColourPrices(ctx, m.ID)
		if err != nil {
			return err
		}
		am := apiMaterial{Code: m.Code, Name: m.Name, Category: string(m.Category), Unit: string(m.Unit), Cost: m.Cost.StringFixed(2),
			Line: m.Line, Description: m.Description, Active: m.Active, ColourPrices: []apiColourPrice{}}
		if !m.BarLengthM.IsZero() {
			am.BarLengthM = m.BarLengthM.StringFixed(2)
		}
		if !m.WasteFactor.IsZero() {
			am.WasteFactor = m.WasteFactor.String()
		}
		for _, p := range prices {
			am.ColourPrices = append(am.ColourPrices, apiColourPrice{ColourCode: p.ColourCode, Price: p.Price.StringFixed(2)})
		}
		out = append(out, am)
	}
	return c.JSON(fiber.Map{"materials": out})
}

func (s *server) apiProducts(c *fiber.Ctx) error {
	ctx := c.UserContext()
	products, err := s.DB.FindProducts(ctx, db.ProductFilter{Search: c.Query("q"), Category: c.Query("category")})
	if err != nil {
		return err
	}
	out := make([]apiProduct, 0, len(products))
	for _, lp := range products {
		p, err := s.DB.FindProductByID(ctx, lp.ID)
		if err != nil {
			return err
		}
		ap := apiProduct{Code: p.Code, Name: p.Name, Category: p.Category, Type: string(p.Type), Line: p.Line, Hojas: p.Hojas,
			MinWidthMM: p.MinWidthMM.IntPart(), MaxWidthMM: p.MaxWidthMM.IntPart(), MinHeightMM: p.MinHeightMM.IntPart(), MaxHeightMM: p.MaxHeightMM.IntPart(),
			LabourRateM2: p.LabourRateM2.StringFixed(2), Complexity: p.Complexity.String(),
			GlassDeductWMM: p.GlassDeductWMM.IntPart(), GlassDeductHMM: p.GlassDeductHMM.IntPart(), Active: p.Active, BOM: []apiBOMLine{}}
		for i, l := range p.BOM {
			bl := apiBOMLine{MaterialCode: l.MaterialCode, Role: string(l.Role), QuantityFormula: l.QuantityFormula,
				CutCountFormula: l.CutCountFormula, CutLengthFormula: l.CutLengthFormula, Description: l.Description, Order: l.Order}
			if !l.WasteFactor.IsZero() {
				bl.WasteFactor = l.WasteFactor.String()
			}
			if i < len(p.BOMInfo) && p.BOMInfo[i].Missing {
				ap.Warnings = append(ap.Warnings, "material_missing:"+l.MaterialCode)
			}
			ap.BOM = append(ap.BOM, bl)
		}
		out = append(out, ap)
	}
	return c.JSON(fiber.Map{"products": out})
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
