package handlers_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cotizador/internal/testutil"
)

// settingsValues is a valid settings form.
func settingsValues() url.Values {
	return url.Values{
		"name": {"Aluminios del Norte"}, "rfc": {"ADN010203AB1"}, "address": {"Av. Juárez 100\r\nCentro, Monterrey, N.L."},
		"phone": {"81 1234 5678"}, "email": {"ventas@aluminiosdelnorte.mx"},
		"profit_pct": {"30"}, "indirect_pct": {"12.5"}, "iva": {"8"}, "deposit_pct": {"60 %"}, "labor_rate_m2": {"85.50"},
		"pricing_mode": {"optimizado"}, "waste_factor": {"1.15"}, "validity_days": {"30"}, "folio_prefix": {"adn"},
		"conditions": {"Vigencia: 30 días.\r\nAnticipo del 60 %."}, "bank_details": {"BBVA · CLABE 012580001234567890"},
		"kerf_mm": {"3"}, "trim_mm": {"5"}, "min_offcut_mm": {"400"}, "sales_see_all": {"1"},
	}
}

func TestSettingsPageShowsDefaults(t *testing.T) {
	a := staff(t)
	for _, email := range []string{"duena@aluminios.mx", "admin@aluminios.mx"} {
		cl := a.Login(t, email)
		resp, body := cl.Get(t, "/configuracion")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", email, resp.StatusCode)
		}
		assertContains(t, "settings page", body, `value="Aluminios del Norte"`, `name="profit_pct" value="25"`, `name="indirect_pct" value="15"`,
			`<option value="16" selected>16 %</option>`, `name="deposit_pct" value="50"`, `name="validity_days" value="15"`,
			`name="folio_prefix" value="COT"`, `name="waste_factor" value="1.10"`, `name="labor_rate_m2" value=""`,
			`<option value="por_metro" selected>`, `name="kerf_mm" value="4"`, `name="trim_mm" value="10"`, `name="min_offcut_mm" value="500"`,
			"Vigencia: los precios de esta cotización son válidos hasta la fecha indicada.", "medidas finales quedan sujetas a visita técnica",
			"Aún no hay logo.", `href="/configuracion"`)
		assertTranslated(t, "settings page", body)
	}
	for _, email := range []string{"vendedor@aluminios.mx", "consulta@aluminios.mx"} {
		cl := a.Login(t, email)
		if resp, _ := cl.Get(t, "/configuracion"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", email, resp.StatusCode)
		}
		if _, body := cl.Get(t, "/"); strings.Contains(body, `href="/configuracion"`) {
			t.Errorf("%s sees Configuración in the menu", email)
		}
	}
}

func TestSettingsPercentagesRoundTrip(t *testing.T) {
	a := staff(t)
	admin := a.Login(t, "admin@aluminios.mx")
	resp, body := admin.PostForm(t, "/configuracion", settingsValues())
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	s, err := a.DB.CompanySettings(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{
		"profit": s.Rates.Profit.String(), "indirect": s.Rates.Indirect.String(), "iva": s.Rates.IVA.String(),
		"exempt": fmt.Sprint(s.Rates.IVAExempt), "deposit": s.Rates.Deposit.String(), "labour": s.LabourRateM2.String(),
		"waste": s.Rates.ProfileWaste.String(), "mode": string(s.PricingMode), "prefix": s.FolioPrefix, "phone": s.Phone,
		"validity": fmt.Sprint(s.ValidityDays), "cut": fmt.Sprint(s.Cut), "all": fmt.Sprint(s.SalesSeeAllQuotes),
		"conditions": s.Conditions, "address": s.Address,
	}
	want := map[string]string{
		"profit": "0.3", "indirect": "0.125", "iva": "0.08", "exempt": "false", "deposit": "0.6", "labour": "85.5",
		"waste": "1.15", "mode": "optimizado", "prefix": "ADN", "phone": "8112345678",
		"validity": "30", "cut": "{3 5 400}", "all": "true",
		"conditions": "Vigencia: 30 días.\nAnticipo del 60 %.", "address": "Av. Juárez 100\nCentro, Monterrey, N.L.",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("stored %s = %q, want %q", k, got[k], w)
		}
	}
	_, body = admin.Get(t, "/configuracion")
	assertContains(t, "page after saving", body, "Configuración guardada.", `name="profit_pct" value="30"`, `name="indirect_pct" value="12.5"`,
		`<option value="8" selected>`, `name="deposit_pct" value="60"`, `name="labor_rate_m2" value="85.50"`, `name="waste_factor" value="1.15"`,
		`<option value="optimizado" selected>`, `name="folio_prefix" value="ADN"`, `name="sales_see_all" value="1" checked`, `value="81 1234 5678"`)

	t.Run("exento and no labour override", func(t *testing.T) {
		v := settingsValues()
		v.Set("iva", "exento")
		v.Set("labor_rate_m2", "")
		v.Del("sales_see_all")
		if resp, _ := admin.PostForm(t, "/configuracion", v); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		s, _ := a.DB.CompanySettings(t.Context())
		if !s.Rates.IVAExempt || !s.Rates.IVA.IsZero() || s.LabourRateM2 != nil || s.SalesSeeAllQuotes {
			t.Errorf("stored IVA %s exempt %v, labour %v, sales see all %v", s.Rates.IVA, s.Rates.IVAExempt, s.LabourRateM2, s.SalesSeeAllQuotes)
		}
		_, body := admin.Get(t, "/configuracion")
		assertContains(t, "exento", body, `<option value="exento" selected>Exento</option>`)
	})
}

func TestSettingsInvalidValues(t *testing.T) {
	a := staff(t)
	owner := a.Login(t, "duena@aluminios.mx")
	before, _ := a.DB.CompanySettings(t.Context())
	v := settingsValues()
	bad := map[string]string{
		"name": "", "rfc": "ADN010230AB1", "phone": "81 1234", "email": "ventas@", "profit_pct": "-5", "indirect_pct": "doce",
		"iva": "20", "deposit_pct": "150", "labor_rate_m2": "-1", "pricing_mode": "gratis", "waste_factor": "0.9",
		"validity_days": "0", "folio_prefix": "CO-T", "kerf_mm": "abc", "trim_mm": "500", "min_offcut_mm": "7000",
	}
	for k, x := range bad {
		v.Set(k, x)
	}
	resp, body := owner.PostForm(t, "/configuracion", v)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", resp.StatusCode)
	}
	assertContains(t, "re-render", body,
		"Revisa los campos marcados.",
		"Este campo es obligatorio.",
		"La fecha del RFC no es válida.",
		"Escribe un teléfono de 10 dígitos",
		"Escribe un correo válido",
		"Escribe un valor entre 0 y 500.",
		"«doce» no es un número válido",
		"Elige una opción de la lista.",
		"Escribe un valor entre 0 y 100.",
		"Escribe un valor entre 0 y 100000.",
		"Escribe un valor entre 1 y 3.",
		"Escribe un valor entre 1 y 365.",
		"Usa solo letras sin acentos y números",
		"Escribe un número entero.",
		"Escribe un valor entre 0 y 200.",
		"Escribe un valor entre 0 y 6000.",
		// What was typed stays.
		`name="profit_pct" value="-5"`, `name="indirect_pct" value="doce"`, `name="deposit_pct" value="150"`, `name="folio_prefix" value="CO-T"`,
		`name="kerf_mm" value="abc"`, `value="81 1234"`, `>Vigencia: 30 días.`)
	assertTranslated(t, "re-render", body)
	after, _ := a.DB.CompanySettings(t.Context())
	if after.UpdatedAt != before.UpdatedAt || after.Rates.Profit.String() != "0.25" {
		t.Errorf("an invalid form changed the settings: %+v", after)
	}
}

// upload posts a file as the logo form does.
func upload(t *testing.T, cl *testutil.Client, name, contentType string, data []byte) (*http.Response, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.WriteField("_csrf", cl.CSRF); err != nil {
		t.Fatal(err)
	}
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name="logo"; filename=%q`, name)}
	h["Content-Type"] = []string{contentType}
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	w.Close()
	req, err := http.NewRequest(http.MethodPost, "/configuracion/logo", &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return cl.Do(t, req)
}

// testImage is a w × h picture with a transparent left half and a colour
// gradient, so scaling and transparency both show.
func testImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := uint8(255)
			if x < w/2 {
				a = 0
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), 120, a})
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// storedLogo decodes the logo as stored; it must be a PNG.
func storedLogo(t *testing.T, a *testutil.App) ([]byte, image.Image) {
	t.Helper()
	data, _, err := a.DB.CompanyLogo(t.Context())
	if err != nil {
		t.Fatalf("no logo stored: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the stored logo is not a PNG: %v", err)
	}
	return data, img
}

func TestSettingsLogo(t *testing.T) {
	a := staff(t)
	owner := a.Login(t, "duena@aluminios.mx")
	owner.Get(t, "/configuracion")

	t.Run("PNG is re-encoded and scaled down", func(t *testing.T) {
		// A large PNG with bytes after its end: a re-encoded logo cannot
		// carry them (a file that is also an HTML page, say).
		raw := append(encodePNG(t, testImage(1200, 600)), []byte("<script>alert(1)</script>")...)
		resp, body := upload(t, owner, "logo.png", "image/png", raw)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d\n%s", resp.StatusCode, body)
		}
		data, img := storedLogo(t, a)
		if got := img.Bounds().Size(); got != image.Pt(800, 400) {
			t.Errorf("stored size %v, want 800×400 (fit within the limit, proportions kept)", got)
		}
		if bytes.Contains(data, []byte("<script>")) || bytes.Equal(data, raw) {
			t.Error("the upload was stored as is")
		}
		// The left half was transparent, the right opaque: still so.
		if _, _, _, al := img.At(10, 200).RGBA(); al != 0 {
			t.Errorf("transparent pixel has alpha %d", al)
		}
		if _, _, _, al := img.At(700, 200).RGBA(); al != 0xffff {
			t.Errorf("opaque pixel has alpha %d", al)
		}
	})

	t.Run("JPEG becomes a PNG", func(t *testing.T) {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, testImage(640, 480), &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		// The declared type is not trusted either way.
		resp, _ := upload(t, owner, "logo.jpg", "application/octet-stream", b.Bytes())
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		_, img := storedLogo(t, a)
		if got := img.Bounds().Size(); got != image.Pt(533, 400) {
			t.Errorf("stored size %v, want 533×400", got)
		}
	})

	t.Run("a small logo keeps its size", func(t *testing.T) {
		if resp, _ := upload(t, owner, "mini.png", "image/png", encodePNG(t, testImage(120, 40))); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if _, img := storedLogo(t, a); img.Bounds().Size() != image.Pt(120, 40) {
			t.Errorf("stored size %v, want 120×40", img.Bounds().Size())
		}
	})

	current, etag, _ := a.DB.CompanyLogo(t.Context())
	var gifData bytes.Buffer
	if err := gif.Encode(&gifData, testImage(50, 50), nil); err != nil {
		t.Fatal(err)
	}
	bomb := image.NewPaletted(image.Rect(0, 0, 5000, 5000), color.Palette{color.White, color.Black})
	validPNG := encodePNG(t, testImage(60, 60))
	oversized := append(append([]byte{}, validPNG...), make([]byte, 2<<20)...)
	for _, tt := range []struct {
		name, file, ctype string
		data              []byte
		want              string
	}{
		{"GIF", "logo.gif", "image/gif", gifData.Bytes(), "El logo debe ser una imagen PNG o JPEG."},
		{"GIF named png", "logo.png", "image/png", gifData.Bytes(), "El logo debe ser una imagen PNG o JPEG."},
		{"garbage", "logo.png", "image/png", []byte("esto no es una imagen, es texto"), "El logo debe ser una imagen PNG o JPEG."},
		{"HTML", "logo.png", "image/png", []byte("<html><script>alert(1)</script></html>"), "El logo debe ser una imagen PNG o JPEG."},
		{"truncated PNG", "logo.png", "image/png", validPNG[:len(validPNG)/2], "No se pudo leer la imagen: el archivo está dañado."},
		{"over 2 MB", "logo.png", "image/png", oversized, "El archivo pesa más de 2 MB"},
		{"25 megapixels", "bomb.png", "image/png", encodePNG(t, bomb), "La imagen tiene demasiados píxeles"},
		{"no file", "", "", nil, "Elige un archivo PNG o JPEG."},
	} {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			var resp *http.Response
			var body string
			if tt.file == "" {
				resp, body = owner.PostForm(t, "/configuracion/logo", nil)
			} else {
				resp, body = upload(t, owner, tt.file, tt.ctype, tt.data)
			}
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			assertContains(t, tt.name, body, tt.want, `id="logo-error"`)
			if data, tag, _ := a.DB.CompanyLogo(t.Context()); !bytes.Equal(data, current) || tag != etag {
				t.Error("a rejected upload replaced the logo")
			}
		})
	}

	t.Run("served as PNG, cacheable at its versioned URL", func(t *testing.T) {
		_, body := owner.Get(t, "/configuracion")
		src := "/empresa/logo?v=" + etag
		assertContains(t, "settings page", body, `<img src="`+strings.ReplaceAll(src, "&", "&amp;")+`"`)
		anon := a.NewClient()
		resp, logo := anon.Get(t, src)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "image/png" {
			t.Errorf("Content-Type %q, want image/png", ct)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("Cache-Control %q at the versioned URL", cc)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Error("no nosniff")
		}
		if _, err := png.Decode(strings.NewReader(logo)); err != nil {
			t.Errorf("served bytes are not a PNG: %v", err)
		}
		resp, _ = anon.Get(t, "/empresa/logo?v=viejo")
		if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("Cache-Control %q at a stale URL, want no-cache", cc)
		}
		resp, _ = anon.Get(t, "/empresa/logo", "If-None-Match", `"`+etag+`"`)
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match with the current etag: %d, want 304", resp.StatusCode)
		}
	})

	t.Run("remove", func(t *testing.T) {
		if resp, _ := owner.PostForm(t, "/configuracion/logo/eliminar", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if resp, _ := a.NewClient().Get(t, "/empresa/logo"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("after removal: %d, want 404", resp.StatusCode)
		}
	})

	t.Run("sales may not upload", func(t *testing.T) {
		sales := a.Login(t, "vendedor@aluminios.mx")
		if resp, _ := upload(t, sales, "logo.png", "image/png", validPNG); resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
	})
}
