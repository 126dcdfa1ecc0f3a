package pricing

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/parser/lexer"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"
)

// User formulas are arithmetic over a window's dimensions, written by shop
// owners and run on every keystroke of a salesperson. They are compiled with
// expr once, but only after our own allowlist has accepted them, because
// expr's language (strings, lists, maps, pipes, let, builtins) is far larger
// than a BOM needs and its error messages are English.

// Limits on a formula's size.
const (
	MaxFormulaLen   = 500 // characters
	MaxFormulaNodes = 200 // syntax tree nodes
)

// formulaVariables are the names a formula may read, all float64.
var formulaVariables = []string{
	"width_mm", "height_mm", "width_cm", "height_cm", "width_m", "height_m",
	"area_m2", "perimeter_m", "hojas", "quantity",
}

// Arity rules of the allowed functions.
type arity int

const (
	arityOne    arity = iota // f(x)
	arityTwo                 // f(x, y)
	arityRound               // round(x) or round(x, digits)
	arityMinTwo              // min(a, b, ...)
)

var formulaFunctions = map[string]arity{
	"abs": arityOne, "round": arityRound, "min": arityMinTwo, "max": arityMinTwo,
	"ceil": arityOne, "floor": arityOne, "sqrt": arityOne, "pow": arityTwo,
}

// mathFunctions are reachable as math.ceil(x) etc., as the prototype allowed.
var mathFunctions = map[string]bool{"ceil": true, "floor": true, "sqrt": true}

// FormulaVariables lists the variables formulas may use, for help texts.
func FormulaVariables() []string { return append([]string(nil), formulaVariables...) }

// FormulaFunctions lists the functions formulas may call, for help texts.
func FormulaFunctions() []string {
	return []string{"abs", "round", "min", "max", "ceil", "floor", "sqrt", "pow",
		"math.ceil", "math.floor", "math.sqrt"}
}

func isVariable(name string) bool {
	for _, v := range formulaVariables {
		if v == name {
			return true
		}
	}
	return false
}

// Dims are the values a formula sees for one window.
type Dims struct {
	WidthMM, HeightMM  float64
	WidthCM, HeightCM  float64
	WidthM, HeightM    float64
	AreaM2, PerimeterM float64
	Hojas, Quantity    float64
}

// NewDims derives every variable from the width and height in mm. The
// derivation is done in decimal so 1500 × 1200 mm gives exactly 1.8 m², the
// same value the prototype's Decimal arithmetic fed its formulas.
func NewDims(widthMM, heightMM decimal.Decimal, hojas, quantity int) Dims {
	return newDims(numOf(widthMM), numOf(heightMM), hojas, quantity)
}

func newDims(widthMM, heightMM num, hojas, quantity int) Dims {
	wm := widthMM.Shift(-3)
	hm := heightMM.Shift(-3)
	return Dims{
		WidthMM: widthMM.toFloat(), HeightMM: heightMM.toFloat(),
		WidthCM: widthMM.Shift(-1).toFloat(), HeightCM: heightMM.Shift(-1).toFloat(),
		WidthM: wm.toFloat(), HeightM: hm.toFloat(),
		AreaM2:     wm.Mul(hm).toFloat(),
		PerimeterM: wm.Add(hm).Mul(numTwo).toFloat(),
		Hojas:      float64(hojas), Quantity: float64(quantity),
	}
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// toFloat is the float64 nearest to d. For the usual case (a coefficient
// below 2⁵³ and at most 22 decimals) one division of two exact floats is
// correctly rounded, and far cheaper than the library's big.Rat route.
func toFloat(d decimal.Decimal) float64 {
	exp := d.Exponent()
	if exp <= 0 && exp >= -22 && d.NumDigits() <= 15 { // |coefficient| < 10¹⁵ < 2⁵³
		return float64(d.CoefficientInt64()) / pow10[-exp]
	}
	return d.InexactFloat64()
}

// formulaEnv is what expr type-checks against and reads at run time.
type formulaEnv struct {
	WidthMM    float64 `expr:"width_mm"`
	HeightMM   float64 `expr:"height_mm"`
	WidthCM    float64 `expr:"width_cm"`
	HeightCM   float64 `expr:"height_cm"`
	WidthM     float64 `expr:"width_m"`
	HeightM    float64 `expr:"height_m"`
	AreaM2     float64 `expr:"area_m2"`
	PerimeterM float64 `expr:"perimeter_m"`
	Hojas      float64 `expr:"hojas"`
	Quantity   float64 `expr:"quantity"`
	Math       mathEnv `expr:"math"`
}

// mathEnv exposes exactly math.ceil, math.floor and math.sqrt.
type mathEnv struct {
	Ceil  func(float64) float64 `expr:"ceil"`
	Floor func(float64) float64 `expr:"floor"`
	Sqrt  func(float64) float64 `expr:"sqrt"`
}

var mathNS = mathEnv{Ceil: math.Ceil, Floor: math.Floor, Sqrt: math.Sqrt}

// Formula is a validated, compiled formula; safe for concurrent use.
type Formula struct {
	src  string
	prog *vm.Program
	fast *fastNode // the same computation without the VM; nil to use prog
}

// constant reports whether the formula reads no variable, so that its
// value is the same for every window.
func (f *Formula) constant() bool { return f.fast != nil && f.fast.constant() }

// Source returns the formula text as written.
func (f *Formula) Source() string { return f.src }

// evaluator pairs a reusable VM with the env it reads, so an evaluation
// allocates neither.
type evaluator struct {
	machine vm.VM
	env     formulaEnv
}

var evalPool = sync.Pool{New: func() any { return &evaluator{env: formulaEnv{Math: mathNS}} }}

// Eval runs the formula for one window. It returns the raw value, which may
// be negative: clamping to 0 is a pricing rule, applied (and shown) in the
// BOM step. NaN and ±Inf, e.g. from a division by zero, are errors.
func (f *Formula) Eval(d Dims) (float64, error) { return f.eval(&d) }

func (f *Formula) eval(d *Dims) (float64, error) {
	if f.fast != nil {
		v := f.fast.num(d)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, formulaErr("formula.not_finite", 0, "")
		}
		return v, nil
	}
	ev := evalPool.Get().(*evaluator)
	ev.env = formulaEnv{
		WidthMM: d.WidthMM, HeightMM: d.HeightMM, WidthCM: d.WidthCM, HeightCM: d.HeightCM,
		WidthM: d.WidthM, HeightM: d.HeightM, AreaM2: d.AreaM2, PerimeterM: d.PerimeterM,
		Hojas: d.Hojas, Quantity: d.Quantity, Math: mathNS,
	}
	out, err := ev.machine.Run(f.prog, &ev.env)
	evalPool.Put(ev)
	if errors.Is(err, errRoundDigits) {
		return 0, formulaErr("formula.round_digits", 0, "")
	}
	if err != nil {
		return 0, formulaErr("formula.eval", 0, evalReason(err))
	}
	v, ok := out.(float64)
	if !ok {
		return 0, formulaErr("formula.eval", 0, fmt.Sprintf("%T", out))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, formulaErr("formula.not_finite", 0, "")
	}
	return v, nil
}

func evalReason(err error) string {
	var fe *file.Error
	if e, ok := err.(*file.Error); ok {
		fe = e
	}
	if fe != nil {
		return fe.Message
	}
	return err.Error()
}

// ValidateFormula reports whether src is an acceptable formula, with a
// *FormulaError whose key and arguments say what is wrong and where.
func ValidateFormula(src string) error {
	_, err := CompileFormula(src)
	return err
}

// CompileFormula validates and compiles src, reusing a cached program when
// the same text was compiled before.
func CompileFormula(src string) (*Formula, error) {
	if f := formulaCache.get(src); f != nil {
		return f, nil
	}
	f, err := compileFormula(src)
	if err != nil {
		return nil, err
	}
	formulaCache.put(src, f)
	return f, nil
}

// cache is a bounded, concurrency-safe map of compiled formulas. A catalogue
// holds a few hundred distinct formulas, so eviction is rare and evicting an
// arbitrary entry (Go map order) is good enough without LRU bookkeeping.
type cache struct {
	mu  sync.RWMutex
	m   map[string]*Formula
	max int
}

var formulaCache = &cache{m: make(map[string]*Formula), max: 4096}

func (c *cache) get(src string) *Formula {
	c.mu.RLock()
	f := c.m[src]
	c.mu.RUnlock()
	return f
}

func (c *cache) put(src string, f *Formula) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[src] = f
}

func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

func compileFormula(src string) (*Formula, error) {
	if strings.TrimSpace(src) == "" {
		return nil, formulaErr("formula.empty", 0, "")
	}
	if utf8.RuneCountInString(src) > MaxFormulaLen {
		return nil, formulaErr("formula.too_long", 0, strconv.Itoa(MaxFormulaLen))
	}
	if !utf8.ValidString(src) {
		return nil, formulaErr("formula.bad_char", 1, "?")
	}
	if err := checkChars(src); err != nil {
		return nil, err
	}
	tokens, err := lexer.Lex(file.NewSource(src))
	if err != nil {
		return nil, lexError(src, err)
	}
	if err := checkTokens(src, tokens); err != nil {
		return nil, err
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, parseError(src, err)
	}
	tc := treeChecker{}
	k, err := tc.check(tree.Node)
	if err != nil {
		return nil, err
	}
	if k != kindNumber {
		return nil, formulaErr("formula.bool_result", nodePos(tree.Node), "")
	}
	prog, err := expr.Compile(src, compileOptions...)
	if err != nil {
		// Our checks should have caught everything expr rejects; if not, say
		// so rather than hide it.
		return nil, formulaErr("formula.invalid", 0, evalReason(err))
	}
	return &Formula{src: src, prog: prog, fast: compileFast(prog)}, nil
}

// checkChars rejects, with a precise position, what the lexer would either
// mis-handle for us (// starts a comment there, silently dropping the rest of
// a prototype formula like "width_cm // 10") or report in English.
func checkChars(src string) error {
	runes := []rune(src)
	for i, r := range runes {
		pos := i + 1
		switch {
		case r == '"' || r == '\'' || r == '`':
			return formulaErr("formula.string", pos, "")
		case r == '/' && i+1 < len(runes) && (runes[i+1] == '/' || runes[i+1] == '*'):
			return formulaErr("formula.comment", pos, "")
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'):
		case strings.ContainsRune(" \t\r\n+-*/%^().,<>=!?:&|#[]{};", r):
		case r >= utf8.RuneSelf && unicode.IsLetter(r):
			// Accented names reach the token check and get "variable desconocida".
		default:
			return formulaErr("formula.bad_char", pos, string(r))
		}
	}
	return nil
}

func lexError(src string, err error) error {
	fe, ok := err.(*file.Error)
	if !ok {
		return formulaErr("formula.syntax", 0, "")
	}
	pos := fe.From + 1
	if strings.HasPrefix(fe.Message, "bad number syntax") {
		start, word := wordAround(src, fe.From)
		return formulaErr("formula.bad_number", start+1, word)
	}
	if strings.HasPrefix(fe.Message, "unrecognized character") {
		runes := []rune(src)
		if fe.From >= 0 && fe.From < len(runes) {
			return formulaErr("formula.bad_char", pos, string(runes[fe.From]))
		}
	}
	return formulaErr("formula.syntax", pos, "")
}

// wordAround returns the run of letters, digits, '_' and '.' containing rune
// index at, with its starting index, to quote a malformed number whole.
func wordAround(src string, at int) (int, string) {
	runes := []rune(src)
	if at >= len(runes) {
		at = len(runes) - 1
	}
	if at < 0 {
		return 0, ""
	}
	in := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.' }
	start, end := at, at
	for start > 0 && in(runes[start-1]) {
		start--
	}
	for end < len(runes) && in(runes[end]) {
		end++
	}
	return start, string(runes[start:end])
}

// allowedOperators are the operator tokens a formula may contain.
var allowedOperators = map[string]bool{
	"+": true, "-": true, "*": true, "/": true, "%": true, "^": true, "**": true,
	"==": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true,
	"?": true, ":": true, ",": true, ".": true,
	"&&": true, "||": true, "!": true, "and": true, "or": true, "not": true,
}

// checkTokens walks the token stream: most mistakes are clearest there, with
// the exact position of the offending word.
func checkTokens(src string, toks []lexer.Token) error {
	type paren struct {
		call bool
		pos  int
	}
	var stack []paren
	prev := func(i int) lexer.Token {
		if i > 0 {
			return toks[i-1]
		}
		return lexer.Token{}
	}
	next := func(i int) lexer.Token {
		if i+1 < len(toks) {
			return toks[i+1]
		}
		return lexer.Token{Kind: lexer.EOF}
	}
	for i, t := range toks {
		pos := t.From + 1
		switch t.Kind {
		case lexer.String, lexer.Bytes:
			return formulaErr("formula.string", pos, "")
		case lexer.Number:
			if !isPlainNumber(t.Value) {
				return formulaErr("formula.bad_number", pos, t.Value)
			}
			if !numberFits(t.Value) {
				return formulaErr("formula.number_too_large", pos, t.Value)
			}
		case lexer.Bracket:
			switch t.Value {
			case "(":
				call := prev(i).Kind == lexer.Identifier
				if !call && next(i).Is(lexer.Bracket, ")") {
					return formulaErr("formula.empty_parens", pos, "")
				}
				stack = append(stack, paren{call: call, pos: pos})
			case ")":
				if len(stack) == 0 {
					return formulaErr("formula.unopened_paren", pos, "")
				}
				stack = stack[:len(stack)-1]
			case "[", "]":
				return formulaErr("formula.list", pos, "")
			default:
				return formulaErr("formula.map", pos, "")
			}
		case lexer.Operator:
			if err := checkOperatorToken(toks, i, pos, len(stack) > 0 && stack[len(stack)-1].call); err != nil {
				return err
			}
		case lexer.Identifier:
			if err := checkIdentifierToken(toks, i, pos); err != nil {
				return err
			}
		}
	}
	if len(stack) > 0 {
		return formulaErr("formula.unclosed_paren", stack[len(stack)-1].pos, "")
	}
	return nil
}

func checkOperatorToken(toks []lexer.Token, i, pos int, inCall bool) error {
	t := toks[i]
	switch t.Value {
	case "|":
		return formulaErr("formula.pipe", pos, "")
	case "..":
		return formulaErr("formula.range", pos, "")
	case "let":
		return formulaErr("formula.let", pos, "")
	case ";":
		return formulaErr("formula.sequence", pos, "")
	case "=":
		return formulaErr("formula.assignment", pos, "")
	case "if", "else":
		return formulaErr("formula.if", pos, t.Value)
	case ",":
		if !inCall {
			return formulaErr("formula.decimal_comma", pos, "")
		}
		return nil
	case ".":
		// Only math.<fn>( is a member access we allow.
		var before, after lexer.Token
		if i > 0 {
			before = toks[i-1]
		}
		if i+1 < len(toks) {
			after = toks[i+1]
		}
		if before.Is(lexer.Identifier, "math") && after.Kind == lexer.Identifier {
			name := "math." + after.Value
			if !mathFunctions[after.Value] {
				return formulaErr("formula.forbidden_function", before.From+1, name)
			}
			if i+2 >= len(toks) || !toks[i+2].Is(lexer.Bracket, "(") {
				return formulaErr("formula.missing_call", before.From+1, name)
			}
			return nil
		}
		detail := "."
		start := pos
		if before.Kind == lexer.Identifier || before.Kind == lexer.Number {
			detail = before.Value + "." + after.Value
			start = before.From + 1
		}
		return formulaErr("formula.member", start, detail)
	}
	if !allowedOperators[t.Value] {
		return formulaErr("formula.forbidden_operator", pos, t.Value)
	}
	return nil
}

func checkIdentifierToken(toks []lexer.Token, i, pos int) error {
	t := toks[i]
	name := t.Value
	if i > 0 && toks[i-1].Is(lexer.Operator, ".") {
		return nil // property after "math.", checked with the dot
	}
	called := i+1 < len(toks) && toks[i+1].Is(lexer.Bracket, "(")
	switch {
	case name == "true" || name == "false":
		return formulaErr("formula.bool_literal", pos, name)
	case name == "nil":
		return formulaErr("formula.nil", pos, "")
	case name == "math":
		if i+1 < len(toks) && toks[i+1].Is(lexer.Operator, ".") {
			return nil
		}
		return formulaErr("formula.missing_call", pos, "math.ceil")
	case called:
		if _, ok := formulaFunctions[name]; ok {
			return nil
		}
		if isVariable(name) {
			return formulaErr("formula.not_a_function", pos, name)
		}
		if _, ok := builtin.Index[name]; ok {
			return formulaErr("formula.forbidden_function", pos, name)
		}
		return formulaErr("formula.unknown_function", pos, name)
	case isVariable(name):
		return nil
	default:
		if _, ok := formulaFunctions[name]; ok {
			return formulaErr("formula.missing_call", pos, name)
		}
		return formulaErr("formula.unknown_variable", pos, name)
	}
}

// isPlainNumber accepts decimal literals only ("12", "0.5", ".5", "1e3"):
// no hex, octal, binary or digit separators, which no shop writes on purpose.
func isPlainNumber(s string) bool {
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	if !isPlainDecimal(mant) || strings.HasPrefix(mant, "-") || strings.HasPrefix(mant, "+") {
		return false
	}
	if hasExp {
		exp = strings.TrimLeft(exp, "+-")
		if exp == "" || strings.Trim(exp, "0123456789") != "" {
			return false
		}
	}
	return true
}

// numberFits reports whether expr can hold the literal: integers must fit
// int64 (expr parses them as such before we turn them into floats).
func numberFits(s string) bool {
	if strings.ContainsAny(s, ".eE") {
		_, err := strconv.ParseFloat(s, 64)
		return err == nil
	}
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

func parseError(src string, err error) error {
	fe, ok := err.(*file.Error)
	if !ok {
		return formulaErr("formula.syntax", 0, "")
	}
	runes := []rune(src)
	if fe.Message == "unexpected end of expression" || strings.HasPrefix(fe.Message, "unexpected token EOF") ||
		fe.From >= len(runes) {
		return formulaErr("formula.incomplete", 0, "")
	}
	if strings.HasPrefix(fe.Message, "unexpected token") {
		to := fe.To
		if to <= fe.From || to > len(runes) {
			to = fe.From + 1
		}
		return formulaErr("formula.unexpected_token", fe.From+1, string(runes[fe.From:to]))
	}
	return formulaErr("formula.syntax", fe.From+1, "")
}

type kind int

const (
	kindNumber kind = iota
	kindBool
)

// treeChecker infers number/condition types over the parsed tree, enforces
// arity and the node budget, and rejects any node outside the allowlist.
type treeChecker struct{ nodes int }

func nodePos(n ast.Node) int { return n.Location().From + 1 }

func (c *treeChecker) check(n ast.Node) (kind, error) {
	c.nodes++
	if c.nodes > MaxFormulaNodes {
		return 0, formulaErr("formula.too_complex", 0, strconv.Itoa(MaxFormulaNodes))
	}
	switch n := n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		return kindNumber, nil
	case *ast.IdentifierNode:
		if !isVariable(n.Value) {
			return 0, formulaErr("formula.unknown_variable", nodePos(n), n.Value)
		}
		return kindNumber, nil
	case *ast.BoolNode:
		return 0, formulaErr("formula.bool_literal", nodePos(n), strconv.FormatBool(n.Value))
	case *ast.NilNode:
		return 0, formulaErr("formula.nil", nodePos(n), "")
	case *ast.UnaryNode:
		switch n.Operator {
		case "-", "+":
			return kindNumber, c.want(n.Node, kindNumber)
		case "!", "not":
			return kindBool, c.want(n.Node, kindBool)
		}
		return 0, formulaErr("formula.forbidden_operator", nodePos(n), n.Operator)
	case *ast.BinaryNode:
		switch n.Operator {
		case "+", "-", "*", "/", "%", "^", "**":
			return kindNumber, c.want2(n.Left, n.Right, kindNumber)
		case "==", "!=", "<", ">", "<=", ">=":
			return kindBool, c.want2(n.Left, n.Right, kindNumber)
		case "&&", "||", "and", "or":
			return kindBool, c.want2(n.Left, n.Right, kindBool)
		}
		return 0, formulaErr("formula.forbidden_operator", nodePos(n), n.Operator)
	case *ast.ConditionalNode:
		if !n.Ternary {
			return 0, formulaErr("formula.if", nodePos(n), "if")
		}
		if n.Exp1 == nil || n.Exp2 == nil {
			return 0, formulaErr("formula.incomplete", 0, "")
		}
		if err := c.want(n.Cond, kindBool); err != nil {
			return 0, err
		}
		return kindNumber, c.want2(n.Exp1, n.Exp2, kindNumber)
	case *ast.BuiltinNode:
		if _, ok := formulaFunctions[n.Name]; !ok {
			return 0, formulaErr("formula.forbidden_function", nodePos(n), n.Name)
		}
		return kindNumber, c.call(n.Name, n.Arguments, nodePos(n))
	case *ast.CallNode:
		switch callee := n.Callee.(type) {
		case *ast.IdentifierNode:
			if _, ok := formulaFunctions[callee.Value]; !ok {
				return 0, formulaErr("formula.unknown_function", nodePos(n), callee.Value)
			}
			return kindNumber, c.call(callee.Value, n.Arguments, nodePos(n))
		case *ast.MemberNode:
			obj, okObj := callee.Node.(*ast.IdentifierNode)
			prop, okProp := callee.Property.(*ast.StringNode)
			if !okObj || !okProp || obj.Value != "math" || callee.Optional || !mathFunctions[prop.Value] {
				return 0, formulaErr("formula.member", nodePos(callee), "")
			}
			c.nodes += 2 // the member and its property
			return kindNumber, c.call("math."+prop.Value, n.Arguments, nodePos(obj))
		}
		return 0, formulaErr("formula.member", nodePos(n), "")
	case *ast.MemberNode, *ast.ChainNode:
		return 0, formulaErr("formula.member", nodePos(n), "")
	case *ast.StringNode, *ast.BytesNode:
		return 0, formulaErr("formula.string", nodePos(n), "")
	case *ast.ArrayNode, *ast.SliceNode:
		return 0, formulaErr("formula.list", nodePos(n), "")
	case *ast.MapNode, *ast.PairNode:
		return 0, formulaErr("formula.map", nodePos(n), "")
	case *ast.VariableDeclaratorNode:
		return 0, formulaErr("formula.let", nodePos(n), "")
	case *ast.SequenceNode:
		return 0, formulaErr("formula.sequence", nodePos(n), "")
	}
	return 0, formulaErr("formula.syntax", nodePos(n), "")
}

func (c *treeChecker) want(n ast.Node, want kind) error {
	got, err := c.check(n)
	if err != nil {
		return err
	}
	if got == want {
		return nil
	}
	if want == kindNumber {
		return formulaErr("formula.expected_number", nodePos(n), "")
	}
	return formulaErr("formula.expected_condition", nodePos(n), "")
}

func (c *treeChecker) want2(a, b ast.Node, want kind) error {
	if err := c.want(a, want); err != nil {
		return err
	}
	return c.want(b, want)
}

func (c *treeChecker) call(name string, args []ast.Node, pos int) error {
	short := strings.TrimPrefix(name, "math.")
	n := len(args)
	switch formulaFunctions[short] {
	case arityOne:
		if n != 1 {
			return formulaErr("formula.arity_one", pos, name)
		}
	case arityTwo:
		if n != 2 {
			return formulaErr("formula.arity_two", pos, name)
		}
	case arityRound:
		if n != 1 && n != 2 {
			return formulaErr("formula.arity_round", pos, name)
		}
	case arityMinTwo:
		if n < 2 {
			return formulaErr("formula.arity_min_two", pos, name)
		}
	}
	for _, a := range args {
		if err := c.want(a, kindNumber); err != nil {
			return err
		}
	}
	return nil
}

// intToFloat turns integer literals into floats before expr type-checks, so
// every operation is float64: no silent int64 overflow, no integer division,
// and one "%" overload covers all cases.
type intToFloat struct{}

func (intToFloat) Visit(node *ast.Node) {
	if n, ok := (*node).(*ast.IntegerNode); ok {
		f := &ast.FloatNode{Value: float64(n.Value)}
		ast.Patch(node, f)
	}
}

func argFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	}
	return math.NaN()
}

func unary(fn func(float64) float64) func(...any) (any, error) {
	return func(p ...any) (any, error) { return fn(argFloat(p[0])), nil }
}

// errRoundDigits is round()'s refusal of digits that are not a whole number
// in [-15, 15]. It reaches Eval wrapped in expr's run-time error and becomes
// the formula.round_digits message there.
var errRoundDigits = errors.New("round digits out of range")

// pyRound reproduces the prototype's Python round(): ties to even, and an
// optional number of digits (round(2.675, 2) is 2.67 because 2.675 is stored
// as 2.67499…, exactly as Python prints it).
func pyRound(p ...any) (any, error) {
	x := argFloat(p[0])
	if len(p) == 1 {
		return math.RoundToEven(x), nil
	}
	d := argFloat(p[1])
	if !validRoundDigits(d) {
		return nil, errRoundDigits
	}
	return roundDigits(x, d), nil
}

func variadic(pick func(a, b float64) float64) func(...any) (any, error) {
	return func(p ...any) (any, error) {
		acc := argFloat(p[0])
		for _, v := range p[1:] {
			acc = pick(acc, argFloat(v))
		}
		return acc, nil
	}
}

// modToCall rewrites every "%" into a call of pymod. expr's operator
// override alone does not reach "%" inside a function's arguments
// (max(7 % 3, 1) failed at evaluation with "invalid operation"), so the
// formula is rewritten before expr type-checks it.
type modToCall struct{}

func (modToCall) Visit(node *ast.Node) {
	if b, ok := (*node).(*ast.BinaryNode); ok && b.Operator == "%" {
		ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: "pymod"}, Arguments: []ast.Node{b.Left, b.Right}})
	}
}

// pyMod is Python's floored modulo (-1 % 3 == 2), as in the prototype.
func pyMod(p ...any) (any, error) { return floorMod(argFloat(p[0]), argFloat(p[1])), nil }

var compileOptions = []expr.Option{
	expr.Env(formulaEnv{}),
	expr.AsFloat64(),
	expr.DisableAllBuiltins(),
	expr.Patch(intToFloat{}),
	expr.Patch(modToCall{}),
	expr.MaxNodes(4 * MaxFormulaNodes),
	expr.Function("abs", unary(math.Abs), new(func(float64) float64)),
	expr.Function("ceil", unary(math.Ceil), new(func(float64) float64)),
	expr.Function("floor", unary(math.Floor), new(func(float64) float64)),
	expr.Function("sqrt", unary(math.Sqrt), new(func(float64) float64)),
	expr.Function("pow", func(p ...any) (any, error) { return math.Pow(argFloat(p[0]), argFloat(p[1])), nil },
		new(func(float64, float64) float64)),
	expr.Function("round", pyRound, new(func(float64) float64), new(func(float64, float64) float64)),
	expr.Function("min", variadic(math.Min), new(func(float64, ...float64) float64)),
	expr.Function("max", variadic(math.Max), new(func(float64, ...float64) float64)),
	expr.Function("pymod", pyMod, new(func(float64, float64) float64)),
	expr.Operator("%", "pymod"),
}
