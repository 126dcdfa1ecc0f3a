package auth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"cotizador/app"
)

// Password length bounds, in runes. Ten keeps passphrases possible on a phone
// keyboard; 128 is far beyond any real passphrase and caps the work per login.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 128
)

// PolicyInput is a candidate password with what we know of its owner, so the
// policy can reject passwords built from the account's own details.
type PolicyInput struct {
	Password string
	Email    string
	Name     string
	Company  string
}

// Minimum lengths of the personal details worth checking: shorter ones
// ("Al", "ab@x.mx") would reject too many good passwords by chance.
const (
	minEmailLocalLen = 3
	minCompanyLen    = 3
	minNameLen       = 4
)

// CheckPassword applies the password policy and returns every problem found
// (message ids with their template data), or an empty slice when the
// password is acceptable. All problems are reported at once so the user can
// fix them in one go.
func CheckPassword(in PolicyInput) []app.FieldError {
	errs := make([]app.FieldError, 0)
	pw := in.Password
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		errs = append(errs, app.FieldError{Message: "password.too_short", Args: map[string]any{"Min": MinPasswordLen}})
	case n > MaxPasswordLen:
		errs = append(errs, app.FieldError{Message: "password.too_long", Args: map[string]any{"Max": MaxPasswordLen}})
	}
	if pw == "" {
		return errs
	}

	folded := foldText(pw)
	if isCommonPassword(pw, folded) {
		errs = append(errs, app.FieldError{Message: "password.common"})
	}
	compact := removeSpaces(folded)

	if local := emailLocalPart(in.Email); utf8.RuneCountInString(local) >= minEmailLocalLen &&
		strings.Contains(folded, local) {
		errs = append(errs, app.FieldError{Message: "password.contains_email"})
	}
	if company := removeSpaces(foldText(in.Company)); utf8.RuneCountInString(company) >= minCompanyLen &&
		strings.Contains(compact, company) {
		errs = append(errs, app.FieldError{Message: "password.contains_company"})
	}
	if containsName(folded, compact, in.Name) {
		errs = append(errs, app.FieldError{Message: "password.contains_name"})
	}
	if isTooSimple(folded) {
		errs = append(errs, app.FieldError{Message: "password.too_simple"})
	}
	return errs
}

// foldText lowercases s and strips its accents ("Cañón" → "canon"), so
// comparisons ignore how the user typed capitals and diacritics.
func foldText(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, norm.NFD.String(strings.ToLower(s)))
}

func removeSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// emailLocalPart is the folded part of an address before its last @ (the
// whole value when there is none).
func emailLocalPart(email string) string {
	email = strings.TrimSpace(email)
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		email = email[:i]
	}
	return foldText(email)
}

// containsName checks each word of the name ("María José Pérez" → maria,
// jose, perez) and the whole name without spaces, so "Ana Paz" is caught as
// "anapaz" though both words are short.
func containsName(folded, compact, name string) bool {
	fname := foldText(name)
	for _, w := range strings.FieldsFunc(fname, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	}) {
		if utf8.RuneCountInString(w) >= minNameLen && strings.Contains(folded, w) {
			return true
		}
	}
	whole := removeSpaces(fname)
	return utf8.RuneCountInString(whole) >= minNameLen && strings.Contains(compact, whole)
}

// isTooSimple reports a password that is one character repeated, a short
// block repeated ("abcabcabc"), or a straight run up or down the alphabet or
// the digits ("abcdefghij", "1234567890", "9876543210").
func isTooSimple(folded string) bool {
	rs := []rune(folded)
	if len(rs) < 2 {
		return len(rs) == 1
	}
	for period := 1; period <= 3 && period < len(rs); period++ {
		if repeatsWithPeriod(rs, period) {
			return true
		}
	}
	return isStraightRun(rs, 1) || isStraightRun(rs, -1)
}

func repeatsWithPeriod(rs []rune, period int) bool {
	for i := period; i < len(rs); i++ {
		if rs[i] != rs[i-period] {
			return false
		}
	}
	return true
}

// isStraightRun reports whether each rune is the previous one plus step.
// Digits wrap around (…8, 9, 0…) because that is how they sit on a keyboard.
func isStraightRun(rs []rune, step rune) bool {
	for i := 1; i < len(rs); i++ {
		a, b := rs[i-1], rs[i]
		if isDigit(a) && isDigit(b) {
			if (a-'0'+step+10)%10 != b-'0' {
				return false
			}
			continue
		}
		if b-a != step {
			return false
		}
	}
	return true
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// commonPasswordsGz is built by scripts/fetch-common-passwords.sh: zxcvbn's
// common passwords plus Spanish and Mexican ones, lowercased, one per line.
//
//go:embed common_passwords.txt.gz
var commonPasswordsGz []byte

// commonPasswords is decoded on first use only, so processes that never
// check a password (migrations, tests of other packages) skip the ~4 MB map.
// Each entry is also stored accent-folded, so "contraseña" in the list
// catches "contrasena" and the other way round.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("auth: embedded common password list: " + err.Error()) // a broken build, not a runtime condition
	}
	set := make(map[string]struct{}, 64*1024)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		set[line] = struct{}{}
		set[foldText(line)] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		panic("auth: embedded common password list: " + err.Error())
	}
	return set
})

// isCommonPassword matches the lowercase password exactly, and its
// accent-folded form, against the list.
func isCommonPassword(pw, folded string) bool {
	set := commonPasswords()
	if _, ok := set[strings.ToLower(norm.NFC.String(pw))]; ok {
		return true
	}
	_, ok := set[folded]
	return ok
}
