package db

// CustomerQueries exposes the statements FindCustomers runs, so the
// query-plan test checks the real ones.
var CustomerQueries = customerQueries
