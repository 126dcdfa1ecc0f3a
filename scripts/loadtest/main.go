// Command loadtest measures the quote editor's live recalculation under
// load: it signs in to a running Cotizador, then N connections post the
// editor's form to /cotizaciones/calcular as fast as they get answers, for a
// fixed time, and reports requests per second, latency percentiles and the
// server's resident memory. Loopback only; it stops by itself.
//
//	go run ./scripts/loadtest -url http://127.0.0.1:3000 -email E -password P -c 50 -d 30s -pid PID
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func run() error {
	base := flag.String("url", "http://127.0.0.1:3000", "server (loopback only)")
	email := flag.String("email", "", "account e-mail")
	password := flag.String("password", "", "account password")
	conns := flag.Int("c", 50, "connections")
	dur := flag.Duration("d", 30*time.Second, "duration")
	pid := flag.Int("pid", 0, "server process id, to report its RSS")
	product := flag.String("product", "PROTO-COR-3", "product code of the line")
	every := flag.Duration("every", 0, "pace: each connection starts a request this often (0: as soon as the last answered)")
	flag.Parse()

	u, err := url.Parse(*base)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); (ip == nil && u.Hostname() != "localhost") || (ip != nil && !ip.IsLoopback()) {
		return fmt.Errorf("refusing to load %s: loopback addresses only", u.Host)
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns}}
	token, err := page(client, *base+"/login")
	if err != nil {
		return err
	}
	resp, err := client.PostForm(*base+"/login", url.Values{"email": {*email}, "password": {*password}, "_csrf": {token}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("login: status %d", resp.StatusCode)
	}
	if token, err = page(client, *base+"/cotizaciones/nueva"); err != nil {
		return err
	}
	form := url.Values{"_csrf": {token}, "linea": {"0"}, "customer_name": {"Carga"}, "unit": {"cm"}, "pricing_mode": {"por_metro"},
		"profit_rate": {"25"}, "indirect_rate": {"15"}, "iva_rate": {"16"}, "deposit_rate": {"50"}, "discount_type": {"porcentaje"},
		"price_display": {"mas_iva"}, "valid_until": {"2030-01-01"}, "item-0-product_code": {*product}, "item-0-height": {"120"}, "item-0-quantity": {"1"}}

	// The generator shares the cores with the server, so it does as little as
	// it can per request: the bodies (one per width typed) are encoded once and
	// the session cookies are sent as one fixed header instead of through the
	// jar. Responses are still gzip-encoded and decoded, as a browser's are.
	bodies := make([][]byte, 150)
	for i := range bodies {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("item-0-width", fmt.Sprint(100+i))
		bodies[i] = []byte(f.Encode())
	}
	var cookie []string
	for _, c := range jar.Cookies(u) {
		cookie = append(cookie, c.Name+"="+c.Value)
	}
	cookieHeader := strings.Join(cookie, "; ")
	client.Jar = nil
	calcURL := *base + "/cotizaciones/calcular"

	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var failures, fragment int
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<14)
			var bad, size int
			// Paced connections start a little apart, like people typing.
			next := time.Now().Add(time.Duration(w) * *every / time.Duration(*conns))
			for i := 0; ctx.Err() == nil; i++ {
				scheduled := time.Now()
				if *every > 0 {
					if d := time.Until(next); d > 0 {
						select {
						case <-time.After(d):
						case <-ctx.Done():
							continue
						}
					}
					// Latency counts from when the request was due, so a slow
					// server cannot hide its delay by delaying the next send.
					scheduled = next
					next = next.Add(*every)
				}
				// Each request types a different width, as a person would.
				body := bodies[(w*7+i)%len(bodies)]
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, calcURL, bytes.NewReader(body))
				req.Header["Content-Type"] = formType
				req.Header["Hx-Request"] = hxTrue
				req.Header["Cookie"] = []string{cookieHeader}
				t0 := scheduled
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						bad++
					}
					continue
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					bad++
					continue
				}
				local = append(local, time.Since(t0))
				size = int(n)
			}
			mu.Lock()
			lat = append(lat, local...)
			failures += bad
			fragment = size
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return fmt.Errorf("no successful request (%d failures)", failures)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	pace := "closed loop"
	if *every > 0 {
		pace = "one request every " + every.String() + " per connection"
	}
	fmt.Printf("requests %d in %s with %d connections (%s), %d failed, fragment %d bytes\n", len(lat), elapsed.Round(time.Millisecond), *conns, pace, failures, fragment)
	fmt.Printf("throughput %.0f req/s\n", float64(len(lat))/elapsed.Seconds())
	fmt.Printf("latency p50 %s p90 %s p99 %s max %s\n", pct(.5).Round(10*time.Microsecond), pct(.9).Round(10*time.Microsecond),
		pct(.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	if *pid > 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", *pid)); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(line, "VmRSS:") || strings.HasPrefix(line, "VmHWM:") {
					fmt.Println("server", strings.Join(strings.Fields(line), " "))
				}
			}
		}
	}
	if failures > 0 {
		return fmt.Errorf("%d requests failed", failures)
	}
	return nil
}

var (
	formType = []string{"application/x-www-form-urlencoded"}
	hxTrue   = []string{"true"}
)

func page(c *http.Client, u string) (string, error) {
	resp, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := csrfRe.FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("%s: no CSRF token (status %d)", u, resp.StatusCode)
	}
	return string(m[1]), nil
}
