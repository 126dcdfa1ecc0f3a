package handlers

import (
	"image"
	"image/color"
	"testing"
)

func TestFitWithin(t *testing.T) {
	t.Run("sizes", func(t *testing.T) {
		for _, tt := range []struct{ w, h, wantW, wantH int }{
			{1600, 800, 800, 400},  // both limits at once
			{4000, 1000, 800, 200}, // wide: width bound
			{1000, 2000, 200, 400}, // tall: height bound
			{300, 100, 300, 100},   // small: never enlarged
			{5000, 1, 800, 1},      // a line stays at least one pixel
		} {
			got := fitWithin(image.NewRGBA(image.Rect(0, 0, tt.w, tt.h)), 800, 400).Bounds().Size()
			if got != image.Pt(tt.wantW, tt.wantH) {
				t.Errorf("%d×%d → %v, want %d×%d", tt.w, tt.h, got, tt.wantW, tt.wantH)
			}
		}
	})
	t.Run("a pixel is the average of those it covers", func(t *testing.T) {
		src := image.NewRGBA(image.Rect(0, 0, 4, 2))
		for y := range 2 {
			src.Set(0, y, color.RGBA{255, 0, 0, 255})
			src.Set(1, y, color.RGBA{0, 0, 255, 255})
			src.Set(2, y, color.RGBA{0, 0, 0, 0}) // transparent
			src.Set(3, y, color.RGBA{200, 100, 0, 255})
		}
		dst := fitWithin(src, 2, 1)
		if got, want := dst.RGBAAt(0, 0), (color.RGBA{128, 0, 128, 255}); got != want {
			t.Errorf("left pixel %v, want %v", got, want)
		}
		// Premultiplied: half transparent, and no dark fringe from the
		// transparent pixel's black.
		if got, want := dst.RGBAAt(1, 0), (color.RGBA{100, 50, 0, 128}); got != want {
			t.Errorf("right pixel %v, want %v", got, want)
		}
	})
}
