package db

// Unexported pieces of the quote storage, lists and search, for db_test.
var (
	EncodeBreakdown   = encodeBreakdown
	DecodeBreakdown   = decodeBreakdown
	QuoteSearchTerms  = quoteSearchTerms
	QuoteSearchTokens = quoteSearchTokens
	QuoteMatches      = quoteMatches
	SearchLeadCap     = searchLeadCap
	MonthSQL          = monthSQL
	ShownSQL          = shownSQL
)

// TraceListQueries makes every statement of a list, search or dashboard be
// handed to f (nil stops it); not safe while such a read runs.
func TraceListQueries(f func(query string, args []any)) { listQueries = f }
