package db_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/db"
)

// TestRevokeSessionAndAPIToken covers the one revocation both kinds of
// credential share: a user ends only their own, an owner any, a second
// revocation finds nothing, and a revoked credential stops working at once
// (a session even while the memo holds it).
func TestRevokeSessionAndAPIToken(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "revoke.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	owner := &db.User{Email: "duena@taller.mx", Name: "Dueña", Role: auth.RoleOwner, PasswordHash: "x"}
	if err := d.Setup(ctx, "Cancelería López", owner, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	seller := &db.User{Email: "v@taller.mx", Name: "Vendedor", Role: auth.RoleSales, PasswordHash: "x"}
	if err := d.CreateUser(ctx, seller, app.CLIActor); err != nil {
		t.Fatal(err)
	}
	policy := db.SessionPolicy{Idle: time.Hour, Absolute: 24 * time.Hour}

	type credential struct {
		revoke func(id, userID int64) error
		works  func() bool
		id     int64
	}
	newSession := func(u *db.User) credential {
		raw, s, err := d.CreateSession(ctx, u.ID, false, "test", "127.0.0.1", policy)
		if err != nil {
			t.Fatal(err)
		}
		works := func() bool { _, _, err := d.FindSession(ctx, raw, policy); return err == nil }
		if !works() { // and now the memo holds it
			t.Fatal("a new session does not work")
		}
		return credential{func(id, userID int64) error { return d.RevokeSession(ctx, id, userID, app.UserActor(u.ID)) }, works, s.ID}
	}
	newToken := func(u *db.User) credential {
		raw, tok, err := d.CreateAPIToken(ctx, u.ID, "script", app.CLIActor)
		if err != nil {
			t.Fatal(err)
		}
		works := func() bool { _, _, err := d.FindAPIToken(ctx, raw); return err == nil }
		if !works() {
			t.Fatal("a new token does not work")
		}
		return credential{func(id, userID int64) error { return d.RevokeAPIToken(ctx, id, userID, app.UserActor(u.ID)) }, works, tok.ID}
	}

	for kind, mint := range map[string]func(*db.User) credential{"session": newSession, "token": newToken} {
		t.Run(kind, func(t *testing.T) {
			mine, theirs := mint(seller), mint(owner)
			if err := mine.revoke(theirs.id, seller.ID); app.ErrorCode(err) != app.ENOTFOUND {
				t.Errorf("a user revoking another's %s: %v, want ENOTFOUND", kind, err)
			}
			if !theirs.works() {
				t.Errorf("the owner's %s stopped working after a refused revocation", kind)
			}
			if err := mine.revoke(mine.id, seller.ID); err != nil {
				t.Fatalf("revoking one's own %s: %v", kind, err)
			}
			if mine.works() {
				t.Errorf("a revoked %s still works", kind)
			}
			if err := mine.revoke(mine.id, seller.ID); app.ErrorCode(err) != app.ENOTFOUND {
				t.Errorf("revoking a revoked %s: %v, want ENOTFOUND", kind, err)
			}
			// userID 0: an owner or admin ends anyone's.
			if err := theirs.revoke(theirs.id, 0); err != nil || theirs.works() {
				t.Errorf("revoking any user's %s: %v, still works %v", kind, err, theirs.works())
			}
		})
	}
}
