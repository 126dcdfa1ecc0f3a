package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters of one password hash.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams is OWASP's minimum argon2id configuration (46 MiB, one pass,
// one lane): about 50 ms on a small server, so logins stay cheap on 2 cores
// while offline guessing stays expensive.
var DefaultParams = Params{Memory: 46 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on the parameters we accept, both for new hashes and for stored
// ones: a corrupt or hostile hash string must not make a login allocate
// gigabytes or spin for minutes.
const (
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
	maxMemory  = 1024 * 1024 // KiB, 1 GiB
	maxTime    = 16
	maxThreads = 16
)

var (
	// ErrMalformedHash means a stored hash is not an argon2id PHC string we can read.
	ErrMalformedHash = errors.New("auth: malformed password hash")
	// ErrHashVersion means the hash uses an argon2 version this code does not compute.
	ErrHashVersion = errors.New("auth: unsupported argon2 version")
	// ErrHashParams means the cost parameters are outside the accepted bounds.
	ErrHashParams = errors.New("auth: argon2 parameters out of bounds")
)

// b64 is the PHC string encoding: standard alphabet, no padding.
var b64 = base64.RawStdEncoding.Strict()

// validate reports parameters argon2 would panic on or that exceed our bounds.
func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime,
		p.Threads < 1 || p.Threads > maxThreads,
		// RFC 9106: at least 8 KiB per lane.
		p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory,
		p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen,
		p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("%w: m=%d,t=%d,p=%d salt=%d key=%d", ErrHashParams,
			p.Memory, p.Time, p.Threads, p.SaltLen, p.KeyLen)
	}
	return nil
}

// HashPassword hashes password with argon2id and a fresh random salt and
// returns the PHC string, e.g.
// $argon2id$v=19$m=47104,t=1,p=1$<salt>$<hash>, which carries everything
// VerifyPassword needs, so parameters can change without a migration.
func HashPassword(password string, p Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC string encoded.
// A wrong password is (false, nil); a hash that cannot be read is an error,
// so the caller can log it instead of silently locking the user out.
func VerifyPassword(password, encoded string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	// Constant time so the comparison leaks nothing about the stored key.
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with parameters other than p
// (or cannot be read), so a successful login can store a fresh hash.
func NeedsRehash(encoded string, p Params) bool {
	stored, _, _, err := decodeHash(encoded)
	return err != nil || stored != p
}

// DummyVerify spends the time of one VerifyPassword against a hash made with
// p, and its result is meaningless. Call it when a login names an account
// that does not exist (or has no password), so the response time does not
// tell an attacker which e-mail addresses are registered.
func DummyVerify(p Params) {
	if p.validate() != nil {
		p = DefaultParams
	}
	// The salt's content does not matter, only that argon2 does the same work.
	salt := make([]byte, p.SaltLen)
	key := argon2.IDKey([]byte("cotizador-dummy-password"), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	subtle.ConstantTimeCompare(key, salt)
}

// decodeHash parses $argon2id$v=19$m=M,t=T,p=P$salt$key strictly: anything
// else, including out-of-bounds costs, is an error rather than a panic or a
// huge allocation.
func decodeHash(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformedHash
	}
	v, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return Params{}, nil, nil, ErrMalformedHash
	}
	version, err := parseDecimal(v, 32)
	if err != nil {
		return Params{}, nil, nil, ErrMalformedHash
	}
	if version != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("%w: v=%d", ErrHashVersion, version)
	}

	costs := strings.Split(parts[3], ",")
	if len(costs) != 3 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	var m, t, threads uint64
	for i, c := range []struct {
		prefix string
		bits   int
		dst    *uint64
	}{{"m=", 32, &m}, {"t=", 32, &t}, {"p=", 8, &threads}} {
		s, ok := strings.CutPrefix(costs[i], c.prefix)
		if !ok {
			return Params{}, nil, nil, ErrMalformedHash
		}
		if *c.dst, err = parseDecimal(s, c.bits); err != nil {
			return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrHashParams, costs[i])
		}
	}

	if salt, err = decodeB64(parts[4]); err != nil {
		return Params{}, nil, nil, ErrMalformedHash
	}
	if key, err = decodeB64(parts[5]); err != nil {
		return Params{}, nil, nil, ErrMalformedHash
	}
	p = Params{
		Memory:  uint32(m),
		Time:    uint32(t),
		Threads: uint8(threads),
		SaltLen: uint32(len(salt)),
		KeyLen:  uint32(len(key)),
	}
	if err := p.validate(); err != nil {
		return Params{}, nil, nil, err
	}
	return p, salt, key, nil
}

// parseDecimal accepts only plain decimal digits without a sign or leading
// zeros, so each hash has exactly one spelling.
func parseDecimal(s string, bits int) (uint64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return 0, ErrMalformedHash
	}
	return strconv.ParseUint(s, 10, bits)
}

// decodeB64 decodes unpadded standard base64 and insists on the canonical
// form: the decoder would otherwise skip embedded newlines.
func decodeB64(s string) ([]byte, error) {
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if b64.EncodeToString(b) != s {
		return nil, ErrMalformedHash
	}
	return b, nil
}
