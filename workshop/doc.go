// Package workshop turns accepted quotes into work for the shop floor: the
// cut list of a quote, workshop orders (orden de taller) cutting one or
// several quotes together, the offcut inventory (retazos) and the shopping
// list. It imports db, pricing and pdf; never handlers.
package workshop
