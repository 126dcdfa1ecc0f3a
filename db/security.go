package db

import (
	"context"
	"time"

	"cotizador/app"
)

// SecurityEvent is one line of the security log the owner reads.
type SecurityEvent struct {
	ID        int64
	At        time.Time
	Kind      string
	UserID    int64
	Email     string
	IP        string
	Actor     string
	Detail    string
	RequestID string
}

// RecordSecurityEvent appends to the security log.
func (db *DB) RecordSecurityEvent(ctx context.Context, ev *SecurityEvent) error {
	if ev.At.IsZero() {
		ev.At = db.Clock.Now()
	}
	var uid any
	if ev.UserID != 0 {
		uid = ev.UserID
	}
	res, err := db.Writer.ExecContext(ctx, `INSERT INTO security_events (at, kind, user_id, email, ip, actor, detail, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		app.FormatTime(ev.At), ev.Kind, uid, ev.Email, ev.IP, ev.Actor, truncate(ev.Detail, 500), ev.RequestID)
	if err != nil {
		return err
	}
	ev.ID, _ = res.LastInsertId()
	return nil
}

// FindSecurityEvents pages through the log, newest first, with the total.
func (db *DB) FindSecurityEvents(ctx context.Context, kind string, limit, offset int) ([]*SecurityEvent, int, error) {
	var total int
	if err := db.Reader.QueryRowContext(ctx, `SELECT count(*) FROM security_events WHERE ? = '' OR kind = ?`, kind, kind).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := db.Reader.QueryContext(ctx, `SELECT id, at, kind, coalesce(user_id, 0), email, ip, actor, detail, request_id
		FROM security_events WHERE ? = '' OR kind = ? ORDER BY id DESC LIMIT ? OFFSET ?`, kind, kind, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*SecurityEvent
	for rows.Next() {
		var ev SecurityEvent
		var at string
		if err := rows.Scan(&ev.ID, &at, &ev.Kind, &ev.UserID, &ev.Email, &ev.IP, &ev.Actor, &ev.Detail, &ev.RequestID); err != nil {
			return nil, 0, err
		}
		ev.At, _ = app.ParseTime(at)
		out = append(out, &ev)
	}
	return out, total, rows.Err()
}

// Login attempt outcomes.
const (
	LoginSuccess = "success"
	LoginFailure = "failure"
	LoginLocked  = "locked"
	LoginUnlock  = "unlock"
)

// RecordLoginAttempt stores one attempt (or an unlock) for an e-mail.
func (db *DB) RecordLoginAttempt(ctx context.Context, email, ip, outcome string) error {
	_, err := db.Writer.ExecContext(ctx, `INSERT INTO login_attempts (email, ip, outcome, at) VALUES (?, ?, ?, ?)`,
		NormalizeEmail(email), ip, outcome, app.FormatTime(db.Clock.Now()))
	return err
}

// LockoutPolicy is the brute-force protection's settings.
type LockoutPolicy struct {
	MaxFailures int           // failed logins of one e-mail within Window that lock it
	Window      time.Duration // how far back failures count
	Duration    time.Duration // how long the lock lasts from the failure that set it
	MaxIPFails  int           // failed logins from one IP within Window that throttle it
}

// LockedUntil reports whether an e-mail is locked and until when. Failures
// count only after the last success or unlock, within the window. The rule
// is the same for every e-mail, existing or not.
func (db *DB) LockedUntil(ctx context.Context, email string, p LockoutPolicy) (time.Time, bool, error) {
	now := db.Clock.Now()
	rows, err := db.Reader.QueryContext(ctx, `SELECT at FROM login_attempts
		WHERE email = ? AND outcome = 'failure' AND at > ?
		  AND at > coalesce((SELECT max(at) FROM login_attempts WHERE email = ? AND outcome IN ('success', 'unlock')), '')
		ORDER BY at DESC LIMIT ?`,
		NormalizeEmail(email), app.FormatTime(now.Add(-p.Window)), NormalizeEmail(email), p.MaxFailures)
	if err != nil {
		return time.Time{}, false, err
	}
	defer rows.Close()
	var ats []string
	for rows.Next() {
		var at string
		if err := rows.Scan(&at); err != nil {
			return time.Time{}, false, err
		}
		ats = append(ats, at)
	}
	if err := rows.Err(); err != nil || len(ats) < p.MaxFailures {
		return time.Time{}, false, err
	}
	last, _ := app.ParseTime(ats[0])
	until := last.Add(p.Duration)
	return until, now.Before(until), nil
}

// IPFailures counts the failed and refused logins from an IP in the window.
func (db *DB) IPFailures(ctx context.Context, ip string, window time.Duration) (int, error) {
	var n int
	err := db.Reader.QueryRowContext(ctx, `SELECT count(*) FROM login_attempts WHERE ip = ? AND outcome IN ('failure', 'locked') AND at > ?`,
		ip, app.FormatTime(db.Clock.Now().Add(-window))).Scan(&n)
	return n, err
}

// PurgeLoginAttempts deletes attempts older than cutoff: they only matter
// within the lockout window. (Security events are kept.)
func (db *DB) PurgeLoginAttempts(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := db.Writer.ExecContext(ctx, `DELETE FROM login_attempts WHERE at < ?`, app.FormatTime(cutoff))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
