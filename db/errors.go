package db

import (
	"errors"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"

	"cotizador/app"
)

// Message ids of the database's own failures, shared with the handlers'
// tests and the read-only banner.
const (
	MsgDiskFull  = "error.db_full"
	MsgReadOnly  = "error.db_read_only"
	MsgBusy      = "error.db_busy"
	MsgCorrupt   = "error.db_corrupt"
	MsgUnique    = "error.db_unique"
	MsgInvalid   = "error.db_constraint"
	msgUniquePfx = "error.db_unique."
)

// uniqueIndex is what a user reads when a write hits one of our UNIQUE
// indexes: the form field to mark and a message naming the record kind.
type uniqueIndex struct {
	field   string
	message string
}

// uniqueIndexes is keyed by table and columns as "table(col,col)", built
// from SQLite's message ("UNIQUE constraint failed: materials.code"). An
// index missing here still maps to a conflict, with the generic message.
var uniqueIndexes = map[string]uniqueIndex{
	"materials(code)":                      {"code", msgUniquePfx + "material_code"},
	"products(code)":                       {"code", msgUniquePfx + "product_code"},
	"colours(code)":                        {"code", msgUniquePfx + "colour_code"},
	"users(email)":                         {"email", msgUniquePfx + "user_email"},
	"colour_prices(material_id,colour_id)": {"colour_id", msgUniquePfx + "colour_price"},
	"quotes(folio,revision)":               {"", msgUniquePfx + "quote_folio"},
}

// AppError turns a SQLite error into the app error a user should see, with
// its category and severity: a full disk or a read-only file is a critical
// database error (the app turns read-only), a lock held past the busy
// timeout is a 503 to retry, a broken file is critical, and constraint
// violations are a conflict (UNIQUE) or invalid data (CHECK, NOT NULL,
// FOREIGN KEY) with a Spanish message. Anything else, including an error that
// already carries an app error, is returned unchanged.
func AppError(err error) error {
	if err == nil {
		return nil
	}
	var ae *app.Error
	if errors.As(err, &ae) {
		return err
	}
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code {
	case sqlite3.ErrFull:
		return &app.Error{Code: app.EUNAVAILABLE, Message: MsgDiskFull, Category: app.CatDatabase, Severity: app.SevCritical, Err: err}
	case sqlite3.ErrReadonly, sqlite3.ErrPerm, sqlite3.ErrCantOpen:
		return &app.Error{Code: app.EUNAVAILABLE, Message: MsgReadOnly, Category: app.CatDatabase, Severity: app.SevCritical, Err: err}
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return &app.Error{Code: app.EUNAVAILABLE, Message: MsgBusy, Category: app.CatDatabase, Severity: app.SevHigh, Err: err}
	case sqlite3.ErrCorrupt, sqlite3.ErrNotADB, sqlite3.ErrIoErr:
		return &app.Error{Code: app.EINTERNAL, Message: MsgCorrupt, Category: app.CatDatabase, Severity: app.SevCritical, Err: err}
	case sqlite3.ErrConstraint:
		return ConstraintError(err, "")
	}
	return err
}

// ConstraintError maps a constraint violation to a conflict or invalid-data
// app error. value is what the user typed for the constrained column (the
// code of a material, say), so the message can name it: «Ya existe un
// material con el código PER-NAC3-RS». Errors that are not constraint
// violations are returned unchanged.
func ConstraintError(err error, value string) error {
	var se sqlite3.Error
	if !errors.As(err, &se) || se.Code != sqlite3.ErrConstraint {
		return err
	}
	args := map[string]any{"Value": value}
	switch se.ExtendedCode {
	case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
		e := &app.Error{Code: app.ECONFLICT, Message: MsgUnique, Args: args, Category: app.CatBusiness, Severity: app.SevLow, Err: err}
		if ix, ok := uniqueIndexes[constraintColumns(se)]; ok {
			e.Message = ix.message
			if ix.field != "" {
				e.Fields = map[string]app.FieldError{ix.field: {Message: ix.message, Args: args}}
			}
		}
		return e
	}
	return &app.Error{Code: app.EINVALID, Message: MsgInvalid, Args: args, Category: app.CatValidation, Severity: app.SevMedium, Err: err}
}

// constraintColumns turns SQLite's message "UNIQUE constraint failed:
// colour_prices.material_id, colour_prices.colour_id" into the key
// "colour_prices(material_id,colour_id)".
func constraintColumns(se sqlite3.Error) string {
	_, list, ok := strings.Cut(se.Error(), "constraint failed: ")
	if !ok {
		return ""
	}
	var table string
	var cols []string
	for _, tc := range strings.Split(list, ",") {
		t, c, ok := strings.Cut(strings.TrimSpace(tc), ".")
		if !ok || (table != "" && t != table) {
			return ""
		}
		table = t
		cols = append(cols, c)
	}
	return table + "(" + strings.Join(cols, ",") + ")"
}

// isBusy reports a lock held by another connection past the busy timeout.
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// readOnlyCause says why a failed write means the database cannot take
// writes at all: "disk_full" or "read_only", or "" for any other error.
func readOnlyCause(err error) string {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return ""
	}
	switch se.Code {
	case sqlite3.ErrFull:
		return ReadOnlyDiskFull
	case sqlite3.ErrReadonly:
		return ReadOnlyFile
	}
	return ""
}
