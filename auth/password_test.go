package auth

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

// cheapParams keep the tests fast; DefaultParams is exercised once.
var cheapParams = Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashPasswordRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		password string
		wrong    string
	}{
		{"ascii", "correct horse battery staple", "correct horse battery stapl"},
		{"accents", "contraseña-de-cañón", "contrasena-de-canon"},
		{"emoji", "ventana🪟aluminio", "ventana aluminio"},
		{"empty", "", " "},
		{"case differs", "Ventana-Corrediza-9", "ventana-corrediza-9"},
		{"long", strings.Repeat("largo-", 200), strings.Repeat("largo-", 199)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded, err := HashPassword(tt.password, cheapParams)
			if err != nil {
				t.Fatalf("HashPassword: %v", err)
			}
			ok, err := VerifyPassword(tt.password, encoded)
			if err != nil || !ok {
				t.Errorf("VerifyPassword(right) = %v, %v; want true, nil", ok, err)
			}
			ok, err = VerifyPassword(tt.wrong, encoded)
			if err != nil || ok {
				t.Errorf("VerifyPassword(%q) = %v, %v; want false, nil", tt.wrong, ok, err)
			}
		})
	}
}

func TestHashPasswordFormat(t *testing.T) {
	encoded, err := HashPassword("Nopal-Tejado-73", cheapParams)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	const wantPrefix = "$argon2id$v=19$m=1024,t=1,p=1$"
	if !strings.HasPrefix(encoded, wantPrefix) {
		t.Fatalf("got %q, want prefix %q", encoded, wantPrefix)
	}
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		t.Fatalf("decodeHash(%q): %v", encoded, err)
	}
	if p != cheapParams {
		t.Errorf("parsed params = %+v, want %+v", p, cheapParams)
	}
	if len(salt) != 16 || len(key) != 32 {
		t.Errorf("salt, key lengths = %d, %d; want 16, 32", len(salt), len(key))
	}
	// Standard alphabet without padding, as the PHC format specifies.
	if parts := strings.Split(encoded, "$"); strings.ContainsAny(parts[4]+parts[5], "=-_") {
		t.Errorf("got %q, want unpadded standard base64", encoded)
	}
}

func TestHashPasswordDefaultParams(t *testing.T) {
	encoded, err := HashPassword("Nopal-Tejado-73", DefaultParams)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	const wantPrefix = "$argon2id$v=19$m=47104,t=1,p=1$"
	if !strings.HasPrefix(encoded, wantPrefix) {
		t.Errorf("got %q, want prefix %q", encoded, wantPrefix)
	}
	if ok, err := VerifyPassword("Nopal-Tejado-73", encoded); err != nil || !ok {
		t.Errorf("VerifyPassword = %v, %v; want true, nil", ok, err)
	}
	if NeedsRehash(encoded, DefaultParams) {
		t.Errorf("NeedsRehash(default hash, DefaultParams) = true, want false")
	}
	if !NeedsRehash(encoded, cheapParams) {
		t.Errorf("NeedsRehash(default hash, cheapParams) = false, want true")
	}
}

func TestHashPasswordSaltsDiffer(t *testing.T) {
	const n = 5
	seen := map[string]bool{}
	for i := range n {
		encoded, err := HashPassword("mismo-password-siempre", cheapParams)
		if err != nil {
			t.Fatalf("HashPassword: %v", err)
		}
		parts := strings.Split(encoded, "$")
		salt, key := parts[4], parts[5]
		if seen[salt] || seen[key] {
			t.Fatalf("hash %d repeats a salt or key: %q", i, encoded)
		}
		seen[salt], seen[key] = true, true
		if ok, err := VerifyPassword("mismo-password-siempre", encoded); err != nil || !ok {
			t.Errorf("VerifyPassword(hash %d) = %v, %v; want true, nil", i, ok, err)
		}
	}
}

func TestHashPasswordRejectsBadParams(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Params)
	}{
		{"zero time", func(p *Params) { p.Time = 0 }},
		{"huge time", func(p *Params) { p.Time = maxTime + 1 }},
		{"zero threads", func(p *Params) { p.Threads = 0 }},
		{"too many threads", func(p *Params) { p.Threads = maxThreads + 1 }},
		{"memory below 8 KiB per lane", func(p *Params) { p.Threads = 2; p.Memory = 15 }},
		{"huge memory", func(p *Params) { p.Memory = maxMemory + 1 }},
		{"zero salt", func(p *Params) { p.SaltLen = 0 }},
		{"short salt", func(p *Params) { p.SaltLen = minSaltLen - 1 }},
		{"long salt", func(p *Params) { p.SaltLen = maxSaltLen + 1 }},
		{"zero key", func(p *Params) { p.KeyLen = 0 }},
		{"long key", func(p *Params) { p.KeyLen = maxKeyLen + 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := cheapParams
			tt.modify(&p)
			got, err := HashPassword("Nopal-Tejado-73", p)
			if !errors.Is(err, ErrHashParams) || got != "" {
				t.Errorf("HashPassword(%+v) = %q, %v; want \"\", ErrHashParams", p, got, err)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	encoded, err := HashPassword("Nopal-Tejado-73", cheapParams)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	tests := []struct {
		name    string
		encoded string
		modify  func(*Params)
		want    bool
	}{
		{"same params", encoded, func(*Params) {}, false},
		{"more memory", encoded, func(p *Params) { p.Memory = 2048 }, true},
		{"more time", encoded, func(p *Params) { p.Time = 2 }, true},
		{"more threads", encoded, func(p *Params) { p.Threads = 2 }, true},
		{"longer salt", encoded, func(p *Params) { p.SaltLen = 32 }, true},
		{"shorter key", encoded, func(p *Params) { p.KeyLen = 16 }, true},
		{"malformed hash", "$argon2id$v=19$m=1024", func(*Params) {}, true},
		{"bcrypt hash", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", func(*Params) {}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := cheapParams
			tt.modify(&p)
			if got := NeedsRehash(tt.encoded, p); got != tt.want {
				t.Errorf("NeedsRehash(%q, %+v) = %v, want %v", tt.encoded, p, got, tt.want)
			}
		})
	}
}

// validSalt and validKey are canonical unpadded base64 of 16 and 32 bytes.
const (
	validSalt = "c29tZXNhbHRzb21lc2FsdA"
	validKey  = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
)

func TestVerifyPasswordMalformed(t *testing.T) {
	hash := func(head string) string { return head + "$" + validSalt + "$" + validKey }
	// The pieces themselves are valid, so each row fails for its own reason.
	if ok, err := VerifyPassword("Nopal-Tejado-73", hash("$argon2id$v=19$m=1024,t=1,p=1")); ok || err != nil {
		t.Fatalf("control hash: VerifyPassword = %v, %v; want false, nil", ok, err)
	}
	tests := []struct {
		name    string
		encoded string
		want    error
	}{
		{"empty", "", ErrMalformedHash},
		{"plain text", "Nopal-Tejado-73", ErrMalformedHash},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", ErrMalformedHash},
		{"argon2i", hash("$argon2i$v=19$m=1024,t=1,p=1"), ErrMalformedHash},
		{"no leading dollar", hash("argon2id$v=19$m=1024,t=1,p=1"), ErrMalformedHash},
		{"missing version", "$argon2id$m=1024,t=1,p=1$" + validSalt + "$" + validKey, ErrMalformedHash},
		{"missing key", "$argon2id$v=19$m=1024,t=1,p=1$" + validSalt, ErrMalformedHash},
		{"extra part", hash("$argon2id$v=19$m=1024,t=1,p=1") + "$x", ErrMalformedHash},
		{"trailing dollar", hash("$argon2id$v=19$m=1024,t=1,p=1") + "$", ErrMalformedHash},
		{"old version", hash("$argon2id$v=16$m=1024,t=1,p=1"), ErrHashVersion},
		{"empty version", hash("$argon2id$v=$m=1024,t=1,p=1"), ErrMalformedHash},
		{"version without v=", hash("$argon2id$19$m=1024,t=1,p=1"), ErrMalformedHash},
		{"params out of order", hash("$argon2id$v=19$t=1,m=1024,p=1"), ErrMalformedHash},
		{"missing p", hash("$argon2id$v=19$m=1024,t=1"), ErrMalformedHash},
		{"extra param", hash("$argon2id$v=19$m=1024,t=1,p=1,keyid=x"), ErrMalformedHash},
		{"spaces", hash("$argon2id$v=19$m=1024, t=1, p=1"), ErrMalformedHash},
		{"m not a number", hash("$argon2id$v=19$m=abc,t=1,p=1"), ErrHashParams},
		{"negative m", hash("$argon2id$v=19$m=-1024,t=1,p=1"), ErrHashParams},
		{"plus sign", hash("$argon2id$v=19$m=+1024,t=1,p=1"), ErrHashParams},
		{"leading zero", hash("$argon2id$v=19$m=01024,t=1,p=1"), ErrHashParams},
		{"m overflows uint32", hash("$argon2id$v=19$m=4294967296,t=1,p=1"), ErrHashParams},
		{"huge m", hash("$argon2id$v=19$m=4294967295,t=1,p=1"), ErrHashParams},
		{"enormous m", hash("$argon2id$v=19$m=99999999999999999999999,t=1,p=1"), ErrHashParams},
		{"huge t", hash("$argon2id$v=19$m=1024,t=4294967295,p=1"), ErrHashParams},
		{"zero t", hash("$argon2id$v=19$m=1024,t=0,p=1"), ErrHashParams},
		{"zero p", hash("$argon2id$v=19$m=1024,t=1,p=0"), ErrHashParams},
		{"p overflows uint8", hash("$argon2id$v=19$m=1024,t=1,p=256"), ErrHashParams},
		{"m too small for p", hash("$argon2id$v=19$m=8,t=1,p=2"), ErrHashParams},
		{"salt not base64", "$argon2id$v=19$m=1024,t=1,p=1$!!!!$" + validKey, ErrMalformedHash},
		{"salt padded", "$argon2id$v=19$m=1024,t=1,p=1$" + validSalt + "==$" + validKey, ErrMalformedHash},
		{"salt url alphabet", "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA_-$" + validKey, ErrMalformedHash},
		{"newline in salt", "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNh\nbHRzb21lc2FsdA$" + validKey, ErrMalformedHash},
		{"non-canonical trailing bits", "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdB$" + validKey, ErrMalformedHash},
		{"impossible base64 length", "$argon2id$v=19$m=1024,t=1,p=1$c29tZ$" + validKey, ErrMalformedHash},
		{"empty salt", "$argon2id$v=19$m=1024,t=1,p=1$$" + validKey, ErrHashParams},
		{"short salt", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$" + validKey, ErrHashParams},
		{"empty key", "$argon2id$v=19$m=1024,t=1,p=1$" + validSalt + "$", ErrHashParams},
		{"short key", "$argon2id$v=19$m=1024,t=1,p=1$" + validSalt + "$a2V5", ErrHashParams},
		{"key not base64", "$argon2id$v=19$m=1024,t=1,p=1$" + validSalt + "$ñññ", ErrMalformedHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := VerifyPassword("Nopal-Tejado-73", tt.encoded)
			if ok || !errors.Is(err, tt.want) {
				t.Errorf("VerifyPassword(%q) = %v, %v; want false, %v", tt.encoded, ok, err, tt.want)
			}
		})
	}
}

// TestVerifyPasswordTruncated cuts a real hash at every length: none may
// panic or verify.
func TestVerifyPasswordTruncated(t *testing.T) {
	encoded, err := HashPassword("Nopal-Tejado-73", cheapParams)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	for i := range len(encoded) {
		if ok, _ := VerifyPassword("Nopal-Tejado-73", encoded[:i]); ok {
			t.Errorf("VerifyPassword(%q) = true, want false", encoded[:i])
		}
	}
}

func FuzzVerifyPassword(f *testing.F) {
	f.Add("Nopal-Tejado-73", "$argon2id$v=19$m=1024,t=1,p=1$"+validSalt+"$"+validKey)
	f.Add("x", "$argon2id$v=19$m=4294967295,t=1,p=1$"+validSalt+"$"+validKey)
	f.Add("", "$argon2id$v=19$m=8,t=1,p=1$$")
	f.Add("ñ", "$$$$$$")
	f.Fuzz(func(t *testing.T, password, encoded string) {
		p, _, _, err := decodeHash(encoded)
		if err == nil && p.Memory*p.Time > 64*1024 {
			return // valid but too slow to run thousands of times
		}
		ok, err := VerifyPassword(password, encoded)
		if err != nil && ok {
			t.Errorf("VerifyPassword(%q, %q) = true with error %v", password, encoded, err)
		}
	})
}

func TestDummyVerify(t *testing.T) {
	tests := []struct {
		name       string
		p          Params
		wantMemory uint32 // KiB argon2 must have allocated
	}{
		{"given params", Params{Memory: 4096, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 4096},
		{"invalid params fall back to the defaults", Params{}, DefaultParams.Memory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Allocation proves argon2 really ran with that memory cost,
			// which is what makes the timing match a real login.
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			DummyVerify(tt.p)
			runtime.ReadMemStats(&after)
			if got, want := after.TotalAlloc-before.TotalAlloc, uint64(tt.wantMemory)*1024; got < want {
				t.Errorf("DummyVerify allocated %d bytes, want at least %d", got, want)
			}
		})
	}
}
