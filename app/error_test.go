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
