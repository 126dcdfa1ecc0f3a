package app

import "strconv"

// Actor names who performs a write, as stored in the *_by columns and the
// security log: "user:12", "token:3", "share:5" (a customer through a
// share link), "cli" or "system".
type Actor string

const (
	// SystemActor is the app itself (retention jobs, migrations).
	SystemActor Actor = "system"
	// CLIActor is an operator at the command line.
	CLIActor Actor = "cli"
)

// UserActor is a signed-in user.
func UserActor(id int64) Actor { return Actor("user:" + strconv.FormatInt(id, 10)) }

// TokenActor is a request authenticated by an API token.
func TokenActor(id int64) Actor { return Actor("token:" + strconv.FormatInt(id, 10)) }

// ShareActor is a customer answering through share link id (no account).
func ShareActor(id int64) Actor { return Actor("share:" + strconv.FormatInt(id, 10)) }
