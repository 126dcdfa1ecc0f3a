package catalogio

import (
	"encoding/csv"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"cotizador/db"
	"cotizador/pricing"
)

// The native format is two files. materials.csv holds three kinds of rows,
// told apart by the record column: colour, material and colour_price (the
// explicit price of the material named in code, in colour colour_code).
// products.csv holds product rows, each followed by its bom rows (code is
// the product's code). Columns a kind does not use stay empty. Numbers are
// plain decimals with a point; empty bar_length_m / waste_factor mean unset.
// An upsert of a product replaces its whole BOM with the file's bom rows.

// NativeMaterialColumns is the header of the native materials.csv.
var NativeMaterialColumns = []string{
	"record", "action", "code", "name", "category", "unit", "cost", "bar_length_m", "waste_factor",
	"line", "description", "active", "colour_code", "factor", "price",
}

// NativeProductColumns is the header of the native products.csv.
var NativeProductColumns = []string{
	"record", "action", "code", "name", "category", "type", "line", "hojas",
	"min_width_mm", "max_width_mm", "min_height_mm", "max_height_mm",
	"labour_rate_m2", "complexity", "glass_deduct_w_mm", "glass_deduct_h_mm", "description", "active",
	"order", "material_code", "role", "quantity_formula", "cut_count_formula", "cut_length_formula", "waste_factor",
}

// Record kinds of the native files.
const (
	recColour      = "colour"
	recMaterial    = "material"
	recColourPrice = "colour_price"
	recProduct     = "product"
	recBOM         = "bom"
)

// Input is the files of one import. Products may be nil; the names are the
// ones messages quote (the uploaded file names).
type Input struct {
	Materials     io.Reader
	MaterialsName string
	Products      io.Reader
	ProductsName  string
}

func (in Input) names() (string, string) {
	m, p := in.MaterialsName, in.ProductsName
	if m == "" {
		m = MaterialsFile
	}
	if p == "" {
		p = ProductsFile
	}
	return m, p
}

// Read parses an import in the given format. It never stops at a bad row:
// every row gets a result, and db.CatalogChanges.OK says whether all are good.
func Read(f Format, in Input) (*db.CatalogChanges, error) {
	switch f {
	case Native:
		return ReadNative(in), nil
	case Prototype:
		return ReadPrototype(in), nil
	}
	return nil, errf("unknown format %q", f)
}

// action reads the action column: upsert (also create, update or empty) or
// delete.
func readAction(re *rowErrors, v string) db.ChangeOp {
	switch strings.ToLower(v) {
	case "", "upsert", "create", "update":
		return db.OpUpsert
	case "delete":
		return db.OpDelete
	}
	re.add("action", "catalogio.action_invalid", map[string]any{"Value": v})
	return db.OpUpsert
}

// seen remembers the line where each key first appeared, to report repeats.
type seen map[string]int

func (s seen) repeat(row *db.ImportRow, field, key string, line int) bool {
	if first, ok := s[key]; ok {
		row.Fail(field, "catalogio.repeated", map[string]any{"Value": key, "Line": first})
		return true
	}
	s[key] = line
	return false
}

// ReadNative parses the native format.
func ReadNative(in Input) *db.CatalogChanges {
	c := &db.CatalogChanges{}
	matName, prodName := in.names()
	if in.Materials != nil {
		readNativeMaterials(c, matName, in.Materials)
	}
	if in.Products != nil {
		readNativeProducts(c, prodName, in.Products)
	}
	return c
}

func readNativeMaterials(c *db.CatalogChanges, file string, rd io.Reader) {
	t := openTable(c, file, rd, NativeMaterialColumns)
	if t == nil {
		return
	}
	t.unquote = true
	colours, materials, prices := seen{}, seen{}, seen{}
	for {
		rec, ok := t.next(c)
		if !ok {
			return
		}
		re := newRowErrors()
		row := db.ImportRow{File: file, Line: rec.line}
		op := readAction(re, rec.get("action"))
		row.Action = actionFor(op)
		switch kind := strings.ToLower(rec.get("record")); kind {
		case recColour:
			row.Kind = db.KindColour
			col := db.Colour{Active: true}
			col.Code = re.text("code", rec.get("code"), true, maxColourLen)
			row.Code = col.Code
			if op == db.OpUpsert {
				col.Name = re.text("name", rec.get("name"), true, maxColourNm)
				col.Factor = re.decimal("factor", rec.get("factor"), true)
				col.Active = re.boolean("active", rec.get("active"))
			}
			row.Name = col.Name
			re.copyTo(&row)
			if op == db.OpUpsert {
				if err := pricing.ValidateColour(col.Colour); err != nil {
					pricingProblems(&row, err, func(string) string { return "factor" })
				}
			}
			if col.Code != "" {
				colours.repeat(&row, "code", col.Code, rec.line)
			}
			i := c.AddRow(row)
			c.Colours = append(c.Colours, db.ColourChange{Row: i, Op: op, Colour: col})
		case recMaterial:
			row.Kind = db.KindMaterial
			m := db.Material{Active: true}
			m.Code = re.text("code", rec.get("code"), true, maxCodeLen)
			row.Code = m.Code
			if op == db.OpUpsert {
				m.Name = re.text("name", rec.get("name"), true, maxNameLen)
				m.Category = pricing.Category(re.choice("category", rec.get("category"), categories...))
				m.Unit = pricing.Unit(re.choice("unit", rec.get("unit"), units...))
				m.Cost = re.nonNegative("cost", rec.get("cost"), true)
				m.BarLengthM = re.nonNegative("bar_length_m", rec.get("bar_length_m"), false)
				m.WasteFactor = re.decimal("waste_factor", rec.get("waste_factor"), false)
				m.Line = re.text("line", rec.get("line"), false, maxLineLen)
				m.Description = re.multiline("description", rec.raw("description"), maxMatDesc)
				m.Active = re.boolean("active", rec.get("active"))
			}
			row.Name = m.Name
			re.copyTo(&row)
			if op == db.OpUpsert {
				if err := pricing.ValidateMaterial(m.Material); err != nil {
					pricingProblems(&row, err, func(f string) string { return f })
				}
			}
			if m.Code != "" {
				materials.repeat(&row, "code", m.Code, rec.line)
			}
			i := c.AddRow(row)
			c.Materials = append(c.Materials, db.MaterialChange{Row: i, Op: op, Material: m})
		case recColourPrice:
			row.Kind = db.KindColourPrice
			cp := pricing.ColourPrice{
				MaterialCode: re.text("code", rec.get("code"), true, maxCodeLen),
				ColourCode:   re.text("colour_code", rec.get("colour_code"), true, maxColourLen),
			}
			if op == db.OpUpsert {
				cp.Price = re.nonNegative("price", rec.get("price"), true)
			}
			row.Code = cp.MaterialCode + " / " + cp.ColourCode
			re.copyTo(&row)
			if cp.MaterialCode != "" && cp.ColourCode != "" {
				prices.repeat(&row, "colour_code", row.Code, rec.line)
			}
			i := c.AddRow(row)
			c.ColourPrices = append(c.ColourPrices, db.ColourPriceChange{Row: i, Op: op, ColourPrice: cp})
		default:
			row.Kind, row.Code = db.KindUnknown, kind
			if kind == "" {
				row.Fail("record", "validation.required", nil)
			} else {
				row.Fail("record", "catalogio.choice", map[string]any{"Value": kind, "Options": "colour, material, colour_price"})
			}
			re.copyTo(&row)
			c.AddRow(row)
		}
	}
}

var bomField = regexp.MustCompile(`^bom\[(\d+)\]\.(.+)$`)

func readNativeProducts(c *db.CatalogChanges, file string, rd io.Reader) {
	t := openTable(c, file, rd, NativeProductColumns)
	if t == nil {
		return
	}
	t.unquote = true
	type bomRow struct {
		row  int
		line pricing.BOMLine
	}
	products := seen{}
	byCode := map[string]int{} // product code → index in c.Products
	var pending []struct {
		code string
		bomRow
	}
	for {
		rec, ok := t.next(c)
		if !ok {
			break
		}
		re := newRowErrors()
		row := db.ImportRow{File: file, Line: rec.line}
		op := readAction(re, rec.get("action"))
		row.Action = actionFor(op)
		switch kind := strings.ToLower(rec.get("record")); kind {
		case recProduct:
			row.Kind = db.KindProduct
			p := db.Product{Active: true}
			p.Code = re.text("code", rec.get("code"), true, maxCodeLen)
			row.Code = p.Code
			if op == db.OpUpsert {
				p.Name = re.text("name", rec.get("name"), true, maxNameLen)
				p.Category = re.choice("category", rec.get("category"), db.ProductCategories...)
				p.Type = pricing.ProductType(re.text("type", rec.get("type"), true, 40))
				p.Line = re.text("line", rec.get("line"), false, maxLineLen)
				p.Hojas = re.integer("hojas", rec.get("hojas"), 0, maxHojas)
				p.MinWidthMM = decimal.NewFromInt(int64(re.integer("min_width_mm", rec.get("min_width_mm"), 0, maxMM)))
				p.MaxWidthMM = decimal.NewFromInt(int64(re.integer("max_width_mm", rec.get("max_width_mm"), 0, maxMM)))
				p.MinHeightMM = decimal.NewFromInt(int64(re.integer("min_height_mm", rec.get("min_height_mm"), 0, maxMM)))
				p.MaxHeightMM = decimal.NewFromInt(int64(re.integer("max_height_mm", rec.get("max_height_mm"), 0, maxMM)))
				p.LabourRateM2 = re.nonNegative("labour_rate_m2", rec.get("labour_rate_m2"), false)
				p.Complexity = re.nonNegative("complexity", rec.get("complexity"), false)
				p.GlassDeductWMM = decimal.NewFromInt(int64(re.integer("glass_deduct_w_mm", rec.get("glass_deduct_w_mm"), 0, maxMM)))
				p.GlassDeductHMM = decimal.NewFromInt(int64(re.integer("glass_deduct_h_mm", rec.get("glass_deduct_h_mm"), 0, maxMM)))
				p.Description = re.multiline("description", rec.raw("description"), maxProdDesc)
				p.Active = re.boolean("active", rec.get("active"))
			}
			row.Name = p.Name
			re.copyTo(&row)
			if p.Code != "" && !products.repeat(&row, "code", p.Code, rec.line) {
				byCode[p.Code] = len(c.Products)
			}
			i := c.AddRow(row)
			c.Products = append(c.Products, db.ProductChange{Row: i, Op: op, Product: p})
		case recBOM:
			row.Kind = db.KindBOM
			code := re.text("code", rec.get("code"), true, maxCodeLen)
			var l pricing.BOMLine
			l.Order = re.integer("order", rec.get("order"), 0, 1_000_000)
			l.MaterialCode = re.text("material_code", rec.get("material_code"), true, maxCodeLen)
			l.Role = pricing.Role(re.choice("role", rec.get("role"), roles...))
			l.QuantityFormula = rec.get("quantity_formula")
			l.CutCountFormula = rec.get("cut_count_formula")
			l.CutLengthFormula = rec.get("cut_length_formula")
			l.WasteFactor = re.decimal("waste_factor", rec.get("waste_factor"), false)
			l.Description = re.text("description", rec.get("description"), false, maxBOMDesc)
			if op != db.OpUpsert {
				re.add("action", "catalogio.bom_action", nil)
			}
			row.Code = code
			row.Name = l.MaterialCode
			re.copyTo(&row)
			i := c.AddRow(row)
			pending = append(pending, struct {
				code string
				bomRow
			}{code, bomRow{row: i, line: l}})
		default:
			row.Kind, row.Code = db.KindUnknown, kind
			if kind == "" {
				row.Fail("record", "validation.required", nil)
			} else {
				row.Fail("record", "catalogio.choice", map[string]any{"Value": kind, "Options": "product, bom"})
			}
			re.copyTo(&row)
			c.AddRow(row)
		}
	}
	// Attach each BOM row to its product, wherever it sits in the file.
	for _, b := range pending {
		if b.code == "" {
			continue
		}
		pi, ok := byCode[b.code]
		if !ok {
			c.Rows[b.row].Fail("code", "catalogio.bom_no_product", map[string]any{"Code": b.code})
			continue
		}
		pc := &c.Products[pi]
		if pc.Op == db.OpDelete {
			c.Rows[b.row].Fail("code", "catalogio.bom_deleted_product", map[string]any{"Code": b.code})
			continue
		}
		pc.Product.BOM = append(pc.Product.BOM, b.line)
		pc.BOMRows = append(pc.BOMRows, b.row)
	}
	for i := range c.Products {
		pc := &c.Products[i]
		if pc.Op != db.OpUpsert {
			continue
		}
		// Lines without an order keep the file's order after the numbered ones.
		for j := range pc.Product.BOM {
			if pc.Product.BOM[j].Order == 0 {
				pc.Product.BOM[j].Order = j + 1
			}
		}
		if err := pricing.ValidateProduct(pc.Product.Product); err != nil {
			fes, _ := err.(pricing.FieldErrors)
			for _, fe := range fes {
				row, field := &c.Rows[pc.Row], fe.Field
				if m := bomField.FindStringSubmatch(fe.Field); m != nil {
					j, _ := strconv.Atoi(m[1])
					row, field = &c.Rows[pc.BOMRows[j]], m[2]
				}
				if !hasProblem(row, field) {
					row.Fail(field, "catalogio.invalid", map[string]any{"Reason": fe})
				}
			}
		}
	}
	// A product whose BOM rows failed fails too, so it is not half applied
	// in a preview's eyes.
	for i := range c.Products {
		pc := &c.Products[i]
		for _, r := range pc.BOMRows {
			if c.Rows[r].Failed() {
				if !c.Rows[pc.Row].Failed() {
					c.Rows[pc.Row].Fail("", "catalogio.bom_rows_failed", nil)
				}
				break
			}
		}
	}
}

// WriteNative writes a snapshot in the native format: colours, then each
// material followed by its colour prices; each product followed by its BOM.
// Rows are ordered by code, so the same catalogue always gives the same
// bytes. Both files start with a UTF-8 BOM for Excel.
func WriteNative(materials, products io.Writer, s *db.CatalogSnapshot) error {
	if err := writeNativeMaterials(materials, s); err != nil {
		return err
	}
	return writeNativeProducts(products, s)
}

func decOrEmpty(d decimal.Decimal) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func boolText(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// nativeRows writes the header and returns a function that writes one
// row given by column name, every cell neutralised against spreadsheet
// formulas (columns a row does not use stay empty).
func nativeRows(cw *csv.Writer, columns []string) func(map[string]string) {
	_ = cw.Write(columns)
	return func(vals map[string]string) {
		rec := make([]string, len(columns))
		for i, col := range columns {
			rec[i] = neutralise(vals[col])
		}
		_ = cw.Write(rec)
	}
}

func writeNativeMaterials(w io.Writer, s *db.CatalogSnapshot) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	row := nativeRows(cw, NativeMaterialColumns)
	colours := append([]db.Colour(nil), s.Colours...)
	sort.SliceStable(colours, func(i, j int) bool { return colours[i].Code < colours[j].Code })
	for _, col := range colours {
		row(map[string]string{"record": recColour, "action": "upsert", "code": col.Code, "name": col.Name,
			"factor": col.Factor.String(), "active": boolText(col.Active)})
	}
	prices := map[string][]pricing.ColourPrice{}
	for _, cp := range s.ColourPrices {
		prices[cp.MaterialCode] = append(prices[cp.MaterialCode], cp)
	}
	materials := append([]db.Material(nil), s.Materials...)
	sort.SliceStable(materials, func(i, j int) bool { return materials[i].Code < materials[j].Code })
	for _, m := range materials {
		row(map[string]string{"record": recMaterial, "action": "upsert", "code": m.Code, "name": m.Name,
			"category": string(m.Category), "unit": string(m.Unit), "cost": m.Cost.String(),
			"bar_length_m": decOrEmpty(m.BarLengthM), "waste_factor": decOrEmpty(m.WasteFactor),
			"line": m.Line, "description": m.Description, "active": boolText(m.Active)})
		ps := prices[m.Code]
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].ColourCode < ps[j].ColourCode })
		for _, cp := range ps {
			row(map[string]string{"record": recColourPrice, "action": "upsert", "code": m.Code,
				"colour_code": cp.ColourCode, "price": cp.Price.String()})
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeNativeProducts(w io.Writer, s *db.CatalogSnapshot) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	row := nativeRows(cw, NativeProductColumns)
	products := append([]db.Product(nil), s.Products...)
	sort.SliceStable(products, func(i, j int) bool { return products[i].Code < products[j].Code })
	for _, p := range products {
		row(map[string]string{"record": recProduct, "action": "upsert", "code": p.Code, "name": p.Name,
			"category": p.Category, "type": string(p.Type), "line": p.Line, "hojas": strconv.Itoa(p.Hojas),
			"min_width_mm": p.MinWidthMM.String(), "max_width_mm": p.MaxWidthMM.String(),
			"min_height_mm": p.MinHeightMM.String(), "max_height_mm": p.MaxHeightMM.String(),
			"labour_rate_m2": p.LabourRateM2.String(), "complexity": p.Complexity.String(),
			"glass_deduct_w_mm": p.GlassDeductWMM.String(), "glass_deduct_h_mm": p.GlassDeductHMM.String(),
			"description": p.Description, "active": boolText(p.Active)})
		for _, l := range p.BOM {
			row(map[string]string{"record": recBOM, "action": "upsert", "code": p.Code,
				"order": strconv.Itoa(l.Order), "material_code": l.MaterialCode, "role": string(l.Role),
				"quantity_formula": l.QuantityFormula, "cut_count_formula": l.CutCountFormula,
				"cut_length_formula": l.CutLengthFormula, "waste_factor": decOrEmpty(l.WasteFactor),
				"description": l.Description})
		}
	}
	cw.Flush()
	return cw.Error()
}
