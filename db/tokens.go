package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"cotizador/app"
	"cotizador/auth"
)

// APIToken lets a script act as a user through `Authorization: Bearer`.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// CreateAPIToken makes a token for a user and returns it raw, once.
func (db *DB) CreateAPIToken(ctx context.Context, userID int64, name string, actor app.Actor) (string, *APIToken, error) {
	raw, hash := auth.NewAPIToken()
	now := db.Clock.Now()
	t := &APIToken{UserID: userID, Name: name, Prefix: raw[:len(auth.APITokenPrefix)+6], CreatedAt: now}
	res, err := db.Writer.ExecContext(ctx, `INSERT INTO api_tokens (token_hash, prefix, user_id, name, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
		hash, t.Prefix, userID, name, app.FormatTime(now), actor)
	if err != nil {
		return "", nil, err
	}
	t.ID, _ = res.LastInsertId()
	return raw, t, nil
}

// FindAPIToken returns the live token for a raw value and its (active) user.
func (db *DB) FindAPIToken(ctx context.Context, raw string) (*APIToken, *User, error) {
	var t APIToken
	var created string
	var used sql.NullString
	var u User
	var role, pwAt, uc, uu string
	err := db.Reader.QueryRowContext(ctx, `SELECT t.id, t.user_id, t.name, t.prefix, t.created_at, t.last_used_at,
			u.id, u.email, u.name, u.role, u.password_hash, u.max_discount_pct, u.active, u.password_changed_at, u.created_at, u.updated_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.active = 1 AND u.deleted_at IS NULL`, auth.HashToken(raw)).Scan(
		&t.ID, &t.UserID, &t.Name, &t.Prefix, &created, &used,
		&u.ID, &u.Email, &u.Name, &role, &u.PasswordHash, &u.MaxDiscountPct, &u.Active, &pwAt, &uc, &uu)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, app.Errorf(app.EUNAUTHORIZED, "auth.token_invalid")
	} else if err != nil {
		return nil, nil, err
	}
	t.CreatedAt, _ = app.ParseTime(created)
	if used.Valid {
		ts, _ := app.ParseTime(used.String)
		t.LastUsedAt = &ts
	}
	u.Role = auth.Role(role)
	return &t, &u, nil
}

// TouchAPIToken records use of a token (callers throttle it).
func (db *DB) TouchAPIToken(ctx context.Context, id int64) error {
	_, err := db.Writer.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, app.FormatTime(db.Clock.Now()), id)
	return err
}

// RevokeAPIToken revokes a token; userID restricts it to that user's tokens
// (0: any user's, for owners and admins).
func (db *DB) RevokeAPIToken(ctx context.Context, id, userID int64, actor app.Actor) error {
	// Bearer requests read the token from the database every time (no memo),
	// so the revocation acts on the next request without clearing anything.
	return db.revoke(ctx, revokeAPIToken, id, userID, actor)
}

// FindUserAPITokens lists a user's tokens, newest first, revoked ones too.
func (db *DB) FindUserAPITokens(ctx context.Context, userID int64) ([]*APIToken, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE user_id = ? ORDER BY id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*APIToken
	for rows.Next() {
		var t APIToken
		var created string
		var used, revoked sql.NullString
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &created, &used, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt, _ = app.ParseTime(created)
		if used.Valid {
			ts, _ := app.ParseTime(used.String)
			t.LastUsedAt = &ts
		}
		if revoked.Valid {
			ts, _ := app.ParseTime(revoked.String)
			t.RevokedAt = &ts
		}
		out = append(out, &t)
	}
	return out, rows.Err()
}

// CreatePasswordReset makes a one-time reset link token valid for ttl.
func (db *DB) CreatePasswordReset(ctx context.Context, userID int64, ttl time.Duration, actor app.Actor) (string, error) {
	raw, hash := auth.NewToken()
	now := db.Clock.Now()
	_, err := db.Writer.ExecContext(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?)`,
		hash, userID, app.FormatTime(now), actor, app.FormatTime(now.Add(ttl)))
	return raw, err
}

// FindPasswordReset returns the user a live reset token belongs to.
func (db *DB) FindPasswordReset(ctx context.Context, raw string) (*User, error) {
	var userID int64
	err := db.Reader.QueryRowContext(ctx, `SELECT user_id FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
		auth.HashToken(raw), app.FormatTime(db.Clock.Now())).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "reset.invalid")
	} else if err != nil {
		return nil, err
	}
	return db.FindUserByID(ctx, userID)
}

// UsePasswordReset sets the new password through a reset token, in one
// transaction: the token is spent, the password changed and every session
// of the user ended.
func (db *DB) UsePasswordReset(ctx context.Context, raw, hash string) (*User, error) {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := app.FormatTime(db.Clock.Now())
	var id, userID int64
	err = tx.QueryRowContext(ctx, `SELECT id, user_id FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
		auth.HashToken(raw), now).Scan(&id, &userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "reset.invalid")
	} else if err != nil {
		return nil, err
	}
	actor := app.UserActor(userID)
	if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE id = ?`, now, id); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
		hash, now, now, actor, userID); err != nil {
		return nil, err
	}
	if _, err := revokeUserSessions(ctx, tx, userID, 0, now, actor); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	db.memo.forgetSessions()
	return db.FindUserByID(ctx, userID)
}
