// Package web holds the dashboard's static files (HTML, JavaScript modules,
// CSS) embedded in the binary, so that `hule serve` needs no build step and
// no files beside it. internal/web serves them.
package web

import "embed"

// Static is the dashboard: static/index.html and everything it loads.
//
//go:embed static
var Static embed.FS
