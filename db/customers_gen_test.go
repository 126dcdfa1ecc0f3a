package db_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"cotizador/db"
)

// Realistic Mexican customers for the search tests and the 100k benchmark:
// the commonest given names and surnames (with their accents and ñ), shops,
// builders and hotels with a razón social, RFCs shaped like the SAT's, phones
// under real area codes.
var (
	givenNames = []string{"José", "Juan", "María", "Guadalupe", "Francisco", "Ana", "Luis", "Carlos", "Jesús", "Alejandro",
		"Miguel", "Sofía", "Fernanda", "Ximena", "Valeria", "Andrés", "Ramón", "Óscar", "Ángel", "Raúl", "Verónica", "Mónica",
		"Rocío", "Inés", "Patricia", "Rosa", "Leticia", "Jorge", "Ricardo", "Eduardo", "Fernando", "Roberto", "Héctor",
		"Martín", "Sergio", "Adrián", "Gabriela", "Daniela", "Alejandra", "Lucía", "Teresa", "Beatriz", "Citlali", "Itzel",
		"Xóchitl", "Cuauhtémoc", "Efraín", "Rubén", "Noemí", "Dulce", "Araceli", "Maribel", "Yolanda", "Salvador"}
	surnames = []string{"Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez",
		"Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Jiménez", "Reyes", "Díaz", "Torres", "Gutiérrez", "Ruiz", "Mendoza",
		"Aguilar", "Ortiz", "Moreno", "Castillo", "Romero", "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez", "Ramos",
		"Domínguez", "Herrera", "Medina", "Castro", "Vargas", "Guzmán", "Velázquez", "Muñoz", "Rojas", "Salazar",
		"Contreras", "Ortega", "Luna", "Núñez", "Ibarra", "Peña", "Zúñiga", "Cervantes", "Estrada", "Delgado", "Figueroa",
		"Acosta", "Ochoa", "Montes de Oca", "de la Cruz", "Santiago", "Villalobos", "Solís", "Bañuelos", "Quiñones"}
	companyKinds = []string{"Constructora", "Inmobiliaria", "Desarrollos", "Hotel", "Restaurante", "Colegio", "Clínica",
		"Edificaciones", "Grupo", "Arquitectura", "Remodelaciones", "Materiales", "Agrícola", "Despacho"}
	places = []string{"del Bajío", "del Norte", "del Pacífico", "Peninsular", "de Occidente", "Azteca", "Maya",
		"San José", "Santa Fe", "Monterrey", "Querétaro", "Puebla", "Mérida", "Los Cabos", "Chapultepec", "Tlaquepaque",
		"Sierra Madre", "Río Bravo", "Valle de Oaxaca", "Cañada"}
	legalForms = []string{"S.A. de C.V.", "S. de R.L. de C.V.", "S.A.P.I. de C.V.", "A.C.", "S.C."}
	streets    = []string{"Av. Juárez", "Calle Hidalgo", "Av. Insurgentes Sur", "Calle Morelos", "Blvd. Díaz Ordaz",
		"Calle 5 de Mayo", "Av. Revolución", "Calle Allende", "Av. Universidad", "Calzada de Tlalpan", "Calle Zaragoza"}
	cities = []string{"Ciudad de México, CDMX", "Guadalajara, Jal.", "Monterrey, N.L.", "Puebla, Pue.", "Querétaro, Qro.",
		"León, Gto.", "Mérida, Yuc.", "Tijuana, B.C.", "Chihuahua, Chih.", "Oaxaca, Oax.", "Toluca, Méx."}
	areaCodes  = []string{"55", "33", "81", "222", "442", "477", "999", "664", "614", "951", "722", "998", "871"}
	mailHosts  = []string{"gmail.com", "hotmail.com", "outlook.com", "yahoo.com.mx", "prodigy.net.mx"}
	regimesPF  = []string{"605", "606", "612", "616", "621", "625", "626"}
	regimesPM  = []string{"601", "603", "620", "623", "624", "626"}
	cfdiUses   = []string{"G01", "G03", "I01", "I08", "D01", "S01"}
	homoclaves = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
)

// rfcLetters keeps the letters of s that an RFC would take, uppercased
// and without accents (Ñ stays, as in the SAT's).
func rfcLetters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case 'Á':
			r = 'A'
		case 'É':
			r = 'E'
		case 'Í':
			r = 'I'
		case 'Ó':
			r = 'O'
		case 'Ú', 'Ü':
			r = 'U'
		}
		if r >= 'A' && r <= 'Z' || r == 'Ñ' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func firstVowel(s string) byte {
	for i := 1; i < len(s); i++ {
		if strings.IndexByte("AEIOU", s[i]) >= 0 {
			return s[i]
		}
	}
	return 'X'
}

func rfcDate(r *rand.Rand) string {
	return fmt.Sprintf("%02d%02d%02d", r.IntN(100), 1+r.IntN(12), 1+r.IntN(28))
}

func homoclave(r *rand.Rand) string {
	b := make([]byte, 3)
	for i := range b {
		b[i] = homoclaves[r.IntN(len(homoclaves))]
	}
	return string(b)
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func asciiLower(s string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "ñ", "n", "Ñ", "n").Replace(db.FoldText(s)))
}

// mexicanCustomers makes n customers, the same ones for the same seed: about
// 70 % personas físicas (given name or two, two surnames) and 30 % businesses
// with a razón social; most have a phone, about half an RFC and an e-mail.
func mexicanCustomers(n int, seed uint64) []*db.Customer {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]*db.Customer, n)
	for i := range out {
		c := &db.Customer{}
		if r.IntN(10) < 7 {
			given := pick(r, givenNames)
			if r.IntN(4) == 0 {
				given += " " + pick(r, givenNames)
			}
			p, m := pick(r, surnames), pick(r, surnames)
			c.Name = given + " " + p + " " + m
			if r.IntN(2) == 0 {
				lp, lm, lg := rfcLetters(p), rfcLetters(m), rfcLetters(given)
				c.RFC = lp[:1] + string(firstVowel(lp)) + lm[:1] + lg[:1] + rfcDate(r) + homoclave(r)
				c.TaxRegime = pick(r, regimesPF)
			}
			if r.IntN(2) == 0 {
				c.Email = fmt.Sprintf("%s.%s%d@%s", asciiLower(given), asciiLower(p), r.IntN(100), pick(r, mailHosts))
			}
		} else {
			kind, place := pick(r, companyKinds), pick(r, places)
			if r.IntN(2) == 0 {
				place = pick(r, surnames)
			}
			c.Name = kind + " " + place
			c.BusinessName = c.Name + " " + pick(r, legalForms)
			if r.IntN(3) > 0 {
				l := rfcLetters(kind + place)
				c.RFC = l[:3] + rfcDate(r) + homoclave(r)
				c.TaxRegime = pick(r, regimesPM)
			}
			c.Email = fmt.Sprintf("contacto%d@%s.com.mx", i, asciiLower(kind))
		}
		if c.RFC != "" {
			c.PostalCode = fmt.Sprintf("%05d", 1000+r.IntN(98000))
			c.CFDIUse = pick(r, cfdiUses)
		}
		if r.IntN(10) < 9 {
			area := pick(r, areaCodes)
			digits := fmt.Sprintf("%08d", r.IntN(100_000_000))
			c.Phone = area + digits[:10-len(area)]
		}
		c.Address = fmt.Sprintf("%s %d, Col. Centro, %s", pick(r, streets), 1+r.IntN(2500), pick(r, cities))
		out[i] = c
	}
	return out
}
