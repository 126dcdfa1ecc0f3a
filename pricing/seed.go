package pricing

import "github.com/shopspring/decimal"

// PrototypeLabourRate is the prototype's labour table: MXN per m² and the
// complexity factor by opening type. The importer uses it to fill products
// that come from the prototype, which had no per-product labour fields.
func PrototypeLabourRate(t ProductType) (rateM2, complexity decimal.Decimal, ok bool) {
	switch t {
	case TypeFija:
		return dec("45"), dec("1.0"), true
	case TypeCorrediza:
		return dec("65"), dec("1.2"), true
	case TypeAbatible:
		return dec("75"), dec("1.4"), true
	case TypeOscilobatiente:
		return dec("95"), dec("1.6"), true
	case TypeProyectante:
		return dec("70"), dec("1.3"), true
	}
	return zero, zero, false
}

// PrototypeSeedCatalog returns the prototype's seed catalogue, exactly as the
// `catalog load-prototype` command loads it and as the worked example in
// DOMAIN.md prices it. Each call returns a fresh catalogue.
func PrototypeSeedCatalog() *MemCatalog {
	bar := dec("6.0")
	profile := func(code, name, cost string) Material {
		return Material{Code: code, Name: name, Category: CategoryProfiles, Unit: UnitML, Cost: dec(cost), BarLengthM: bar}
	}
	glass := func(code, name, cost string) Material {
		return Material{Code: code, Name: name, Category: CategoryGlass, Unit: UnitM2, Cost: dec(cost)}
	}
	hardware := func(code, name, cost string) Material {
		return Material{Code: code, Name: name, Category: CategoryHardware, Unit: UnitPZA, Cost: dec(cost)}
	}
	consumable := func(code, name string, unit Unit, cost string) Material {
		return Material{Code: code, Name: name, Category: CategoryConsumables, Unit: unit, Cost: dec(cost)}
	}
	materials := []Material{
		profile("PER-NAC3-RS", `Riel Superior 3"`, "52.00"),
		profile("PER-NAC3-JA", `Jamba 3"`, "48.00"),
		profile("PER-NAC3-ZO", `Zócalo 3"`, "55.00"),
		profile("PER-NAC3-TR", `Traslape 3"`, "60.00"),
		profile("PER-S35-CM", "Contramarco Serie 35", "65.00"),
		profile("PER-S35-MM", "Marco Móvil Serie 35", "70.00"),
		profile("PER-NAC3-FE", `Fijo Escalonado 3"`, "78.90"),
		profile("PER-NAC3-JF", `Junquillo Fijo 3"`, "28.90"),
		glass("VID-CLARO-4", "Vidrio Claro 4 mm", "85"),
		glass("VID-CLARO-6", "Vidrio Claro 6 mm", "120"),
		glass("VID-BRONCE-4", "Vidrio Bronce 4 mm", "95"),
		glass("VID-BRONCE-6", "Vidrio Bronce 6 mm", "135"),
		glass("VID-REFLECTIVO-6", "Vidrio Reflectivo 6 mm", "180"),
		glass("VID-LAMINADO-6", "Vidrio Laminado 6 mm", "220"),
		glass("VID-TEMP-6", "Vidrio Templado 6 mm", "195"),
		hardware("HER-ROD-3", "Rodamiento", "15"),
		hardware("HER-BRA-10", "Brazo Proyectante", "70"),
		hardware("HER-CRE-S35", "Cremona", "45"),
		hardware("HER-CER-MP", "Cerradura Multipunto", "150"),
		hardware("HER-BIS-REF", "Bisagra", "25"),
		consumable("CON-FEL-NEG", "Felpa", UnitML, "2.50"),
		consumable("CON-SIL-NEU", "Silicona", UnitCartucho, "80"),
		consumable("CON-PIJ-8x1", "Pijas", UnitPZA, "0.50"),
		consumable("CON-CUN-HUL", "Cuñas", UnitPZA, "0.80"),
		consumable("CON-TOR-AUTO", "Tornillo", UnitPZA, "1.20"),
	}
	colours := []Colour{
		{Code: "NAT", Name: "Natural", Factor: dec("1.00")},
		{Code: "BLA", Name: "Blanco", Factor: dec("1.15")},
		{Code: "NEG", Name: "Negro", Factor: dec("1.20")},
		{Code: "BRO", Name: "Bronce", Factor: dec("1.25")},
		{Code: "CHA", Name: "Champagne", Factor: dec("1.25")},
		{Code: "MCA", Name: "Madera Clara", Factor: dec("1.40")},
	}

	waste := dec("1.05")
	bom := func(lines ...BOMLine) []BOMLine {
		for i := range lines {
			lines[i].WasteFactor = waste
			lines[i].Order = i + 1
		}
		return lines
	}
	line := func(code string, role Role, formula, desc string) BOMLine {
		return BOMLine{MaterialCode: code, Role: role, QuantityFormula: formula, Description: desc}
	}
	product := func(code, name string, t ProductType, hojas int, minW, maxW, minH, maxH int64, lines []BOMLine) Product {
		rate, complexity, _ := PrototypeLabourRate(t)
		return Product{
			Code: code, Name: name, Type: t, Hojas: hojas,
			MinWidthMM: decimal.NewFromInt(minW), MaxWidthMM: decimal.NewFromInt(maxW),
			MinHeightMM: decimal.NewFromInt(minH), MaxHeightMM: decimal.NewFromInt(maxH),
			LabourRateM2: rate, Complexity: complexity, BOM: lines,
		}
	}
	products := []Product{
		product("PROTO-COR-3", `Ventana Corrediza 2 Hojas (Línea 3")`, TypeCorrediza, 2, 800, 3000, 600, 2500, bom(
			line("PER-NAC3-RS", RoleProfile, "width_m", "Riel superior"),
			line("PER-NAC3-ZO", RoleProfile, "width_m", "Riel inferior"),
			line("PER-NAC3-JA", RoleProfile, "2 * height_m", "Jambas"),
			line("PER-NAC3-JA", RoleProfile, "2 * (width_m / 2)", "Cabezales de hojas"),
			line("PER-NAC3-ZO", RoleProfile, "2 * (width_m / 2)", "Zócalos de hojas"),
			line("PER-NAC3-TR", RoleProfile, "height_m", "Traslape"),
			line("VID-CLARO-6", RoleGlass, "area_m2 * 0.5", "Vidrio por hoja"),
			line("HER-ROD-3", RoleHardware, "4", "Rodamientos"),
			line("CON-FEL-NEG", RoleConsumable, "4 * (width_m / 2 + height_m)", "Felpa"),
			line("CON-SIL-NEU", RoleConsumable, "0.5", "Silicona"),
			line("CON-PIJ-8x1", RoleConsumable, "20", "Pijas"),
			line("CON-CUN-HUL", RoleConsumable, "8", "Cuñas"),
		)),
		product("PROTO-FIJ-3", `Ventana Fija (Línea 3")`, TypeFija, 1, 500, 2000, 500, 1800, bom(
			line("PER-NAC3-FE", RoleProfile, "2 * (width_m + height_m)", "Marco fijo escalonado"),
			line("PER-NAC3-JF", RoleProfile, "2 * (width_m + height_m)", "Junquillo"),
			line("VID-TEMP-6", RoleGlass, "area_m2", "Vidrio"),
			line("CON-SIL-NEU", RoleConsumable, "0.3", "Silicona"),
			line("CON-PIJ-8x1", RoleConsumable, "10", "Pijas"),
			line("CON-CUN-HUL", RoleConsumable, "4", "Cuñas"),
		)),
		product("PROTO-PRO-35", "Ventana Proyectante (Serie 35)", TypeProyectante, 1, 400, 1200, 400, 1000, bom(
			line("PER-S35-CM", RoleProfile, "2 * (width_m + height_m)", "Contramarco"),
			line("PER-S35-MM", RoleProfile, "2 * (width_m + height_m)", "Marco móvil"),
			line("VID-LAMINADO-6", RoleGlass, "area_m2", "Vidrio"),
			line("HER-BRA-10", RoleHardware, "2", "Brazos proyectantes"),
			line("HER-CRE-S35", RoleHardware, "1", "Cremona"),
			line("CON-SIL-NEU", RoleConsumable, "0.4", "Silicona"),
			line("CON-TOR-AUTO", RoleConsumable, "15", "Tornillos"),
			line("CON-CUN-HUL", RoleConsumable, "4", "Cuñas"),
		)),
	}
	cat, err := NewMemCatalog(materials, colours, products, nil)
	if err != nil {
		panic("pricing: prototype seed catalogue is inconsistent: " + err.Error())
	}
	return cat
}
