package sketch

import "testing"

// BenchmarkSVG draws the sketch the quote editor redraws on every keystroke
// of a line's size (a two-leaf sliding window with a caption).
func BenchmarkSVG(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := SVG(Spec{Kind: Corrediza, Hojas: 2, WidthMM: 1000 + i%1500, HeightMM: 1200, Label: "Recámara 1"}); err != nil {
			b.Fatal(err)
		}
	}
}
