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
// session it was issued to. It implements fiber.Storage. The middleware
// reads and extends the token on every request; the memo answers those
// from memory, so a page view costs no write and usually no query.
type CSRFStorage struct {
	db *DB
}

// CSRFStorage returns the storage for Fiber's csrf middleware.
func (db *DB) CSRFStorage() *CSRFStorage { return &CSRFStorage{db: db} }

// present is what Get returns for a live token; the middleware only checks
// that something is there.
var present = []byte{'+'}

// lookupCSRF returns a token's state from the memo or the database.
func (db *DB) lookupCSRF(ctx context.Context, hash string) (memoCSRF, bool, error) {
	now := db.Clock.Now()
	if e, ok := db.memo.csrfToken(hash, now); ok {
		return e, now.Before(e.expires), nil
	}
	var sid sql.NullInt64
	var expires string
	err := db.Reader.QueryRowContext(ctx, `SELECT session_id, expires_at FROM csrf_tokens WHERE token_hash = ?`, hash).Scan(&sid, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return memoCSRF{}, false, nil
	}
	if err != nil {
		return memoCSRF{}, false, err
	}
	t, _ := app.ParseTime(expires)
	e := memoCSRF{sessionID: sid.Int64, expires: t, at: now}
	db.memo.putCSRF(hash, e)
	return e, now.Before(t), nil
}

func (s *CSRFStorage) Get(key string) ([]byte, error) {
	_, live, err := s.db.lookupCSRF(context.Background(), auth.HashToken(key))
	if err != nil || !live {
		return nil, err
	}
	return present, nil
}

// Set creates or extends a token. An extension is written only when the
// stored expiry has used up a tenth of its lifetime.
func (s *CSRFStorage) Set(key string, _ []byte, exp time.Duration) error {
	ctx := context.Background()
	hash := auth.HashToken(key)
	now := s.db.Clock.Now()
	e, live, err := s.db.lookupCSRF(ctx, hash)
	if err != nil {
		return err
	}
	if live && e.expires.After(now.Add(exp-exp/10)) {
		return nil
	}
	expires := now.Add(exp)
	if _, err := s.db.Writer.ExecContext(ctx, `INSERT INTO csrf_tokens (token_hash, expires_at) VALUES (?, ?)
		ON CONFLICT (token_hash) DO UPDATE SET expires_at = excluded.expires_at`, hash, app.FormatTime(expires)); err != nil {
		return err
	}
	s.db.memo.forgetCSRF(hash)
	return nil
}

func (s *CSRFStorage) Delete(key string) error {
	hash := auth.HashToken(key)
	_, err := s.db.Writer.ExecContext(context.Background(), `DELETE FROM csrf_tokens WHERE token_hash = ?`, hash)
	s.db.memo.forgetCSRF(hash)
	return err
}

// Reset deletes every token.
func (s *CSRFStorage) Reset() error {
	_, err := s.db.Writer.ExecContext(context.Background(), `DELETE FROM csrf_tokens`)
	s.db.memo.forgetAllCSRF()
	return err
}

func (s *CSRFStorage) Close() error { return nil }

// BindCSRFToken ties an unbound token to a session.
func (db *DB) BindCSRFToken(ctx context.Context, token string, sessionID int64) error {
	hash := auth.HashToken(token)
	_, err := db.Writer.ExecContext(ctx, `UPDATE csrf_tokens SET session_id = ? WHERE token_hash = ? AND session_id IS NULL`, sessionID, hash)
	db.memo.forgetCSRF(hash)
	return err
}

// CSRFTokenSession returns the session a token is bound to (0: none) and
// whether the token exists at all.
func (db *DB) CSRFTokenSession(ctx context.Context, token string) (int64, bool, error) {
	e, live, err := db.lookupCSRF(ctx, auth.HashToken(token))
	if err != nil || !live {
		return 0, false, err
	}
	return e.sessionID, true, nil
}

// PurgeExpiredCSRFTokens deletes expired tokens.
func (db *DB) PurgeExpiredCSRFTokens(ctx context.Context) (int64, error) {
	res, err := db.Writer.ExecContext(ctx, `DELETE FROM csrf_tokens WHERE expires_at <= ?`, app.FormatTime(db.Clock.Now()))
	if err != nil {
		return 0, err
	}
	db.memo.forgetAllCSRF()
	return res.RowsAffected()
}
