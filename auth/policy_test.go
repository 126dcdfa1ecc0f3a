package auth

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"cotizador/app"
)

func TestCommonPasswordList(t *testing.T) {
	set := commonPasswords()
	if got := len(set); got < 10000 {
		t.Errorf("list has %d entries, want at least 10000", got)
	}
	for _, want := range []string{"password", "123456789012", "qwerty", "contraseña", "contrasena", "mexico2024", "tequila", "cancelería", "canceleria"} {
		if _, ok := set[want]; !ok {
			t.Errorf("list lacks %q", want)
		}
	}
	for _, notWant := range []string{"", "Password", "CONTRASEÑA"} {
		if _, ok := set[notWant]; ok {
			t.Errorf("list holds %q, want only non-empty lowercase entries", notWant)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	// A person whose details appear in several rows.
	rocio := PolicyInput{Email: "rocio.garcia@example.mx", Name: "Rocío García Núñez", Company: "Aluminios Cañón"}
	with := func(in PolicyInput, password string) PolicyInput {
		in.Password = password
		return in
	}
	tests := []struct {
		name string
		in   PolicyInput
		want []string // message ids, in the order CheckPassword reports them
	}{
		// Length, in runes.
		{"strong passphrase", with(rocio, "Nopal tejado brújula 73 azul"), nil},
		{"ten runes with accents", PolicyInput{Password: "ñandú-río7"}, nil},
		{"nine runes in twelve bytes", PolicyInput{Password: "ñandú-río"}, []string{"password.too_short"}},
		{"empty", PolicyInput{Password: ""}, []string{"password.too_short"}},
		{"128 runes", PolicyInput{Password: strings.Repeat("Xk7#qP2!", 16)}, nil},
		{"129 runes", PolicyInput{Password: strings.Repeat("Xk7#qP2!", 16) + "z"}, []string{"password.too_long"}},
		{"long strong passphrase", with(rocio, "el vidrio templado de la ventana corrediza brilla al amanecer 1987"), nil},

		// Common list: lowercase, accent-folded, NFD input.
		{"common", PolicyInput{Password: "contraseña123"}, []string{"password.common"}},
		{"common in capitals", PolicyInput{Password: "CONTRASEÑA123"}, []string{"password.common"}},
		{"common once accents fold", PolicyInput{Password: "México2024"}, []string{"password.common"}},
		{"common typed decomposed", PolicyInput{Password: "contrasen\u0303a123"}, []string{"password.common"}},
		{"common and short", PolicyInput{Password: "password"}, []string{"password.too_short", "password.common"}},
		{"not common", PolicyInput{Password: "contraseña-de-nopal"}, nil},

		// E-mail local part, from 3 runes.
		{"contains e-mail", PolicyInput{Password: "ROCIO.GARCIA#ventana9", Email: rocio.Email}, []string{"password.contains_email"}},
		{"contains e-mail with accents", PolicyInput{Password: "Rocío.García#ventana9", Email: rocio.Email}, []string{"password.contains_email"}},
		{"e-mail elsewhere", PolicyInput{Password: "example-ventana-azul", Email: rocio.Email}, nil},
		{"e-mail local part too short", PolicyInput{Password: "abrelatas-verde-42", Email: "ab@example.mx"}, nil},
		{"empty e-mail", PolicyInput{Password: "abrelatas-verde-42", Email: ""}, nil},

		// Company, accent-folded with spaces removed, from 3 runes.
		{"contains company Cañón", PolicyInput{Password: "MiCanon-Ventanas-24", Company: "Cañón"}, []string{"password.contains_company"}},
		{"contains company with spaces", PolicyInput{Password: "aluminios cañon 2024!", Company: rocio.Company}, []string{"password.contains_company"}},
		{"contains company without spaces", PolicyInput{Password: "ALUMINIOSCANON-77", Company: rocio.Company}, []string{"password.contains_company"}},
		{"company words apart", PolicyInput{Password: "aluminios y vidrios 77", Company: rocio.Company}, nil},
		{"company too short", PolicyInput{Password: "AB-cristal-azul-77", Company: "AB"}, nil},

		// Name, each word or the whole name, from 4 runes.
		{"contains surname", PolicyInput{Password: "nunez-ventanas-1990", Name: rocio.Name}, []string{"password.contains_name"}},
		{"contains first name with accent", PolicyInput{Password: "la-Rocío-del-taller", Name: "Rocio"}, []string{"password.contains_name"}},
		{"contains short whole name", PolicyInput{Password: "ana paz 1985 feliz!", Name: "Ana Paz"}, []string{"password.contains_name"}},
		{"name too short", PolicyInput{Password: "Alcachofa-Morada-31", Name: "Al"}, nil},
		{"short name words apart", PolicyInput{Password: "ana y paz en 1985!", Name: "Ana Paz"}, nil},

		// Too simple.
		{"one character", PolicyInput{Password: "aaaaaaaaaaaa"}, []string{"password.too_simple"}},
		{"one accented character", PolicyInput{Password: "ÑÑÑÑÑÑÑÑÑÑÑÑ"}, []string{"password.too_simple"}},
		{"letters up", PolicyInput{Password: "abcdefghijklm"}, []string{"password.too_simple"}},
		{"letters up in capitals", PolicyInput{Password: "ABCDEFGHIJKLM"}, []string{"password.too_simple"}},
		{"digits down", PolicyInput{Password: "9876543210"}, []string{"password.too_simple"}},
		{"digits up from zero", PolicyInput{Password: "0123456789"}, []string{"password.too_simple"}},
		{"digits up wrapping", PolicyInput{Password: "1234567890"}, []string{"password.common", "password.too_simple"}},
		{"digits up wrapping twelve", PolicyInput{Password: "123456789012"}, []string{"password.common", "password.too_simple"}},
		{"short block repeated", PolicyInput{Password: "abcabcabcabc"}, []string{"password.too_simple"}},
		{"nearly a run", PolicyInput{Password: "abcdefghijkx"}, nil},

		// Several problems at once.
		{"many problems", PolicyInput{Password: "Rocío-Cañón", Email: "rocio@example.mx", Name: "Rocío", Company: "Cañón"},
			[]string{"password.contains_email", "password.contains_company", "password.contains_name"}},
		{"short, common and personal", PolicyInput{Password: "carlos", Email: "carlos@example.mx", Name: "Carlos"},
			[]string{"password.too_short", "password.common", "password.contains_email", "password.contains_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckPassword(tt.in)
			if got == nil {
				t.Fatalf("CheckPassword(%+v) = nil, want a non-nil slice", tt.in)
			}
			ids := make([]string, len(got))
			for i, e := range got {
				ids[i] = e.Message
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("CheckPassword(%q) = %q, want %q", tt.in.Password, ids, tt.want)
			}
		})
	}
}

func TestCheckPasswordLengthArgs(t *testing.T) {
	tests := []struct {
		name     string
		password string
		want     app.FieldError
	}{
		{"too short", "Ab1!", app.FieldError{Message: "password.too_short", Args: map[string]any{"Min": 10}}},
		{"too long", strings.Repeat("Xk7#qP2!", 20), app.FieldError{Message: "password.too_long", Args: map[string]any{"Max": 128}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckPassword(PolicyInput{Password: tt.password})
			if want := []app.FieldError{tt.want}; !reflect.DeepEqual(got, want) {
				t.Errorf("CheckPassword(%q) = %+v, want [%+v]", tt.password, got, tt.want)
			}
		})
	}
}

func TestFoldText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Cañón", "canon"},
		{"ÁÉÍÓÚÜÑ", "aeiouun"},
		{"contrasen\u0303a", "contrasena"},
		{"Ventana 🪟", "ventana 🪟"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := foldText(tt.in); got != tt.want {
				t.Errorf("foldText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
