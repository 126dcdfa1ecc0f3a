package validate

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"cotizador/app"
)

// noError is the want of a row whose value is acceptable.
var noError = app.FieldError{}

// checkField compares the one field's recorded problem with want (noError
// for none).
func checkField(t *testing.T, e Errors, field string, want app.FieldError) {
	t.Helper()
	got, ok := e[field]
	switch {
	case want.Message == "" && ok:
		t.Errorf("error = %+v, want none", got)
	case want.Message != "" && !reflect.DeepEqual(got, want):
		t.Errorf("error = %+v, want %+v", got, want)
	}
	if len(e) > 1 || (len(e) == 1 && !ok) {
		t.Errorf("errors = %+v, want only field %q", e, field)
	}
}

func fe(message string) app.FieldError { return app.FieldError{Message: message} }

func TestErrors(t *testing.T) {
	e := Errors{}
	if err := e.Err(); err != nil {
		t.Fatalf("empty Errors.Err() = %v, want nil", err)
	}
	if e.Has("name") {
		t.Errorf("Has(name) on empty = true, want false")
	}
	e.Add("name", "validation.required", nil)
	e.Add("name", "validation.too_long", map[string]any{"Max": 5})
	e.Add("qty", "validation.range", map[string]any{"Min": 1, "Max": 9})
	if !e.Has("name") || !e.Has("qty") || e.Has("email") {
		t.Errorf("Has = %v, %v, %v; want true, true, false", e.Has("name"), e.Has("qty"), e.Has("email"))
	}
	if got, want := e["name"], fe("validation.required"); !reflect.DeepEqual(got, want) {
		t.Errorf("name error = %+v, want the first one %+v", got, want)
	}

	err := e.Err()
	var ae *app.Error
	if !errors.As(err, &ae) {
		t.Fatalf("Err() = %T %v, want *app.Error", err, err)
	}
	if ae.Code != app.EINVALID || ae.Message != "validation.form_invalid" {
		t.Errorf("Err() code, message = %q, %q; want %q, %q", ae.Code, ae.Message, app.EINVALID, "validation.form_invalid")
	}
	if !reflect.DeepEqual(ae.Fields, map[string]app.FieldError(e)) {
		t.Errorf("Err().Fields = %+v, want %+v", ae.Fields, e)
	}
	if got := app.ErrorCode(err); got != app.EINVALID {
		t.Errorf("app.ErrorCode(Err()) = %q, want %q", got, app.EINVALID)
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name     string
		value    string
		required bool
		max      int
		want     string
		wantErr  app.FieldError
	}{
		{"plain", "Ventana corrediza", true, 50, "Ventana corrediza", noError},
		{"trimmed", "  \t Ventana \n", true, 50, "Ventana", noError},
		{"empty optional", "", false, 50, "", noError},
		{"blank optional", "   ", false, 50, "", noError},
		{"empty required", "", true, 50, "", fe("validation.required")},
		{"blank required", " \t ", true, 50, "", fe("validation.required")},
		{"accents and Ñ", "Cañón Ñandú ÁÉÍÓÚ", true, 50, "Cañón Ñandú ÁÉÍÓÚ", noError},
		{"emoji", "Ventana 🪟 lista ✅", true, 50, "Ventana 🪟 lista ✅", noError},
		{"decomposed Ñ becomes one rune", "N\u0303", true, 1, "Ñ", noError},
		{"at max runes", "ñññññ", true, 5, "ñññññ", noError},
		{"over max runes", "ññññññ", true, 5, "ññññññ", app.FieldError{Message: "validation.too_long", Args: map[string]any{"Max": 5}}},
		{"no limit", strings.Repeat("a", 10000), true, 0, strings.Repeat("a", 10000), noError},
		{"NUL", "Ven\x00tana", true, 50, "Ventana", fe("validation.invalid_text")},
		{"escape", "\x1b[31mrojo", true, 50, "[31mrojo", fe("validation.invalid_text")},
		{"bidi override", "factura\u202Egnp.exe", true, 50, "facturagnp.exe", fe("validation.invalid_text")},
		{"zero width space", "ven\u200btana", true, 50, "ventana", fe("validation.invalid_text")},
		{"byte order mark", "\ufeffVentana", true, 50, "Ventana", fe("validation.invalid_text")},
		{"DEL", "Ventana\x7f", true, 50, "Ventana", fe("validation.invalid_text")},
		{"newline inside", "una\ndos", true, 50, "unados", fe("validation.invalid_text")},
		{"tab inside", "una\tdos", true, 50, "unados", fe("validation.invalid_text")},
		{"invalid UTF-8", "Ventana \xff\xfe", true, 50, "Ventana", fe("validation.invalid_text")},
		{"truncated UTF-8", "Ca\xc3", true, 50, "Ca", fe("validation.invalid_text")},
		{"invalid in optional", "\xc0\x80", false, 50, "", fe("validation.invalid_text")},
		{"replacement character is valid", "Ca\uFFFDón", true, 50, "Ca\uFFFDón", noError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Errors{}
			if got := Text(e, "f", tt.value, tt.required, tt.max); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.value, got, tt.want)
			}
			checkField(t, e, "f", tt.wantErr)
		})
	}
}

func TestMultiline(t *testing.T) {
	tests := []struct {
		name     string
		value    string
		required bool
		max      int
		want     string
		wantErr  app.FieldError
	}{
		{"lines and tabs", "Notas:\n\t- vidrio 6 mm\n\t- herrajes", true, 100, "Notas:\n\t- vidrio 6 mm\n\t- herrajes", noError},
		{"CRLF normalised", "uno\r\ndos\r\n\r\ntres", true, 100, "uno\ndos\n\ntres", noError},
		{"trimmed", "\r\n  texto \r\n\r\n", true, 100, "texto", noError},
		{"CRLF counts one rune", "a\r\nb", true, 3, "a\nb", noError},
		{"empty optional", "", false, 100, "", noError},
		{"only newlines required", "\r\n\n", true, 100, "", fe("validation.required")},
		{"accents and emoji", "Cañón\n🪟 Ñ á", true, 100, "Cañón\n🪟 Ñ á", noError},
		{"over max", "ab\ncd", true, 4, "ab\ncd", app.FieldError{Message: "validation.too_long", Args: map[string]any{"Max": 4}}},
		{"lone CR", "uno\rdos", true, 100, "unodos", fe("validation.invalid_text")},
		{"NUL", "uno\n\x00dos", true, 100, "uno\ndos", fe("validation.invalid_text")},
		{"escape", "uno\n\x1b[2Jdos", true, 100, "uno\n[2Jdos", fe("validation.invalid_text")},
		{"bidi override", "uno\n\u202Edos", true, 100, "uno\ndos", fe("validation.invalid_text")},
		{"vertical tab", "uno\vdos", true, 100, "unodos", fe("validation.invalid_text")},
		{"invalid UTF-8", "uno\n\xffdos", true, 100, "uno\ndos", fe("validation.invalid_text")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Errors{}
			if got := Multiline(e, "f", tt.value, tt.required, tt.max); got != tt.want {
				t.Errorf("Multiline(%q) = %q, want %q", tt.value, got, tt.want)
			}
			checkField(t, e, "f", tt.wantErr)
		})
	}
}

func TestEmail(t *testing.T) {
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".mx" // 253 bytes
	tests := []struct {
		name     string
		value    string
		required bool
		want     string
		wantErr  app.FieldError
	}{
		{"plain", "juan.perez@example.mx", true, "juan.perez@example.mx", noError},
		{"trimmed and lowercased", "  Juan.Perez@Example.COM.mx ", true, "juan.perez@example.com.mx", noError},
		{"plus tag", "ventas+web@taller.com.mx", true, "ventas+web@taller.com.mx", noError},
		{"pasted with line break", "\tventas@taller.mx\r\n", true, "ventas@taller.mx", noError},
		{"empty optional", "", false, "", noError},
		{"blank optional", "  ", false, "", noError},
		{"empty required", "", true, "", fe("validation.required")},
		{"253 bytes", long, true, long, noError},
		{"255 bytes", long + "xy", true, long + "xy", app.FieldError{Message: "validation.too_long", Args: map[string]any{"Max": 254}}},
		{"no at", "juan.example.mx", true, "juan.example.mx", fe("validation.email")},
		{"no dot in domain", "juan@taller", true, "juan@taller", fe("validation.email")},
		{"display name", "Juan <juan@example.mx>", true, "juan <juan@example.mx>", fe("validation.email")},
		{"angle brackets", "<juan@example.mx>", true, "<juan@example.mx>", fe("validation.email")},
		{"comment", "juan@example.mx (Juan)", true, "juan@example.mx (juan)", fe("validation.email")},
		{"two addresses", "a@example.mx, b@example.mx", true, "a@example.mx, b@example.mx", fe("validation.email")},
		{"quoted local part", `"juan perez"@example.mx`, true, `"juan perez"@example.mx`, fe("validation.email")},
		{"space inside", "juan perez@example.mx", true, "juan perez@example.mx", fe("validation.email")},
		{"double at", "juan@@example.mx", true, "juan@@example.mx", fe("validation.email")},
		{"domain literal", "juan@[192.168.1.1]", true, "juan@[192.168.1.1]", fe("validation.email")},
		{"leading dot in domain", "juan@.example.mx", true, "juan@.example.mx", fe("validation.email")},
		{"trailing dot in domain", "juan@example.mx.", true, "juan@example.mx.", fe("validation.email")},
		{"double dot in domain", "juan@example..mx", true, "juan@example..mx", fe("validation.email")},
		{"NUL", "juan\x00@example.mx", true, "juan@example.mx", fe("validation.email")},
		{"bidi override", "juan\u202E@example.mx", true, "juan@example.mx", fe("validation.email")},
		{"invalid UTF-8", "juan\xff@example.mx", true, "juan@example.mx", fe("validation.email")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Errors{}
			if got := Email(e, "email", tt.value, tt.required); got != tt.want {
				t.Errorf("Email(%q) = %q, want %q", tt.value, got, tt.want)
			}
			checkField(t, e, "email", tt.wantErr)
		})
	}
}

func TestPhone(t *testing.T) {
	tests := []struct {
		name     string
		value    string
		required bool
		want     string
		wantErr  app.FieldError
	}{
		{"spaces", "55 1234 5678", true, "5512345678", noError},
		{"parentheses and dash", "(55) 1234-5678", true, "5512345678", noError},
		{"plus country code", "+52 55 1234 5678", true, "5512345678", noError},
		{"country code without plus", "52 55 1234 5678", true, "5512345678", noError},
		{"dots", "33.1234.5678", true, "3312345678", noError},
		{"bare digits", " 8112345678 ", true, "8112345678", noError},
		{"local number starting 52", "5212345678", true, "5212345678", noError},
		{"empty optional", "", false, "", noError},
		{"empty required", "  ", true, "", fe("validation.required")},
		{"too short", "1234", true, "1234", fe("validation.phone")},
		{"eleven digits", "55123456789", true, "55123456789", fe("validation.phone")},
		{"twelve digits not 52", "015512345678", true, "015512345678", fe("validation.phone")},
		{"other country", "+1 555 123 4567", true, "+1 555 123 4567", fe("validation.phone")},
		{"plus without country code", "+5512345678", true, "+5512345678", fe("validation.phone")},
		{"plus in the middle", "55+12345678", true, "55+12345678", fe("validation.phone")},
		{"letters", "55 1234 ABCD", true, "55 1234 ABCD", fe("validation.phone")},
		{"extension", "55 1234 5678 ext 12", true, "55 1234 5678 ext 12", fe("validation.phone")},
		{"full-width digits", "５５１２３４５６７８", true, "５５１２３４５６７８", fe("validation.phone")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Errors{}
			if got := Phone(e, "tel", tt.value, tt.required); got != tt.want {
				t.Errorf("Phone(%q) = %q, want %q", tt.value, got, tt.want)
			}
			checkField(t, e, "tel", tt.wantErr)
		})
	}
}

func TestRFC(t *testing.T) {
	tests := []struct {
		name     string
		value    string
		required bool
		want     string
		wantErr  app.FieldError
	}{
		{"persona física", "GODE561231GR8", true, "GODE561231GR8", noError},
		{"persona moral", "ABC850101AB1", true, "ABC850101AB1", noError},
		{"Ñ and ampersand", "Ñ&A000229XY9", true, "Ñ&A000229XY9", noError},
		{"generic public", "XAXX010101000", true, "XAXX010101000", noError},
		{"generic foreign", "XEXX010101000", true, "XEXX010101000", noError},
		{"lowercase normalised", " gode561231gr8 ", true, "GODE561231GR8", noError},
		{"lowercase ñ", "ñoño561231gr8", true, "ÑOÑO561231GR8", noError},
		{"dashes and spaces between parts", "GODE-561231-GR8", true, "GODE561231GR8", noError},
		{"leap day 2000", "ABC000229AB1", true, "ABC000229AB1", noError},
		{"leap day 1996", "ABCD960229AB1", true, "ABCD960229AB1", noError},
		{"empty optional", "", false, "", noError},
		{"empty required", " ", true, "", fe("validation.required")},
		{"month 13", "GODE561331GR8", true, "GODE561331GR8", fe("validation.rfc_date")},
		{"month 00", "GODE560031GR8", true, "GODE560031GR8", fe("validation.rfc_date")},
		{"day 00", "GODE561200GR8", true, "GODE561200GR8", fe("validation.rfc_date")},
		{"31 April", "GODE560431GR8", true, "GODE560431GR8", fe("validation.rfc_date")},
		{"29 February not leap", "ABC010229AB1", true, "ABC010229AB1", fe("validation.rfc_date")},
		{"30 February", "ABC000230AB1", true, "ABC000230AB1", fe("validation.rfc_date")},
		{"accented letter", "GÓDE561231GR8", true, "GÓDE561231GR8", fe("validation.rfc_format")},
		{"too short", "GODE561231GR", true, "GODE561231GR", fe("validation.rfc_format")},
		{"too long", "GODEX561231GR8", true, "GODEX561231GR8", fe("validation.rfc_format")},
		{"two letters", "GO561231GR8", true, "GO561231GR8", fe("validation.rfc_format")},
		{"letter in date", "GODE56I231GR8", true, "GODE56I231GR8", fe("validation.rfc_format")},
		{"symbol in homoclave", "GODE561231G-8!", true, "GODE561231G8!", fe("validation.rfc_format")},
		{"digits for letters", "G0DE561231GR8", true, "G0DE561231GR8", fe("validation.rfc_format")},
		{"invalid UTF-8", "GODE561231GR\xff", true, "GODE561231GR\uFFFD", fe("validation.rfc_format")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Errors{}
			if got := RFC(e, "rfc", tt.value, tt.required); got != tt.want {
				t.Errorf("RFC(%q) = %q, want %q", tt.value, got, tt.want)
			}
			checkField(t, e, "rfc", tt.wantErr)
		})
	}
}

func TestChoice(t *testing.T) {
	allowed := []string{"aluminio", "pvc", "vidrio"}
	tests := []struct {
		name     string
		value    string
		required bool
		want     string
		wantErr  app.FieldError
	}{
		{"allowed", "pvc", true, "pvc", noError},
		{"allowed trimmed", " vidrio ", true, "vidrio", noError},
		{"empty optional", "", false, "", noError},
		{"empty required", "", true, "", fe("validation.required")},
		{"not allowed", "madera", true, "", fe("validation.choice")},
		{"case differs", "PVC", true, "", fe("validation.choice")},
		{"prefix of allowed", "alu", false, "", fe("validation.choice")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Errors{}
			if got := Choice(e, "material", tt.value, tt.required, allowed...); got != tt.want {
				t.Errorf("Choice(%q) = %q, want %q", tt.value, got, tt.want)
			}
			checkField(t, e, "material", tt.wantErr)
		})
	}
	t.Run("no options", func(t *testing.T) {
		e := Errors{}
		if got := Choice(e, "material", "pvc", true); got != "" || !e.Has("material") {
			t.Errorf("Choice with no options = %q, errors %+v; want \"\" and validation.choice", got, e)
		}
	})
}

func TestInt(t *testing.T) {
	rangeErr := app.FieldError{Message: "validation.range", Args: map[string]any{"Min": -5, "Max": 100}}
	tests := []struct {
		name     string
		value    string
		required bool
		want     int
		wantErr  app.FieldError
	}{
		{"plain", "42", true, 42, noError},
		{"trimmed", " 7 ", true, 7, noError},
		{"min", "-5", true, -5, noError},
		{"max", "100", true, 100, noError},
		{"plus sign", "+3", true, 3, noError},
		{"empty optional", "", false, 0, noError},
		{"empty required", " ", true, 0, fe("validation.required")},
		{"below min", "-6", true, 0, rangeErr},
		{"above max", "101", true, 0, rangeErr},
		{"overflows int", "99999999999999999999999", true, 0, rangeErr},
		{"decimal", "1.5", true, 0, fe("validation.integer")},
		{"thousands separator", "1,000", true, 0, fe("validation.integer")},
		{"letters", "diez", true, 0, fe("validation.integer")},
		{"hex", "0x10", true, 0, fe("validation.integer")},
		{"space inside", "1 0", true, 0, fe("validation.integer")},
		{"full-width digits", "４２", true, 0, fe("validation.integer")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Errors{}
			if got := Int(e, "qty", tt.value, tt.required, -5, 100); got != tt.want {
				t.Errorf("Int(%q) = %d, want %d", tt.value, got, tt.want)
			}
			checkField(t, e, "qty", tt.wantErr)
		})
	}
}

// TestForm runs several validators over one form, as a handler does.
func TestForm(t *testing.T) {
	e := Errors{}
	name := Text(e, "name", " Aluminios Cañón ", true, 100)
	email := Email(e, "email", "VENTAS@CANON.MX", false)
	phone := Phone(e, "phone", "1234", true)
	rfc := RFC(e, "rfc", "GODE561331GR8", false)
	if name != "Aluminios Cañón" || email != "ventas@canon.mx" {
		t.Errorf("name, email = %q, %q; want %q, %q", name, email, "Aluminios Cañón", "ventas@canon.mx")
	}
	_, _ = phone, rfc
	want := Errors{"phone": fe("validation.phone"), "rfc": fe("validation.rfc_date")}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("errors = %+v, want %+v", e, want)
	}
	if err := e.Err(); app.ErrorCode(err) != app.EINVALID || app.ErrorMessage(err) != "validation.form_invalid" {
		t.Errorf("Err() = %v, want EINVALID validation.form_invalid", err)
	}
}
