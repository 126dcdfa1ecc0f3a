package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"cotizador/internal/s3test"
)

// appVariables are the environment variables the program reads (string
// literals in its non-test sources) plus the ${VARS} of litestream.yml.
func appVariables(t *testing.T, root string) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	lit := regexp.MustCompile(`"((?:COTIZADOR|LITESTREAM)_[A-Z0-9_]+)"`)
	for _, pattern := range []string{"*.go", "backup/*.go", "handlers/*.go"} {
		files, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range lit.FindAllSubmatch(b, -1) {
				vars[string(m[1])] = true
			}
		}
	}
	for _, m := range yamlVars(t, filepath.Join(root, "litestream.yml")) {
		vars[m] = true
	}
	if len(vars) < 20 {
		t.Fatalf("only %d variables found in the sources: the scan is broken", len(vars))
	}
	return vars
}

// yamlVars lists the ${VAR} (and ${VAR:-default}, ${VAR:?message})
// expansions outside comments of a YAML file.
func yamlVars(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var vars []string
	expansion := regexp.MustCompile(`\$\{([A-Z0-9_]+)[}:]`)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		for _, m := range expansion.FindAllStringSubmatch(line, -1) {
			vars = append(vars, m[1])
		}
	}
	return vars
}

// envTemplate is deploy/cotizador.env.example read line by line.
type envTemplate struct {
	set       map[string]string // VAR=value lines
	commented map[string]string // #VAR=value lines (optional, with their default)
	explained map[string]bool   // a comment directly above the variable (or its group)
}

func readEnvTemplate(t *testing.T, path string) envTemplate {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tpl := envTemplate{set: map[string]string{}, commented: map[string]string{}, explained: map[string]bool{}}
	varLine := regexp.MustCompile(`^(#?)([A-Z][A-Z0-9_]*)=(.*)$`)
	explained := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		m := varLine.FindStringSubmatch(line)
		switch {
		case m != nil:
			name, value := m[2], m[3]
			// Docker, systemd and sh read the file: one plain value, no
			// quotes, spaces or expansions that one of them reads otherwise.
			if strings.ContainsAny(value, " \t\"'$`\\") {
				t.Errorf("%s:%d: %s's value %q must be plain for Docker, systemd and sh alike", path, n, name, value)
			}
			if _, dup := tpl.set[name]; dup {
				t.Errorf("%s:%d: %s twice", path, n, name)
			}
			if m[1] == "#" {
				tpl.commented[name] = value
			} else {
				tpl.set[name] = value
			}
			tpl.explained[name] = explained
		case strings.HasPrefix(line, "#"):
			explained = strings.TrimSpace(strings.TrimPrefix(line, "#")) != "" && !strings.HasPrefix(line, "# ───")
		case strings.TrimSpace(line) == "":
			explained = false
		default:
			t.Errorf("%s:%d: neither a comment nor VAR=value: %q", path, n, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// composeFile is the part of the compose specification the checks read.
type composeFile struct {
	Name     string `yaml:"name"`
	Services map[string]struct {
		Build *struct {
			Context string            `yaml:"context"`
			Args    map[string]string `yaml:"args"`
		} `yaml:"build"`
		Image       string            `yaml:"image"`
		Restart     string            `yaml:"restart"`
		EnvFile     any               `yaml:"env_file"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Networks    []string          `yaml:"networks"`
		Ports       []string          `yaml:"ports"`
		Expose      []string          `yaml:"expose"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck *struct {
			Test        []string `yaml:"test"`
			Interval    string   `yaml:"interval"`
			Timeout     string   `yaml:"timeout"`
			Retries     int      `yaml:"retries"`
			StartPeriod string   `yaml:"start_period"`
		} `yaml:"healthcheck"`
		StopGracePeriod string `yaml:"stop_grace_period"`
		Logging         *struct {
			Driver  string            `yaml:"driver"`
			Options map[string]string `yaml:"options"`
		} `yaml:"logging"`
	} `yaml:"services"`
	Networks map[string]struct {
		IPAM struct {
			Config []struct {
				Subnet string `yaml:"subnet"`
			} `yaml:"config"`
		} `yaml:"ipam"`
	} `yaml:"networks"`
	Volumes map[string]any `yaml:"volumes"`
}

func readCompose(t *testing.T, path string) composeFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true) // a misspelt key would be silently ignored by compose's loose readers
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("%s does not parse: %v", path, err)
	}
	return c
}

// TestProductionDeployFiles: deploy/ parses and holds together — the compose
// file (YAML, with the services, health checks, restart policies, volume,
// proxy network and trusted proxy the README promises), the environment
// template (every variable the app reads, each explained), the Caddyfile
// (through Caddy's own adapter) and the systemd units (systemd-analyze).
func TestProductionDeployFiles(t *testing.T) {
	root := s3test.RepoRoot(t)
	deploy := filepath.Join(root, "deploy")
	c := readCompose(t, filepath.Join(deploy, "compose.yaml"))
	tpl := readEnvTemplate(t, filepath.Join(deploy, "cotizador.env.example"))
	appVars := appVariables(t, root)

	t.Run("compose", func(t *testing.T) {
		app, ok := c.Services["cotizador"]
		if !ok {
			t.Fatal("no cotizador service")
		}
		caddy, ok := c.Services["caddy"]
		if !ok {
			t.Fatal("no caddy service")
		}
		for name, s := range c.Services {
			if s.Restart != "unless-stopped" && s.Restart != "always" {
				t.Errorf("%s: restart %q, want unless-stopped or always", name, s.Restart)
			}
			if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD" {
				t.Fatalf("%s: no health check command", name)
			}
			for _, d := range []string{s.Healthcheck.Interval, s.Healthcheck.Timeout} {
				if v, err := time.ParseDuration(d); err != nil || v <= 0 {
					t.Errorf("%s: health check duration %q", name, d)
				}
			}
			if s.Logging == nil || s.Logging.Options["max-size"] == "" {
				t.Errorf("%s: logs are not rotated (logging.options.max-size)", name)
			}
			if !slices.Contains(s.Networks, "proxy") {
				t.Errorf("%s: not on the proxy network", name)
			}
		}
		if app.Build == nil || app.Build.Context != ".." {
			t.Error("the app is not built from the repository (build.context ..)")
		}
		if app.EnvFile != ".env" {
			t.Errorf("app env_file = %v, want .env (the filled template)", app.EnvFile)
		}
		if !strings.Contains(strings.Join(app.Healthcheck.Test, " "), "/api/health/ready") {
			t.Error("the app's health check does not ask /api/health/ready")
		}
		// Litestream's final sync waits up to 30 s when S3 is down.
		if d, err := time.ParseDuration(app.StopGracePeriod); err != nil || d < 35*time.Second {
			t.Errorf("app stop_grace_period %q leaves Litestream no time for its last sync", app.StopGracePeriod)
		}
		if len(app.Ports) > 0 {
			t.Errorf("the app publishes %v: only Caddy may be reachable", app.Ports)
		}
		if !slices.Contains(app.Volumes, "cotizador-data:/data") {
			t.Errorf("the app's data volume is not mounted at /data: %v", app.Volumes)
		}
		if _, ok := c.Volumes["cotizador-data"]; !ok {
			t.Error("volume cotizador-data is not declared")
		}
		env := app.Environment
		if env["COTIZADOR_ENV"] != "production" || !strings.HasPrefix(env["COTIZADOR_DB"], "/data/") || !strings.HasPrefix(env["COTIZADOR_SNAPSHOT_DIR"], "/data/") {
			t.Errorf("app environment: %v", env)
		}
		if !strings.HasPrefix(env["COTIZADOR_BASE_URL"], "https://${COTIZADOR_DOMAIN") {
			t.Errorf("COTIZADOR_BASE_URL = %q, want https:// and the domain", env["COTIZADOR_BASE_URL"])
		}
		// The trusted proxy is exactly Caddy's network.
		proxy := c.Networks["proxy"]
		if len(proxy.IPAM.Config) != 1 || proxy.IPAM.Config[0].Subnet == "" {
			t.Fatal("the proxy network has no fixed subnet")
		}
		if env["COTIZADOR_TRUSTED_PROXIES"] != proxy.IPAM.Config[0].Subnet {
			t.Errorf("COTIZADOR_TRUSTED_PROXIES = %q, the proxy network is %q", env["COTIZADOR_TRUSTED_PROXIES"], proxy.IPAM.Config[0].Subnet)
		}
		if !strings.HasSuffix(env["COTIZADOR_ADDR"], ":3000") || !slices.Contains(app.Expose, "3000") {
			t.Errorf("the app should listen on and expose 3000: %q %v", env["COTIZADOR_ADDR"], app.Expose)
		}
		if caddy.Environment["COTIZADOR_UPSTREAM"] != "cotizador:3000" {
			t.Errorf("Caddy's upstream = %q, want cotizador:3000", caddy.Environment["COTIZADOR_UPSTREAM"])
		}
		if caddy.EnvFile != nil {
			t.Error("Caddy reads the app's env file: it would hold the S3 keys")
		}
		for _, k := range []string{"LITESTREAM_ACCESS_KEY_ID", "LITESTREAM_SECRET_ACCESS_KEY"} {
			if _, ok := caddy.Environment[k]; ok {
				t.Errorf("Caddy gets %s", k)
			}
		}
		for _, p := range []string{"80:80", "443:443"} {
			if !slices.Contains(caddy.Ports, p) {
				t.Errorf("Caddy does not publish %s", p)
			}
		}
		if caddy.DependsOn["cotizador"].Condition != "service_healthy" {
			t.Error("Caddy does not wait for a healthy app")
		}
		if !slices.Contains(caddy.Volumes, "./Caddyfile:/etc/caddy/Caddyfile:ro") {
			t.Errorf("Caddy does not mount deploy/Caddyfile: %v", caddy.Volumes)
		}
		if !slices.ContainsFunc(caddy.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/data") }) {
			t.Error("Caddy's certificates are not on a volume")
		}
		// Every ${VAR} compose reads comes from the template.
		for _, v := range yamlVars(t, filepath.Join(deploy, "compose.yaml")) {
			if _, set := tpl.set[v]; !set {
				if _, opt := tpl.commented[v]; !opt {
					t.Errorf("compose reads ${%s}, which the template does not document", v)
				}
			}
		}
		// The template's server values are systemd's; compose must set each
		// of them for its own layout, or .env's would apply inside the
		// container.
		for _, k := range []string{"COTIZADOR_ENV", "COTIZADOR_ADDR", "COTIZADOR_DB", "COTIZADOR_TRUSTED_PROXIES", "LITESTREAM_CONFIG", "COTIZADOR_SNAPSHOT_DIR", "COTIZADOR_BASE_URL"} {
			if _, ok := env[k]; !ok {
				t.Errorf("compose leaves %s to .env, whose value is systemd's", k)
			}
		}
	})

	t.Run("environment template", func(t *testing.T) {
		deployVars := map[string]bool{"COTIZADOR_DOMAIN": true, "COTIZADOR_PROXY_SUBNET": true, "COTIZADOR_VERSION": true}
		for v := range appVars {
			_, set := tpl.set[v]
			_, opt := tpl.commented[v]
			if !set && !opt {
				t.Errorf("the app reads %s, which deploy/cotizador.env.example does not document", v)
			}
		}
		for _, m := range []map[string]string{tpl.set, tpl.commented} {
			for v := range m {
				if !appVars[v] && !deployVars[v] {
					t.Errorf("the template documents %s, which nothing reads", v)
				}
				if !tpl.explained[v] {
					t.Errorf("%s has no explanation above it", v)
				}
			}
		}
		// The filled-in file must be usable as it stands for systemd:
		// production, loopback, Caddy on this machine trusted.
		cfgEnv := map[string]string{}
		for k, v := range tpl.set {
			cfgEnv[k] = v
		}
		cfg, err := loadConfig(env(cfgEnv))
		if err != nil {
			t.Fatalf("the template's values do not load: %v", err)
		}
		if p := cfg.productionProblem(); p != nil {
			t.Errorf("the template's values are refused in production: %v", p)
		}
		// Litestream expands litestream.yml's ${VARS} from its environment,
		// an unset one to nothing (no metrics address: no replication
		// health). Each must be in the file; only the ones the shop fills
		// in, and the endpoint (empty for AWS), may be empty.
		fillIn := map[string]bool{"LITESTREAM_BUCKET": true, "LITESTREAM_ENDPOINT": true, "LITESTREAM_ACCESS_KEY_ID": true, "LITESTREAM_SECRET_ACCESS_KEY": true}
		for _, v := range yamlVars(t, filepath.Join(root, "litestream.yml")) {
			if value, ok := tpl.set[v]; !ok || (value == "" && !fillIn[v]) {
				t.Errorf("litestream.yml reads ${%s}, which the template leaves unset or empty", v)
			}
		}
		if !slices.Equal(cfg.Security.TrustedProxies, []string{"127.0.0.1"}) || !loopbackAddr(cfg.Addr) {
			t.Errorf("systemd values: addr %s, trusted %v", cfg.Addr, cfg.Security.TrustedProxies)
		}
		for _, k := range []string{"LITESTREAM_SECRET_ACCESS_KEY", "LITESTREAM_ACCESS_KEY_ID", "LITESTREAM_BUCKET"} {
			if tpl.set[k] != "" {
				t.Errorf("the template carries a value for %s", k)
			}
		}
		// In a git checkout ask git; in an exported tree (no .git) read the rule.
		if exec.Command("git", "-C", root, "rev-parse", "--is-inside-work-tree").Run() == nil {
			if err := exec.Command("git", "-C", root, "check-ignore", "-q", "deploy/.env").Run(); err != nil {
				t.Error("deploy/.env (the filled template, with S3 keys) is not ignored by git")
			}
		} else if gi, err := os.ReadFile(filepath.Join(root, ".gitignore")); err != nil || !slices.Contains(strings.Split(string(gi), "\n"), "/deploy/.env") {
			t.Error(".gitignore does not ignore deploy/.env (the filled template, with S3 keys)")
		}
		di, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
		if err != nil || !slices.Contains(strings.Split(string(di), "\n"), "deploy/.env") {
			t.Error(".dockerignore does not keep deploy/.env out of the image's build context")
		}
	})

	t.Run("Caddyfile", func(t *testing.T) {
		bin := caddyBin(t)
		adapt := func(vars ...string) map[string]any {
			t.Helper()
			cmd := exec.Command(bin, "adapt", "--config", filepath.Join(deploy, "Caddyfile"), "--adapter", "caddyfile")
			cmd.Env = append(os.Environ(), vars...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("caddy adapt: %v\n%s", err, stderr.String())
			}
			if strings.Contains(stderr.String(), `"level":"warn"`) {
				t.Errorf("caddy adapt warns:\n%s", stderr.String())
			}
			var cfg map[string]any
			if err := json.Unmarshal(out, &cfg); err != nil {
				t.Fatal(err)
			}
			return cfg
		}
		j, _ := json.Marshal(adapt("COTIZADOR_DOMAIN=cotiza.example.mx"))
		s := string(j)
		for _, want := range []string{
			`"host":["cotiza.example.mx"]`,
			`"Strict-Transport-Security":["max-age=31536000; includeSubDomains"]`,
			`"deferred":true`,
			`"max_size":8388608`,
			`"gzip":{}`, `"zstd":{}`,
			`"dial":"127.0.0.1:3000"`,
		} {
			if !strings.Contains(s, want) {
				t.Errorf("adapted Caddyfile lacks %s:\n%s", want, s)
			}
		}
		j, _ = json.Marshal(adapt("COTIZADOR_DOMAIN=cotiza.example.mx", "COTIZADOR_UPSTREAM=cotizador:3000"))
		if !strings.Contains(string(j), `"dial":"cotizador:3000"`) {
			t.Errorf("COTIZADOR_UPSTREAM is not the upstream: %s", j)
		}
	})

	t.Run("systemd units", func(t *testing.T) {
		unit, err := os.ReadFile(filepath.Join(deploy, "systemd", "cotizador.service"))
		if err != nil {
			t.Fatal(err)
		}
		u := string(unit)
		for _, want := range []string{
			"User=cotizador", "ProtectSystem=strict", "ReadWritePaths=/var/lib/cotizador", "NoNewPrivileges=yes",
			"Restart=on-failure", "EnvironmentFile=/etc/cotizador/cotizador.env", "KillMode=mixed",
			`ExecStart=/usr/local/bin/litestream replicate -config /etc/cotizador/litestream.yml -exec "/usr/local/bin/cotizador serve"`,
		} {
			if !strings.Contains(u, "\n"+want+"\n") {
				t.Errorf("cotizador.service lacks %s", want)
			}
		}
		// The unit, the template and cotizadorctl name the same places.
		if tpl.set["LITESTREAM_CONFIG"] != "/etc/cotizador/litestream.yml" {
			t.Errorf("template LITESTREAM_CONFIG = %q", tpl.set["LITESTREAM_CONFIG"])
		}
		for _, k := range []string{"COTIZADOR_DB", "COTIZADOR_SNAPSHOT_DIR"} {
			if !strings.HasPrefix(tpl.set[k], "/var/lib/cotizador/") {
				t.Errorf("template %s = %q is outside ReadWritePaths", k, tpl.set[k])
			}
		}

		analyze, err := exec.LookPath("systemd-analyze")
		if err != nil {
			t.Skip("systemd-analyze not found: Debian ships it only inside the systemd package (the init system, about 20 MB with its libraries), " +
				"which scripts/test-deps.sh does not install on a machine that does not boot with it; the directives above were checked as text")
		}
		// verify checks that ExecStart's program exists, and this machine has
		// no /usr/local/bin/litestream: point it at an executable that does
		// exist (this test's own binary); everything else is the file as shipped.
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		local := strings.Replace(u, "ExecStart=/usr/local/bin/litestream", "ExecStart="+self, 1)
		if err := os.WriteFile(filepath.Join(dir, "cotizador.service"), []byte(local), 0o644); err != nil {
			t.Fatal(err)
		}
		verify := func(unit string) {
			t.Helper()
			cmd := exec.Command(analyze, "verify", unit)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			// verify exits 0 on unknown keys and bad values, only printing
			// them: any output is a failure.
			if err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("systemd-analyze verify %s: %v\n%s", unit, err, out)
			}
		}
		verify("./cotizador.service")

		// The drop-in for Debian's caddy.service, verified on that unit.
		caddyBin(t)
		var caddyUnit []byte
		for _, p := range []string{"/lib/systemd/system/caddy.service", "/usr/lib/systemd/system/caddy.service"} {
			if caddyUnit, err = os.ReadFile(p); err == nil {
				break
			}
		}
		if caddyUnit == nil {
			t.Fatal("caddy.service (Debian's caddy package) not found: run ./scripts/test-deps.sh (make test does)")
		}
		dropIn, err := os.ReadFile(filepath.Join(deploy, "systemd", "caddy-cotizador.conf"))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "caddy.service"), caddyUnit, 0o644)
		os.MkdirAll(filepath.Join(dir, "caddy.service.d"), 0o755)
		os.WriteFile(filepath.Join(dir, "caddy.service.d", "cotizador.conf"), dropIn, 0o644)
		verify("./caddy.service")
	})

	t.Run("cotizadorctl", func(t *testing.T) {
		ctl := filepath.Join(deploy, "systemd", "cotizadorctl")
		if fi, err := os.Stat(ctl); err != nil || fi.Mode()&0o111 == 0 {
			t.Fatalf("cotizadorctl is missing or not executable: %v", err)
		}
		dir := t.TempDir()
		envFile := filepath.Join(dir, "cotizador.env")
		body := "COTIZADOR_DB=" + filepath.Join(dir, "cotizador.db") + "\nLITESTREAM_BUCKET=taller\n"
		if err := os.WriteFile(envFile, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		// The "program" prints who runs it, where, and what it was given.
		cmd := exec.Command(ctl, "-c", `id -un; pwd; echo "$COTIZADOR_DB $LITESTREAM_BUCKET ${AWS_CA_BUNDLE-unset}"`)
		cmd.Env = append(os.Environ(), "COTIZADOR_ENV_FILE="+envFile, "COTIZADOR_BIN=/bin/sh", "COTIZADOR_USER=nobody", "AWS_CA_BUNDLE=/x.pem")
		out, err := cmd.CombinedOutput()
		if os.Geteuid() != 0 {
			// It reads a root-only file: without sudo it says so.
			if exitCode := cmd.ProcessState.ExitCode(); exitCode != 2 || !strings.Contains(string(out), "sudo") {
				t.Errorf("as a plain user: exit %d, %q; want exit 2 asking for sudo", exitCode, out)
			}
			return
		}
		if err != nil {
			t.Fatalf("cotizadorctl: %v\n%s", err, out)
		}
		want := "nobody\n" + dir + "\n" + filepath.Join(dir, "cotizador.db") + " taller unset\n"
		if string(out) != want {
			t.Errorf("cotizadorctl ran:\n%s\nwant:\n%s", out, want)
		}
	})
}

// TestProductionDockerfileMirrorsBuild: no Docker engine runs on these
// machines, so the image cannot be built here; instead the Dockerfile is
// held to the commands that are run — the Makefile's app build, the pinned
// Litestream build of scripts/litestream.sh, go.mod's Go version — and to
// what deploy/compose.yaml expects of the image.
func TestProductionDockerfileMirrorsBuild(t *testing.T) {
	root := s3test.RepoRoot(t)
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	docker, makefile, lsScript, gomod := read("Dockerfile"), read("Makefile"), read("scripts/litestream.sh"), read("go.mod")

	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(gomod)
	if goVersion == nil || !strings.Contains(docker, "FROM golang:"+goVersion[1]+"-bookworm AS build") {
		t.Errorf("the builder image is not golang:%s-bookworm (go.mod's Go)", goVersion)
	}
	if !strings.Contains(docker, "FROM debian:bookworm-slim") {
		t.Error("the runtime image is not debian:bookworm-slim")
	}

	// Litestream: the same build command as scripts/litestream.sh, from the
	// same pinned tools/ module.
	lsBuild := regexp.MustCompile(`CGO_ENABLED=0 go build (-trimpath -ldflags '-s -w') -o \S+ (github.com/benbjohnson/litestream/cmd/litestream)`)
	want, got := lsBuild.FindStringSubmatch(lsScript), lsBuild.FindStringSubmatch(docker)
	if want == nil || got == nil || want[1] != got[1] || want[2] != got[2] {
		t.Errorf("litestream build differs: scripts/litestream.sh %q, Dockerfile %q", want, got)
	}
	if !strings.Contains(docker, "cd tools &&") {
		t.Error("the Dockerfile does not build litestream from tools/")
	}

	// The app: cgo (mattn/go-sqlite3) and the same -X variables as make.
	xVars := func(s string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`-X (main\.\w+)=`).FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return out
	}
	if mk, dk := xVars(makefile), xVars(docker); len(mk) == 0 || !slices.Equal(mk, dk) {
		t.Errorf("build-time variables: Makefile %v, Dockerfile %v", mk, dk)
	}
	if !strings.Contains(docker, "CGO_ENABLED=1 go build") {
		t.Error("the app is not built with cgo (mattn/go-sqlite3 needs it)")
	}

	// What compose relies on.
	c := readCompose(t, filepath.Join(root, "deploy", "compose.yaml"))
	app := c.Services["cotizador"]
	envs := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s*(?:ENV\s+)?([A-Z][A-Z0-9_]+)=(\S+?)\s*\\?$`).FindAllStringSubmatch(docker, -1) {
		envs[m[1]] = m[2]
	}
	appVars := appVariables(t, root)
	for k := range envs {
		if !appVars[k] {
			t.Errorf("the Dockerfile sets %s, which the app does not read", k)
		}
	}
	if envs["LITESTREAM_CONFIG"] != app.Environment["LITESTREAM_CONFIG"] || !strings.Contains(docker, "COPY litestream.yml "+envs["LITESTREAM_CONFIG"]+"\n") {
		t.Errorf("litestream.yml: image %q, compose %q", envs["LITESTREAM_CONFIG"], app.Environment["LITESTREAM_CONFIG"])
	}
	if !strings.Contains(docker, "VOLUME /data") || !strings.HasPrefix(envs["COTIZADOR_DB"], "/data/") {
		t.Errorf("the image's database %q is not on its /data volume", envs["COTIZADOR_DB"])
	}
	if !strings.Contains(docker, "EXPOSE 3000") || envs["COTIZADOR_ADDR"] != app.Environment["COTIZADOR_ADDR"] {
		t.Errorf("listen address: image %q, compose %q", envs["COTIZADOR_ADDR"], app.Environment["COTIZADOR_ADDR"])
	}
	var imageHC []string
	if m := regexp.MustCompile(`HEALTHCHECK [^\n]*CMD (\[.*\])`).FindStringSubmatch(docker); m == nil || json.Unmarshal([]byte(m[1]), &imageHC) != nil {
		t.Error("no HEALTHCHECK CMD [...] in the Dockerfile")
	}
	if !slices.Equal(imageHC, app.Healthcheck.Test[1:]) {
		t.Errorf("health checks differ:\nDockerfile %q\ncompose    %q", imageHC, app.Healthcheck.Test[1:])
	}
	entry := read("scripts/docker-entrypoint.sh")
	if fi, err := os.Stat(filepath.Join(root, "scripts", "docker-entrypoint.sh")); err != nil || fi.Mode()&0o111 == 0 {
		t.Error("scripts/docker-entrypoint.sh is not executable")
	}
	if !strings.Contains(entry, `litestream replicate -config "${LITESTREAM_CONFIG:-/etc/litestream.yml}" -exec "cotizador serve"`) {
		t.Error("the entrypoint does not run the app under litestream replicate -exec")
	}
	di := read(".dockerignore")
	for _, p := range []string{"deploy/.env", "/bin"} {
		if !slices.Contains(strings.Split(di, "\n"), p) {
			t.Errorf(".dockerignore lacks %s", p)
		}
	}
}

// TestProductionSecurityDocNamesRealTests: every test SECURITY.md cites as
// proof of a defence exists, in the file it names.
func TestProductionSecurityDocNamesRealTests(t *testing.T) {
	root := s3test.RepoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "SECURITY.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	name := regexp.MustCompile("`((?:Test|Fuzz)\\w+)`")
	// A group of names followed by the file that holds them:
	// `TestA`, `TestB` (dir/x_test.go…
	group := regexp.MustCompile("((?:`(?:Test|Fuzz)\\w+`(?:, )?)+) \\(([\\w/]+_test\\.go)")
	cited := map[string]bool{}
	for _, g := range group.FindAllStringSubmatch(doc, -1) {
		src, err := os.ReadFile(filepath.Join(root, g[2]))
		if err != nil {
			t.Errorf("SECURITY.md cites %s, which does not exist", g[2])
			continue
		}
		for _, n := range name.FindAllStringSubmatch(g[1], -1) {
			cited[n[1]] = true
			if !regexp.MustCompile(`(?m)^func ` + n[1] + `\(`).Match(src) {
				t.Errorf("SECURITY.md cites %s in %s, which does not define it", n[1], g[2])
			}
		}
	}
	if len(cited) < 30 {
		t.Errorf("only %d cited tests found: the document's format changed", len(cited))
	}
	// A name repeated elsewhere without its file must be one placed above.
	for _, n := range name.FindAllStringSubmatch(doc, -1) {
		if !cited[n[1]] {
			t.Errorf("SECURITY.md names %s without the file that holds it", n[1])
		}
	}
}
