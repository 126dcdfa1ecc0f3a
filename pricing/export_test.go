package pricing

import "sort"

// FFDBarsForTest is the number of bars first-fit decreasing uses, for the
// external quality benchmark.
func FFDBarsForTest(barLengthMM int, pieces []Piece, s CutSettings) int {
	var sizes []int
	for _, p := range pieces {
		if p.LengthMM > 0 {
			sizes = append(sizes, p.LengthMM+s.KerfMM)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(sizes)))
	return len(packFFD(sizes, barLengthMM-2*s.TrimMM+s.KerfMM))
}

// SetBudgets changes the search budgets (tuning runs).
func SetBudgets(nodes, proof int) {
	searchNodes, proofMaxItems = nodes, proof
}
