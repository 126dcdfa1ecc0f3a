package auth

import (
	"net"
	"strings"
)

// DeviceFamily names a browser by its family and system, "Chrome · Android"
// or "Safari · iPhone": what a person recognises as "my phone" or "the shop's
// computer", stable across browser updates (no versions). An empty or
// unrecognised user agent is "?".
func DeviceFamily(ua string) string {
	browser, system := "", ""
	for _, b := range browsers {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, s := range systems {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser == "" && system == "":
		if ua == "" {
			return "?"
		}
		// A script or tool: its product name, without version.
		name, _, _ := strings.Cut(ua, "/")
		if len(name) > 40 {
			name = name[:40]
		}
		return strings.TrimSpace(name)
	case system == "":
		return browser
	case browser == "":
		return system
	}
	return browser + " · " + system
}

// Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
var browsers = []struct{ token, name string }{
	{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
	{"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"},
	{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
	{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Chromium/", "Chrome"},
	{"Safari/", "Safari"},
}

var systems = []struct{ token, name string }{
	{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"CrOS", "ChromeOS"},
	{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
}

// IPNetwork is the network an address belongs to for sign-in anomalies: its
// /24 for IPv4 and its /48 for IPv6 (a household or an office keeps it while
// its provider changes the last digits).
func IPNetwork(ip string) string {
	a := net.ParseIP(strings.TrimSpace(ip))
	if a == nil {
		return "?"
	}
	if v4 := a.To4(); v4 != nil {
		return (&net.IPNet{IP: v4.Mask(net.CIDRMask(24, 32)), Mask: net.CIDRMask(24, 32)}).String()
	}
	return (&net.IPNet{IP: a.Mask(net.CIDRMask(48, 128)), Mask: net.CIDRMask(48, 128)}).String()
}
