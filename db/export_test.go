package db

// setForTest sets *p to v and returns what puts the old value back: the
// test-only knobs below are package variables.
func setForTest[T any](p *T, v T) (restore func()) {
	old := *p
	*p = v
	return func() { *p = old }
}

var CompareVersions = compareVersions
