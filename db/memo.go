package db

import (
	"sync"
	"time"
)

// memo keeps, for a short while, what nearly every request reads: the
// session behind a cookie, the CSRF token it carries and the company's
// settings. The app is a single process (one Litestream replica allows no
// other), and every write that changes these goes through the store methods
// that clear the entries, so a cached answer is never stale because of the
// app; memoTTL bounds how long a change made by another process (the CLI)
// can go unseen.
type memo struct {
	mu       sync.Mutex
	sessions map[string]memoSession // by token hash
	csrf     map[string]memoCSRF    // by token hash
	settings *CompanySettings
	settAt   time.Time
	// catalog is the last pricing snapshot; live pricing reloads it only
	// when the catalogue's version (kept by triggers) moved.
	catalog struct {
		mu   sync.Mutex
		snap *PricingCatalog
		// commits and checked are the commit count and the time when the
		// snapshot's version was last confirmed.
		commits uint64
		checked time.Time
	}
	// gen moves on every forgetSessions; a lookup that started before a
	// revocation must not cache what it read.
	gen uint64
}

const (
	memoTTL     = 30 * time.Second
	memoMaxKeys = 10_000
)

type memoSession struct {
	session Session
	user    User
	at      time.Time
}

type memoCSRF struct {
	sessionID int64
	expires   time.Time
	at        time.Time
}

func newMemo() *memo {
	return &memo{sessions: map[string]memoSession{}, csrf: map[string]memoCSRF{}}
}

func (m *memo) session(hash string, now time.Time) (Session, User, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.sessions[hash]
	if !ok || now.Sub(e.at) > memoTTL || e.at.After(now) {
		return Session{}, User{}, false
	}
	return e.session, e.user, true
}

// sessionGen is the generation a session lookup starts in.
func (m *memo) sessionGen() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gen
}

func (m *memo) putSession(hash string, s Session, u User, now time.Time, gen uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen != m.gen {
		return
	}
	if len(m.sessions) >= memoMaxKeys {
		clear(m.sessions)
	}
	m.sessions[hash] = memoSession{session: s, user: u, at: now}
}

// touchSession records a session's new last use in its cached copy.
func (m *memo) touchSession(id int64, seen time.Time, ip string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, e := range m.sessions {
		if e.session.ID == id {
			e.session.LastSeenAt, e.session.IP = seen, ip
			m.sessions[k] = e
		}
	}
}

// forgetSessions drops every cached session: called by each write that can
// end or change a session (logout, revocation, role or password change,
// deactivation), so those take effect on the next request.
func (m *memo) forgetSessions() {
	m.mu.Lock()
	clear(m.sessions)
	m.gen++
	m.mu.Unlock()
}

func (m *memo) csrfToken(hash string, now time.Time) (memoCSRF, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.csrf[hash]
	if !ok || now.Sub(e.at) > memoTTL || e.at.After(now) {
		return memoCSRF{}, false
	}
	return e, true
}

func (m *memo) putCSRF(hash string, e memoCSRF) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.csrf) >= memoMaxKeys {
		clear(m.csrf)
	}
	m.csrf[hash] = e
}

func (m *memo) forgetCSRF(hash string) {
	m.mu.Lock()
	delete(m.csrf, hash)
	m.mu.Unlock()
}

func (m *memo) forgetAllCSRF() {
	m.mu.Lock()
	clear(m.csrf)
	m.mu.Unlock()
}

func (m *memo) companySettings(now time.Time) *CompanySettings {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.settings == nil || now.Sub(m.settAt) > memoTTL || m.settAt.After(now) {
		return nil
	}
	c := *m.settings
	return &c
}

func (m *memo) putCompanySettings(s *CompanySettings, now time.Time) {
	m.mu.Lock()
	c := *s
	m.settings, m.settAt = &c, now
	m.mu.Unlock()
}

func (m *memo) forgetCompanySettings() {
	m.mu.Lock()
	m.settings = nil
	m.mu.Unlock()
}
