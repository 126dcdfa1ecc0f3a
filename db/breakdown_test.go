package db_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"

	"cotizador/db"
	"cotizador/pricing"
)

// Every breakdown comes back from its stored form exactly: decimals by
// value (huge ones too), floats by bits, unknown kinds and units as text,
// no breakdown distinct from an empty one; and it marshals to the same JSON
// the rows held before migration 00050.
func TestBreakdownRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	dec := func() decimal.Decimal {
		switch rng.IntN(5) {
		case 0:
			return decimal.Zero
		case 1:
			return decimal.RequireFromString("123456789012345678901234567890.123456789")
		case 2:
			return decimal.New(-rng.Int64N(1e9), -int32(rng.IntN(6)))
		default:
			return decimal.New(rng.Int64N(1e12), -int32(rng.IntN(6)))
		}
	}
	words := []string{"", "bom", "vidrio", "mano_de_obra", "perfil", "ML", "M2", "PZA", "otro", "Riel superior 3\"", "Jamba <&> ñ", "width_m * 2"}
	word := func() string { return words[rng.IntN(len(words))] }
	cases := [][]pricing.LineDetail{nil, {}}
	for range 200 {
		var lines []pricing.LineDetail
		for range rng.IntN(20) {
			lines = append(lines, pricing.LineDetail{
				Kind: pricing.LineKind(word()), BOMIndex: rng.IntN(30) - 1, MaterialCode: word(), MaterialName: word(),
				Role: pricing.Role(word()), Description: word(), Formula: word(),
				Raw: []float64{0, 1.8, -0.1, math.Pi, 1e300, math.SmallestNonzeroFloat64}[rng.IntN(6)], Clamped: rng.IntN(2) == 0,
				CutCount: rng.IntN(9), CutLengthMM: rng.IntN(6100), Waste: dec(), Bars: rng.IntN(4), Quantity: dec(),
				Unit: pricing.Unit(word()), UnitPrice: dec(), Cost: dec(), Ignored: rng.IntN(2) == 0, Packed: rng.IntN(2) == 0,
			})
		}
		cases = append(cases, lines)
	}
	for i, lines := range cases {
		packed, err := db.EncodeBreakdown(lines)
		if err != nil {
			t.Fatal(err)
		}
		back, err := db.DecodeBreakdown(packed)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		want, _ := json.Marshal(lines)
		got, _ := json.Marshal(back)
		if string(got) != string(want) || (lines == nil) != (back == nil) {
			t.Fatalf("case %d: came back as\n%s\nwant\n%s", i, got, want)
		}
		// The JSON form still reads (rows not yet converted).
		fromJSON, err := db.DecodeBreakdown(want)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := json.Marshal(fromJSON); string(again) != string(want) {
			t.Fatalf("case %d: JSON form reads back as %s", i, again)
		}
	}
}

// A damaged stored breakdown is an error, never a wrong breakdown.
func TestBreakdownDamaged(t *testing.T) {
	lines := []pricing.LineDetail{{Kind: pricing.LineBOM, MaterialName: "Jamba", Cost: decimal.NewFromInt(48)}}
	packed, err := db.EncodeBreakdown(lines)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{nil, {}, {9}, packed[:len(packed)/2], append(append([]byte{}, packed...), 0, 0), []byte("[{")} {
		if got, err := db.DecodeBreakdown(bad); err == nil {
			t.Errorf("%x decoded as %+v, want an error", bad, got)
		}
	}
}

// BenchmarkBreakdown: a demo window's breakdown stored and read, against
// its JSON.
func BenchmarkBreakdown(b *testing.B) {
	lines := make([]pricing.LineDetail, 15)
	for i := range lines {
		lines[i] = pricing.LineDetail{Kind: pricing.LineBOM, BOMIndex: i, MaterialCode: "PER-L3-JAM", MaterialName: "Jamba Línea 3\"",
			Role: pricing.RoleProfile, Description: "Jamba", Formula: "2 × 1180", Raw: 2.36, CutCount: 2, CutLengthMM: 1180,
			Waste: decimal.RequireFromString("1.1"), Quantity: decimal.RequireFromString("2.596"), Unit: pricing.UnitML,
			UnitPrice: decimal.RequireFromString("84.5"), Cost: decimal.RequireFromString("219.362")}
	}
	packed, _ := db.EncodeBreakdown(lines)
	text, _ := json.Marshal(lines)
	b.Logf("15 lines: %d bytes stored, %d as JSON", len(packed), len(text))
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			db.EncodeBreakdown(lines)
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			db.DecodeBreakdown(packed)
		}
	})
	b.Run("decode_json", func(b *testing.B) {
		for b.Loop() {
			db.DecodeBreakdown(text)
		}
	})
}
