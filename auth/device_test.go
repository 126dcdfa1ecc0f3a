package auth

import "testing"

func TestDeviceFamily(t *testing.T) {
	tests := []struct{ ua, want string }{
		{"Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome · Android"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari · iPhone"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1", "Chrome · iPhone"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", "Edge · Windows"},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox · Linux"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari · macOS"},
		{"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet · Android"},
		{"curl/8.5.0", "curl"},
		{"", "?"},
	}
	for _, tt := range tests {
		if got := DeviceFamily(tt.ua); got != tt.want {
			t.Errorf("DeviceFamily(%.40q…) = %q, want %q", tt.ua, got, tt.want)
		}
	}
}

func TestIPNetwork(t *testing.T) {
	tests := []struct{ ip, want string }{
		{"201.141.23.9", "201.141.23.0/24"},
		{"201.141.23.250", "201.141.23.0/24"},
		{"2806:10a6:3:1::5", "2806:10a6:3::/48"},
		{"::ffff:10.1.2.3", "10.1.2.0/24"},
		{"no-ip", "?"},
	}
	for _, tt := range tests {
		if got := IPNetwork(tt.ip); got != tt.want {
			t.Errorf("IPNetwork(%q) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}
