package pricing

import (
	"math/rand/v2"
	"slices"
)

// What follows runs only when the first plans (best-fit subsets bar by
// bar, and first-fit decreasing) use more bars than the lower bound: it
// tries to reach the bound, and on small jobs can prove that the bound
// cannot be reached, which raises it. It is budgeted by steps, never by
// the clock, so the same pieces always give the same plan.

// proofMaxItems: up to this many pieces the exact search spends its whole
// budget on one complete pass, which usually ends in a proof either way;
// larger jobs, where a proof is out of reach, get restarts.
var proofMaxItems = 30

// searchResult is what searchToBound found out.
type searchResult int

const (
	searchFound      searchResult = iota // a packing into k bins
	searchImpossible                     // every way was tried: k bins cannot hold the items
	searchGaveUp                         // the budget ran out first
)

// searchToBound looks for a packing of sizes (sorted largest first) into
// k bins of capacity. It is Korf's bin completion with a waste budget: the
// bins are filled one at a time, each with the largest item left plus a
// subset of the others whose slack fits in what k bins leave unused
// (k·C − Σ sizes); the subsets are read off a subset-sum table of the
// sizes still free, so no branch is a dead end, fullest first, with equal
// sizes counted rather than told apart. Chronological backtracking gets
// stuck deep in a large job, so the budget of nodes bins is spent over a
// few restarts; after the first, each node tries one of its fullest
// fills drawn at random (from a fixed seed) before the others. A restart
// that runs out of ways before its budget has proven k bins impossible.
func searchToBound(sizes []int, capacity, k, nodes int) ([][]int, searchResult) {
	total := 0
	for _, s := range sizes {
		total += s
	}
	waste := k*capacity - total
	if waste < 0 {
		return nil, searchImpossible
	}
	restarts := 1
	if len(sizes) > proofMaxItems {
		restarts = 4
	}
	st := &boundSearch{sizes: sizes, capacity: capacity, used: make([]bool, len(sizes)),
		rng: rand.New(rand.NewPCG(uint64(len(sizes)), uint64(total)))}
	for r := range restarts {
		st.nodes, st.shuffle, st.bins = nodes/restarts, r > 0, st.bins[:0]
		if st.fill(k, waste) {
			return st.bins, searchFound
		}
		if st.nodes > 0 {
			return nil, searchImpossible
		}
	}
	return nil, searchGaveUp
}

type boundSearch struct {
	sizes    []int
	capacity int
	used     []bool
	bins     [][]int // indexes into sizes, one slice per bin, while searching
	nodes    int
	shuffle  bool
	rng      *rand.Rand
	// Stacks shared by the depths of the search, each depth using the end
	// and giving it back when it returns: subset-sum tables, runs of equal
	// sizes, the items of the runs, counts taken of each run.
	arena  []uint64
	runs   []sizeRun
	items  []int
	counts []int
}

// sizeRun is a run of equal sizes among a bin's candidates: n items from
// items[at].
type sizeRun struct {
	size, at, n int
}

func (st *boundSearch) fill(binsLeft, waste int) bool {
	first := -1
	for i, u := range st.used {
		if !u {
			first = i
			break
		}
	}
	if first < 0 {
		return true
	}
	if binsLeft == 0 || st.nodes <= 0 {
		return false
	}
	left := st.capacity - st.sizes[first]
	// Candidates by runs of equal size (sizes are sorted, so runs are
	// contiguous), at most as many of a size as could fit.
	runBase, itemBase, countBase := len(st.runs), len(st.items), len(st.counts)
	for i := first + 1; i < len(st.sizes); i++ {
		sz := st.sizes[i]
		if st.used[i] || sz > left {
			continue
		}
		if n := len(st.runs); n > runBase && st.runs[n-1].size == sz {
			if r := &st.runs[n-1]; r.n < left/sz {
				st.items = append(st.items, i)
				r.n++
			}
			continue
		}
		st.runs = append(st.runs, sizeRun{size: sz, at: len(st.items), n: 1})
		st.items = append(st.items, i)
	}
	runs := st.runs[runBase:]
	st.counts = slices.Grow(st.counts, len(runs))[:countBase+len(runs)]
	counts := st.counts[countBase:]
	// reach[g] holds the sums reachable with the first g runs.
	words := left/64 + 1
	base := len(st.arena)
	need := (len(runs) + 1) * words
	st.arena = slices.Grow(st.arena, need)[:base+need]
	defer func() {
		st.arena, st.runs, st.items, st.counts = st.arena[:base], st.runs[:runBase], st.items[:itemBase], st.counts[:countBase]
	}()
	layer := func(g int) []uint64 { return st.arena[base+g*words : base+(g+1)*words] }
	clear(layer(0))
	layer(0)[0] = 1
	for g, r := range runs {
		prev, cur := layer(g), layer(g+1)
		copy(cur, prev)
		for range r.n {
			shiftOr(cur, cur, r.size) // in place: shiftOr walks from the top word down
		}
		trimBits(cur, left)
	}
	bit := func(b []uint64, s int) bool { return s >= 0 && b[s/64]>>(s%64)&1 == 1 }
	// enumerate picks, run by run from the last, how many of each size
	// make exactly t, then tries the bin.
	var enumerate func(g, t, slack int) bool
	enumerate = func(g, t, slack int) bool {
		if st.nodes <= 0 {
			return false
		}
		if g == 0 {
			return st.place(first, runs, counts, binsLeft, waste-slack)
		}
		r := runs[g-1]
		for m := r.n; m >= 0; m-- {
			if rest := t - m*r.size; bit(layer(g-1), rest) {
				counts[g-1] = m
				if enumerate(g-1, rest, slack) {
					return true
				}
			}
		}
		counts[g-1] = 0
		return false
	}
	top := layer(len(runs))
	lowest := max(0, left-waste)
	if st.shuffle {
		// One of the (up to) four fullest fills first, then all in order.
		var fullest [4]int
		n := 0
		for t := left; t >= lowest && n < len(fullest); t-- {
			if bit(top, t) {
				fullest[n] = t
				n++
			}
		}
		if n > 1 {
			t := fullest[st.rng.IntN(n)]
			if enumerate(len(runs), t, left-t) {
				return true
			}
			for t2 := left; t2 >= lowest; t2-- {
				if t2 != t && bit(top, t2) && enumerate(len(runs), t2, left-t2) {
					return true
				}
			}
			return false
		}
	}
	for t := left; t >= lowest; t-- {
		if bit(top, t) && enumerate(len(runs), t, left-t) {
			return true
		}
	}
	return false
}

// place puts the first item and counts[g] items of each run into a bin and
// fills the remaining bins.
func (st *boundSearch) place(first int, runs []sizeRun, counts []int, binsLeft, waste int) bool {
	st.nodes--
	bin := []int{first}
	for g, m := range counts {
		bin = append(bin, st.items[runs[g].at:runs[g].at+m]...)
	}
	for _, i := range bin {
		st.used[i] = true
	}
	st.bins = append(st.bins, bin)
	if st.fill(binsLeft-1, waste) {
		return true
	}
	st.bins = st.bins[:len(st.bins)-1]
	for _, i := range bin {
		st.used[i] = false
	}
	return false
}

// trimBits clears the bits above limit.
func trimBits(b []uint64, limit int) {
	last := limit / 64
	if r := uint(limit%64) + 1; r < 64 {
		b[last] &= uint64(1)<<r - 1
	}
	for w := last + 1; w < len(b); w++ {
		b[w] = 0
	}
}
