package handlers

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"cotizador/db"
	"cotizador/pricing"
	"cotizador/quoting"
	"cotizador/validate"
)

var (
	productTypes = []string{string(pricing.TypeFija), string(pricing.TypeCorrediza), string(pricing.TypeProyectante),
		string(pricing.TypeAbatible), string(pricing.TypeOscilobatiente), string(pricing.TypePuerta)}
	bomRoles = []string{string(pricing.RoleProfile), string(pricing.RoleGlass), string(pricing.RoleHardware),
		string(pricing.RoleConsumable), string(pricing.RoleLabour)}
	pricingModes = []string{string(pricing.ModeByMetre), string(pricing.ModeOptimised), string(pricing.ModeCompatible)}
	maxMM        = decimal.NewFromInt(pricing.MaxDimensionMM)
)

// Sample dimensions the BOM editor evaluates formulas with until the user
// types others: a common 1.50 × 1.20 m window.
const (
	sampleWidthMM  = "1500"
	sampleHeightMM = "1200"
)

// bomRow is one BOM line as the editor shows it: typed values and errors.
type bomRow struct {
	Index    int
	Material string
	Role     string
	Qty      string
	Count    string
	Length   string
	Waste    string
	Desc     string
	Info     *db.BOMLineInfo
	Errors   map[string]*bomFieldError
}

type bomFieldError struct {
	Message string
	Args    map[string]any
}

func (r bomRow) Error(field string) *bomFieldError { return r.Errors[field] }

// multi returns every value of a repeated form field, in order.
func multi(c *fiber.Ctx, name string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		out = append(out, string(v))
	}
	return out
}

func at(vals []string, i int) string {
	if i < len(vals) {
		return vals[i]
	}
	return ""
}

// productForm reads and validates a product with its BOM. Rows without a
// material are dropped: that is how a line is removed without JavaScript.
func productForm(c *fiber.Ctx) (*form, *db.Product, []bomRow) {
	f := newForm(c, "code", "name", "category", "type", "line", "hojas", "min_width_mm", "max_width_mm", "min_height_mm", "max_height_mm",
		"labor_rate_m2", "complexity", "glass_deduct_w_mm", "glass_deduct_h_mm", "description", "active")
	p := &db.Product{}
	p.Code = strings.ToUpper(validate.Text(f.Errors, "code", f.Get("code"), true, 40))
	p.Name = validate.Text(f.Errors, "name", f.Get("name"), true, 160)
	p.Category = validate.Choice(f.Errors, "category", f.Get("category"), true, db.ProductCategories...)
	p.Type = pricing.ProductType(validate.Choice(f.Errors, "type", f.Get("type"), true, productTypes...))
	p.Line = validate.Text(f.Errors, "line", f.Get("line"), false, 60)
	p.Hojas = validate.Int(f.Errors, "hojas", f.Get("hojas"), false, 0, 8)
	p.MinWidthMM = decimalField(f, "min_width_mm", false, zero, maxMM).Truncate(0)
	p.MaxWidthMM = decimalField(f, "max_width_mm", false, zero, maxMM).Truncate(0)
	p.MinHeightMM = decimalField(f, "min_height_mm", false, zero, maxMM).Truncate(0)
	p.MaxHeightMM = decimalField(f, "max_height_mm", false, zero, maxMM).Truncate(0)
	p.LabourRateM2 = decimalField(f, "labor_rate_m2", false, zero, maxMoney)
	p.Complexity = decimalField(f, "complexity", false, zero, maxFactor)
	p.GlassDeductWMM = decimalField(f, "glass_deduct_w_mm", false, zero, decimal.NewFromInt(1000)).Truncate(0)
	p.GlassDeductHMM = decimalField(f, "glass_deduct_h_mm", false, zero, decimal.NewFromInt(1000)).Truncate(0)
	p.Description = validate.Multiline(f.Errors, "description", f.Get("description"), false, 2000)
	p.Active = f.Get("active") != ""

	mats, roles, qtys := multi(c, "bom_material"), multi(c, "bom_role"), multi(c, "bom_qty")
	counts, lengths, wastes, descs := multi(c, "bom_count"), multi(c, "bom_length"), multi(c, "bom_waste"), multi(c, "bom_desc")
	var rows []bomRow
	for i := range mats {
		r := bomRow{Material: strings.TrimSpace(mats[i]), Role: at(roles, i), Qty: strings.TrimSpace(at(qtys, i)),
			Count: strings.TrimSpace(at(counts, i)), Length: strings.TrimSpace(at(lengths, i)), Waste: strings.TrimSpace(at(wastes, i)),
			Desc: at(descs, i), Errors: map[string]*bomFieldError{}}
		if r.Material == "" {
			continue
		}
		r.Index = len(rows)
		rows = append(rows, r)
	}
	if len(rows) > 60 {
		f.Errors.Add("bom", "catalog.bom_too_long", map[string]any{"Max": 60})
		rows = rows[:60]
	}
	for i := range rows {
		r := &rows[i]
		rowErrs := validate.Errors{}
		line := pricing.BOMLine{MaterialCode: r.Material, Order: i + 1, QuantityFormula: r.Qty, CutCountFormula: r.Count, CutLengthFormula: r.Length}
		line.Role = pricing.Role(validate.Choice(rowErrs, "role", r.Role, true, bomRoles...))
		line.Description = validate.Text(rowErrs, "desc", r.Desc, false, 200)
		wf := &form{Values: map[string]string{"waste": r.Waste}, Errors: rowErrs}
		line.WasteFactor = decimalField(wf, "waste", false, zero, three)
		for k, v := range rowErrs {
			r.Errors[k] = &bomFieldError{Message: v.Message, Args: v.Args}
		}
		p.BOM = append(p.BOM, line)
	}
	if len(f.Errors) == 0 {
		if err := pricing.ValidateProduct(p.Product); err != nil {
			var fe pricing.FieldErrors
			if errors.As(err, &fe) {
				for _, e := range fe {
					if idx, field, ok := bomField(e.Field); ok && idx < len(rows) {
						msg, args := e.Key, e.Args
						// Next to its formula, a formula that does not compile
						// needs no "Formula of line N:" around its reason; one
						// that fails at a size keeps the size it fails at.
						var ferr *pricing.FormulaError
						if e.Key == "catalog.bom_formula" && errors.As(e.Err, &ferr) {
							msg, args = ferr.Key, ferr.Args()
						}
						rows[idx].Errors[field] = &bomFieldError{Message: msg, Args: args}
						continue
					}
					f.Errors.Add(e.Field, e.Key, e.Args)
				}
			}
		}
	}
	for _, r := range rows {
		if len(r.Errors) > 0 {
			f.Errors.Add("bom", "catalog.bom_has_errors", nil)
			break
		}
	}
	return f, p, rows
}

// bomField splits "bom[2].quantity_formula" into 2 and the editor's field name.
func bomField(path string) (int, string, bool) {
	rest, ok := strings.CutPrefix(path, "bom[")
	if !ok {
		return 0, "", false
	}
	idx, field, ok := strings.Cut(rest, "].")
	if !ok {
		return 0, "", false
	}
	i, err := strconv.Atoi(idx)
	if err != nil {
		return 0, "", false
	}
	switch field {
	case "quantity_formula":
		field = "qty"
	case "cut_count_formula":
		field = "count"
	case "cut_length_formula":
		field = "length"
	case "waste_factor":
		field = "waste"
	case "material":
		field = "material"
	}
	return i, field, true
}

func productFormValues(p *db.Product) (*form, []bomRow) {
	f := &form{Values: map[string]string{
		"code": p.Code, "name": p.Name, "category": p.Category, "type": string(p.Type), "line": p.Line,
		"hojas": strconv.Itoa(p.Hojas), "min_width_mm": p.MinWidthMM.String(), "max_width_mm": p.MaxWidthMM.String(),
		"min_height_mm": p.MinHeightMM.String(), "max_height_mm": p.MaxHeightMM.String(),
		"labor_rate_m2": p.LabourRateM2.String(), "complexity": p.Complexity.String(),
		"glass_deduct_w_mm": p.GlassDeductWMM.String(), "glass_deduct_h_mm": p.GlassDeductHMM.String(), "description": p.Description,
	}, Errors: validate.Errors{}}
	if p.Active {
		f.Values["active"] = "1"
	}
	rows := make([]bomRow, len(p.BOM))
	for i, l := range p.BOM {
		rows[i] = bomRow{Index: i, Material: l.MaterialCode, Role: string(l.Role), Qty: l.QuantityFormula, Count: l.CutCountFormula,
			Length: l.CutLengthFormula, Desc: l.Description, Errors: map[string]*bomFieldError{}}
		if !l.WasteFactor.IsZero() {
			rows[i].Waste = l.WasteFactor.String()
		}
		if i < len(p.BOMInfo) {
			info := p.BOMInfo[i]
			rows[i].Info = &info
		}
	}
	return f, rows
}

func (s *server) productsPage(c *fiber.Ctx) error {
	filter := db.ProductFilter{Search: c.Query("q"), Category: c.Query("categoria")}
	products, err := s.DB.FindProducts(c.UserContext(), filter)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "products", "catalog.products_title", fiber.Map{"Products": products, "Filter": filter,
		"Categories": db.ProductCategories, "CanEdit": managers.allowsUser(currentUser(c))})
}

// productPageData gathers what the product editor needs; preview is filled
// when the request asks for one (plain GET form without JavaScript).
func (s *server) productPageData(c *fiber.Ctx, p *db.Product, f *form, rows []bomRow) (fiber.Map, error) {
	ctx := c.UserContext()
	materials, err := s.DB.FindMaterials(ctx, db.MaterialFilter{})
	if err != nil {
		return nil, err
	}
	colours, err := s.DB.FindColours(ctx)
	if err != nil {
		return nil, err
	}
	lines, err := s.DB.MaterialLines(ctx)
	if err != nil {
		return nil, err
	}
	var glasses []*db.Material
	for _, m := range materials {
		if m.Category == pricing.CategoryGlass && m.Active {
			glasses = append(glasses, m)
		}
	}
	// Three empty rows let a user add lines without JavaScript.
	for i := 0; i < 3; i++ {
		rows = append(rows, bomRow{Index: len(rows), Role: string(pricing.RoleProfile), Errors: map[string]*bomFieldError{}})
	}
	data := fiber.Map{"Product": p, "Form": f, "Rows": rows, "Materials": materials, "Colours": colours, "Glasses": glasses,
		"Lines": lines, "Categories": db.ProductCategories, "Types": productTypes, "Roles": bomRoles, "Modes": pricingModes,
		"CanEdit": managers.allowsUser(currentUser(c)), "SampleW": sampleWidthMM, "SampleH": sampleHeightMM}
	if p != nil && p.ID != 0 {
		pf := s.previewForm(c, p)
		data["PreviewForm"] = pf
		data["Preview"] = s.preview(c, p, pf)
	}
	return data, nil
}

func (s *server) productNew(c *fiber.Ctx) error {
	f := newForm(c)
	f.Values["active"], f.Values["category"], f.Values["type"], f.Values["hojas"], f.Values["complexity"] = "1", "ventana", "corrediza", "2", "1"
	data, err := s.productPageData(c, nil, f, nil)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "product", "catalog.product_new", data)
}

func (s *server) productCreate(c *fiber.Ctx) error { return s.submitProduct(c, nil) }

// submitProduct saves the product form with its BOM as a new product
// (existing nil) or over existing, or re-renders it with the errors on
// their fields and BOM lines.
func (s *server) submitProduct(c *fiber.Ctx, existing *db.Product) error {
	f, p, rows := productForm(c)
	if len(f.Errors) == 0 {
		var err error
		if existing == nil {
			err = s.DB.CreateProduct(c.UserContext(), p, actor(c))
		} else {
			err = s.DB.UpdateProduct(c.UserContext(), existing.ID, p, actor(c))
		}
		if err == nil {
			s.setFlash(c, "success", "catalog.saved")
			return redirect(c, "/catalogo/productos/"+strconv.FormatInt(p.ID, 10))
		}
		if !s.mergeProductError(f, rows, err) {
			return err
		}
	}
	data, err := s.productPageData(c, existing, f, rows)
	if err != nil {
		return err
	}
	title := "catalog.product_new"
	if existing != nil {
		title = "catalog.product_edit"
	}
	return s.renderPage(c, fiber.StatusUnprocessableEntity, "product", title, data)
}

// mergeProductError places a store error (taken code, unknown material) on
// its field or BOM row.
func (s *server) mergeProductError(f *form, rows []bomRow, err error) bool {
	tmp := &form{Values: map[string]string{}, Errors: validate.Errors{}}
	if !tmp.mergeAppError(err) {
		return false
	}
	for k, v := range tmp.Errors {
		if idx, field, ok := bomField(k); ok && idx < len(rows) {
			rows[idx].Errors[field] = &bomFieldError{Message: v.Message, Args: v.Args}
			f.Errors.Add("bom", "catalog.bom_has_errors", nil)
			continue
		}
		f.Errors[k] = v
	}
	return true
}

func (s *server) productPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	p, err := s.DB.FindProductByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	f, rows := productFormValues(p)
	data, err := s.productPageData(c, p, f, rows)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "product", "catalog.product_edit", data)
}

func (s *server) productUpdate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	existing, err := s.DB.FindProductByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	return s.submitProduct(c, existing)
}

func (s *server) productDelete(c *fiber.Ctx) error {
	return s.softDelete(c, s.DB.DeleteProduct, "catalog.deleted", "/catalogo/productos")
}

// bomRowPartial returns an empty BOM row for the editor's "add line" button.
func (s *server) bomRowPartial(c *fiber.Ctx) error {
	materials, err := s.DB.FindMaterials(c.UserContext(), db.MaterialFilter{})
	if err != nil {
		return err
	}
	return s.renderPartial(c, fiber.StatusOK, "bom_row", fiber.Map{
		"Row":       bomRow{Index: c.QueryInt("i"), Role: string(pricing.RoleProfile), Errors: map[string]*bomFieldError{}},
		"Materials": materials, "Roles": bomRoles, "CanEdit": true})
}

// formulaResult is what the BOM editor shows next to a line as it is typed:
// the line as a quote of the sample size prices it, or why it cannot.
type formulaResult struct {
	OK      bool
	Message string
	Args    map[string]any
	Cuts    bool // the line is given as cuts: show count × length
	Line    pricing.LineDetail
}

// formulaCheck evaluates one BOM line for the sample size (htmx, as typed).
// It is a GET: it changes nothing, and htmx then sends only the row's
// fields (with the sample size, hojas and glass deductions), not the whole
// product form around them.
func (s *server) formulaCheck(c *fiber.Ctx) error {
	res := s.evalBOMLine(c)
	return s.renderPartial(c, fiber.StatusOK, "formula_result", fiber.Map{"R": res})
}

// evalBOMLine parses the row and hands it to pricing.EvalBOMLine, the rule
// quotes price the line with (cut counts and lengths rounded, the
// company's profile waste and pricing mode), so that the value shown is
// what a quote will charge; the handler only parses and renders.
func (s *server) evalBOMLine(c *fiber.Ctx) formulaResult {
	fail := func(msg string, args map[string]any) formulaResult {
		return formulaResult{Message: msg, Args: args}
	}
	f := newForm(c, "sample_w", "sample_h", "hojas", "glass_deduct_w_mm", "glass_deduct_h_mm",
		"bom_material", "bom_qty", "bom_count", "bom_length", "bom_waste", "bom_role")
	p := pricing.Product{
		Hojas:          validate.Int(f.Errors, "hojas", f.Get("hojas"), false, 0, 8),
		GlassDeductWMM: decimalField(f, "glass_deduct_w_mm", false, zero, decimal.NewFromInt(1000)).Truncate(0),
		GlassDeductHMM: decimalField(f, "glass_deduct_h_mm", false, zero, decimal.NewFromInt(1000)).Truncate(0),
	}
	sample := pricing.BOMLineSample{WidthMM: decimalField(f, "sample_w", true, one, maxMM), HeightMM: decimalField(f, "sample_h", true, one, maxMM)}
	line := pricing.BOMLine{
		MaterialCode:     f.Get("bom_material"),
		Role:             pricing.Role(validate.Choice(f.Errors, "bom_role", f.Get("bom_role"), false, bomRoles...)),
		QuantityFormula:  strings.TrimSpace(f.Get("bom_qty")),
		CutCountFormula:  strings.TrimSpace(f.Get("bom_count")),
		CutLengthFormula: strings.TrimSpace(f.Get("bom_length")),
		WasteFactor:      decimalField(f, "bom_waste", false, zero, three),
	}
	for _, e := range f.Errors {
		return fail(e.Message, e.Args)
	}
	switch {
	case line.MaterialCode == "":
		return fail("catalog.choose_material", nil)
	case line.QuantityFormula == "" && (line.CutCountFormula == "" || line.CutLengthFormula == ""):
		return fail("catalog.bom_quantity", nil)
	}
	ctx := c.UserContext()
	cat, err := s.DB.PricingCatalog(ctx)
	if err != nil {
		s.Logger.Error("formula check: catalogue", "err", err)
		return fail("error.internal", nil)
	}
	cs, err := s.DB.CompanySettings(ctx)
	if err != nil {
		s.Logger.Error("formula check: settings", "err", err)
		return fail("error.internal", nil)
	}
	sample.Mode, sample.ProfileWaste = cs.PricingMode, cs.Rates.ProfileWaste
	ld, err := pricing.EvalBOMLine(cat, p, line, sample)
	if err != nil {
		// The formula's own error says what is wrong and where; the
		// quote's wrapping of it ("could not calculate …") adds nothing here.
		var fe *pricing.FormulaError
		if errors.As(err, &fe) {
			return fail(fe.Key, fe.Args())
		}
		var fes pricing.FieldErrors
		if errors.As(err, &fes) && len(fes) > 0 {
			return fail(fes[0].Key, fes[0].Args)
		}
		s.Logger.Error("formula check", "err", err)
		return fail("error.internal", nil)
	}
	return formulaResult{OK: true, Cuts: line.QuantityFormula == "", Line: ld}
}

// previewForm reads the preview inputs, with defaults.
func (s *server) previewForm(c *fiber.Ctx, p *db.Product) *form {
	f := &form{Values: map[string]string{
		"ancho": c.Query("ancho"), "alto": c.Query("alto"), "cantidad": c.Query("cantidad", "1"),
		"color": c.Query("color"), "vidrio": c.Query("vidrio"), "modo": c.Query("modo", string(pricing.ModeByMetre)),
	}, Errors: validate.Errors{}}
	if f.Values["ancho"] == "" {
		f.Values["ancho"] = defaultDim(p.MinWidthMM, p.MaxWidthMM, sampleWidthMM)
	}
	if f.Values["alto"] == "" {
		f.Values["alto"] = defaultDim(p.MinHeightMM, p.MaxHeightMM, sampleHeightMM)
	}
	return f
}

// defaultDim is the sample size, moved into the product's range.
func defaultDim(min, max decimal.Decimal, sample string) string {
	d := decimal.RequireFromString(sample)
	if min.IsPositive() && d.LessThan(min) {
		d = min
	}
	if max.IsPositive() && d.GreaterThan(max) {
		d = max
	}
	return d.String()
}

// productPreview is the product's price for the size typed (htmx fragment).
func (s *server) productPreview(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	p, err := s.DB.FindProductByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	pf := s.previewForm(c, p)
	return s.renderPartial(c, fiber.StatusOK, "product_preview", fiber.Map{"Preview": s.preview(c, p, pf)})
}

// previewResult is a priced single item or the reasons it could not be.
type previewResult struct {
	Item   *pricing.ItemResult
	Totals *pricing.Totals
	Errors []bomFieldError
}

func (s *server) preview(c *fiber.Ctx, p *db.Product, f *form) previewResult {
	w := decimalField(f, "ancho", true, one, maxMM)
	h := decimalField(f, "alto", true, one, maxMM)
	qty := validate.Int(f.Errors, "cantidad", f.Get("cantidad"), true, 1, pricing.MaxItemQuantity)
	mode := validate.Choice(f.Errors, "modo", f.Get("modo"), false, pricingModes...)
	var out previewResult
	if len(f.Errors) > 0 {
		for _, e := range f.Errors {
			out.Errors = append(out.Errors, bomFieldError{Message: e.Message, Args: e.Args})
		}
		return out
	}
	// Priced by the quoting core as a one-window quote with the company's
	// rates and cut settings, as a new quote would get them.
	in := &quoting.Input{Fields: map[string]string{quoting.FieldUnit: quoting.UnitMM}, Items: []quoting.ItemInput{{ProductCode: p.Code,
		ColorCode: f.Get("color"), GlassCode: f.Get("vidrio"), Width: w.String(), Height: h.String(), Quantity: strconv.Itoa(qty)}}}
	if mode != "" {
		in.Fields[quoting.FieldMode] = mode
	}
	d, err := s.quotes().Price(c.UserContext(), in, nil)
	if err != nil {
		s.Logger.Error("preview: price", "product", p.Code, "err", err)
		out.Errors = append(out.Errors, bomFieldError{Message: "error.internal"})
		return out
	}
	errs := d.FieldErrors()
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		out.Errors = append(out.Errors, bomFieldError{Message: errs[k].Message, Args: errs[k].Args})
	}
	if len(out.Errors) > 0 || d.Result == nil || len(d.Result.Items) == 0 {
		return out
	}
	res := d.Result
	out.Item, out.Totals = &res.Items[0], &res.Totals
	return out
}
