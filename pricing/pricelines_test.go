package pricing

import (
	"testing"
)

// PriceLines prices what it can in one pass: a bad line gets its errors and
// the others are priced and totalled as if it were not there.
func TestPriceLinesLeavesOutOnlyTheBadLines(t *testing.T) {
	cat := PrototypeSeedCatalog()
	good := ItemInput{ProductCode: "PROTO-COR-3", ColourCode: "NAT", GlassCode: "VID-CLARO-6", WidthMM: dec("1500"), HeightMM: dec("1200"), Quantity: 1}
	in := QuoteInput{Mode: ModeCompatible, Rates: DefaultRates(), Items: []ItemInput{
		{ProductCode: "PROTO-COR-3", WidthMM: dec("350"), HeightMM: dec("1200"), Quantity: 1}, // too narrow
		good,
		{ProductCode: "NO-EXISTE", WidthMM: dec("1000"), HeightMM: dec("1000"), Quantity: 1},
	}, Materials: []MaterialLineInput{{MaterialCode: "NADA", Quantity: dec("1")}, {MaterialCode: "VID-TEMP-6", Quantity: dec("2.5")}}}
	res, errs := PriceLines(cat, in)
	if res == nil {
		t.Fatalf("nothing priced: %v", errs)
	}
	if len(res.Items) != 1 || res.Items[0].Index != 1 {
		t.Fatalf("priced items %+v, want only input 1", res.Items)
	}
	if len(res.Materials) != 1 || res.Materials[0].Index != 1 {
		t.Fatalf("priced materials %+v, want only input 1", res.Materials)
	}
	got := map[string]string{}
	for _, e := range errs {
		got[e.Field] = e.Key
	}
	want := map[string]string{"items[0].width_mm": "quote.width_range", "items[2].product_code": "quote.product_unknown",
		"materials[0].material_code": "quote.material_unknown"}
	for f, k := range want {
		if got[f] != k {
			t.Errorf("error on %s = %q, want %q (all %v)", f, got[f], k, got)
		}
	}
	// The totals are those of the good lines alone: the worked example
	// plus 2.5 m² of tempered glass.
	alone, err := PriceQuote(cat, QuoteInput{Mode: ModeCompatible, Rates: DefaultRates(), Items: []ItemInput{good},
		Materials: []MaterialLineInput{{MaterialCode: "VID-TEMP-6", Quantity: dec("2.5")}}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Totals.Total.Equal(alone.Totals.Total) || res.Totals.Total.String() != "4718.37" {
		t.Errorf("total %s, the good lines alone %s, want 4718.37", res.Totals.Total, alone.Totals.Total)
	}
	// A problem of the quote itself prices nothing.
	in.Rates.Profit = dec("-1")
	if res, errs := PriceLines(cat, in); res != nil || len(errs) == 0 {
		t.Errorf("negative utilidad priced: %v %v", res, errs)
	}
}
