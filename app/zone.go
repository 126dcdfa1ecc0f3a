package app

import (
	"time"
	_ "time/tzdata" // the zone database travels in the binary: slim images lack it
)

// MexicoCity is where the shops are: pages show its local time and quotes
// count their dates there (validity, the folio's year).
var MexicoCity = loadMexicoCity()

func loadMexicoCity() *time.Location {
	loc, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		// Unreachable with time/tzdata embedded. Mexico City has kept UTC−6
		// all year since October 2022, so the fixed zone is right for every
		// date the app writes now; a panic at start would help nobody.
		return time.FixedZone("CST", -6*60*60)
	}
	return loc
}
