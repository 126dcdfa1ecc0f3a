// Package views embeds the HTML templates: layouts/, pages/ (full pages, also
// served alone as the #main fragment to htmx), partials/ (fragments htmx swaps)
// and errors/.
package views

import "embed"

//go:embed layouts pages partials errors
var FS embed.FS
