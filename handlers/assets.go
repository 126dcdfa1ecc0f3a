package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Assets serves the embedded static files. Each file is reachable under a
// name that carries a hash of its content ("css/app.3f9a1c2b7d.css"), so it
// can be cached for a year: a changed file gets a new name. The plain name
// still works, with a short cache lifetime, for links that cannot know the
// hash (bookmarks, the manifest's consumers).
type Assets struct {
	byName   map[string]*asset // plain name → asset
	byHashed map[string]*asset // hashed name → asset
}

type asset struct {
	name        string
	hashed      string
	data        []byte
	etag        string
	contentType string
}

// NewAssets reads and hashes every file of fsys.
func NewAssets(fsys fs.FS) (*Assets, error) {
	a := &Assets{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(p)
		ct := mime.TypeByExtension(ext)
		switch ext {
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".webmanifest":
			ct = "application/manifest+json"
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		as := &asset{
			name:        p,
			hashed:      strings.TrimSuffix(p, ext) + "." + h + ext,
			data:        data,
			etag:        `"` + h + `"`,
			contentType: ct,
		}
		a.byName[p] = as
		a.byHashed[as.hashed] = as
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("handlers: static files: %w", err)
	}
	return a, nil
}

// URL returns the content-hashed URL of a static file; templates call it as
// {{asset "css/app.css"}}. An unknown name is a programming error that
// template parsing cannot catch, so it fails the render loudly.
func (a *Assets) URL(name string) (string, error) {
	as, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("unknown static file %q", name)
	}
	return "/static/" + as.hashed, nil
}

// Serve answers GET /static/*.
func (a *Assets) Serve(c *fiber.Ctx) error {
	p := c.Params("*")
	if as, ok := a.byHashed[p]; ok {
		return a.send(c, as, "public, max-age=31536000, immutable")
	}
	if as, ok := a.byName[p]; ok {
		return a.send(c, as, "public, max-age=300")
	}
	return fiber.ErrNotFound
}

// ServeFile answers a fixed path with one static file (e.g. /favicon.ico).
func (a *Assets) ServeFile(name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		as, ok := a.byName[name]
		if !ok {
			return fiber.ErrNotFound
		}
		return a.send(c, as, "public, max-age=86400")
	}
}

func (a *Assets) send(c *fiber.Ctx, as *asset, cacheControl string) error {
	c.Set(fiber.HeaderCacheControl, cacheControl)
	c.Set(fiber.HeaderETag, as.etag)
	c.Set(fiber.HeaderContentType, as.contentType)
	if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && strings.Contains(match, as.etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	return c.Send(as.data)
}
