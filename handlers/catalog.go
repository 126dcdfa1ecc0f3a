package handlers

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/db"
	"cotizador/pricing"
	"cotizador/validate"
)

var (
	materialCategories = []string{string(pricing.CategoryProfiles), string(pricing.CategoryGlass), string(pricing.CategoryHardware),
		string(pricing.CategoryConsumables), string(pricing.CategoryLabour), string(pricing.CategoryOther)}
	materialUnits = []string{string(pricing.UnitML), string(pricing.UnitM2), string(pricing.UnitPZA),
		string(pricing.UnitCartucho), string(pricing.UnitLTS), string(pricing.UnitKG)}
)

// decimalField reads a form field through validate.Decimal.
func decimalField(f *form, field string, required bool, min, max decimal.Decimal) decimal.Decimal {
	return validate.Decimal(f.Errors, field, f.Get(field), required, min, max)
}

// mergePricingErrors copies a pricing validation error into the form, by
// field. It reports whether err was one.
func mergePricingErrors(f *form, err error) bool {
	var fe pricing.FieldErrors
	if !errors.As(err, &fe) {
		return false
	}
	for _, e := range fe {
		f.Errors.Add(e.Field, e.Key, e.Args)
	}
	return true
}

var (
	zero      = decimal.Zero
	one       = decimal.NewFromInt(1)
	three     = decimal.NewFromInt(3)
	maxMoney  = decimal.NewFromInt(10_000_000)
	maxBarM   = decimal.NewFromInt(20)
	maxFactor = decimal.NewFromInt(10)
)

// --- Materials ---

func (s *server) materialsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	filter := db.MaterialFilter{Search: c.Query("q"), Category: c.Query("categoria"), Line: c.Query("linea")}
	materials, err := s.DB.FindMaterials(ctx, filter)
	if err != nil {
		return err
	}
	lines, err := s.DB.MaterialLines(ctx)
	if err != nil {
		return err
	}
	data := fiber.Map{"Materials": materials, "Filter": filter, "Categories": materialCategories, "Lines": lines,
		"CanEdit": managers.allowsUser(currentUser(c))}
	if isFragment(c) && c.Get("HX-Target") == "materials-table" {
		return s.renderPartial(c, fiber.StatusOK, "materials_table", data)
	}
	return s.renderPage(c, fiber.StatusOK, "materials", "catalog.materials_title", data)
}

// materialForm reads and validates a material form.
func materialForm(c *fiber.Ctx) (*form, *db.Material) {
	f := newForm(c, "code", "name", "category", "unit", "cost", "bar_length_m", "line", "waste_factor", "description", "active")
	m := &db.Material{}
	m.Code = strings.ToUpper(validate.Text(f.Errors, "code", f.Get("code"), true, 40))
	m.Name = validate.Text(f.Errors, "name", f.Get("name"), true, 160)
	m.Category = pricing.Category(validate.Choice(f.Errors, "category", f.Get("category"), true, materialCategories...))
	m.Unit = pricing.Unit(validate.Choice(f.Errors, "unit", f.Get("unit"), true, materialUnits...))
	m.Cost = decimalField(f, "cost", true, zero, maxMoney)
	m.BarLengthM = decimalField(f, "bar_length_m", false, zero, maxBarM)
	m.Line = validate.Text(f.Errors, "line", f.Get("line"), false, 60)
	m.WasteFactor = decimalField(f, "waste_factor", false, zero, three)
	m.Description = validate.Multiline(f.Errors, "description", f.Get("description"), false, 1000)
	m.Active = f.Get("active") != ""
	// Domain rules too, so every problem shows at once (Add keeps the first
	// message of a field).
	mergePricingErrors(f, pricing.ValidateMaterial(m.Material))
	return f, m
}

func materialFormValues(m *db.Material) *form {
	f := &form{Values: map[string]string{
		"code": m.Code, "name": m.Name, "category": string(m.Category), "unit": string(m.Unit), "cost": m.Cost.String(),
		"line": m.Line, "description": m.Description,
	}, Errors: validate.Errors{}}
	if !m.BarLengthM.IsZero() {
		f.Values["bar_length_m"] = m.BarLengthM.String()
	}
	if !m.WasteFactor.IsZero() {
		f.Values["waste_factor"] = m.WasteFactor.String()
	}
	if m.Active {
		f.Values["active"] = "1"
	}
	return f
}

func (s *server) materialPageData(c *fiber.Ctx, m *db.Material, f *form) (fiber.Map, error) {
	ctx := c.UserContext()
	lines, err := s.DB.MaterialLines(ctx)
	if err != nil {
		return nil, err
	}
	data := fiber.Map{"Form": f, "Material": m, "Categories": materialCategories, "Units": materialUnits, "Lines": lines,
		"CanEdit": managers.allowsUser(currentUser(c)), "PriceForm": newForm(c)}
	if m != nil && m.ID != 0 {
		prices, err := s.DB.FindColourPrices(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		colours, err := s.DB.FindColours(ctx)
		if err != nil {
			return nil, err
		}
		data["Prices"], data["Colours"] = prices, colours
	}
	return data, nil
}

func (s *server) materialNew(c *fiber.Ctx) error {
	f := newForm(c)
	f.Values["active"], f.Values["category"], f.Values["unit"] = "1", c.Query("categoria", string(pricing.CategoryProfiles)), string(pricing.UnitML)
	data, err := s.materialPageData(c, nil, f)
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "material", "catalog.material_new", data)
}

func (s *server) materialCreate(c *fiber.Ctx) error { return s.submitMaterial(c, nil) }

// submitMaterial saves the material form as a new material (existing nil)
// or over existing, or re-renders it with its field errors.
func (s *server) submitMaterial(c *fiber.Ctx, existing *db.Material) error {
	f, m := materialForm(c)
	if len(f.Errors) == 0 {
		var err error
		if existing == nil {
			err = s.DB.CreateMaterial(c.UserContext(), m, actor(c))
		} else {
			err = s.DB.UpdateMaterial(c.UserContext(), existing.ID, m, actor(c))
		}
		if err == nil {
			s.setFlash(c, "success", "catalog.saved")
			return redirect(c, "/catalogo/materiales/"+strconv.FormatInt(m.ID, 10))
		}
		if !f.mergeAppError(err) {
			return err
		}
	}
	data, err := s.materialPageData(c, existing, f)
	if err != nil {
		return err
	}
	title := "catalog.material_new"
	if existing != nil {
		title = "catalog.material_edit"
	}
	return s.renderPage(c, fiber.StatusUnprocessableEntity, "material", title, data)
}

func (s *server) materialPage(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	m, err := s.DB.FindMaterialByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	data, err := s.materialPageData(c, m, materialFormValues(m))
	if err != nil {
		return err
	}
	return s.renderPage(c, fiber.StatusOK, "material", "catalog.material_edit", data)
}

func (s *server) materialUpdate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	existing, err := s.DB.FindMaterialByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	return s.submitMaterial(c, existing)
}

// materialCost is the inline edit of a material's cost in the list (htmx):
// it answers with the updated row, or the row with the error.
func (s *server) materialCost(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	m, err := s.DB.FindMaterialByID(ctx, id)
	if err != nil {
		return err
	}
	f := newForm(c, "cost")
	cost := decimalField(f, "cost", true, zero, maxMoney)
	status := fiber.StatusOK
	if len(f.Errors) == 0 {
		m.Cost = cost
		if err := s.DB.UpdateMaterial(ctx, id, m, actor(c)); err != nil {
			return err
		}
	} else {
		status = fiber.StatusUnprocessableEntity
	}
	if !isFragment(c) {
		if status != fiber.StatusOK {
			s.setFlash(c, "error", "catalog.cost_invalid")
		}
		return redirect(c, "/catalogo/materiales")
	}
	return s.renderPartial(c, status, "material_row", fiber.Map{"M": m, "CanEdit": true, "RowForm": f})
}

func (s *server) materialDelete(c *fiber.Ctx) error {
	return s.softDelete(c, s.DB.DeleteMaterial, "catalog.deleted", "/catalogo/materiales")
}

func (s *server) colourPriceSet(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	m, err := s.DB.FindMaterialByID(ctx, id)
	if err != nil {
		return err
	}
	f := newForm(c, "colour_id", "price")
	colourID, _ := strconv.ParseInt(f.Get("colour_id"), 10, 64)
	if _, err := s.DB.FindColourByID(ctx, colourID); err != nil {
		f.Errors.Add("colour_id", "validation.choice", nil)
	}
	price := decimalField(f, "price", true, zero, maxMoney)
	if len(f.Errors) > 0 {
		data, err := s.materialPageData(c, m, materialFormValues(m))
		if err != nil {
			return err
		}
		data["PriceForm"] = f
		return s.renderPage(c, fiber.StatusUnprocessableEntity, "material", "catalog.material_edit", data)
	}
	if err := s.DB.SetColourPrice(ctx, id, colourID, price, actor(c)); err != nil {
		return err
	}
	s.setFlash(c, "success", "catalog.saved")
	return redirect(c, "/catalogo/materiales/"+strconv.FormatInt(id, 10)+"#precios")
}

func (s *server) colourPriceDelete(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(c.Params("pid"), 10, 64)
	if err != nil {
		return app.Errorf(app.ENOTFOUND, "error.not_found.body")
	}
	if err := s.DB.DeleteColourPrice(c.UserContext(), pid, actor(c)); err != nil {
		return err
	}
	s.setFlash(c, "success", "catalog.deleted")
	return redirect(c, "/catalogo/materiales/"+strconv.FormatInt(id, 10)+"#precios")
}

// --- Colours ---

func (s *server) coloursPage(c *fiber.Ctx) error {
	return s.renderColours(c, fiber.StatusOK, nil, 0)
}

func (s *server) renderColours(c *fiber.Ctx, status int, f *form, editing int64) error {
	colours, err := s.DB.FindColours(c.UserContext())
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm(c)
		f.Values["factor"], f.Values["active"] = "1.00", "1"
	}
	return s.renderPage(c, status, "colours", "catalog.colours_title", fiber.Map{"Colours": colours, "Form": f, "Editing": editing,
		"CanEdit": managers.allowsUser(currentUser(c))})
}

func colourForm(c *fiber.Ctx) (*form, *db.Colour) {
	f := newForm(c, "code", "name", "factor", "active")
	col := &db.Colour{}
	col.Code = strings.ToUpper(validate.Text(f.Errors, "code", f.Get("code"), true, 20))
	col.Name = validate.Text(f.Errors, "name", f.Get("name"), true, 80)
	col.Factor = decimalField(f, "factor", true, decimal.RequireFromString("0.01"), maxFactor)
	col.Active = f.Get("active") != ""
	return f, col
}

func (s *server) colourCreate(c *fiber.Ctx) error {
	f, col := colourForm(c)
	if len(f.Errors) == 0 {
		err := s.DB.CreateColour(c.UserContext(), col, actor(c))
		if err == nil {
			s.setFlash(c, "success", "catalog.saved")
			return redirect(c, "/catalogo/colores")
		}
		if !f.mergeAppError(err) {
			return err
		}
	}
	return s.renderColours(c, fiber.StatusUnprocessableEntity, f, 0)
}

func (s *server) colourUpdate(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	f, col := colourForm(c)
	if len(f.Errors) == 0 {
		err := s.DB.UpdateColour(c.UserContext(), id, col, actor(c))
		if err == nil {
			s.setFlash(c, "success", "catalog.saved")
			return redirect(c, "/catalogo/colores")
		}
		if !f.mergeAppError(err) {
			return err
		}
	}
	return s.renderColours(c, fiber.StatusUnprocessableEntity, f, id)
}

func (s *server) colourDelete(c *fiber.Ctx) error {
	return s.softDelete(c, s.DB.DeleteColour, "catalog.deleted", "/catalogo/colores")
}

// colourValues fills a colour form with a colour's values.
func colourValues(col *db.Colour) *form {
	f := &form{Values: map[string]string{"code": col.Code, "name": col.Name, "factor": col.Factor.String()}, Errors: validate.Errors{}}
	if col.Active {
		f.Values["active"] = "1"
	}
	return f
}
