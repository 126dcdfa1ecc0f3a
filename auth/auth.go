// Package auth holds the rules of accounts that know nothing of SQL or HTTP:
// roles, password hashing and policy, and the random tokens behind sessions,
// API tokens and reset links.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// Role is what a user may do.
type Role string

const (
	RoleOwner  Role = "owner"  // propietario: everything, incl. users and backups
	RoleAdmin  Role = "admin"  // administrador: catalogue, settings, all quotes
	RoleSales  Role = "sales"  // vendedor: customers and quotes
	RoleViewer Role = "viewer" // consulta: read-only
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleOwner, RoleAdmin, RoleSales, RoleViewer}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// CanManage reports whether a user with role r may create or change a user
// with role other: the owner manages everyone; an admin manages admins,
// salespeople and viewers but never an owner.
func (r Role) CanManage(other Role) bool {
	switch r {
	case RoleOwner:
		return true
	case RoleAdmin:
		return other != RoleOwner
	}
	return false
}

// tokenBytes is 256 bits: unguessable, and too long to brute-force online.
const tokenBytes = 32

// NewToken returns a random URL-safe token and the hash to store for it.
func NewToken() (raw, hash string) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	raw = base64.RawURLEncoding.EncodeToString(b)
	return raw, HashToken(raw)
}

// APITokenPrefix marks Cotizador API tokens, so a leaked one is recognisable
// (and secret scanners can be taught the pattern).
const APITokenPrefix = "cot_"

// NewAPIToken returns a random API token and the hash to store for it.
func NewAPIToken() (raw, hash string) {
	r, _ := NewToken()
	raw = APITokenPrefix + r
	return raw, HashToken(raw)
}

// HashToken is the SHA-256 (hex) of a token: what the database keeps. A
// plain hash is enough because the tokens carry 256 bits of randomness.
func HashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}
