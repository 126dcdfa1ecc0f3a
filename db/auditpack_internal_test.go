package db

import (
	"strconv"
	"strings"
	"testing"
)

func TestAuditPackRoundTrip(t *testing.T) {
	long := `{"name":"Ñandú Pérez","notes":"` + strings.Repeat("ventana corrediza ", 20) + `","total":"1234.56"}`
	for _, tc := range []struct {
		name, in   string
		wantPacked bool
	}{
		{"short image stays text", `{"status":"enviada"}`, false},
		{"long image is packed", long, true},
		{"the default conditions", `{"conditions":"` + DefaultConditions + `"}`, true},
		{"an image just under the minimum stays text", `{"notes":"` + strings.Repeat("a", 49) + `"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := auditPack(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			b, isBlob := v.([]byte)
			if isBlob != tc.wantPacked {
				t.Fatalf("packed = %v (%T), want %v", isBlob, v, tc.wantPacked)
			}
			if isBlob && len(b) >= len(tc.in) {
				t.Errorf("packed %d bytes into %d", len(tc.in), len(b))
			}
			back, err := auditUnpack(v)
			if err != nil || back != tc.in {
				t.Errorf("unpack = %q, %v; want %q", back, err, tc.in)
			}
			field, err := auditImageField(v)
			if want := strconv.Itoa(len(tc.in)) + ":" + tc.in; err != nil || string(field) != want {
				t.Errorf("audit_image_field = %q, %v; want %q", field, err, want)
			}
		})
	}
	t.Run("NULL stays NULL", func(t *testing.T) {
		if v, err := auditPack(nil); v != nil || err != nil {
			t.Errorf("pack(NULL) = %v, %v", v, err)
		}
		if v, err := auditUnpack(nil); v != nil || err != nil {
			t.Errorf("unpack(NULL) = %v, %v", v, err)
		}
	})
	t.Run("an unknown version is an error, not a guess", func(t *testing.T) {
		if _, err := auditUnpack([]byte{9, 1, 2, 3}); err == nil {
			t.Error("unpack of version 9: no error")
		}
		if _, err := auditUnpack([]byte{auditPackV1, 0xff, 0xff}); err == nil {
			t.Error("unpack of corrupt data: no error")
		}
	})
}
