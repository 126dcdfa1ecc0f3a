// Package static embeds the CSS, JavaScript and images, served under
// content-hashed names so browsers can cache them for a year.
package static

import "embed"

//go:embed css js img
var FS embed.FS
