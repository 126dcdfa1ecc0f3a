package catalogio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"cotizador/db"
	"cotizador/pricing"
)

// The prototype's two CSV files, exactly as its export writes them. Its
// export puts action=update on every row (its blank template uses create),
// prints numbers as PostgreSQL does ("52.0000", "6.00") and adds one row
// per colour price of a profile. A migrating shop imports them into an
// empty Cotizador, so create and update both mean upsert (materials by code,
// products by name, which is all the prototype gives them), delete means
// soft delete, and the id column is only the key bom_json refers to.

// PrototypeMaterialColumns is the header of the prototype's materials file.
var PrototypeMaterialColumns = []string{
	"action", "id", "name", "code", "unit", "category", "cost_per_unit", "selling_unit_length_m",
	"description", "color_name", "color_code", "color_price_per_unit",
}

// PrototypeProductColumns is the header of the prototype's products file.
var PrototypeProductColumns = []string{
	"action", "id", "name", "window_type", "aluminum_line", "min_width_cm", "max_width_cm",
	"min_height_cm", "max_height_cm", "bom_json", "description",
}

// prototypeLines maps the prototype's aluminium line enum to our lines
// (which are data); other values are kept as written.
var prototypeLines = map[string]string{
	"nacional_serie_3":  `Línea 3"`,
	"nacional_serie_35": "Serie 35",
}

// prototypeRoles maps bom_json's material_type to a BOM line role.
var prototypeRoles = map[string]pricing.Role{
	"PERFIL":       pricing.RoleProfile,
	"VIDRIO":       pricing.RoleGlass,
	"HERRAJE":      pricing.RoleHardware,
	"CONSUMIBLE":   pricing.RoleConsumable,
	"MANO_DE_OBRA": pricing.RoleLabour,
}

var prototypeWindowTypes = []string{"fija", "corrediza", "proyectante", "abatible", "oscilobatiente"}

// prototypeWaste is the prototype's default waste factor of a BOM item.
var prototypeWaste = decimal.RequireFromString("1.05")

// seedColours gives the codes and factors of the prototype seed's colours,
// by name, so importing the seed gives what `catalog load-prototype` gives.
// "Bronze" is how DOMAIN.md spells Bronce.
func seedColours() map[string]pricing.Colour {
	out := map[string]pricing.Colour{}
	for _, c := range pricing.PrototypeSeedCatalog().Colours() {
		out[normName(c.Name)] = c
	}
	out[normName("Bronze")] = out[normName("Bronce")]
	return out
}

// seedProductCodes gives the codes of the prototype seed's products by name.
func seedProductCodes() map[string]string {
	out := map[string]string{}
	for _, p := range pricing.PrototypeSeedCatalog().Products() {
		out[normName(p.Name)] = p.Code
	}
	return out
}

// protoMaterial is what the first upsert row of a material code said, to
// compare with the rows repeated for its colour prices.
type protoMaterial struct {
	line   int
	fields map[string]string
	op     db.ChangeOp
}

var protoMaterialFields = []string{"name", "unit", "category", "cost_per_unit", "selling_unit_length_m", "description"}

// ReadPrototype parses the prototype's files.
func ReadPrototype(in Input) *db.CatalogChanges {
	c := &db.CatalogChanges{}
	matName, prodName := in.names()
	ids := map[string]string{} // prototype material id → code
	if in.Materials != nil {
		readPrototypeMaterials(c, matName, in.Materials, ids)
	}
	if in.Products != nil {
		readPrototypeProducts(c, prodName, in.Products, ids, in.Materials != nil)
	}
	return c
}

// protoID reads a prototype id: a positive whole number.
func protoID(s string) (string, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		d, derr := pricing.ParseDecimal(s)
		if derr != nil || !d.IsInteger() {
			return "", false
		}
		n = d.IntPart()
	}
	if n <= 0 {
		return "", false
	}
	return strconv.FormatInt(n, 10), true
}

func readPrototypeMaterials(c *db.CatalogChanges, file string, rd io.Reader, ids map[string]string) {
	t := openTable(c, file, rd, PrototypeMaterialColumns)
	if t == nil {
		return
	}
	colours := seedColours()
	byCode := map[string]*protoMaterial{}
	idLine := map[string]int{}
	colourDone := map[string]bool{} // colour codes already asked for
	pricesSeen := seen{}
	for {
		rec, ok := t.next(c)
		if !ok {
			return
		}
		re := newRowErrors()
		row := db.ImportRow{File: file, Line: rec.line, Kind: db.KindMaterial}
		op := protoAction(re, rec.get("action"))
		row.Action = actionFor(op)
		id := rec.get("id")
		if id != "" {
			var ok bool
			if id, ok = protoID(id); !ok {
				re.add("id", "catalogio.proto_id", map[string]any{"Value": rec.get("id")})
			}
		}
		name := re.text("name", rec.get("name"), op == db.OpUpsert, maxNameLen)
		code := re.text("code", rec.get("code"), false, maxCodeLen)
		generated := false
		if code == "" && name != "" {
			code, generated = GenerateCode(name, maxCodeLen), true
		}
		if code == "" {
			re.add("code", "validation.required", nil)
		}
		row.Code, row.Name = code, name
		if generated {
			row.Note("catalogio.code_generated", map[string]any{"Code": code})
		}

		var m db.Material
		m.Code, m.Name, m.Active = code, name, true
		fields := map[string]string{}
		if op == db.OpUpsert {
			m.Unit = pricing.Unit(re.choice("unit", strings.ToUpper(rec.get("unit")), units...))
			m.Category = pricing.Category(re.choice("category", rec.get("category"), categories...))
			m.Cost = re.nonNegative("cost_per_unit", rec.get("cost_per_unit"), true)
			m.BarLengthM = re.nonNegative("selling_unit_length_m", rec.get("selling_unit_length_m"), false)
			m.Description = re.multiline("description", rec.raw("description"), maxMatDesc)
			for _, f := range protoMaterialFields {
				fields[f] = rec.get(f)
			}
		}

		// The colour part of the row, if any.
		colourName := re.text("color_name", rec.get("color_name"), false, maxColourNm)
		colourCode := re.text("color_code", rec.get("color_code"), false, maxColourLen)
		priceText := rec.get("color_price_per_unit")
		hasColour := colourName != "" || colourCode != "" || priceText != ""
		var cp pricing.ColourPrice
		var newColour *db.Colour
		if hasColour && op == db.OpUpsert {
			cp.MaterialCode = code
			cp.Price = re.nonNegative("color_price_per_unit", priceText, true)
			if colourName == "" && colourCode == "" {
				re.add("color_name", "validation.required", nil)
			}
			seed, isSeed := colours[normName(colourName)]
			switch {
			case colourCode != "":
				cp.ColourCode = colourCode
			case isSeed:
				cp.ColourCode = seed.Code
			default:
				cp.ColourCode = GenerateCode(colourName, maxColourLen)
			}
			col := db.Colour{Active: true}
			col.Code, col.Name, col.Factor = cp.ColourCode, colourName, decimal.NewFromInt(1)
			if col.Name == "" {
				col.Name = col.Code
			}
			if isSeed {
				// The seed's own name and factor ("Bronze" is Bronce).
				col.Name, col.Factor = seed.Name, seed.Factor
			}
			newColour = &col
		}

		// A code seen before: this row must repeat the material and add a
		// colour price (the prototype writes one row per colour price).
		prev := byCode[code]
		repeat := prev != nil && code != ""
		if repeat {
			if prev.op != op {
				re.add("action", "catalogio.proto_contradicts", map[string]any{"Line": prev.line})
			} else if op == db.OpUpsert {
				for _, f := range protoMaterialFields {
					if !sameValue(prev.fields[f], fields[f]) {
						re.add(f, "catalogio.proto_contradicts", map[string]any{"Line": prev.line})
					}
				}
			}
		}
		if id != "" {
			if other, ok := ids[id]; ok && other != code {
				re.add("id", "catalogio.proto_id_reused", map[string]any{"ID": id, "Line": idLine[id]})
			} else if !ok && code != "" {
				ids[id], idLine[id] = code, rec.line
			}
		}
		re.copyTo(&row)
		if op == db.OpUpsert && !repeat {
			if err := pricing.ValidateMaterial(m.Material); err != nil {
				pricingProblems(&row, err, func(f string) string {
					return map[string]string{"cost": "cost_per_unit", "bar_length_m": "selling_unit_length_m"}[f]
				})
			}
		}
		if hasColour && op == db.OpUpsert && cp.MaterialCode != "" && cp.ColourCode != "" {
			pricesSeen.repeat(&row, "color_name", cp.MaterialCode+" / "+cp.ColourCode, rec.line)
		}

		switch {
		case repeat && op == db.OpDelete:
			row.Action = db.ActionUnchanged
			row.Note("catalogio.proto_already_deleted", map[string]any{"Line": prev.line})
			c.AddRow(row)
		case repeat && !hasColour:
			row.Action = db.ActionUnchanged
			row.Note("catalogio.proto_repeated", map[string]any{"Line": prev.line})
			c.AddRow(row)
		case repeat:
			row.Kind, row.Code = db.KindColourPrice, cp.MaterialCode+" / "+cp.ColourCode
			i := c.AddRow(row)
			if newColour != nil && !row.Failed() && !colourDone[newColour.Code] {
				colourDone[newColour.Code] = true
				c.Colours = append(c.Colours, db.ColourChange{Row: i, Op: db.OpUpsert, Colour: *newColour, Implicit: true})
			}
			c.ColourPrices = append(c.ColourPrices, db.ColourPriceChange{Row: i, Op: db.OpUpsert, ColourPrice: cp, FactorEquivalent: true})
		default:
			i := c.AddRow(row)
			if code != "" {
				byCode[code] = &protoMaterial{line: rec.line, fields: fields, op: op}
			}
			c.Materials = append(c.Materials, db.MaterialChange{Row: i, Op: op, Material: m, Partial: true})
			if newColour != nil {
				if !row.Failed() && !colourDone[newColour.Code] {
					colourDone[newColour.Code] = true
					c.Colours = append(c.Colours, db.ColourChange{Row: i, Op: db.OpUpsert, Colour: *newColour, Implicit: true})
				}
				c.ColourPrices = append(c.ColourPrices, db.ColourPriceChange{Row: i, Op: db.OpUpsert, ColourPrice: cp,
					FactorEquivalent: true, Secondary: true})
			}
		}
	}
}

// sameValue compares two cells of repeated rows: numbers by value
// ("52.0000" is "52"), text as written.
func sameValue(a, b string) bool {
	if a == b {
		return true
	}
	da, errA := decimal.NewFromString(a)
	db, errB := decimal.NewFromString(b)
	return errA == nil && errB == nil && da.Equal(db)
}

var hojasInName = regexp.MustCompile(`(?i)\b([1-8])\s*hojas?\b`)

// prototypeHojas guesses the leaves the prototype never recorded: from the
// name ("2 Hojas"), else 2 for a sliding window and 1 otherwise.
func prototypeHojas(name string, t pricing.ProductType) int {
	if m := hojasInName.FindStringSubmatch(name); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if t == pricing.TypeCorrediza {
		return 2
	}
	return 1
}

// cmToMM converts a prototype range in cm ("80.00") to whole mm.
func cmToMM(re *rowErrors, field, value string) decimal.Decimal {
	d := re.nonNegative(field, value, false)
	mm := d.Shift(1).Round(0)
	if mm.GreaterThan(decimal.NewFromInt(maxMM)) {
		re.add(field, "validation.range", map[string]any{"Min": 0, "Max": maxMM / 10})
		return decimal.Zero
	}
	return mm
}

// bomItem is one element of bom_json. Numbers may come as JSON numbers or
// strings (Python's json.dumps of a Decimal stored as text).
type bomItem struct {
	MaterialID      json.RawMessage `json:"material_id"`
	MaterialType    json.RawMessage `json:"material_type"`
	QuantityFormula json.RawMessage `json:"quantity_formula"`
	WasteFactor     json.RawMessage `json:"waste_factor"`
	Description     json.RawMessage `json:"description"`
}

// jsonText reads a JSON string or number as text; ok is false for other
// JSON values. Absent or null gives "".
func jsonText(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return "", false
	}
	return n.String(), true
}

func readPrototypeProducts(c *db.CatalogChanges, file string, rd io.Reader, ids map[string]string, haveMaterials bool) {
	t := openTable(c, file, rd, PrototypeProductColumns)
	if t == nil {
		return
	}
	seedCodes := seedProductCodes()
	codes := seen{}
	for {
		rec, ok := t.next(c)
		if !ok {
			return
		}
		re := newRowErrors()
		row := db.ImportRow{File: file, Line: rec.line, Kind: db.KindProduct}
		op := protoAction(re, rec.get("action"))
		row.Action = actionFor(op)
		if id := rec.get("id"); id != "" {
			if _, ok := protoID(id); !ok {
				re.add("id", "catalogio.proto_id", map[string]any{"Value": id})
			}
		}
		p := db.Product{Category: "ventana", Active: true}
		p.Name = re.text("name", rec.get("name"), true, maxNameLen)
		if code, ok := seedCodes[normName(p.Name)]; ok {
			p.Code = code
		} else if p.Name != "" {
			p.Code = GenerateCode(p.Name, maxCodeLen)
			row.Note("catalogio.code_generated", map[string]any{"Code": p.Code})
		}
		row.Code, row.Name = p.Code, p.Name
		var bomProblems []db.RowProblem
		if op == db.OpUpsert {
			p.Type = pricing.ProductType(re.choice("window_type", strings.ToLower(rec.get("window_type")), prototypeWindowTypes...))
			p.LabourRateM2, p.Complexity, _ = pricing.PrototypeLabourRate(p.Type)
			p.Hojas = prototypeHojas(p.Name, p.Type)
			line := rec.get("aluminum_line")
			if mapped, ok := prototypeLines[strings.ToLower(line)]; ok {
				line = mapped
			}
			p.Line = re.text("aluminum_line", line, false, maxLineLen)
			p.MinWidthMM = cmToMM(re, "min_width_cm", rec.get("min_width_cm"))
			p.MaxWidthMM = cmToMM(re, "max_width_cm", rec.get("max_width_cm"))
			p.MinHeightMM = cmToMM(re, "min_height_cm", rec.get("min_height_cm"))
			p.MaxHeightMM = cmToMM(re, "max_height_cm", rec.get("max_height_cm"))
			p.Description = re.multiline("description", rec.raw("description"), maxProdDesc)
			p.BOM, bomProblems = parseBOMJSON(rec.get("bom_json"), ids, haveMaterials)
		}
		re.copyTo(&row)
		for _, pr := range bomProblems {
			row.Fail(pr.Field, pr.Key, pr.Args)
		}
		if op == db.OpUpsert {
			if err := pricing.ValidateProduct(p.Product); err != nil {
				pricingProblems(&row, err, func(f string) string {
					if m := bomField.FindStringSubmatch(f); m != nil {
						return "bom_json[" + m[1] + "]." + m[2]
					}
					return strings.Replace(f, "_mm", "_cm", 1)
				})
			}
		}
		if p.Code != "" {
			codes.repeat(&row, "name", p.Code, rec.line)
		}
		i := c.AddRow(row)
		rows := make([]int, len(p.BOM))
		for j := range rows {
			rows[j] = -1
		}
		c.Products = append(c.Products, db.ProductChange{Row: i, Op: op, Product: p, BOMRows: rows, Partial: true})
	}
}

// parseBOMJSON reads bom_json into BOM lines; problems carry the path of
// the item and key they are about ("bom_json[2].material_id").
func parseBOMJSON(s string, ids map[string]string, haveMaterials bool) ([]pricing.BOMLine, []db.RowProblem) {
	if s == "" || s == "null" {
		return nil, nil
	}
	var items []bomItem
	if err := json.Unmarshal([]byte(s), &items); err != nil {
		key, args := jsonProblem(err)
		return nil, []db.RowProblem{{Field: "bom_json", Key: key, Args: args}}
	}
	var (
		lines    []pricing.BOMLine
		problems []db.RowProblem
	)
	for i, it := range items {
		path := func(key string) string { return fmt.Sprintf("bom_json[%d].%s", i, key) }
		bad := func(key, msg string, args map[string]any) {
			problems = append(problems, db.RowProblem{Field: path(key), Key: msg, Args: args})
		}
		l := pricing.BOMLine{Order: i + 1, WasteFactor: prototypeWaste}
		idText, ok := jsonText(it.MaterialID)
		id, valid := protoID(idText)
		switch {
		case !ok || idText == "":
			bad("material_id", "validation.required", nil)
		case !valid:
			bad("material_id", "catalogio.proto_id", map[string]any{"Value": idText})
		case !haveMaterials:
			bad("material_id", "catalogio.proto_no_materials", map[string]any{"ID": id})
		default:
			code, found := ids[id]
			if !found {
				bad("material_id", "catalogio.proto_unknown_id", map[string]any{"ID": id})
			}
			l.MaterialCode = code
		}
		typ, _ := jsonText(it.MaterialType)
		if role, ok := prototypeRoles[strings.ToUpper(strings.TrimSpace(typ))]; ok {
			l.Role = role
		} else {
			bad("material_type", "catalogio.choice", map[string]any{"Value": typ, "Options": "PERFIL, VIDRIO, HERRAJE, CONSUMIBLE, MANO_DE_OBRA"})
		}
		formula, ok := jsonText(it.QuantityFormula)
		l.QuantityFormula = strings.TrimSpace(formula)
		if !ok || l.QuantityFormula == "" {
			bad("quantity_formula", "validation.required", nil)
		}
		if w, ok := jsonText(it.WasteFactor); !ok {
			bad("waste_factor", "catalogio.number", map[string]any{"Value": string(it.WasteFactor)})
		} else if w != "" {
			d, err := pricing.ParseDecimal(w)
			if err != nil {
				bad("waste_factor", "catalogio.number", map[string]any{"Value": w})
			} else {
				l.WasteFactor = d
			}
		}
		desc, _ := jsonText(it.Description)
		l.Description = strings.TrimSpace(desc)
		if n := len([]rune(l.Description)); n > maxBOMDesc {
			bad("description", "validation.too_long", map[string]any{"Max": maxBOMDesc})
		}
		lines = append(lines, l)
	}
	return lines, problems
}

// jsonProblem says what is wrong with bom_json.
func jsonProblem(err error) (string, map[string]any) {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "catalogio.proto_bom_json_syntax", map[string]any{"Offset": se.Offset}
	}
	return "catalogio.proto_bom_json_type", nil
}

// protoAction reads the prototype's action column: create and update both
// upsert (its export writes update on every row, its template create).
func protoAction(re *rowErrors, v string) db.ChangeOp {
	switch strings.ToLower(v) {
	case "create", "update":
		return db.OpUpsert
	case "delete":
		return db.OpDelete
	}
	re.add("action", "catalogio.proto_action", map[string]any{"Value": v})
	return db.ChangeOp("")
}
