// Package locales embeds the message files and wraps go-i18n so views and
// handlers translate with one call. Spanish (es-MX) is the source of truth;
// an unknown language falls back to it.
package locales

import (
	"embed"
	"fmt"
	"log/slog"
	"sync"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed active.*.toml
var FS embed.FS

// Files lists the embedded message files, Spanish first.
var Files = []string{"active.es.toml", "active.en.toml"}

// Supported lists the languages a user can choose, default first.
var Supported = []language.Tag{language.Spanish, language.English}

// Bundle holds the parsed messages of every language.
type Bundle struct {
	b       *i18n.Bundle
	matcher language.Matcher
	logger  *slog.Logger
	// Translators are immutable and shared: one per language, and the
	// language chosen for each Accept-Language/cookie value seen (bounded),
	// so a request neither parses its header nor builds a localizer again.
	mu          sync.RWMutex
	translators map[string]*Translator
	matched     map[string]string
}

// maxMatched bounds the remembered preference strings: headers are client
// input.
const maxMatched = 512

// NewBundle parses the embedded message files.
func NewBundle(logger *slog.Logger) (*Bundle, error) {
	b := i18n.NewBundle(language.Spanish)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, f := range Files {
		if _, err := b.LoadMessageFileFS(FS, f); err != nil {
			return nil, fmt.Errorf("locales: %s: %w", f, err)
		}
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Bundle{b: b, matcher: language.NewMatcher(Supported), logger: logger,
		translators: map[string]*Translator{}, matched: map[string]string{}}, nil
}

// Match picks the supported language for the given preferences (a ?lang=
// value, a cookie, an Accept-Language header), in order; the first one that
// names a supported language wins, else Spanish.
func (b *Bundle) Match(prefs ...string) string {
	for _, p := range prefs {
		if p == "" {
			continue
		}
		b.mu.RLock()
		lang, ok := b.matched[p]
		b.mu.RUnlock()
		if !ok {
			lang = b.match(p)
			b.mu.Lock()
			if len(b.matched) >= maxMatched {
				clear(b.matched)
			}
			b.matched[p] = lang
			b.mu.Unlock()
		}
		if lang != "" {
			return lang
		}
	}
	return "es"
}

// match is the supported language one preference names, or "".
func (b *Bundle) match(p string) string {
	tags, _, err := language.ParseAcceptLanguage(p)
	if err != nil || len(tags) == 0 {
		return ""
	}
	_, idx, conf := b.matcher.Match(tags...)
	if conf <= language.No {
		return ""
	}
	base, _ := Supported[idx].Base()
	return base.String()
}

// IsSupported reports whether s names one of the supported languages.
func IsSupported(s string) bool {
	tag, err := language.Parse(s)
	if err != nil {
		return false
	}
	base, _ := tag.Base()
	for _, t := range Supported {
		if b, _ := t.Base(); b == base {
			return true
		}
	}
	return false
}

// Translator returns a translator for one language ("es" or "en").
func (b *Bundle) Translator(lang string) *Translator {
	b.mu.RLock()
	t := b.translators[lang]
	b.mu.RUnlock()
	if t != nil {
		return t
	}
	t = &Translator{Lang: lang, loc: i18n.NewLocalizer(b.b, lang), logger: b.logger, bundle: b, plain: map[string]string{}}
	b.mu.Lock()
	defer b.mu.Unlock()
	if old := b.translators[lang]; old != nil {
		return old
	}
	if len(b.translators) < maxMatched { // lang is checked by callers; bound it anyway
		b.translators[lang] = t
	}
	return t
}

// Translator renders message ids in one language. Views call it as
// {{.L.T "nav.home"}}; args are key/value pairs for the message template.
type Translator struct {
	Lang   string
	loc    *i18n.Localizer
	logger *slog.Logger
	bundle *Bundle
	// plain caches messages looked up without template data: pages ask
	// for the same labels on every render, and go-i18n executes a template
	// for each lookup.
	mu    sync.RWMutex
	plain map[string]string
}

// T translates a message id. A missing id is logged and shown as the id,
// never a panic: a typo must not take a page down.
func (t *Translator) T(id string, args ...any) string {
	if len(args) == 0 && t.plain != nil {
		t.mu.RLock()
		v, ok := t.plain[id]
		t.mu.RUnlock()
		if ok {
			return v
		}
		s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id})
		if err == nil {
			t.mu.Lock()
			t.plain[id] = s
			t.mu.Unlock()
			return s
		}
	}
	return t.localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: pairs(args)})
}

// Has reports whether a message id exists, for labels that fall back to
// something else when it does not (an audit field of a table another
// feature added).
func (t *Translator) Has(id string) bool {
	_, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id})
	return err == nil
}

// N translates a message with plural forms chosen by count, which is also
// available to the template as .Count.
func (t *Translator) N(id string, count int, args ...any) string {
	data := pairs(args)
	data["Count"] = count
	return t.localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: count, TemplateData: data})
}

// Map translates with template data given as a map (used for app.Error args).
func (t *Translator) Map(id string, data map[string]any) string {
	return t.localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
}

// Nested is a message carried as another message's template argument, so
// that it is rendered in the same language before it is placed: a pricing
// error's reason (a formula's own error inside "could not calculate …: "),
// or a pricing error inside a catalogue import row's message.
// *pricing.FieldError and *pricing.FormulaError are Nested; locales does not
// import pricing, the interface is all it needs.
type Nested interface {
	MessageID() string
	MessageData() map[string]any
}

// maxNesting bounds how deep nested messages are rendered, so that a
// message that (by mistake) contains itself cannot recurse forever.
const maxNesting = 4

func (t *Translator) localize(cfg *i18n.LocalizeConfig) string {
	return t.localizeDepth(cfg, 0)
}

func (t *Translator) localizeDepth(cfg *i18n.LocalizeConfig, depth int) string {
	if data, ok := cfg.TemplateData.(map[string]any); ok {
		cfg.TemplateData = t.renderNested(data, depth)
	}
	s, err := t.loc.Localize(cfg)
	if err != nil {
		t.logger.Error("missing translation", "id", cfg.MessageID, "lang", t.Lang, "err", err)
		if s != "" {
			return s
		}
		return cfg.MessageID
	}
	return s
}

// renderNested returns data with every Nested value replaced by its text.
// data itself is left alone (callers share their argument maps), and is
// returned as it is when nothing in it is nested, the usual case.
func (t *Translator) renderNested(data map[string]any, depth int) map[string]any {
	var out map[string]any
	for k, v := range data {
		n, ok := v.(Nested)
		if !ok {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(data))
			for k2, v2 := range data {
				out[k2] = v2
			}
		}
		if depth >= maxNesting {
			out[k] = n.MessageID()
			continue
		}
		out[k] = t.localizeDepth(&i18n.LocalizeConfig{MessageID: n.MessageID(), TemplateData: n.MessageData()}, depth+1)
	}
	if out == nil {
		return data
	}
	return out
}

func pairs(args []any) map[string]any {
	m := make(map[string]any, len(args)/2+1)
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok {
			m[k] = args[i+1]
		}
	}
	return m
}
