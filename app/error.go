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

// Error is an error meant for the user. Message is a locale message id, not
// text, so the handler can render it in the request's language; Fields maps a
// form field to the message id of its problem.
type Error struct {
	Code    Code
	Message string
	Args    map[string]any
	Fields  map[string]FieldError
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
