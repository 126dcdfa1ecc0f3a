package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"cotizador/app"
	"cotizador/auth"
)

// User is an account of the one business this installation serves.
type User struct {
	ID                int64
	Email             string
	Name              string
	Role              auth.Role
	PasswordHash      string
	MaxDiscountPct    string
	Active            bool
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

const userColumns = `id, email, name, role, password_hash, max_discount_pct, active, password_changed_at, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var role, pwAt, created, updated string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.PasswordHash, &u.MaxDiscountPct, &u.Active, &pwAt, &created, &updated); err != nil {
		return nil, err
	}
	u.Role = auth.Role(role)
	u.PasswordChangedAt, _ = app.ParseTime(pwAt)
	u.CreatedAt, _ = app.ParseTime(created)
	u.UpdatedAt, _ = app.ParseTime(updated)
	return &u, nil
}

// NormalizeEmail is how e-mails are compared and stored.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CountUsers counts the accounts that exist (active or not); zero means the
// installation still needs its setup.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.Reader.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE deleted_at IS NULL`).Scan(&n)
	return n, err
}

// CompanyName returns the business's name, "" before setup.
func (db *DB) CompanyName(ctx context.Context) (string, error) {
	var name string
	err := db.Reader.QueryRowContext(ctx, `SELECT name FROM company WHERE id = 1`).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return name, err
}

// Setup completes a fresh installation: the company and its first owner, in
// one transaction. It fails with ECONFLICT once any user exists, so the setup
// page can never be used to take over an installation.
func (db *DB) Setup(ctx context.Context, company string, owner *User, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE deleted_at IS NULL`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return app.Errorf(app.ECONFLICT, "setup.already_done")
	}
	now := app.FormatTime(db.Clock.Now())
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO company (id, name, created_at, created_by, updated_at, updated_by) VALUES (1, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		company, now, actor, now, actor); err != nil {
		return err
	}
	owner.Role = auth.RoleOwner
	if err := createUser(ctx, tx, owner, now, actor); err != nil {
		return err
	}
	defer db.memo.forgetCompanySettings()
	return tx.Commit()
}

// CreateUser adds an account. A taken e-mail is a field error.
func (db *DB) CreateUser(ctx context.Context, u *User, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := createUser(ctx, tx, u, app.FormatTime(db.Clock.Now()), actor); err != nil {
		return err
	}
	return tx.Commit()
}

func createUser(ctx context.Context, tx *sql.Tx, u *User, now string, actor app.Actor) error {
	u.Email = NormalizeEmail(u.Email)
	if u.MaxDiscountPct == "" {
		u.MaxDiscountPct = "0"
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO users (email, name, role, password_hash, max_discount_pct, active, password_changed_at, created_at, created_by, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
		u.Email, u.Name, string(u.Role), u.PasswordHash, u.MaxDiscountPct, now, now, actor, now, actor)
	if isUniqueViolation(err) {
		e := app.Errorf(app.EINVALID, "validation.form_invalid")
		e.Fields = map[string]app.FieldError{"email": {Message: "user.email_taken"}}
		return e
	}
	if err != nil {
		return fmt.Errorf("db: create user: %w", err)
	}
	u.ID, _ = res.LastInsertId()
	u.Active = true
	return nil
}

func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

// FindUserByID returns a user that is not deleted.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(db.Reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ? AND deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "user.not_found")
	}
	return u, err
}

// FindUserByEmail returns a user that is not deleted, by e-mail.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*User, error) {
	u, err := scanUser(db.Reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = ? AND deleted_at IS NULL`, NormalizeEmail(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "user.not_found")
	}
	return u, err
}

// FindUsers lists every account, owners first, then by name.
func (db *DB) FindUsers(ctx context.Context) ([]*User, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE deleted_at IS NULL
		ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'sales' THEN 2 ELSE 3 END, name COLLATE NOCASE`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UserUpdate is a change of role, discount cap or active flag.
type UserUpdate struct {
	Role           *auth.Role
	MaxDiscountPct *string
	Active         *bool
}

// UpdateUser applies upd. Demoting or deactivating the last active owner is
// refused, so the business can never lock itself out. A change of role or a
// deactivation ends the user's sessions at once: they sign in again and get
// the new rights (or none).
func (db *DB) UpdateUser(ctx context.Context, id int64, upd UserUpdate, actor app.Actor) (*User, error) {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ? AND deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "user.not_found")
	} else if err != nil {
		return nil, err
	}
	endSessions := false
	if upd.Role != nil && *upd.Role != u.Role {
		u.Role, endSessions = *upd.Role, true
	}
	if upd.Active != nil && *upd.Active != u.Active {
		u.Active = *upd.Active
		endSessions = endSessions || !u.Active
	}
	if upd.MaxDiscountPct != nil {
		u.MaxDiscountPct = *upd.MaxDiscountPct
	}
	now := app.FormatTime(db.Clock.Now())
	if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ?, max_discount_pct = ?, active = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
		string(u.Role), u.MaxDiscountPct, u.Active, now, actor, id); err != nil {
		return nil, err
	}
	var owners int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'owner' AND active = 1 AND deleted_at IS NULL`).Scan(&owners); err != nil {
		return nil, err
	}
	if owners == 0 {
		return nil, app.Errorf(app.ECONFLICT, "user.last_owner")
	}
	if endSessions {
		if _, err := revokeUserSessions(ctx, tx, id, 0, now, actor); err != nil {
			return nil, err
		}
	}
	// Cached sessions carry the user's role: drop them either way.
	defer db.memo.forgetSessions()
	return u, tx.Commit()
}

// SetPassword stores a new password hash and ends every session of the user
// except keepSession (the one that made the change, which the caller
// rotates); 0 ends them all.
func (db *DB) SetPassword(ctx context.Context, id int64, hash string, keepSession int64, actor app.Actor) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := app.FormatTime(db.Clock.Now())
	res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ?, updated_by = ? WHERE id = ? AND deleted_at IS NULL`,
		hash, now, now, actor, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return app.Errorf(app.ENOTFOUND, "user.not_found")
	}
	if _, err := revokeUserSessions(ctx, tx, id, keepSession, now, actor); err != nil {
		return err
	}
	defer db.memo.forgetSessions()
	return tx.Commit()
}

// RehashPassword replaces a hash made with old parameters by one made with
// the current ones, at login; it is not a password change.
func (db *DB) RehashPassword(ctx context.Context, id int64, hash string) error {
	_, err := db.Writer.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id)
	db.memo.forgetSessions()
	return err
}
