package validate

import "strings"

// CFDIOption is one entry of a SAT catalogue and the kind of taxpayer who
// may use it: a persona física has a 13-character RFC, a persona moral a
// 12-character one. Its name is the locale message "cfdi.regime.<Code>" or
// "cfdi.use.<Code>".
type CFDIOption struct {
	Code   string
	Fisica bool
	Moral  bool
}

// TaxRegimes is the SAT's c_RegimenFiscal catalogue (CFDI 4.0), the regimes
// in force.
var TaxRegimes = []CFDIOption{
	{"601", false, true}, // General de Ley Personas Morales
	{"603", false, true}, // Personas Morales con Fines no Lucrativos
	{"605", true, false}, // Sueldos y Salarios e Ingresos Asimilados a Salarios
	{"606", true, false}, // Arrendamiento
	{"607", true, false}, // Régimen de Enajenación o Adquisición de Bienes
	{"608", true, false}, // Demás ingresos
	{"610", true, true},  // Residentes en el Extranjero sin Establecimiento Permanente en México
	{"611", true, false}, // Ingresos por Dividendos (socios y accionistas)
	{"612", true, false}, // Personas Físicas con Actividades Empresariales y Profesionales
	{"614", true, false}, // Ingresos por intereses
	{"615", true, false}, // Régimen de los ingresos por obtención de premios
	{"616", true, false}, // Sin obligaciones fiscales
	{"620", false, true}, // Sociedades Cooperativas de Producción que optan por diferir sus ingresos
	{"621", true, false}, // Incorporación Fiscal
	{"622", true, true},  // Actividades Agrícolas, Ganaderas, Silvícolas y Pesqueras
	{"623", false, true}, // Opcional para Grupos de Sociedades
	{"624", false, true}, // Coordinados
	{"625", true, false}, // Actividades Empresariales con ingresos a través de Plataformas Tecnológicas
	{"626", true, true},  // Régimen Simplificado de Confianza
}

// CFDIUses is the SAT's c_UsoCFDI catalogue (CFDI 4.0) for an invoice of a
// sale: CP01 (payment receipts) and CN01 (payroll) never apply to one and
// are left out. The D codes are personal deductions, for personas físicas.
var CFDIUses = []CFDIOption{
	{"G01", true, true}, // Adquisición de mercancías
	{"G02", true, true}, // Devoluciones, descuentos o bonificaciones
	{"G03", true, true}, // Gastos en general
	{"I01", true, true}, // Construcciones
	{"I02", true, true}, // Mobiliario y equipo de oficina por inversiones
	{"I03", true, true}, // Equipo de transporte
	{"I04", true, true}, // Equipo de cómputo y accesorios
	{"I05", true, true}, // Dados, troqueles, moldes, matrices y herramental
	{"I06", true, true}, // Comunicaciones telefónicas
	{"I07", true, true}, // Comunicaciones satelitales
	{"I08", true, true}, // Otra maquinaria y equipo
	{"D01", true, false},
	{"D02", true, false},
	{"D03", true, false},
	{"D04", true, false},
	{"D05", true, false},
	{"D06", true, false},
	{"D07", true, false},
	{"D08", true, false},
	{"D09", true, false},
	{"D10", true, false},
	{"S01", true, true}, // Sin efectos fiscales
}

// What the SAT requires with a generic RFC (público en general, extranjero).
const (
	genericRegime = "616"
	genericUse    = "S01"
)

// Message ids of the CFDI validators.
const (
	msgPostalCode     = "cfdi.postal_code"
	msgRegimeForMoral = "cfdi.regime_for_moral"
	msgRegimeForFis   = "cfdi.regime_for_fisica"
	msgUseForFisica   = "cfdi.use_for_fisica"
	msgGenericRegime  = "cfdi.generic_regime"
	msgGenericUse     = "cfdi.generic_use"
)

// PostalCode validates a Mexican postal code: exactly five digits.
func PostalCode(e Errors, field, value string, required bool) string {
	v := strings.TrimSpace(value)
	if v == "" {
		if required {
			e.Add(field, msgRequired, nil)
		}
		return ""
	}
	if len(v) != 5 || strings.Trim(v, "0123456789") != "" {
		e.Add(field, msgPostalCode, nil)
	}
	return v
}

// TaxRegime validates an optional c_RegimenFiscal code against the
// catalogue and, when rfc is a valid RFC (pass the cleaned value, and ""
// when it had a problem), against the kind of taxpayer the RFC belongs to:
// the SAT refuses an invoice whose receptor's regime does not fit.
func TaxRegime(e Errors, field, value, rfc string) string {
	opt, ok := cfdiChoice(e, field, value, TaxRegimes)
	if !ok {
		return opt.Code
	}
	switch {
	case isGenericRFC(rfc):
		if opt.Code != genericRegime {
			e.Add(field, msgGenericRegime, nil)
		}
	case len([]rune(rfc)) == 13 && !opt.Fisica:
		e.Add(field, msgRegimeForMoral, nil)
	case len([]rune(rfc)) == 12 && !opt.Moral:
		e.Add(field, msgRegimeForFis, nil)
	}
	return opt.Code
}

// CFDIUse validates an optional c_UsoCFDI code against the catalogue and,
// as TaxRegime does, against the kind of taxpayer of a valid rfc.
func CFDIUse(e Errors, field, value, rfc string) string {
	opt, ok := cfdiChoice(e, field, value, CFDIUses)
	if !ok {
		return opt.Code
	}
	switch {
	case isGenericRFC(rfc):
		if opt.Code != genericUse {
			e.Add(field, msgGenericUse, nil)
		}
	case len([]rune(rfc)) == 12 && !opt.Moral:
		e.Add(field, msgUseForFisica, nil)
	}
	return opt.Code
}

// cfdiChoice finds value in a catalogue; ok is false when the value is
// empty or unknown (an unknown one is recorded as a problem).
func cfdiChoice(e Errors, field, value string, catalogue []CFDIOption) (CFDIOption, bool) {
	v := strings.ToUpper(strings.TrimSpace(value))
	if v == "" {
		return CFDIOption{}, false
	}
	for _, o := range catalogue {
		if o.Code == v {
			return o, true
		}
	}
	e.Add(field, msgChoice, nil)
	return CFDIOption{}, false
}

func isGenericRFC(rfc string) bool { return rfc == rfcGenericPublic || rfc == rfcGenericForeign }
