package handlers

import "testing"

// The editor's line inputs are found by their names; anything else, however
// close, is not a line.
func TestLineNumber(t *testing.T) {
	for _, tc := range []struct {
		key  string
		n    int
		isOK bool
	}{
		{"item-0-product_code", 0, true},
		{"item-17-product_code", 17, true},
		{"item-999-product_code", 999, true},
		{"item-1000-product_code", 0, false},
		{"item--product_code", 0, false},
		{"item-1a-product_code", 0, false},
		{"item-1-product_codes", 0, false},
		{"item-1-width", 0, false},
		{"items-1-product_code", 0, false},
		{"xitem-1-product_code", 0, false},
		{"item-1product_code", 0, false},
		{"item1-product_code", 0, false},
		{"item-+1-product_code", 0, false},
		{"mat-3-product_code", 0, false},
		{"", 0, false},
	} {
		n, ok := lineNumber([]byte(tc.key), "item", "product_code")
		if n != tc.n || ok != tc.isOK {
			t.Errorf("lineNumber(%q) = %d, %v; want %d, %v", tc.key, n, ok, tc.n, tc.isOK)
		}
	}
	if n, ok := lineNumber([]byte("mat-12-material_code"), "mat", "material_code"); n != 12 || !ok {
		t.Errorf("mat-12-material_code: %d, %v", n, ok)
	}
}
