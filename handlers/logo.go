package handlers

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
)

// Logo limits. The upload is never stored: it is decoded, scaled down to fit
// maxLogoW × maxLogoH (a quote's header; enough for print at 300 dpi) and
// encoded again as PNG, so what the app serves is always a clean PNG of a
// sane size, whatever the file held besides its pixels.
const (
	maxLogoBytes  = 2 << 20 // 2 MiB
	maxLogoPixels = 16_000_000
	maxLogoW      = 800
	maxLogoH      = 400
)

// Message ids of the logo's problems.
const (
	msgLogoMissing = "settings.logo_missing"
	msgLogoTooBig  = "settings.logo_too_big"
	msgLogoType    = "settings.logo_type"
	msgLogoCorrupt = "settings.logo_corrupt"
	msgLogoPixels  = "settings.logo_pixels"
)

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xff, 0xd8, 0xff}
)

// processLogo turns an uploaded PNG or JPEG into the PNG to store. It trusts
// neither the file name nor the declared content type: the bytes must start
// like a PNG or a JPEG and decode as one. Its dimensions are read before
// the pixels, so a small file claiming a huge image (a decompression bomb)
// is refused without allocating it. It returns a message id on failure.
func processLogo(data []byte) ([]byte, string) {
	if len(data) > maxLogoBytes {
		return nil, msgLogoTooBig
	}
	var decode func([]byte) (image.Image, error)
	var config func([]byte) (image.Config, error)
	switch {
	case bytes.HasPrefix(data, pngMagic):
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
		config = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
	case bytes.HasPrefix(data, jpegMagic):
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
		config = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
	default:
		return nil, msgLogoType
	}
	cfg, err := config(data)
	if err != nil {
		return nil, msgLogoCorrupt
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxLogoPixels {
		return nil, msgLogoPixels
	}
	img, err := decode(data)
	if err != nil {
		return nil, msgLogoCorrupt
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&out, fitWithin(img, maxLogoW, maxLogoH)); err != nil {
		return nil, msgLogoCorrupt
	}
	return out.Bytes(), ""
}

// fitWithin returns img as RGBA, scaled down (never up) to fit w × h with its
// proportions. Each new pixel is the average of the source pixels it covers
// (a box filter: sharp enough for downscaling a logo, and standard library
// only). Averaging premultiplied RGBA keeps transparent edges clean.
func fitWithin(img image.Image, w, h int) *image.RGBA {
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	sw, sh := b.Dx(), b.Dy()
	if sw <= w && sh <= h {
		return src
	}
	// The smaller of the two ratios, in integers: nw/sw = w/sw or h/sh.
	nw, nh := w, sh*w/sw
	if sh*w > h*sw {
		nw, nh = sw*h/sh, h
	}
	nw, nh = max(nw, 1), max(nh, 1)
	dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
	for dy := range nh {
		y0, y1 := dy*sh/nh, max((dy+1)*sh/nh, dy*sh/nh+1)
		for dx := range nw {
			x0, x1 := dx*sw/nw, max((dx+1)*sw/nw, dx*sw/nw+1)
			var r, g, bl, a, n uint64
			for y := y0; y < y1; y++ {
				row := src.Pix[y*src.Stride+x0*4 : y*src.Stride+x1*4]
				for i := 0; i < len(row); i += 4 {
					r += uint64(row[i])
					g += uint64(row[i+1])
					bl += uint64(row[i+2])
					a += uint64(row[i+3])
					n++
				}
			}
			o := dy*dst.Stride + dx*4
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8((r+n/2)/n), uint8((g+n/2)/n), uint8((bl+n/2)/n), uint8((a+n/2)/n)
		}
	}
	return dst
}
