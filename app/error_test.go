package app

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Code
	}{
		{"nil", nil, ""},
		{"plain error is internal", errors.New("disk full"), EINTERNAL},
		{"app error", Errorf(ENOTFOUND, "error.not_found"), ENOTFOUND},
		{"wrapped app error", fmt.Errorf("loading: %w", Errorf(EINVALID, "x")), EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.want {
				t.Errorf("ErrorCode() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorMessageHidesInternals(t *testing.T) {
	if got, want := ErrorMessage(errors.New("SELECT * FROM secret")), "error.internal"; got != want {
		t.Errorf("ErrorMessage(plain) = %q, want %q", got, want)
	}
	if got, want := ErrorMessage(Errorf(EINVALID, "form.invalid")), "form.invalid"; got != want {
		t.Errorf("ErrorMessage(app) = %q, want %q", got, want)
	}
}

func TestErrorCategoryAndSeverity(t *testing.T) {
	full := &Error{Code: EUNAVAILABLE, Message: "error.db_full", Category: CatDatabase, Severity: SevCritical}
	tests := []struct {
		name string
		err  error
		cat  Category
		sev  Severity
	}{
		{"nil", nil, "", ""},
		{"plain error is an internal bug", errors.New("boom"), CatInternal, SevHigh},
		{"invalid derives validation/low", Errorf(EINVALID, "x"), CatValidation, SevLow},
		{"forbidden derives security/medium", Errorf(EFORBIDDEN, "x"), CatSecurity, SevMedium},
		{"unauthorized derives auth/low", Errorf(EUNAUTHORIZED, "x"), CatAuth, SevLow},
		{"explicit wins, through wrapping", fmt.Errorf("saving: %w", full), CatDatabase, SevCritical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCategory(tt.err); got != tt.cat {
				t.Errorf("ErrorCategory = %q, want %q", got, tt.cat)
			}
			if got := ErrorSeverity(tt.err); got != tt.sev {
				t.Errorf("ErrorSeverity = %q, want %q", got, tt.sev)
			}
		})
	}
	for _, c := range Codes() {
		if _, ok := defaultClass[c]; !ok {
			t.Errorf("code %s has no default category", c)
		}
	}
}
