// Package validate is the one validation layer every form goes through. Each
// validator cleans a submitted value, records at most one problem per field
// as a locale message id (never text, so handlers render it in the user's
// language) and returns the cleaned value for the handler to store.
//
// When a field has a problem, the value returned is only good for showing
// the form again: handlers must check Errors.Err before using any value.
package validate

import (
	"errors"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"cotizador/app"
)

// Message ids; locales/ holds their texts. They stay literal strings here so
// the locale test that scans the code for ids finds them.
const (
	msgFormInvalid = "validation.form_invalid"
	msgRequired    = "validation.required"
	msgTooLong     = "validation.too_long"     // Args: Max
	msgInvalidText = "validation.invalid_text" // invalid UTF-8 or control characters
	msgEmail       = "validation.email"
	msgPhone       = "validation.phone"
	msgRFCFormat   = "validation.rfc_format"
	msgRFCDate     = "validation.rfc_date"
	msgChoice      = "validation.choice"
	msgInteger     = "validation.integer"
	msgRange       = "validation.range" // Args: Min, Max
)

// Errors maps a form field to its first problem. Make it with
// validate.Errors{} before calling the validators.
type Errors map[string]app.FieldError

// Add records a problem for field unless it already has one: the first
// problem is usually the cause of the others (an empty value is also too
// short), and the user fixes one thing at a time.
func (e Errors) Add(field, message string, args map[string]any) {
	if _, ok := e[field]; ok {
		return
	}
	e[field] = app.FieldError{Message: message, Args: args}
}

// Has reports whether field has a problem.
func (e Errors) Has(field string) bool {
	_, ok := e[field]
	return ok
}

// Err returns nil when no field has a problem, else an EINVALID app error
// carrying every field's problem, which the handler turns into a 422 form.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return &app.Error{Code: app.EINVALID, Message: msgFormInvalid, Fields: e}
}

// Text validates a single-line value: it trims surrounding white space,
// normalises to NFC (so "Ñ" typed as N + tilde is one character and compares
// equal), rejects invalid UTF-8 and control or format characters left inside
// (Unicode Cc and Cf: NUL, escape sequences, bidi overrides that disguise
// text, zero-width characters, tabs and line breaks), then enforces required
// and at most max runes (max ≤ 0: no limit). It returns the cleaned value.
func Text(e Errors, field, value string, required bool, max int) string {
	return text(e, field, value, required, max, false)
}

// Multiline is Text for text areas: it also allows line breaks (\r\n is
// normalised to \n, as browsers send \r\n) and tabs.
func Multiline(e Errors, field, value string, required bool, max int) string {
	return text(e, field, value, required, max, true)
}

func text(e Errors, field, value string, required bool, max int, multiline bool) string {
	if multiline {
		value = strings.ReplaceAll(value, "\r\n", "\n")
	}
	// Trim first: a pasted value often ends in a line break or tab, which is
	// harmless there but not inside a single line.
	cleaned, ok := stripBad(strings.TrimSpace(value), multiline)
	cleaned = norm.NFC.String(strings.TrimSpace(cleaned))
	if !ok {
		e.Add(field, msgInvalidText, nil)
		return cleaned
	}
	return checkLength(e, field, cleaned, required, max)
}

// stripBad drops invalid UTF-8 and disallowed control characters and
// reports whether s was clean; the stripped value is safe to show again. A
// clean value (nearly all of them) is returned as it is, without a copy.
func stripBad(s string, multiline bool) (string, bool) {
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if badRune(r, size, multiline) {
			return stripFrom(s, i, multiline), false
		}
		i += size
	}
	return s, true
}

func badRune(r rune, size int, multiline bool) bool {
	if r == utf8.RuneError && size == 1 {
		return true
	}
	if multiline && (r == '\n' || r == '\t') {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf)
}

// stripFrom is s without its bad runes, the first of them at byte i.
func stripFrom(s string, i int, multiline bool) string {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !badRune(r, size, multiline) {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// checkLength applies required and the maximum length in runes to a
// cleaned value.
func checkLength(e Errors, field, v string, required bool, max int) string {
	if v == "" {
		if required {
			e.Add(field, msgRequired, nil)
		}
		return ""
	}
	if max > 0 && utf8.RuneCountInString(v) > max {
		e.Add(field, msgTooLong, map[string]any{"Max": max})
	}
	return v
}

// maxEmailLen is the longest address SMTP can carry (RFC 5321 path limit
// less the angle brackets), in bytes.
const maxEmailLen = 254

// Email validates a bare address: trimmed and lowercased, at most 254 bytes,
// exactly what net/mail parses (no display name, comments or quoting) and
// with a dot in the domain, since intranet names ("juan@taller") are always
// typos here. It returns the cleaned address.
func Email(e Errors, field, value string, required bool) string {
	// Checked before lowercasing, which would turn bad bytes into U+FFFD;
	// net/mail accepts any non-ASCII rune, bidi overrides included.
	v, ok := stripBad(strings.TrimSpace(value), false)
	v = strings.ToLower(strings.TrimSpace(v))
	if !ok {
		e.Add(field, msgEmail, nil)
		return v
	}
	if v == "" {
		if required {
			e.Add(field, msgRequired, nil)
		}
		return ""
	}
	if len(v) > maxEmailLen {
		e.Add(field, msgTooLong, map[string]any{"Max": maxEmailLen})
		return v
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Name != "" || addr.Address != v {
		e.Add(field, msgEmail, nil)
		return v
	}
	at := strings.LastIndexByte(v, '@')
	domain := v[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		e.Add(field, msgEmail, nil)
	}
	return v
}

// Phone validates a Mexican phone number, written however people write it
// ("55 1234 5678", "(55) 1234-5678", "+52 55 1234 5678"): spaces, dashes,
// dots and parentheses are dropped, then an optional +52 or 52 country code,
// and exactly 10 digits must remain. It returns those 10 digits.
func Phone(e Errors, field, value string, required bool) string {
	v := strings.TrimSpace(value)
	if v == "" {
		if required {
			e.Add(field, msgRequired, nil)
		}
		return ""
	}
	digits := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r), r == '-', r == '.', r == '(', r == ')':
			return -1
		}
		return r
	}, v)
	if rest, ok := strings.CutPrefix(digits, "+"); ok {
		// With a plus sign, only Mexico's country code makes sense here.
		if !strings.HasPrefix(rest, "52") || len(rest) != 12 {
			e.Add(field, msgPhone, nil)
			return v
		}
		digits = rest
	}
	if len(digits) == 12 && strings.HasPrefix(digits, "52") {
		digits = digits[2:]
	}
	if len(digits) != 10 || strings.TrimLeft(digits, "0123456789") != "" {
		e.Add(field, msgPhone, nil)
		return v
	}
	return digits
}

// rfcPattern is the SAT's RFC: 3 letters (persona moral) or 4 (persona
// física), the YYMMDD date of incorporation or birth, and a 3-character
// homoclave.
var rfcPattern = regexp.MustCompile(`^[A-ZÑ&]{3,4}([0-9]{6})[A-Z0-9]{3}$`)

// Generic RFCs the SAT assigns to the public (XAXX) and to foreigners (XEXX).
const (
	rfcGenericPublic  = "XAXX010101000"
	rfcGenericForeign = "XEXX010101000"
)

// FormatPhone shows a phone as Phone stores it (10 digits) the way people
// read it: "55 1234 5678" for the two-digit area codes (Mexico City,
// Guadalajara, Monterrey), "477 123 4567" for the others; anything else as
// it is.
func FormatPhone(p string) string {
	if len(p) != 10 {
		return p
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return p
		}
	}
	switch p[:2] {
	case "55", "56", "33", "81":
		return p[:2] + " " + p[2:6] + " " + p[6:]
	}
	return p[:3] + " " + p[3:6] + " " + p[6:]
}

// RFC validates a Mexican tax id (Registro Federal de Contribuyentes): 12
// characters for a company, 13 for a person, with a real date. It is
// uppercased and stripped of surrounding space and of the spaces and dashes
// people put between its parts ("GODE-561231-GR8"). It returns the cleaned
// RFC.
func RFC(e Errors, field, value string, required bool) string {
	v := strings.ToUpper(strings.TrimSpace(value))
	if v == "" {
		if required {
			e.Add(field, msgRequired, nil)
		}
		return ""
	}
	v = strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, v)
	if v == rfcGenericPublic || v == rfcGenericForeign {
		return v
	}
	m := rfcPattern.FindStringSubmatch(v)
	if m == nil {
		e.Add(field, msgRFCFormat, nil)
		return v
	}
	if !validYYMMDD(m[1]) {
		e.Add(field, msgRFCDate, nil)
	}
	return v
}

// validYYMMDD reports whether s (six digits) is a calendar date. The century
// is unknown, so years are read as 20YY: that makes 00 a leap year, right for
// 2000 and wrong only for 1900, when nobody now registered was born.
func validYYMMDD(s string) bool {
	yy, _ := strconv.Atoi(s[0:2])
	mm, _ := strconv.Atoi(s[2:4])
	dd, _ := strconv.Atoi(s[4:6])
	if mm < 1 || mm > 12 || dd < 1 {
		return false
	}
	// time.Date normalises 31 April to 1 May, so a changed day means invalid.
	d := time.Date(2000+yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	return d.Month() == time.Month(mm) && d.Day() == dd
}

// Choice validates that the trimmed value is exactly one of allowed (say a
// select's options, which a crafted request can bypass). It returns the
// value, or "" when it is not allowed, so an unexpected value never reaches
// the database.
func Choice(e Errors, field, value string, required bool, allowed ...string) string {
	v := strings.TrimSpace(value)
	if v == "" {
		if required {
			e.Add(field, msgRequired, nil)
		}
		return ""
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	e.Add(field, msgChoice, nil)
	return ""
}

// Int validates a whole number in [min, max], written in plain decimal
// digits with an optional sign. It returns the number, or 0 when the value
// is empty or has a problem.
func Int(e Errors, field, value string, required bool, min, max int) int {
	v := strings.TrimSpace(value)
	if v == "" {
		if required {
			e.Add(field, msgRequired, nil)
		}
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		// A number too big for int is a valid integer outside the range.
		if errors.Is(err, strconv.ErrRange) {
			e.Add(field, msgRange, map[string]any{"Min": min, "Max": max})
			return 0
		}
		e.Add(field, msgInteger, nil)
		return 0
	}
	if n < min || n > max {
		e.Add(field, msgRange, map[string]any{"Min": min, "Max": max})
		return 0
	}
	return n
}
