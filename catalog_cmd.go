package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"cotizador/app"
	"cotizador/catalogio"
	"cotizador/locales"
)

// catalogCommand runs `cotizador catalog import|export|load-prototype|load-demo`.
func catalogCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &usageError{"catalog: se espera import, export, load-prototype o load-demo / want import, export, load-prototype or load-demo"}
	}
	bundle, err := locales.NewBundle(nil)
	if err != nil {
		return err
	}
	tr := bundle.Translator("es")
	fs := flag.NewFlagSet("catalog "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	switch args[0] {
	case "import":
		format := fs.String("format", "", "native|prototype")
		materials := fs.String("materials", "", "CSV de materiales / materials CSV")
		products := fs.String("products", "", "CSV de productos / products CSV")
		dryRun := fs.Bool("dry-run", false, "solo mostrar el resultado, sin guardar / only show the result, write nothing")
		if err := fs.Parse(args[1:]); err != nil {
			return &usageError{err.Error()}
		}
		if *format != string(catalogio.Native) && *format != string(catalogio.Prototype) {
			return &usageError{"catalog import: --format debe ser native o prototype / --format must be native or prototype"}
		}
		if *materials == "" && *products == "" {
			return &usageError{"catalog import: falta --materials o --products / --materials or --products is required"}
		}
		return catalogImport(ctx, cfg, tr, catalogio.Format(*format), *materials, *products, *dryRun, stdout)
	case "export":
		dir := fs.String("dir", "", "carpeta destino / target folder")
		if err := fs.Parse(args[1:]); err != nil {
			return &usageError{err.Error()}
		}
		if *dir == "" {
			return &usageError{"catalog export: falta --dir / --dir is required"}
		}
		return catalogExport(ctx, cfg, tr, *dir, stdout)
	case "load-prototype", "load-demo":
		ifEmpty := fs.Bool("if-empty", false, "si el catálogo ya tiene datos, no hacer nada y salir con 0 / if the catalogue has data, do nothing and exit 0")
		if err := fs.Parse(args[1:]); err != nil {
			return &usageError{err.Error()}
		}
		return catalogLoad(ctx, cfg, tr, args[0], *ifEmpty, stdout)
	}
	return &usageError{fmt.Sprintf("catalog: subcomando desconocido / unknown subcommand %q", args[0])}
}

// catalogImport prints every row's result; any failed row means nothing
// was written and a non-zero exit.
func catalogImport(ctx context.Context, cfg Config, tr *locales.Translator, format catalogio.Format, materials, products string,
	dryRun bool, stdout io.Writer) error {
	in := catalogio.Input{}
	for _, f := range []struct {
		path string
		r    *io.Reader
		name *string
	}{{materials, &in.Materials, &in.MaterialsName}, {products, &in.Products, &in.ProductsName}} {
		if f.path == "" {
			continue
		}
		data, err := os.ReadFile(f.path)
		if err != nil {
			return fmt.Errorf("leer / read %s: %w", f.path, err)
		}
		*f.r, *f.name = bytes.NewReader(data), filepath.Base(f.path)
	}
	changes, err := catalogio.Read(format, in)
	if err != nil {
		return err
	}
	d, _, err := openMigrated(ctx, cfg, printSnapshot(stdout))
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := d.ApplyCatalog(ctx, changes, app.CLIActor, dryRun)
	if err != nil {
		return err
	}
	for i := range res.Rows {
		for _, line := range catalogio.Describe(&res.Rows[i], tr) {
			fmt.Fprintln(stdout, line)
		}
	}
	s := res.Summary
	fmt.Fprintln(stdout, tr.T("import.summary", "Create", s.Create, "Update", s.Update, "Delete", s.Delete, "Unchanged", s.Unchanged, "Errors", s.Errors))
	switch {
	case !res.OK():
		return errors.New(tr.T("import.cli.failed"))
	case dryRun:
		fmt.Fprintln(stdout, tr.T("import.cli.dry_run"))
	default:
		fmt.Fprintln(stdout, tr.T("import.cli.applied"))
	}
	return nil
}

// catalogExport writes materials.csv and products.csv into dir, each
// through a temporary file renamed into place, so a reader never sees half
// a file.
func catalogExport(ctx context.Context, cfg Config, tr *locales.Translator, dir string, stdout io.Writer) error {
	d, _, err := openMigrated(ctx, cfg, printSnapshot(stdout))
	if err != nil {
		return err
	}
	defer d.Close()
	snap, err := d.ExportCatalog(ctx)
	if err != nil {
		return err
	}
	var m, p bytes.Buffer
	if err := catalogio.WriteNative(&m, &p, snap); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	mPath, pPath := filepath.Join(dir, catalogio.MaterialsFile), filepath.Join(dir, catalogio.ProductsFile)
	for path, data := range map[string][]byte{mPath: m.Bytes(), pPath: p.Bytes()} {
		if err := writeFileAtomic(path, data); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, tr.T("import.cli.exported", "Materials", mPath, "Products", pPath))
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// catalogLoad loads a built-in catalogue into an empty catalogue. With
// --if-empty a catalogue that has data is left alone, silently and with
// exit 0, so `make run` can call it at every start.
func catalogLoad(ctx context.Context, cfg Config, tr *locales.Translator, which string, ifEmpty bool, stdout io.Writer) error {
	d, _, err := openMigrated(ctx, cfg, printSnapshot(stdout))
	if err != nil {
		return err
	}
	defer d.Close()
	builtIn := catalogio.Demo
	if which == "load-prototype" {
		builtIn = catalogio.PrototypeSeed
	}
	changes, err := builtIn()
	if err != nil {
		return err
	}
	res, err := d.LoadEmptyCatalog(ctx, changes, app.CLIActor)
	if app.ErrorCode(err) == app.ECONFLICT {
		if ifEmpty {
			return nil
		}
		return errors.New(tr.T(app.ErrorMessage(err)))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tr.T("import.cli.loaded", "Create", res.Summary.Create))
	return nil
}
