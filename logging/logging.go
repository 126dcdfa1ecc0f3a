// Package logging builds the app's slog logger: JSON lines on stdout, each
// with a category (application, error, security, database, performance,
// audit), and — when a log folder is configured — one file per category,
// rotated by size and by age and compressed (lumberjack does the files).
package logging

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"
)

// Categories every log line falls in; a line without one is "error" from
// level ERROR up, else "application".
const (
	Application = "application"
	Error       = "error"
	Security    = "security"
	Database    = "database"
	Performance = "performance"
	Audit       = "audit"
)

// Categories lists them, in the order the files are described.
var Categories = []string{Application, Error, Security, Database, Performance, Audit}

// Options configure the logger.
type Options struct {
	Level slog.Leveler
	// Dir, when set, also writes <Dir>/<category>.log.
	Dir string
	// MaxSizeMB rotates a file when it grows past this size (default 20).
	MaxSizeMB int
	// RotateEvery rotates every file this often, whatever its size
	// (default 24h; 0 keeps the default, negative turns it off).
	RotateEvery time.Duration
	// MaxAgeDays deletes rotated files older than this (default 30).
	MaxAgeDays int
	// MaxBackups keeps at most this many rotated files per category
	// (default 0: all within MaxAgeDays).
	MaxBackups int
}

// Logger is the app's logger and the files behind it.
type Logger struct {
	*slog.Logger
	files map[string]*lumberjack.Logger
	stop  chan struct{}
	once  sync.Once
}

// New builds the logger. Close it to stop the age-based rotation and close
// the files.
func New(stdout io.Writer, o Options) *Logger {
	if o.Level == nil {
		o.Level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: o.Level}
	h := &handler{out: slog.NewJSONHandler(stdout, opts), level: o.Level}
	l := &Logger{stop: make(chan struct{})}
	if o.Dir != "" {
		if o.MaxSizeMB <= 0 {
			o.MaxSizeMB = 20
		}
		if o.MaxAgeDays <= 0 {
			o.MaxAgeDays = 30
		}
		if o.RotateEvery == 0 {
			o.RotateEvery = 24 * time.Hour
		}
		l.files = map[string]*lumberjack.Logger{}
		h.files = map[string]slog.Handler{}
		for _, c := range Categories {
			f := &lumberjack.Logger{Filename: filepath.Join(o.Dir, c+".log"), MaxSize: o.MaxSizeMB,
				MaxAge: o.MaxAgeDays, MaxBackups: o.MaxBackups, Compress: true}
			l.files[c] = f
			h.files[c] = slog.NewJSONHandler(f, opts)
		}
		if o.RotateEvery > 0 {
			go l.rotateEvery(o.RotateEvery)
		}
	}
	l.Logger = slog.New(h)
	return l
}

// rotateEvery rotates every category's file on a timer: lumberjack rotates
// by size only, and an owner keeping "the last 30 days" wants days to end
// up in their own compressed files even on a quiet server.
func (l *Logger) rotateEvery(d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.Rotate()
		}
	}
}

// Rotate starts a new file for every category that has lines (the old ones
// are compressed in the background); an empty file is left alone, so a
// quiet category does not pile up empty archives.
func (l *Logger) Rotate() {
	for _, f := range l.files {
		if st, err := os.Stat(f.Filename); err == nil && st.Size() > 0 {
			_ = f.Rotate()
		}
	}
}

// Close stops the timer and closes the files.
func (l *Logger) Close() error {
	var errs []error
	l.once.Do(func() {
		close(l.stop)
		for _, f := range l.files {
			errs = append(errs, f.Close())
		}
	})
	return errors.Join(errs...)
}

// handler writes every record to stdout and to its category's file, adding
// the category when the caller did not give one.
type handler struct {
	out      slog.Handler
	files    map[string]slog.Handler
	level    slog.Leveler
	category string // set through With("category", …)
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	cat := h.category
	if cat == "" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "category" {
				cat = a.Value.String()
				return false
			}
			return true
		})
	}
	if cat == "" {
		cat = Application
		if r.Level >= slog.LevelError {
			cat = Error
		}
		r = r.Clone()
		r.AddAttrs(slog.String("category", cat))
	}
	err := h.out.Handle(ctx, r)
	if h.files != nil {
		f, ok := h.files[cat]
		if !ok {
			f = h.files[Application]
		}
		err = errors.Join(err, f.Handle(ctx, r))
	}
	return err
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	n := &handler{out: h.out.WithAttrs(attrs), level: h.level, category: h.category}
	for _, a := range attrs {
		if a.Key == "category" {
			n.category = a.Value.String()
		}
	}
	if h.files != nil {
		n.files = make(map[string]slog.Handler, len(h.files))
		for c, f := range h.files {
			n.files[c] = f.WithAttrs(attrs)
		}
	}
	return n
}

func (h *handler) WithGroup(name string) slog.Handler {
	n := &handler{out: h.out.WithGroup(name), level: h.level, category: h.category}
	if h.files != nil {
		n.files = make(map[string]slog.Handler, len(h.files))
		for c, f := range h.files {
			n.files[c] = f.WithGroup(name)
		}
	}
	return n
}
