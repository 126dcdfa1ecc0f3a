package handlers

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"cotizador/app"
	"cotizador/catalogio"
	"cotizador/db"
	"cotizador/locales"
	"cotizador/validate"
)

// The import page works in two steps: the upload is parsed and worked out
// against the catalogue without writing anything (the preview, a dry
// run), then "Aplicar" applies the same files for real. Between the two the files wait in memory on the
// server, under a 256-bit random token that only the user who uploaded
// them can use, once, for importKeep; the browser holds the token in a
// hidden field, never the files. Nothing is written to disk.
const (
	importMaxFileMB = 4
	importMaxFile   = importMaxFileMB << 20
	importKeep      = 30 * time.Minute
	importMaxKept   = 20 // per server; the oldest go first
)

// pendingImport is an upload waiting for "Aplicar".
type pendingImport struct {
	userID    int64
	format    catalogio.Format
	materials *upload
	products  *upload
	expires   time.Time
}

type upload struct {
	name string
	data []byte
}

// importStore keeps pending imports by the SHA-256 of their token, so the
// map never holds a usable token.
type importStore struct {
	mu      sync.Mutex
	pending map[string]*pendingImport
}

var importStores sync.Map // *server → *importStore

func (s *server) importStore() *importStore {
	st, _ := importStores.LoadOrStore(s, &importStore{pending: map[string]*pendingImport{}})
	return st.(*importStore)
}

func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// put stores an upload and returns its token.
func (st *importStore) put(p *pendingImport, now time.Time) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	st.mu.Lock()
	defer st.mu.Unlock()
	for k, v := range st.pending {
		if !now.Before(v.expires) {
			delete(st.pending, k)
		}
	}
	for len(st.pending) >= importMaxKept {
		var oldest string
		for k, v := range st.pending {
			if oldest == "" || v.expires.Before(st.pending[oldest].expires) {
				oldest = k
			}
		}
		delete(st.pending, oldest)
	}
	st.pending[tokenKey(token)] = p
	return token, nil
}

// take removes and returns the upload of a token if it belongs to the
// user and has not expired.
func (st *importStore) take(token string, userID int64, now time.Time) *pendingImport {
	st.mu.Lock()
	defer st.mu.Unlock()
	k := tokenKey(token)
	p, ok := st.pending[k]
	if !ok || p.userID != userID {
		return nil
	}
	delete(st.pending, k)
	if !now.Before(p.expires) {
		return nil
	}
	return p
}

func (p *pendingImport) input() catalogio.Input {
	in := catalogio.Input{}
	if p.materials != nil {
		in.Materials, in.MaterialsName = bytes.NewReader(p.materials.data), p.materials.name
	}
	if p.products != nil {
		in.Products, in.ProductsName = bytes.NewReader(p.products.data), p.products.name
	}
	return in
}

// importRow is a row's result as the page shows it.
type importRow struct {
	File     string
	Line     int
	Subject  string
	Action   string
	Failed   bool
	Problems []importMessage
	Notes    []string
}

type importMessage struct {
	Field string
	Text  string
}

func importRows(l *locales.Translator, rows []db.ImportRow) []importRow {
	out := make([]importRow, len(rows))
	for i, r := range rows {
		v := importRow{File: r.File, Line: r.Line, Failed: r.Failed(),
			Subject: l.Map("catalogio.kind."+string(r.Kind), map[string]any{"Code": r.Code, "Name": r.Name}),
			Action:  l.Map("catalogio.action."+string(r.Action), nil)}
		for _, p := range r.Problems {
			v.Problems = append(v.Problems, importMessage{Field: p.Field, Text: l.Map(p.Key, p.Args)})
		}
		for _, n := range r.Notes {
			v.Notes = append(v.Notes, l.Map(n.Key, n.Args))
		}
		out[i] = v
	}
	return out
}

func (s *server) importData(c *fiber.Ctx, f *form) fiber.Map {
	if f == nil {
		f = newForm(c)
		f.Values["format"] = string(catalogio.Native)
	}
	return fiber.Map{"Form": f, "Formats": catalogio.Formats, "MaxMB": importMaxFileMB, "KeepMinutes": int(importKeep.Minutes())}
}

func (s *server) importPage(c *fiber.Ctx) error {
	return s.renderPage(c, fiber.StatusOK, "import", "import.title", s.importData(c, nil))
}

// readUpload reads one uploaded file of the multipart form, if any.
func readUpload(c *fiber.Ctx, f *form, field string) (*upload, error) {
	fh, err := c.FormFile(field)
	if err != nil || fh == nil || fh.Size == 0 {
		// No file chosen, or a body that is not multipart at all: the
		// form then says to upload a file.
		return nil, nil
	}
	if fh.Size > importMaxFile {
		f.Errors.Add(field, "import.file_too_large", map[string]any{"MB": importMaxFileMB})
		return nil, nil
	}
	file, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, importMaxFile+1))
	if err != nil {
		return nil, err
	}
	name := filepath.Base(fh.Filename)
	if name == "." || name == "/" || len(name) > 120 {
		name = field + ".csv"
	}
	return &upload{name: name, data: data}, nil
}

// importPreview parses the upload and works it out as a dry run (nothing
// is written), showing every row's result.
func (s *server) importPreview(c *fiber.Ctx) error {
	f := newForm(c, "format")
	formats := make([]string, len(catalogio.Formats))
	for i, fm := range catalogio.Formats {
		formats[i] = string(fm)
	}
	format := catalogio.Format(validate.Choice(f.Errors, "format", f.Get("format"), true, formats...))
	materials, err := readUpload(c, f, "materials")
	if err != nil {
		return err
	}
	products, err := readUpload(c, f, "products")
	if err != nil {
		return err
	}
	if materials == nil && products == nil && len(f.Errors) == 0 {
		f.Errors.Add("materials", "import.no_files", nil)
	}
	if len(f.Errors) > 0 {
		return s.renderPage(c, fiber.StatusUnprocessableEntity, "import", "import.title", s.importData(c, f))
	}
	p := &pendingImport{userID: currentUser(c).ID, format: format, materials: materials, products: products,
		expires: s.Clock.Now().Add(importKeep)}
	res, err := s.applyUpload(c, p, true)
	if err != nil {
		return err
	}
	data := s.importData(c, f)
	data["Result"] = res
	data["Rows"] = importRows(s.translator(c), res.Rows)
	status := fiber.StatusOK
	if res.OK() {
		token, err := s.importStore().put(p, s.Clock.Now())
		if err != nil {
			return err
		}
		data["Token"] = token
	} else {
		status = fiber.StatusUnprocessableEntity
	}
	return s.renderPage(c, status, "import", "import.title", data)
}

func (s *server) applyUpload(c *fiber.Ctx, p *pendingImport, dryRun bool) (*db.ImportResult, error) {
	changes, err := catalogio.Read(p.format, p.input())
	if err != nil {
		return nil, err
	}
	return s.DB.ApplyCatalog(c.UserContext(), changes, actor(c), dryRun)
}

// importApply applies the upload of a preview, all or nothing.
func (s *server) importApply(c *fiber.Ctx) error {
	p := s.importStore().take(c.FormValue("token"), currentUser(c).ID, s.Clock.Now())
	if p == nil {
		data := s.importData(c, nil)
		data["Expired"] = true
		return s.renderPage(c, fiber.StatusUnprocessableEntity, "import", "import.title", data)
	}
	res, err := s.applyUpload(c, p, false)
	if err != nil {
		return err
	}
	if !res.Applied {
		// The catalogue changed since the preview in a way that breaks a
		// row: show why; nothing was written.
		f := newForm(c)
		f.Values["format"] = string(p.format)
		data := s.importData(c, f)
		data["Result"] = res
		data["Rows"] = importRows(s.translator(c), res.Rows)
		return s.renderPage(c, fiber.StatusUnprocessableEntity, "import", "import.title", data)
	}
	s.Logger.Info("catalogue imported", "request_id", requestIDFrom(c), "actor", string(actor(c)), "format", string(p.format),
		"created", res.Summary.Create, "updated", res.Summary.Update, "deleted", res.Summary.Delete,
		"staged", res.Staged, "write_transactions", res.WriteTransactions, "longest_write_ms", res.LongestWrite.Milliseconds())
	s.setFlash(c, "success", "import.applied")
	return redirect(c, "/catalogo/importar")
}

// exportCatalog sends the native CSV files in a zip.
func (s *server) exportCatalog(c *fiber.Ctx) error {
	snap, err := s.DB.ExportCatalog(c.UserContext())
	if err != nil {
		return err
	}
	var m, p bytes.Buffer
	if err := catalogio.WriteNative(&m, &p, snap); err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	modified := s.Clock.Now()
	for name, data := range map[string][]byte{catalogio.MaterialsFile: m.Bytes(), catalogio.ProductsFile: p.Bytes()} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="catalogo-`+modified.UTC().Format("2006-01-02")+`.zip"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// loadDemoAfterSetup loads the demo catalogue for the setup page's
// checkbox. A catalogue that already has data (make run loads the demo
// before the first visit) is left as it is; any other failure is logged and
// told, but the setup itself is done.
func (s *server) loadDemoAfterSetup(c *fiber.Ctx, owner *db.User) string {
	ch, err := catalogio.Demo()
	if err == nil {
		_, err = s.DB.LoadEmptyCatalog(c.UserContext(), ch, app.UserActor(owner.ID))
	}
	switch {
	case err == nil:
		return "import.demo_loaded"
	case app.ErrorCode(err) == app.ECONFLICT:
		return "setup.done"
	}
	s.Logger.Error("load demo catalogue after setup", "request_id", requestIDFrom(c), "err", err)
	return "import.demo_failed"
}

// setupDemoAvailable says whether the setup page offers the demo catalogue.
func (s *server) setupDemoAvailable(c *fiber.Ctx) bool {
	empty, err := s.DB.CatalogEmpty(c.UserContext())
	return err == nil && empty
}
