package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"cotizador/app"
	"cotizador/auth"
)

// CSRFStorage keeps Fiber's CSRF tokens in SQLite (hashed), so a restart
// does not break every open form, and lets the app bind each token to the
// session it was issued to. It implements fiber.Storage.
type CSRFStorage struct {
	db *DB
}

// CSRFStorage returns the storage for Fiber's csrf middleware.
func (db *DB) CSRFStorage() *CSRFStorage { return &CSRFStorage{db: db} }

// present is what Get returns for a live token; the middleware only checks
// that something is there.
var present = []byte{'+'}

func (s *CSRFStorage) Get(key string) ([]byte, error) {
	var n int
	err := s.db.Reader.QueryRowContext(context.Background(), `SELECT 1 FROM csrf_tokens WHERE token_hash = ? AND expires_at > ?`,
		auth.HashToken(key), app.FormatTime(s.db.Clock.Now())).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return present, nil
}

// Set creates or extends a token. The middleware calls it on every request;
// an extension is written only when the stored expiry has used up a tenth of
// its lifetime, so page views do not each cost a write.
func (s *CSRFStorage) Set(key string, _ []byte, exp time.Duration) error {
	now := s.db.Clock.Now()
	expires := app.FormatTime(now.Add(exp))
	skipBefore := app.FormatTime(now.Add(exp - exp/10))
	_, err := s.db.Writer.ExecContext(context.Background(), `INSERT INTO csrf_tokens (token_hash, expires_at) VALUES (?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET expires_at = excluded.expires_at WHERE csrf_tokens.expires_at < ?`,
		auth.HashToken(key), expires, skipBefore)
	return err
}

func (s *CSRFStorage) Delete(key string) error {
	_, err := s.db.Writer.ExecContext(context.Background(), `DELETE FROM csrf_tokens WHERE token_hash = ?`, auth.HashToken(key))
	return err
}

// Reset deletes every token.
func (s *CSRFStorage) Reset() error {
	_, err := s.db.Writer.ExecContext(context.Background(), `DELETE FROM csrf_tokens`)
	return err
}

func (s *CSRFStorage) Close() error { return nil }

// BindCSRFToken ties an unbound token to a session.
func (db *DB) BindCSRFToken(ctx context.Context, token string, sessionID int64) error {
	_, err := db.Writer.ExecContext(ctx, `UPDATE csrf_tokens SET session_id = ? WHERE token_hash = ? AND session_id IS NULL`,
		sessionID, auth.HashToken(token))
	return err
}

// CSRFTokenSession returns the session a token is bound to (0: none) and
// whether the token exists at all.
func (db *DB) CSRFTokenSession(ctx context.Context, token string) (int64, bool, error) {
	var sid sql.NullInt64
	err := db.Reader.QueryRowContext(ctx, `SELECT session_id FROM csrf_tokens WHERE token_hash = ? AND expires_at > ?`,
		auth.HashToken(token), app.FormatTime(db.Clock.Now())).Scan(&sid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return sid.Int64, true, nil
}

// PurgeExpiredCSRFTokens deletes expired tokens.
func (db *DB) PurgeExpiredCSRFTokens(ctx context.Context) (int64, error) {
	res, err := db.Writer.ExecContext(ctx, `DELETE FROM csrf_tokens WHERE expires_at <= ?`, app.FormatTime(db.Clock.Now()))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
