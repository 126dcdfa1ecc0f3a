package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"cotizador/app"
	"cotizador/auth"
)

// Session is a signed-in browser. The cookie holds a random token; the
// database only its SHA-256.
type Session struct {
	ID         int64
	UserID     int64
	Remember   bool
	UserAgent  string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// Device is the user agent's family ("Chrome · Android") and Network
	// the IP's /24 (/48 for IPv6); NewDevice marks a sign-in from a device
	// or network the user had not used before.
	Device    string
	Network   string
	NewDevice bool
}

// SessionPolicy sets how long sessions live.
type SessionPolicy struct {
	// Idle ends a session not used for this long (remembered sessions are
	// exempt: that is what "mantener sesión iniciada" asks for).
	Idle time.Duration
	// Absolute ends every session this long after sign-in.
	Absolute time.Duration
}

// CreateSession starts a session and returns the raw token for the cookie.
func (db *DB) CreateSession(ctx context.Context, userID int64, remember bool, userAgent, ip string, p SessionPolicy) (string, *Session, error) {
	raw, hash := auth.NewToken()
	now := db.Clock.Now()
	s := &Session{UserID: userID, Remember: remember, UserAgent: truncate(userAgent, 300), IP: ip,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(p.Absolute),
		Device: auth.DeviceFamily(userAgent), Network: auth.IPNetwork(ip)}
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return "", nil, err
	}
	defer tx.Rollback()
	// New means: the user has signed in before, and never from this device
	// or never from this network. A first sign-in is not an anomaly.
	var before, sameDevice, sameNetwork int
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(device = ?), 0), coalesce(sum(network = ?), 0) FROM sessions WHERE user_id = ?`,
		s.Device, s.Network, userID).Scan(&before, &sameDevice, &sameNetwork); err != nil {
		return "", nil, err
	}
	s.NewDevice = before > 0 && (sameDevice == 0 || sameNetwork == 0)
	res, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, remember, user_agent, ip, created_at, last_seen_at, expires_at, device, network, new_device)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, hash, userID, remember, s.UserAgent, ip,
		app.FormatTime(now), app.FormatTime(now), app.FormatTime(s.ExpiresAt), s.Device, s.Network, s.NewDevice)
	if err != nil {
		return "", nil, fmt.Errorf("db: create session: %w", err)
	}
	s.ID, _ = res.LastInsertId()
	return raw, s, tx.Commit()
}

// FindDeviceNotices returns the sessions of a user started from a new
// device or network whose notice the user has not seen yet, leaving out the
// asking session itself (the notice is for the user's other browsers, and
// for the next sign-in if there is none) and sessions already ended.
func (db *DB) FindDeviceNotices(ctx context.Context, userID, currentSessionID int64) ([]*Session, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions s
		WHERE s.user_id = ? AND s.new_device = 1 AND s.notice_shown_at IS NULL AND s.id != ? AND s.revoked_at IS NULL AND s.expires_at > ?
		ORDER BY s.id`, userID, currentSessionID, app.FormatTime(db.Clock.Now()))
	if err != nil {
		return nil, err
	}
	return scanSessions(rows, nil)
}

// MarkDeviceNoticesShown records that the notices of these sessions were
// shown, so each appears once.
func (db *DB) MarkDeviceNoticesShown(ctx context.Context, ids []int64) error {
	now := app.FormatTime(db.Clock.Now())
	for _, id := range ids {
		if _, err := db.Writer.ExecContext(ctx, `UPDATE sessions SET notice_shown_at = ? WHERE id = ? AND notice_shown_at IS NULL`, now, id); err != nil {
			return err
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

const sessionColumns = `s.id, s.user_id, s.remember, s.user_agent, s.ip, s.created_at, s.last_seen_at, s.expires_at, s.device, s.network, s.new_device`

func scanSession(dst *Session, created, seen, expires *string) []any {
	return []any{&dst.ID, &dst.UserID, &dst.Remember, &dst.UserAgent, &dst.IP, created, seen, expires, &dst.Device, &dst.Network, &dst.NewDevice}
}

// FindSession returns the live session for a raw token and its user. A
// revoked, expired or idle session, or one whose user was deactivated, is
// EUNAUTHORIZED.
func (db *DB) FindSession(ctx context.Context, raw string, p SessionPolicy) (*Session, *User, error) {
	hash := auth.HashToken(raw)
	now := db.Clock.Now()
	if s, u, ok := db.memo.session(hash, now); ok {
		if !now.Before(s.ExpiresAt) || (!s.Remember && now.Sub(s.LastSeenAt) >= p.Idle) {
			return nil, nil, app.Errorf(app.EUNAUTHORIZED, "auth.session_expired")
		}
		return &s, &u, nil
	}
	gen := db.memo.sessionGen()
	var s Session
	var created, seen, expires string
	dest := scanSession(&s, &created, &seen, &expires)
	var u User
	var role, pwAt, uc, uu string
	dest = append(dest, &u.ID, &u.Email, &u.Name, &role, &u.PasswordHash, &u.MaxDiscountPct, &u.Active, &pwAt, &uc, &uu)
	err := db.Reader.QueryRowContext(ctx, `SELECT `+sessionColumns+`, u.id, u.email, u.name, u.role, u.password_hash, u.max_discount_pct, u.active, u.password_changed_at, u.created_at, u.updated_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.revoked_at IS NULL AND u.active = 1 AND u.deleted_at IS NULL`, hash).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, app.Errorf(app.EUNAUTHORIZED, "auth.session_expired")
	} else if err != nil {
		return nil, nil, err
	}
	s.CreatedAt, _ = app.ParseTime(created)
	s.LastSeenAt, _ = app.ParseTime(seen)
	s.ExpiresAt, _ = app.ParseTime(expires)
	u.Role = auth.Role(role)
	u.PasswordChangedAt, _ = app.ParseTime(pwAt)
	if !now.Before(s.ExpiresAt) || (!s.Remember && now.Sub(s.LastSeenAt) >= p.Idle) {
		return nil, nil, app.Errorf(app.EUNAUTHORIZED, "auth.session_expired")
	}
	db.memo.putSession(hash, s, u, now, gen)
	return &s, &u, nil
}

// TouchSession records use of a session. Callers throttle it (about once a
// minute) so reading pages does not turn into a write per request.
func (db *DB) TouchSession(ctx context.Context, id int64, ip string) error {
	now := db.Clock.Now()
	_, err := db.Writer.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ?, ip = ? WHERE id = ?`, app.FormatTime(now), ip, id)
	if err == nil {
		db.memo.touchSession(id, now, ip)
	}
	return err
}

// RevokeSession ends one session. userID restricts it to that user's
// sessions (0: any), so a user can only end their own.
func (db *DB) RevokeSession(ctx context.Context, id, userID int64, actor app.Actor) error {
	err := db.revoke(ctx, revokeSession, id, userID, actor)
	// Cached sessions would keep the revoked one alive for the memo's TTL.
	db.memo.forgetSessions()
	return err
}

// revocable is a table of credentials that are revoked, never deleted: the
// row stays for "Mi cuenta" and the security log.
type revocable struct {
	update   string // marks one live row revoked: revoked_at, revoked_by, id
	notFound string // message id when no live row matched
}

var (
	revokeSession  = revocable{`UPDATE sessions SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`, "session.not_found"}
	revokeAPIToken = revocable{`UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`, "token.not_found"}
)

// revoke marks one live session or API token revoked. userID restricts it
// to that user's rows (0: any user's, for owners and admins), so a user can
// end only their own; another user's row is ENOTFOUND like a missing one,
// which says nothing about whether it exists.
func (db *DB) revoke(ctx context.Context, r revocable, id, userID int64, actor app.Actor) error {
	q, args := r.update, []any{app.FormatTime(db.Clock.Now()), actor, id}
	if userID != 0 {
		q += ` AND user_id = ?`
		args = append(args, userID)
	}
	res, err := db.Writer.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return app.Errorf(app.ENOTFOUND, r.notFound)
	}
	return nil
}

// RevokeUserSessions ends every session of a user except keep (0: all).
func (db *DB) RevokeUserSessions(ctx context.Context, userID, keep int64, actor app.Actor) (int, error) {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	n, err := revokeUserSessions(ctx, tx, userID, keep, app.FormatTime(db.Clock.Now()), actor)
	if err != nil {
		return 0, err
	}
	defer db.memo.forgetSessions()
	return n, tx.Commit()
}

func revokeUserSessions(ctx context.Context, tx *sql.Tx, userID, keep int64, now string, actor app.Actor) (int, error) {
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = ?, revoked_by = ? WHERE user_id = ? AND id != ? AND revoked_at IS NULL`,
		now, actor, userID, keep)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// FindUserSessions lists a user's live sessions, most recently used first.
func (db *DB) FindUserSessions(ctx context.Context, userID int64, p SessionPolicy) ([]*Session, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions s
		WHERE s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > ? ORDER BY s.last_seen_at DESC`,
		userID, app.FormatTime(db.Clock.Now()))
	if err != nil {
		return nil, err
	}
	now := db.Clock.Now()
	return scanSessions(rows, func(s *Session) bool { return s.Remember || now.Sub(s.LastSeenAt) < p.Idle })
}

// scanSessions reads rows of sessionColumns, keeping those keep accepts
// (nil: all), and closes rows.
func scanSessions(rows *sql.Rows, keep func(*Session) bool) ([]*Session, error) {
	defer rows.Close()
	var out []*Session
	for rows.Next() {
		var s Session
		var created, seen, expires string
		if err := rows.Scan(scanSession(&s, &created, &seen, &expires)...); err != nil {
			return nil, err
		}
		s.CreatedAt, _ = app.ParseTime(created)
		s.LastSeenAt, _ = app.ParseTime(seen)
		s.ExpiresAt, _ = app.ParseTime(expires)
		if keep == nil || keep(&s) {
			out = append(out, &s)
		}
	}
	return out, rows.Err()
}
