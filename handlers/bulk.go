package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/db"
	"cotizador/validate"
)

// A bulk change moves prices by -90 % to +500 %: enough for any real
// adjustment, never to zero or to a typo's ×100.
var (
	minBulkPercent = decimal.NewFromInt(-90)
	maxBulkPercent = decimal.NewFromInt(500)
)

// bulkPricesPage shows the bulk price update form ("+8 % a los perfiles de
// Línea 3""); POST shows the preview of old → new prices, and applies them
// only when the preview's apply button is pressed.
func (s *server) bulkPricesPage(c *fiber.Ctx) error {
	f := newForm(c)
	f.Values["categoria"] = "Perfiles"
	return s.renderBulk(c, fiber.StatusOK, f, nil, 0)
}

func (s *server) renderBulk(c *fiber.Ctx, status int, f *form, changes []db.PriceChange, version int64) error {
	lines, err := s.DB.MaterialLines(c.UserContext())
	if err != nil {
		return err
	}
	return s.renderPage(c, status, "bulk_prices", "bulk.title", fiber.Map{"Form": f, "Changes": changes, "Version": version,
		"Categories": materialCategories, "Lines": lines, "Previewed": changes != nil})
}

func (s *server) bulkPricesSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := newForm(c, "categoria", "linea", "porcentaje", "version", "accion")
	filter := db.MaterialFilter{
		Category: validate.Choice(f.Errors, "categoria", f.Get("categoria"), false, materialCategories...),
		Line:     validate.Text(f.Errors, "linea", f.Get("linea"), false, 60),
	}
	pct := decimalField(f, "porcentaje", true, minBulkPercent, maxBulkPercent)
	if pct.IsZero() && len(f.Errors) == 0 {
		f.Errors.Add("porcentaje", "bulk.zero", nil)
	}
	if len(f.Errors) > 0 {
		return s.renderBulk(c, fiber.StatusUnprocessableEntity, f, nil, 0)
	}
	if f.Get("accion") == "aplicar" {
		version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
		changes, err := s.DB.BulkPriceChange(ctx, filter, pct, true, version, actor(c))
		if err != nil {
			if app.ErrorCode(err) != app.ECONFLICT {
				return err
			}
			f.Errors.Add("porcentaje", app.ErrorMessage(err), nil)
			return s.renderBulkPreview(c, f, filter, pct)
		}
		s.Logger.Info("bulk price change", "actor", actor(c), "material_category", filter.Category, "line", filter.Line, "percent", pct.String(), "prices", len(changes))
		s.setFlash(c, "success", "bulk.applied")
		return redirect(c, "/catalogo/materiales?"+bulkListQuery(filter))
	}
	return s.renderBulkPreview(c, f, filter, pct)
}

func (s *server) renderBulkPreview(c *fiber.Ctx, f *form, filter db.MaterialFilter, pct decimal.Decimal) error {
	ctx := c.UserContext()
	version, _, err := s.DB.CatalogVersion(ctx)
	if err != nil {
		return err
	}
	changes, err := s.DB.BulkPriceChange(ctx, filter, pct, false, 0, actor(c))
	if err != nil {
		return err
	}
	if changes == nil {
		changes = []db.PriceChange{}
	}
	status := fiber.StatusOK
	if len(f.Errors) > 0 {
		status = fiber.StatusConflict
	}
	return s.renderBulk(c, status, f, changes, version)
}

func bulkListQuery(f db.MaterialFilter) string {
	q := ""
	if f.Category != "" {
		q += "categoria=" + urlEscape(f.Category)
	}
	if f.Line != "" {
		if q != "" {
			q += "&"
		}
		q += "linea=" + urlEscape(f.Line)
	}
	return q
}
