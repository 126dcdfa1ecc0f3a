package quoting

import "testing"

func TestValidBytes(t *testing.T) {
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"plain", `{"a":"Recámara"}`, true},
		{"escaped control character (refused later, by the text validator)", `{"a":"\u0007"}`, true},
		{"surrogate pair", `{"a":"\ud83d\ude00"}`, true},
		{"escaped backslash before u", `{"a":"\\ud800"}`, true},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", false},
		{"lone high surrogate", `{"a":"\ud83d"}`, false},
		{"lone low surrogate", `{"a":"\ude00x"}`, false},
		{"high surrogate then a non-surrogate", `{"a":"\ud83d\u0041"}`, false},
		{"truncated escape", `{"a":"\u12`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidBytes([]byte(tt.body)); got != tt.want {
				t.Errorf("ValidBytes(%q) = %v, want %v", tt.body, got, tt.want)
			}
		})
	}
}
