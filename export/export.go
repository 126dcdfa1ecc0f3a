// Package export writes the data exports: ARCO access for a customer or a
// user (their data as JSON and as CSV files) and the whole business (every
// table as CSV), each a ZIP with a manifest of row counts and SHA-256 per
// file. Secrets never reach it (db leaves them out of the tables it hands
// over). Spreadsheet formulas in cells are neutralised with the catalogue
// export's rule (catalogio.NeutraliseCell).
package export

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"cotizador/app"
	"cotizador/catalogio"
	"cotizador/db"
)

// Format names this layout in every manifest.
const Format = "cotizador-export-1"

// ManifestName is the manifest's name inside the ZIP.
const ManifestName = "manifest.json"

// File is one file of an export as the manifest lists it.
type File struct {
	Name   string `json:"name"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Manifest describes an export. Rows of a CSV file exclude its header;
// datos.json's are the records of all its sections.
type Manifest struct {
	Format    string `json:"format"`
	Kind      string `json:"kind"`
	SubjectID int64  `json:"subject_id,omitempty"`
	CreatedAt string `json:"created_at"`
	// BlobEncoding: binary values (the logo, audit hashes) are base64.
	BlobEncoding string `json:"blob_encoding"`
	Files        []File `json:"files"`
}

// utf8BOM makes Excel read the CSV files as UTF-8 (accents).
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// zipper writes files into a ZIP, counting and hashing each.
type zipper struct {
	zw       *zip.Writer
	manifest *Manifest
	modified time.Time
}

type fileWriter struct {
	w    io.Writer
	h    hash.Hash
	n    int64
	file *File
}

func (f *fileWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	f.h.Write(p[:n])
	f.n += int64(n)
	return n, err
}

// create starts a file; close records it in the manifest.
func (z *zipper) create(name string) (*fileWriter, error) {
	w, err := z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: z.modified})
	if err != nil {
		return nil, err
	}
	return &fileWriter{w: w, h: sha256.New(), file: &File{Name: name}}, nil
}

func (z *zipper) close(f *fileWriter, rows int64) {
	f.file.Rows, f.file.Bytes, f.file.SHA256 = rows, f.n, hex.EncodeToString(f.h.Sum(nil))
	z.manifest.Files = append(z.manifest.Files, *f.file)
}

// finish writes the manifest last and closes the ZIP.
func (z *zipper) finish() error {
	w, err := z.zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: z.modified})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(z.manifest); err != nil {
		return err
	}
	return z.zw.Close()
}

// cell renders a value for a CSV cell: NULL empty, numbers as SQLite
// prints them, binary in base64, text neutralised.
func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case string:
		return catalogio.NeutraliseCell(x)
	case time.Time:
		return app.FormatTime(x)
	}
	return catalogio.NeutraliseCell(fmt.Sprint(v))
}

// jsonValue is a value as JSON holds it: binary in base64.
func jsonValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case time.Time:
		return app.FormatTime(x)
	}
	return v
}

// writeCSV writes a header and rows.
func writeCSV(w io.Writer, columns []string, rows func(yield func([]any) error) error) (int64, error) {
	if _, err := w.Write(utf8BOM); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(columns); err != nil {
		return 0, err
	}
	var n int64
	rec := make([]string, len(columns))
	err := rows(func(r []any) error {
		for i, v := range r {
			rec[i] = cell(v)
		}
		n++
		return cw.Write(rec)
	})
	if err != nil {
		return n, err
	}
	cw.Flush()
	return n, cw.Error()
}

// subjectExport writes the tables of one person: datos.json with every
// section (a list of records each), and csv/<section>.csv per section.
func subjectExport(w io.Writer, m *Manifest, modified time.Time, tables []db.DataTable) error {
	z := &zipper{zw: zip.NewWriter(w), manifest: m, modified: modified}
	f, err := z.create("datos.json")
	if err != nil {
		return err
	}
	var total int64
	var buf bytes.Buffer
	buf.WriteString("{\n  \"format\": " + strconv.Quote(Format) + ",\n  \"kind\": " + strconv.Quote(m.Kind) + ",\n  \"sections\": {")
	for i, t := range tables {
		if i > 0 {
			buf.WriteString(",")
		}
		key, _ := json.Marshal(t.Name)
		buf.WriteString("\n    " + string(key) + ": [")
		for j, r := range t.Rows {
			if j > 0 {
				buf.WriteString(",")
			}
			// One object per record, its keys in the table's column order.
			buf.WriteString("\n      {")
			for k, c := range t.Columns {
				if k > 0 {
					buf.WriteString(", ")
				}
				ck, _ := json.Marshal(c)
				cv, err := json.Marshal(jsonValue(r[k]))
				if err != nil {
					return err
				}
				buf.Write(ck)
				buf.WriteString(": ")
				buf.Write(cv)
			}
			buf.WriteString("}")
		}
		if len(t.Rows) > 0 {
			buf.WriteString("\n    ")
		}
		buf.WriteString("]")
		total += int64(len(t.Rows))
	}
	buf.WriteString("\n  }\n}\n")
	if _, err := f.Write(buf.Bytes()); err != nil {
		return err
	}
	z.close(f, total)
	for _, t := range tables {
		f, err := z.create("csv/" + t.Name + ".csv")
		if err != nil {
			return err
		}
		n, err := writeCSV(f, t.Columns, func(yield func([]any) error) error {
			for _, r := range t.Rows {
				if err := yield(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		z.close(f, n)
	}
	return z.finish()
}

func newManifest(d *db.DB, kind string, subject int64) *Manifest {
	return &Manifest{Format: Format, Kind: kind, SubjectID: subject, CreatedAt: app.FormatTime(d.Clock.Now()), BlobEncoding: "base64"}
}

// Customer writes the ARCO access export of customer id into w.
func Customer(ctx context.Context, d *db.DB, id int64, w io.Writer) (*Manifest, error) {
	tables, err := d.CustomerData(ctx, id)
	if err != nil {
		return nil, err
	}
	m := newManifest(d, db.ExportCustomer, id)
	return m, subjectExport(w, m, d.Clock.Now(), tables)
}

// User writes the ARCO access export of user id into w.
func User(ctx context.Context, d *db.DB, id int64, w io.Writer) (*Manifest, error) {
	tables, err := d.UserData(ctx, id)
	if err != nil {
		return nil, err
	}
	m := newManifest(d, db.ExportUser, id)
	return m, subjectExport(w, m, d.Clock.Now(), tables)
}

// Business writes every table of the business as <table>.csv into w, from
// one consistent read of the database. progress, if not nil, gets the
// percentage of rows written.
func Business(ctx context.Context, d *db.DB, w io.Writer, progress func(pct int)) (*Manifest, error) {
	m := newManifest(d, db.ExportBusiness, 0)
	z := &zipper{zw: zip.NewWriter(w), manifest: m, modified: d.Clock.Now()}
	var total, done int64
	last := -1
	report := func() {
		if progress == nil || total == 0 {
			return
		}
		// Writing the rows is 95 %; the manifest and the file's checksum the rest.
		if pct := int(done * 95 / total); pct != last {
			last = pct
			progress(pct)
		}
	}
	err := d.ReadBusiness(ctx, func(counts map[string]int64) error {
		for _, n := range counts {
			total += n
		}
		return nil
	}, func(t *db.TableRows) error {
		f, err := z.create(t.Name + ".csv")
		if err != nil {
			return err
		}
		n, err := writeCSV(f, t.Columns, func(yield func([]any) error) error {
			for {
				if err := ctx.Err(); err != nil {
					return err
				}
				r, ok, err := t.Next()
				if err != nil || !ok {
					return err
				}
				if err := yield(r); err != nil {
					return err
				}
				if done++; done%500 == 0 {
					report()
				}
			}
		})
		if err != nil {
			return err
		}
		z.close(f, n)
		report()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, z.finish()
}

// FileName is the name an export is downloaded as.
func FileName(e *db.Export) string {
	day := e.CreatedAt.In(app.MexicoCity).Format("2006-01-02")
	switch e.Kind {
	case db.ExportCustomer:
		return fmt.Sprintf("cotizador-cliente-%d-%s.zip", e.SubjectID, day)
	case db.ExportUser:
		return fmt.Sprintf("cotizador-usuario-%d-%s.zip", e.SubjectID, day)
	}
	return "cotizador-negocio-" + day + ".zip"
}

// Write writes export e (its kind and subject) into w.
func Write(ctx context.Context, d *db.DB, e *db.Export, w io.Writer, progress func(int)) (*Manifest, error) {
	switch e.Kind {
	case db.ExportCustomer:
		return Customer(ctx, d, e.SubjectID, w)
	case db.ExportUser:
		return User(ctx, d, e.SubjectID, w)
	case db.ExportBusiness:
		return Business(ctx, d, w, progress)
	}
	return nil, fmt.Errorf("export: unknown kind %q", e.Kind)
}

// Build makes the file of a pending export in the exports folder, keeping
// its progress up to date, and records the result. A failure is recorded
// too (and the partial file removed). Safe to run in the background.
func Build(ctx context.Context, d *db.DB, e *db.Export) (err error) {
	dir := d.ExportDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return finishFailed(ctx, d, e, err)
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return finishFailed(ctx, d, e, err)
	}
	name := fmt.Sprintf("%d-%s.zip", e.ID, hex.EncodeToString(rnd[:]))
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return finishFailed(ctx, d, e, err)
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	if err := d.SetExportProgress(ctx, e.ID, 1); err != nil {
		f.Close()
		os.Remove(path)
		return finishFailed(ctx, d, e, err)
	}
	m, err := Write(ctx, d, e, cw, func(pct int) { _ = d.SetExportProgress(ctx, e.ID, max(pct, 1)) })
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close())
	if err != nil {
		os.Remove(path)
		return finishFailed(ctx, d, e, err)
	}
	js, err := json.Marshal(m)
	if err != nil {
		os.Remove(path)
		return finishFailed(ctx, d, e, err)
	}
	if err := d.FinishExport(context.WithoutCancel(ctx), e.ID, name, cw.n, hex.EncodeToString(h.Sum(nil)), string(js), ""); err != nil {
		// Expired meanwhile (an anonymisation): the file must not stay.
		os.Remove(path)
		return err
	}
	return nil
}

// finishFailed records a failed build. The record (which the audit trail
// copies and the owner reads) says only that it failed; the cause, which
// may name paths or internals, goes back to the caller to log.
func finishFailed(ctx context.Context, d *db.DB, e *db.Export, cause error) error {
	return errors.Join(cause, d.FinishExport(context.WithoutCancel(ctx), e.ID, "", 0, "", "{}", "build_failed"))
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Open opens the file of a ready export.
func Open(d *db.DB, e *db.Export) (*os.File, error) {
	if e.Status != db.ExportReady || e.FileName == "" {
		return nil, app.Errorf(app.ENOTFOUND, "export.not_found")
	}
	return os.Open(filepath.Join(d.ExportDir(), filepath.Base(e.FileName)))
}
