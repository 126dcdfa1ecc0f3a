// Package seed fills a database with realistic quotes for benchmarks and
// demos (`cotizador dev seed`): Mexican customers, and quotes of one to four
// windows of the demo catalogue priced by the quoting core and saved, sent,
// answered and revised through the same store methods the app uses, over
// months or years of a simulated clock. Nothing is written by hand-made
// SQL, so the rows, indexes, counters and audit trail are what users'
// quotes produce.
package seed

import (
	"container/heap"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"cotizador/app"
	"cotizador/auth"
	"cotizador/catalogio"
	"cotizador/db"
	"cotizador/pricing"
	"cotizador/quoting"
)

// Options say what to generate.
type Options struct {
	Quotes, Customers int
	// Seed makes the same data again (0: 1).
	Seed uint64
	// Now is when the data ends (zero: the database clock's now). The
	// quotes spread over the Span before it (zero: a day per 400 quotes,
	// 60 days to 7 years, as a busy shop keeps them).
	Now  time.Time
	Span time.Duration
	// Progress, if set, is called after every batch of quotes.
	Progress func(done int, elapsed time.Duration)
}

// Result says what was written.
type Result struct {
	Customers, Quotes, Lines, Revisions int
	Elapsed                             time.Duration
}

// batch quotes are priced in parallel while the previous batch is written.
const batch = 200

// Generate writes o.Customers customers and o.Quotes quotes into d (with
// the demo catalogue if d has none, and salespeople if it has fewer than
// three). Every write is its own short transaction through the store, so
// the app stays usable while it runs.
func Generate(ctx context.Context, d *db.DB, o Options) (*Result, error) {
	if o.Quotes < 0 || o.Customers < 1 {
		return nil, errors.New("seed: needs at least one customer and no negative number of quotes")
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	realClock := d.Clock
	if o.Now.IsZero() {
		o.Now = realClock.Now()
	}
	if o.Span == 0 {
		days := min(max(o.Quotes/400, 60), 7*365)
		o.Span = time.Duration(days) * 24 * time.Hour
	}
	start := o.Now.Add(-o.Span)
	clock := app.NewFakeClock(start)
	// The store stamps rows with its clock: the simulated one while the
	// data is written, the real one again afterwards.
	d.Clock = clock
	defer func() { d.Clock = realClock }()
	began := time.Now()
	g := &generator{d: d, clock: clock, svc: &quoting.Service{DB: d, Clock: clock}, rng: mrand.New(mrand.NewPCG(o.Seed, 7))}
	if err := g.setup(ctx); err != nil {
		return nil, err
	}
	if err := g.customers(ctx, o.Customers); err != nil {
		return nil, err
	}
	res := &Result{Customers: o.Customers}
	step := o.Span / time.Duration(max(o.Quotes, 1))
	at := func(i int) time.Time { return start.Add(time.Duration(i) * step) }
	var next []*job
	priceBatch := func(from int) []*job {
		jobs := make([]*job, min(batch, o.Quotes-from))
		var wg sync.WaitGroup
		sem := make(chan struct{}, runtime.GOMAXPROCS(0))
		for k := range jobs {
			i := from + k
			jobs[k] = &job{i: i, at: at(i)}
			wg.Add(1)
			sem <- struct{}{}
			go func(j *job) {
				defer func() { <-sem; wg.Done() }()
				g.price(j, o.Seed)
			}(jobs[k])
		}
		wg.Wait()
		return jobs
	}
	if o.Quotes > 0 {
		next = priceBatch(0)
	}
	for from := 0; from < o.Quotes; from += batch {
		jobs := next
		var wg sync.WaitGroup
		if from+batch < o.Quotes {
			wg.Add(1)
			go func() { defer wg.Done(); next = priceBatch(from + batch) }()
		}
		for _, j := range jobs {
			if err := ctx.Err(); err != nil {
				wg.Wait()
				return res, err
			}
			if err := g.save(ctx, j, res); err != nil {
				wg.Wait()
				return res, fmt.Errorf("seed: quote %d: %w", j.i, err)
			}
		}
		wg.Wait()
		if o.Progress != nil {
			o.Progress(from+len(jobs), time.Since(began))
		}
	}
	// What was due by now happens; later answers are still to come.
	if err := g.runEvents(ctx, o.Now, res); err != nil {
		return res, err
	}
	res.Elapsed = time.Since(began)
	return res, nil
}

type generator struct {
	d       *db.DB
	clock   *app.FakeClock
	svc     *quoting.Service
	rng     *mrand.Rand
	cat     *db.PricingCatalog
	st      quoting.Settings
	sellers []*db.User
	custs   []*db.Customer
	glasses []string
	colours []string
	events  events // what happens later to quotes already saved
}

// job is one quote: priced by a worker, then saved in order.
type job struct {
	i      int
	at     time.Time
	seller *db.User
	draft  *quoting.Draft
	// fate: what happens to it afterwards.
	sent, answered, won, cancelled, revised bool
	delay                                   time.Duration
}

// setup makes sure there are a company, a catalogue and salespeople.
func (g *generator) setup(ctx context.Context) error {
	n, err := g.d.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		owner := &db.User{Email: "dueno@ejemplo.mx", Name: "Dueño (datos de prueba)"}
		if owner.PasswordHash, err = unusableHash(); err != nil {
			return err
		}
		if err := g.d.Setup(ctx, "Aluminios de Prueba", owner, app.CLIActor); err != nil {
			return err
		}
	}
	if g.cat, err = g.d.PricingCatalog(ctx); err != nil {
		return err
	}
	if len(g.cat.Products()) == 0 {
		changes, err := catalogio.Demo()
		if err != nil {
			return err
		}
		if _, err := g.d.LoadEmptyCatalog(ctx, changes, app.CLIActor); err != nil {
			return err
		}
		if g.cat, err = g.d.PricingCatalog(ctx); err != nil {
			return err
		}
	}
	if g.st, err = g.svc.Settings(ctx); err != nil {
		return err
	}
	users, err := g.d.FindUsers(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Active && u.Role != auth.RoleViewer {
			g.sellers = append(g.sellers, u)
		}
	}
	for k := len(g.sellers); k < 4; k++ {
		u := &db.User{Email: fmt.Sprintf("vendedor%d@ejemplo.mx", k), Name: fmt.Sprintf("%s %s", pick(g.rng, firstNames), pick(g.rng, surnames)),
			Role: auth.RoleSales, MaxDiscountPct: "10"}
		if u.PasswordHash, err = unusableHash(); err != nil {
			return err
		}
		if err := g.d.CreateUser(ctx, u, app.CLIActor); err != nil {
			return err
		}
		g.sellers = append(g.sellers, u)
	}
	for _, m := range g.cat.Materials() {
		if m.Category == pricing.CategoryGlass {
			g.glasses = append(g.glasses, m.Code)
		}
	}
	for _, c := range g.cat.Colours() {
		g.colours = append(g.colours, c.Code)
	}
	return nil
}

// unusableHash is a password hash of a random password nobody knows: the
// generated accounts sign in only after a reset.
func unusableHash() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return auth.HashPassword(hex.EncodeToString(b), auth.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
}

// customers writes n customers in batches of a thousand.
func (g *generator) customers(ctx context.Context, n int) error {
	for len(g.custs) < n {
		var cs []*db.Customer
		for range min(1000, n-len(g.custs)) {
			cs = append(cs, g.customer())
		}
		if err := g.d.CreateCustomers(ctx, cs, app.CLIActor); err != nil {
			return err
		}
		g.custs = append(g.custs, cs...)
	}
	return nil
}

func (g *generator) customer() *db.Customer {
	r := g.rng
	first, last1, last2 := pickWeighted(r, firstNames), pickWeighted(r, surnames), pickWeighted(r, surnames)
	c := &db.Customer{Name: first + " " + last1 + " " + last2}
	if r.IntN(3) == 0 {
		c.Name = pickWeighted(r, firstNames) + " " + c.Name // a second given name
	}
	if r.IntN(10) < 8 {
		area := pick(r, areaCodes) // two or three digits, then the local number: ten in all
		c.Phone = fmt.Sprintf("%s%0*d", area, 10-len(area), r.IntN(10_000_000))
	}
	if r.IntN(10) < 4 {
		c.RFC = rfc(r, first, last1, last2)
	}
	if r.IntN(5) == 0 {
		c.BusinessName = fmt.Sprintf("%s %s %s", pick(r, businessKinds), last1, pick(r, companyForms))
	}
	if r.IntN(2) == 0 {
		c.Email = fmt.Sprintf("%s.%s%d@correo.mx", db.FoldText(first), db.FoldText(last1), r.IntN(100))
	}
	return c
}

// rfc is a persona física's RFC: initials, a birth date, a homoclave.
func rfc(r *mrand.Rand, first, last1, last2 string) string {
	up := func(s string, n int) string {
		f := []rune(db.FoldText(s))
		return string(f[:min(n, len(f))])
	}
	letters := up(last1, 2) + up(last2, 1) + up(first, 1)
	const alnum = "ABCDEFGHIJKLMNPQRSTUVWXYZ0123456789"
	return fmt.Sprintf("%s%02d%02d%02d%c%c%c", toUpperASCII(letters), 50+r.IntN(50), 1+r.IntN(12), 1+r.IntN(28),
		alnum[r.IntN(len(alnum))], alnum[r.IntN(len(alnum))], alnum[r.IntN(len(alnum))])
}

func toUpperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// price builds and prices job j's quote (run by several workers at once:
// it reads only what setup made, with a random source of its own).
func (g *generator) price(j *job, seed uint64) {
	r := mrand.New(mrand.NewPCG(seed, uint64(j.i)+1_000_003))
	j.seller = g.sellers[r.IntN(len(g.sellers))]
	// Customers come back: a few are quoted often.
	c := g.custs[int(float64(len(g.custs))*r.Float64()*r.Float64())]
	in := &quoting.Input{Percent: true, Fields: map[string]string{
		quoting.FieldCustomerID: strconv.FormatInt(c.ID, 10), quoting.FieldUnit: quoting.UnitCM,
	}}
	switch x := r.IntN(20); {
	case x == 0:
		in.Fields[quoting.FieldMode] = string(pricing.ModeOptimised)
	case x < 3:
		in.Fields[quoting.FieldMode] = string(pricing.ModeCompatible)
	}
	switch x := r.IntN(50); {
	case x == 0:
		in.Fields[quoting.FieldIVARate] = quoting.IVAExempt
	case x < 5:
		in.Fields[quoting.FieldIVARate] = "8"
	}
	if r.IntN(5) == 0 {
		in.Fields[quoting.FieldPriceDisplay] = quoting.DisplayIVAIncluded
	}
	if r.IntN(8) == 0 && j.seller.Role != auth.RoleSales { // a salesperson's discount has a cap
		in.Fields[quoting.FieldDiscountRate] = strconv.Itoa(1 + r.IntN(10))
	}
	products := g.cat.Products()
	lines := 1 + r.IntN(4)
	for k := range lines {
		p := products[r.IntN(len(products))]
		w, h := size(r, p.MinWidthMM, p.MaxWidthMM), size(r, p.MinHeightMM, p.MaxHeightMM)
		in.Items = append(in.Items, quoting.ItemInput{N: k, ProductCode: p.Code, Width: w, Height: h,
			Quantity: strconv.Itoa(1 + r.IntN(3)*r.IntN(2)), ColorCode: pick(r, g.colours), GlassCode: pick(r, g.glasses),
			Location: pick(r, locations), Optional: k > 0 && r.IntN(12) == 0})
	}
	if r.IntN(6) == 0 {
		mats := g.cat.Materials()
		m := mats[r.IntN(len(mats))]
		in.Materials = append(in.Materials, quoting.MaterialInput{N: lines, MaterialCode: m.Code, Quantity: strconv.Itoa(1 + r.IntN(6))})
	}
	j.draft = quoting.PriceWith(g.cat, g.st, db.Today(j.at), in, j.seller)
	// What happens next: most are sent; of those, a third are accepted
	// and a fifth rejected; some are cancelled; a few revised.
	j.sent = r.IntN(10) < 7
	j.answered = j.sent && r.IntN(100) < 55
	j.won = j.answered && r.IntN(100) < 64
	j.cancelled = !j.answered && r.IntN(100) < 8
	j.revised = j.answered && r.IntN(100) < 5
	j.delay = time.Duration(1+r.IntN(20*24)) * time.Hour
}

// size is a size within a product's range, in cm as the editor types it.
func size(r *mrand.Rand, lo, hi decimal.Decimal) string {
	if hi.IsZero() {
		hi = lo.Add(decimal.NewFromInt(2000))
	}
	mm := lo.Add(hi.Sub(lo).Mul(decimal.NewFromFloat(0.1 + 0.8*r.Float64())))
	return mm.Shift(-1).Round(0).String()
}

// save writes job j, the quote as the editor saves it, after whatever
// was due to happen to earlier quotes by then; what will happen to it is
// scheduled.
func (g *generator) save(ctx context.Context, j *job, res *Result) error {
	if err := j.draft.Err(); err != nil {
		return fmt.Errorf("does not price: %v", j.draft.FieldErrors())
	}
	if err := g.runEvents(ctx, j.at, res); err != nil {
		return err
	}
	g.clock.Set(j.at)
	actor := app.UserActor(j.seller.ID)
	q, err := g.svc.Save(ctx, j.draft, j.seller, nil, actor)
	if err != nil {
		return err
	}
	res.Quotes++
	res.Lines += len(q.Items)
	var moves []string
	switch {
	case j.won:
		moves = []string{db.StatusSent, db.StatusAccepted}
	case j.answered:
		moves = []string{db.StatusSent, db.StatusRejected}
	case j.sent:
		moves = []string{db.StatusSent}
	}
	if j.cancelled {
		moves = append(moves, db.StatusCancelled)
	}
	for k, to := range moves {
		heap.Push(&g.events, event{at: j.at.Add(j.delay * time.Duration(k+1) / time.Duration(len(moves)+1)), quote: q.ID, to: to, actor: actor})
	}
	if j.revised {
		heap.Push(&g.events, event{at: j.at.Add(j.delay + time.Hour), quote: q.ID, to: revise, actor: actor})
	}
	return nil
}

// revise is the event of revising a quote.
const revise = "revision"

// event is something that happens to a saved quote later: a status change
// or a revision. Events run when the simulated time reaches them, so
// creation times rise with ids as they do for real.
type event struct {
	at    time.Time
	quote int64
	to    string
	actor app.Actor
}

type events []event

func (e events) Len() int           { return len(e) }
func (e events) Less(i, j int) bool { return e[i].at.Before(e[j].at) }
func (e events) Swap(i, j int)      { e[i], e[j] = e[j], e[i] }
func (e *events) Push(x any)        { *e = append(*e, x.(event)) }
func (e *events) Pop() any {
	old := *e
	x := old[len(old)-1]
	*e = old[:len(old)-1]
	return x
}

// runEvents runs the events due by until.
func (g *generator) runEvents(ctx context.Context, until time.Time, res *Result) error {
	for len(g.events) > 0 && !g.events[0].at.After(until) {
		e := heap.Pop(&g.events).(event)
		g.clock.Set(e.at)
		if e.to == revise {
			rev, err := g.d.CreateRevision(ctx, e.quote, db.Today(e.at.Add(15*24*time.Hour)), e.actor)
			if err != nil {
				return fmt.Errorf("revise quote %d: %w", e.quote, err)
			}
			res.Revisions++
			res.Lines += len(rev.Items)
			continue
		}
		if err := g.d.SetQuoteStatus(ctx, e.quote, e.to, e.actor); err != nil {
			return fmt.Errorf("quote %d → %s: %w", e.quote, e.to, err)
		}
	}
	return nil
}

func pick(r *mrand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

// pickWeighted favours the first entries, as real names are spread: a few
// very common, many rare.
func pickWeighted(r *mrand.Rand, xs []string) string {
	return xs[int(float64(len(xs))*r.Float64()*r.Float64())]
}

var (
	firstNames = []string{"María", "José", "Juan", "Guadalupe", "Francisco", "Luis", "Carlos", "Ana", "Jesús", "Miguel", "Alejandro",
		"Rosa", "Antonio", "Verónica", "Fernando", "Patricia", "Jorge", "Laura", "Ricardo", "Martha", "Eduardo", "Leticia", "Roberto",
		"Adriana", "Sergio", "Gabriela", "Daniel", "Claudia", "Arturo", "Alejandra", "Héctor", "Mónica", "Raúl", "Silvia", "Óscar",
		"Margarita", "Javier", "Elizabeth", "Manuel", "Teresa", "Víctor", "Yolanda", "Enrique", "Araceli", "Alberto", "Norma", "Ramón",
		"Lucía", "Andrés", "Ximena", "Iván", "Sofía", "Rubén", "Itzel", "Emilio", "Citlali", "Joaquín", "Berenice", "Ángel", "Nayeli"}
	surnames = []string{"Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez", "Cruz",
		"Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres", "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar",
		"Ortiz", "Moreno", "Castillo", "Romero", "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera",
		"Medina", "Castro", "Vargas", "Guzmán", "Velázquez", "Muñoz", "Rojas", "Núñez", "Ibarra", "Salazar", "Cervantes", "Delgado",
		"Contreras", "Estrada", "Sandoval", "Ávila", "Orozco", "Peña", "Zúñiga", "Cárdenas", "Espinoza", "Villanueva", "Pacheco",
		"Lara", "Bautista", "Quiroz", "Acosta", "Miranda", "Solís", "Arellano", "Ochoa", "Tapia", "Meza", "Beltrán", "Cortés", "Olvera"}
	areaCodes     = []string{"55", "33", "81", "222", "477", "442", "449", "614", "662", "664", "667", "686", "722", "744", "999"}
	businessKinds = []string{"Construcciones", "Inmobiliaria", "Desarrollos", "Grupo", "Comercializadora", "Servicios"}
	companyForms  = []string{"S.A. de C.V.", "S. de R.L. de C.V.", "S.A.P.I. de C.V.", "S.C."}
	locations     = []string{"Sala", "Comedor", "Cocina", "Recámara principal", "Recámara 2", "Baño", "Estudio", "Fachada", "Cubo de escalera",
		"Patio", "Cochera", "Oficina", "Local comercial", "Terraza"}
)
