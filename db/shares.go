package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
)

// QuoteShare is a link through which a customer sees and answers a quote.
type QuoteShare struct {
	ID            int64
	QuoteID       int64
	FormToken     string // binds the accept/reject form to this link
	ExpiresAt     time.Time
	RevokedAt     *time.Time
	FirstViewedAt *time.Time
	LastViewedAt  *time.Time
	Views         int
	CreatedAt     time.Time
	CreatedBy     string
}

// Usable reports whether the link still opens the quote at now.
func (s *QuoteShare) Usable(now time.Time) bool { return s.RevokedAt == nil && now.Before(s.ExpiresAt) }

// QuoteDecision is a customer's answer given through a link.
type QuoteDecision struct {
	ID        int64
	QuoteID   int64
	ShareID   int64
	Decision  string // StatusAccepted or StatusRejected
	Name      string
	Note      string
	IP        string
	UserAgent string
	CreatedAt time.Time
}

const shareColumns = `id, quote_id, form_token, expires_at, revoked_at, first_viewed_at, last_viewed_at, views, created_at, created_by`

func scanShare(row interface{ Scan(...any) error }) (*QuoteShare, error) {
	var s QuoteShare
	var expires, created string
	var revoked, first, last sql.NullString
	if err := row.Scan(&s.ID, &s.QuoteID, &s.FormToken, &expires, &revoked, &first, &last, &s.Views, &created, &s.CreatedBy); err != nil {
		return nil, err
	}
	s.ExpiresAt, _ = app.ParseTime(expires)
	s.CreatedAt, _ = app.ParseTime(created)
	s.RevokedAt, s.FirstViewedAt, s.LastViewedAt = optTime(revoked), optTime(first), optTime(last)
	return &s, nil
}

func optTime(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t, err := app.ParseTime(s.String)
	if err != nil {
		return nil
	}
	return &t
}

// CreateQuoteShare stores a new link (by its token's hash) and, in the same
// transaction, marks a draft as sent: sending is what the link is for. A
// quote that is superseded, decided or cancelled cannot be shared.
func (db *DB) CreateQuoteShare(ctx context.Context, quoteID int64, tokenHash, formToken string, expires time.Time, actor app.Actor) (*QuoteShare, error) {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var status string
	var superseded sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT status, superseded_by FROM quotes WHERE id = ? AND deleted_at IS NULL`, quoteID).Scan(&status, &superseded)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "quote.not_found")
	} else if err != nil {
		return nil, err
	}
	if superseded.Valid || (status != StatusDraft && status != StatusSent) {
		return nil, app.Errorf(app.ECONFLICT, "share.quote_closed")
	}
	now := db.Clock.Now()
	ts := app.FormatTime(now)
	res, err := tx.ExecContext(ctx, `INSERT INTO quote_shares (quote_id, token_hash, form_token, expires_at, created_at, created_by, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, quoteID, tokenHash, formToken, app.FormatTime(expires), ts, actor, ts, actor)
	if err != nil {
		return nil, err
	}
	id, _ := res.LastInsertId()
	if status == StatusDraft {
		if _, err := tx.ExecContext(ctx, `UPDATE quotes SET status = ?, sent_at = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
			StatusSent, ts, ts, actor, quoteID); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return &QuoteShare{ID: id, QuoteID: quoteID, FormToken: formToken, ExpiresAt: expires, CreatedAt: now, CreatedBy: string(actor)}, nil
}

// FindQuoteShare finds a link by its token's hash, revoked or expired ones
// included (the page says so); ENOTFOUND for any other hash.
func (db *DB) FindQuoteShare(ctx context.Context, tokenHash string) (*QuoteShare, error) {
	s, err := scanShare(db.Reader.QueryRowContext(ctx, `SELECT `+shareColumns+` FROM quote_shares WHERE token_hash = ? AND deleted_at IS NULL`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, app.Errorf(app.ENOTFOUND, "share.not_found")
	}
	return s, err
}

// QuoteShares lists a quote's links, newest first.
func (db *DB) QuoteShares(ctx context.Context, quoteID int64) ([]*QuoteShare, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT `+shareColumns+` FROM quote_shares WHERE quote_id = ? AND deleted_at IS NULL ORDER BY id DESC`, quoteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*QuoteShare
	for rows.Next() {
		s, err := scanShare(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RecordShareView counts one opening of a link (and remembers the first).
func (db *DB) RecordShareView(ctx context.Context, id int64) error {
	ts := app.FormatTime(db.Clock.Now())
	_, err := db.Writer.ExecContext(ctx, `UPDATE quote_shares SET views = views + 1, first_viewed_at = coalesce(first_viewed_at, ?),
		last_viewed_at = ? WHERE id = ?`, ts, ts, id)
	return err
}

// RevokeQuoteShare ends a link now.
func (db *DB) RevokeQuoteShare(ctx context.Context, quoteID, id int64, actor app.Actor) error {
	ts := app.FormatTime(db.Clock.Now())
	res, err := db.Writer.ExecContext(ctx, `UPDATE quote_shares SET revoked_at = coalesce(revoked_at, ?), revoked_by = coalesce(revoked_by, ?),
		updated_at = ?, updated_by = ? WHERE id = ? AND quote_id = ? AND deleted_at IS NULL`, ts, actor, ts, actor, id, quoteID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return app.Errorf(app.ENOTFOUND, "share.not_found")
	}
	return nil
}

// DecideQuote records a customer's answer through a link and moves the quote
// to aceptada or rechazada, in one transaction that checks again that the
// link is usable and the move allowed (an expired quote cannot be accepted).
func (db *DB) DecideQuote(ctx context.Context, d *QuoteDecision) error {
	tx, err := db.Writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := db.Clock.Now()
	sh, err := scanShare(tx.QueryRowContext(ctx, `SELECT `+shareColumns+` FROM quote_shares WHERE id = ? AND deleted_at IS NULL`, d.ShareID))
	if err != nil {
		return err
	}
	if !sh.Usable(now) {
		return app.Errorf(app.ECONFLICT, "share.expired")
	}
	var status, validUntil string
	var superseded sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT status, valid_until, superseded_by FROM quotes WHERE id = ? AND deleted_at IS NULL`, sh.QuoteID).
		Scan(&status, &validUntil, &superseded); err != nil {
		return err
	}
	expired := (status == StatusDraft || status == StatusSent) && validUntil < Today(now)
	if superseded.Valid || !CanTransition(status, d.Decision, expired) {
		e := app.Errorf(app.ECONFLICT, "share.cannot_decide")
		e.Args = map[string]any{"Status": status}
		return e
	}
	actor := app.ShareActor(sh.ID)
	ts := app.FormatTime(now)
	res, err := tx.ExecContext(ctx, `INSERT INTO quote_decisions (quote_id, share_id, decision, name, note, ip, user_agent, created_at, created_by, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sh.QuoteID, sh.ID, d.Decision, d.Name, d.Note, d.IP, d.UserAgent, ts, actor, ts, actor)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE quotes SET status = ?, decided_at = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
		d.Decision, ts, ts, actor, sh.QuoteID); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	d.ID, _ = res.LastInsertId()
	d.QuoteID, d.CreatedAt = sh.QuoteID, now
	return nil
}

// QuoteDecisions lists the answers given for a quote, newest first.
func (db *DB) QuoteDecisions(ctx context.Context, quoteID int64) ([]*QuoteDecision, error) {
	rows, err := db.Reader.QueryContext(ctx, `SELECT id, quote_id, share_id, decision, name, note, ip, user_agent, created_at
		FROM quote_decisions WHERE quote_id = ? AND deleted_at IS NULL ORDER BY id DESC`, quoteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*QuoteDecision
	for rows.Next() {
		var d QuoteDecision
		var created string
		if err := rows.Scan(&d.ID, &d.QuoteID, &d.ShareID, &d.Decision, &d.Name, &d.Note, &d.IP, &d.UserAgent, &created); err != nil {
			return nil, err
		}
		d.CreatedAt, _ = app.ParseTime(created)
		out = append(out, &d)
	}
	return out, rows.Err()
}

// DecisionSummary is a customer's answer with the quote it answered, for
// the salesperson's home page.
type DecisionSummary struct {
	QuoteDecision
	Folio        string
	Revision     int
	CustomerName string
	Total        decimal.Decimal
}

// RecentDecisions lists the latest answers given through links, newest
// first; salespersonID > 0 keeps only that salesperson's quotes.
func (db *DB) RecentDecisions(ctx context.Context, salespersonID int64, limit int) ([]*DecisionSummary, error) {
	q := `SELECT d.id, d.quote_id, d.share_id, d.decision, d.name, d.note, d.created_at, q.folio, q.revision, q.customer_name, q.total
		FROM quote_decisions d JOIN quotes q ON q.id = d.quote_id WHERE d.deleted_at IS NULL`
	var args []any
	if salespersonID > 0 {
		q += ` AND q.salesperson_id = ?`
		args = append(args, salespersonID)
	}
	rows, err := db.Reader.QueryContext(ctx, q+` ORDER BY d.id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*DecisionSummary
	for rows.Next() {
		var d DecisionSummary
		var created, total string
		if err := rows.Scan(&d.ID, &d.QuoteID, &d.ShareID, &d.Decision, &d.Name, &d.Note, &created, &d.Folio, &d.Revision, &d.CustomerName, &total); err != nil {
			return nil, err
		}
		d.CreatedAt, _ = app.ParseTime(created)
		d.Total, _ = decimal.NewFromString(total)
		out = append(out, &d)
	}
	return out, rows.Err()
}

// DisplayFolio is the answered quote's folio with its revision.
func (d *DecisionSummary) DisplayFolio() string {
	q := Quote{Folio: d.Folio, Revision: d.Revision}
	return q.DisplayFolio()
}
