package backup_test

import (
	"testing"

	"cotizador/backup"
)

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{
		0:               "0 B",
		1023:            "1023 B",
		1024:            "1.0 KiB",
		1536:            "1.5 KiB",
		5 << 20:         "5.0 MiB",
		3<<30 + 512<<20: "3.5 GiB",
		2048 << 30:      "2048.0 GiB",
	} {
		if got := backup.ByteSize(n); got != want {
			t.Errorf("ByteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
