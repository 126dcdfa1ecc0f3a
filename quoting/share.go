package quoting

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
	"cotizador/validate"
)

// Share links: a quote goes to its customer as /c/{token}; the token is
// unguessable (256 bits) and stored only as its SHA-256; the link expires
// with the quote's validity and can be revoked.

// Share creates a link for q and marks a draft as sent. It answers the raw
// token (shown once, in the URL) and the stored link.
func (s *Service) Share(ctx context.Context, q *db.Quote, actor app.Actor) (string, *db.QuoteShare, error) {
	today := s.Today()
	if q.SupersededBy != 0 {
		return "", nil, app.Errorf(app.ECONFLICT, "share.quote_closed")
	}
	if q.Expired(today) {
		return "", nil, app.Errorf(app.ECONFLICT, "share.quote_expired")
	}
	token, hash := auth.NewToken()
	form, _ := auth.NewToken()
	sh, err := s.DB.CreateQuoteShare(ctx, q.ID, hash, form, ShareExpiry(q.ValidUntil), actor)
	if err != nil {
		return "", nil, err
	}
	return token, sh, nil
}

// ShareExpiry is when a link to a quote valid until day stops working: at
// the end of that day in Mexico City, when the prices stop holding.
func ShareExpiry(validUntil string) time.Time {
	d, err := time.ParseInLocation("2006-01-02", validUntil, app.MexicoCity)
	if err != nil {
		return time.Time{}
	}
	return d.AddDate(0, 0, 1)
}

// SharePath is the path of a link's page.
func SharePath(token string) string { return "/c/" + token }

// Shared is what a link opens: the quote as the customer sees it, the link
// and the latest answer, if any.
type Shared struct {
	Share    *db.QuoteShare
	Quote    *db.Quote
	Decision *db.QuoteDecision
	Settings Settings
	// Usable: the link still works (neither expired nor revoked).
	Usable bool
	// CanDecide: the customer may still accept or reject.
	CanDecide bool
}

// validToken rejects what cannot be a token before any lookup.
func validToken(token string) bool {
	if len(token) < 40 || len(token) > 64 {
		return false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// OpenShare loads what token opens. Any token that is not a link's is
// ENOTFOUND, looked up by its hash like a real one, so the answer takes as
// long either way. count records the opening (first time and count).
func (s *Service) OpenShare(ctx context.Context, token string, count bool) (*Shared, error) {
	hash := auth.HashToken(token)
	if !validToken(token) {
		hash = strings.Repeat("0", 64) // never stored: same query, same miss
	}
	sh, err := s.DB.FindQuoteShare(ctx, hash)
	if err != nil {
		return nil, err
	}
	q, err := s.DB.FindQuoteByID(ctx, sh.QuoteID)
	if err != nil {
		return nil, err
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	out := &Shared{Share: sh, Quote: q, Settings: st, Usable: sh.Usable(s.Clock.Now())}
	decisions, err := s.DB.QuoteDecisions(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	if len(decisions) > 0 {
		out.Decision = decisions[0]
	}
	out.CanDecide = out.Usable && q.SupersededBy == 0 && db.CanTransition(q.Status, db.StatusAccepted, q.Expired(s.Today()))
	if count && out.Usable {
		if err := s.DB.RecordShareView(ctx, sh.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Decision is a customer's answer as typed on the link's page.
type Decision struct {
	Token, FormToken string
	Accept           bool
	Name, Note       string
	IP, UserAgent    string
}

// Decide records the customer's answer through a link: accepting needs the
// name of who accepts; the form must carry the link's own form token.
func (s *Service) Decide(ctx context.Context, in Decision) (*Shared, error) {
	sh, err := s.OpenShare(ctx, in.Token, false)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(in.FormToken), []byte(sh.Share.FormToken)) != 1 {
		return nil, app.Errorf(app.EFORBIDDEN, "csrf.invalid")
	}
	if !sh.Usable {
		return sh, app.Errorf(app.ECONFLICT, "share.expired")
	}
	errs := validate.Errors{}
	d := &db.QuoteDecision{ShareID: sh.Share.ID, Decision: db.StatusRejected,
		Name: validate.Text(errs, "name", in.Name, in.Accept, 200), Note: validate.Multiline(errs, "note", in.Note, false, 2000),
		IP: in.IP, UserAgent: truncate(in.UserAgent, 400)}
	if in.Accept {
		d.Decision = db.StatusAccepted
	}
	if err := errs.Err(); err != nil {
		return sh, err
	}
	if err := s.DB.DecideQuote(ctx, d); err != nil {
		return sh, err
	}
	return s.OpenShare(ctx, in.Token, false)
}

// RevokeShare ends one of q's links.
func (s *Service) RevokeShare(ctx context.Context, q *db.Quote, shareID int64, actor app.Actor) error {
	return s.DB.RevokeQuoteShare(ctx, q.ID, shareID, actor)
}

// truncate cuts s to at most n bytes at a rune boundary (user agents are
// client input).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// WhatsAppNumber is a Mexican phone (10 digits, as customers are stored) in
// the international form wa.me expects; "" when it is not one.
func WhatsAppNumber(phone string) string {
	var digits []byte
	for i := 0; i < len(phone); i++ {
		if phone[i] >= '0' && phone[i] <= '9' {
			digits = append(digits, phone[i])
		}
	}
	switch {
	case len(digits) == 10:
		return "52" + string(digits)
	case len(digits) == 12 && strings.HasPrefix(string(digits), "52"):
		return string(digits)
	}
	return ""
}

// FormatPhone shows a stored phone as people read it (validate's rule).
func FormatPhone(phone string) string { return validate.FormatPhone(phone) }
