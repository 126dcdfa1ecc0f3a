package app

import (
	"testing"
	"time"
)

func TestMexicoCity(t *testing.T) {
	if MexicoCity.String() != "America/Mexico_City" {
		t.Fatalf("zone %q: the embedded zone database did not load", MexicoCity)
	}
	// 2021 still had summer time (UTC−5); the fixed zone could not know it.
	summer := time.Date(2021, 7, 1, 12, 0, 0, 0, time.UTC).In(MexicoCity)
	winter := time.Date(2026, 11, 26, 20, 30, 0, 0, time.UTC).In(MexicoCity)
	if _, off := summer.Zone(); off != -5*3600 {
		t.Errorf("July 2021 offset %d s, want UTC−5", off)
	}
	if winter.Format("2006-01-02 15:04") != "2026-11-26 14:30" {
		t.Errorf("26 Nov 2026 20:30 UTC in Mexico City = %s, want 14:30", winter.Format("2006-01-02 15:04"))
	}
}
