// Package app holds the few types every layer shares: the application error
// with its codes, the actor who performs a write, and the clock. It imports
// nothing of ours, so db/, pricing/ and handlers/ can all depend on it.
package app

import (
	"errors"
	"fmt"
)

// Code classifies an error; handlers map each code to an HTTP status in one table.
type Code string

const (
	ECONFLICT     Code = "conflict"
	EFORBIDDEN    Code = "forbidden"
	EINTERNAL     Code = "internal"
	EINVALID      Code = "invalid"
	ENOTFOUND     Code = "not_found"
	ERATELIMIT    Code = "rate_limited"
	EUNAUTHORIZED Code = "unauthorized"
	EUNAVAILABLE  Code = "unavailable"
)

// Category says which part of the system an error comes from; monitoring
// counts error rates per category.
type Category string

const (
	CatDatabase   Category = "database"
	CatAuth       Category = "auth"
	CatValidation Category = "validation"
	CatBusiness   Category = "business"
	CatSecurity   Category = "security"
	CatExternal   Category = "external"
	// CatInternal is a bug of ours: a plain Go error or a panic.
	CatInternal Category = "internal"
)

// Severity says how urgently someone should look: critical errors alert at
// once, the others only when a group repeats (see the error monitor).
type Severity string

const (
	SevLow      Severity = "low"
	SevMedium   Severity = "medium"
	SevHigh     Severity = "high"
	SevCritical Severity = "critical"
)

// Error is an error meant for the user. Message is a locale message id, not
// text, so the handler can render it in the request's language; Fields maps a
// form field to the message id of its problem. Category and Severity may be
// left empty: ErrorCategory and ErrorSeverity derive them from the code, so
// call sites stay short and only the exceptions (a full disk is a critical
// database error, not just "unavailable") set them.
type Error struct {
	Code     Code
	Message  string
	Args     map[string]any
	Fields   map[string]FieldError
	Category Category
	Severity Severity
	// Err is the underlying cause, logged but never shown.
	Err error
}

// FieldError is one form field's problem: a message id and its template data.
type FieldError struct {
	Message string
	Args    map[string]any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the given code and message id.
func Errorf(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message id of the first *Error in err's chain, or
// the generic internal-error id: internal details never reach the user.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "error.internal"
}

// defaultClass is the category and severity of each code when the error does
// not say: what the code alone makes obvious.
var defaultClass = map[Code]struct {
	cat Category
	sev Severity
}{
	EINVALID:      {CatValidation, SevLow},
	ENOTFOUND:     {CatBusiness, SevLow},
	ECONFLICT:     {CatBusiness, SevLow},
	EUNAUTHORIZED: {CatAuth, SevLow},
	EFORBIDDEN:    {CatSecurity, SevMedium},
	ERATELIMIT:    {CatSecurity, SevMedium},
	EUNAVAILABLE:  {CatDatabase, SevHigh},
	EINTERNAL:     {CatInternal, SevHigh},
}

// ErrorClass returns err's category and severity: the first *Error's own,
// else what its code implies. Any other error is an internal bug of high
// severity (we did not expect it).
func ErrorClass(err error) (Category, Severity) {
	if err == nil {
		return "", ""
	}
	cat, sev := CatInternal, SevHigh
	var e *Error
	if errors.As(err, &e) {
		if c, ok := defaultClass[e.Code]; ok {
			cat, sev = c.cat, c.sev
		}
		if e.Category != "" {
			cat = e.Category
		}
		if e.Severity != "" {
			sev = e.Severity
		}
	}
	return cat, sev
}

// ErrorCategory returns err's category (see ErrorClass).
func ErrorCategory(err error) Category { c, _ := ErrorClass(err); return c }

// ErrorSeverity returns err's severity (see ErrorClass).
func ErrorSeverity(err error) Severity { _, s := ErrorClass(err); return s }

// Codes lists every code, for tests that must cover them all.
func Codes() []Code {
	return []Code{EINVALID, ENOTFOUND, ECONFLICT, EUNAUTHORIZED, EFORBIDDEN, ERATELIMIT, EUNAVAILABLE, EINTERNAL}
}
