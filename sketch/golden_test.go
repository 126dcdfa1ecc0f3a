package sketch

import (
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Golden files turn any visual change into a reviewed diff:
//
//	go test ./sketch/ -run TestGolden -update
var update = flag.Bool("update", false, "rewrite testdata/*.svg from the current output")

var goldens = []struct {
	name string
	spec Spec
}{
	{"fija", Spec{Kind: Fija, WidthMM: 1000, HeightMM: 800}},
	{"corrediza-2", Spec{Kind: Corrediza, Hojas: 2, WidthMM: 1500, HeightMM: 1200, Label: "Recámara 1"}},
	{"corrediza-3", Spec{Kind: Corrediza, Hojas: 3, WidthMM: 2400, HeightMM: 1200}},
	{"corrediza-4", Spec{Kind: Corrediza, Hojas: 4, WidthMM: 3000, HeightMM: 1500}},
	{"proyectante", Spec{Kind: Proyectante, WidthMM: 600, HeightMM: 400, Label: "Baño"}},
	{"abatible", Spec{Kind: Abatible, WidthMM: 600, HeightMM: 1200}},
	{"oscilobatiente", Spec{Kind: Oscilobatiente, WidthMM: 800, HeightMM: 1400}},
	{"puerta-1", Spec{Kind: Puerta, WidthMM: 900, HeightMM: 2100}},
	{"puerta-2", Spec{Kind: Puerta, Hojas: 2, WidthMM: 1800, HeightMM: 2400, Label: "Terraza"}},
	{"otro", Spec{Kind: "domo", WidthMM: 1000, HeightMM: 1000}},
	{"clamp-alta", Spec{Kind: Abatible, WidthMM: 300, HeightMM: 2400}},
}

func TestGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			// One element per line so a diff points at the part that moved;
			// the library's own output has no newlines.
			got := strings.ReplaceAll(mustSVG(t, g.spec), "><", ">\n<") + "\n"
			path := filepath.Join("testdata", g.name+".svg")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the current output; look at it (SKETCH_OUT) and rerun with -update if the change is intended\n%s",
					path, firstDiff(string(want), got))
			}
		})
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, w, g)
		}
	}
	return ""
}

// TestPreview writes $SKETCH_OUT/index.html with every kind at phone size
// and larger, so a person can look at them or take a screenshot:
//
//	SKETCH_OUT=/tmp/sketch go test ./sketch/ -run TestPreview
//	chromium --headless --screenshot=/tmp/sketch/shot.png --window-size=900,1400 /tmp/sketch/index.html
//
// The page's <style> is only for this preview; the sketches themselves carry
// none.
func TestPreview(t *testing.T) {
	dir := os.Getenv("SKETCH_OUT")
	if dir == "" {
		t.Skip("set SKETCH_OUT to a folder to write a preview page")
	}
	specs := allSpecs()
	for _, g := range goldens {
		specs = append(specs, g.spec)
	}
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="es"><meta charset="utf-8"><title>sketch preview</title>
<style>
body{font-family:sans-serif;margin:12px}
.grid{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;border:1px solid #ddd;padding:6px;width:160px}
figure.big{width:320px}
figure .sketch{width:100%;height:auto;display:block}
figcaption{font-size:11px;color:#555;margin-top:4px}
</style>
<h1>Sketches at 140 px</h1><div class="grid">`)
	write := func(class string) {
		for _, s := range specs {
			svg := mustSVG(t, s)
			fmt.Fprintf(&b, `<figure class="%s">%s<figcaption>%s</figcaption></figure>`+"\n",
				class, svg, html.EscapeString(fmt.Sprintf("%s hojas=%d %d×%d", s.Kind, s.Hojas, s.WidthMM, s.HeightMM)))
		}
	}
	write("")
	b.WriteString(`</div><h1>At 320 px</h1><div class="grid">`)
	write("big")
	b.WriteString("</div></html>\n")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "index.html")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
