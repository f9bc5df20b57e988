package sandbox

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The SOQL subset the sandbox runs (see the package documentation):
//
//	query   = SELECT path {"," path} FROM object [WHERE cond]
//	          [ORDER BY path [ASC|DESC] {"," path [ASC|DESC]}] [LIMIT integer]
//	cond    = term {AND term} | term {OR term}   (mixing needs parentheses)
//	term    = "(" cond ")" | path op literal | path IN "(" literal {"," literal} ")"
//	op      = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//	literal = 'string' | number | date | datetime | TRUE | FALSE | NULL
//	path    = field | relationship "." field
//
// Keywords and names are case-insensitive.

// tokKind is the kind of a SOQL token.
type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokDate
	tokDateTime
	tokOp
	tokComma
	tokLParen
	tokRParen
)

// token is one lexed SOQL token; pos is its byte offset in the query.
type token struct {
	kind tokKind
	text string
	pos  int
	val  any // string, float64 or time.Time for literals
}

// reserved words cannot name a field: the parser reports them as unexpected.
var reserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "AND": true, "OR": true, "NOT": true, "IN": true,
	"ORDER": true, "BY": true, "ASC": true, "DESC": true, "LIMIT": true, "NULL": true, "TRUE": true,
	"FALSE": true, "NULLS": true, "OFFSET": true, "GROUP": true, "HAVING": true, "WITH": true,
	"USING": true, "LIKE": true, "INCLUDES": true, "EXCLUDES": true, "FOR": true,
}

var (
	dateTimeLiteral = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`)
	dateLiteral     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}`)
	numberLiteral   = regexp.MustCompile(`^\d+(\.\d+)?`)
	identifier      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*`)
)

// stringEscapes are the backslash escapes of string literals; \_ and \%
// are LIKE's and stay as written.
var stringEscapes = map[byte]string{'\'': "'", '"': `"`, '\\': `\`, 'n': "\n", 'r': "\r", 't': "\t",
	'b': "\b", 'f': "\f", '_': `\_`, '%': `\%`}

// lexer splits a SOQL query into tokens.
type lexer struct {
	src               string
	fractionalSeconds bool
}

func (l lexer) lex() ([]token, error) {
	var toks []token
	src := l.src
	for i := 0; ; {
		for i < len(src) && strings.ContainsRune(" \t\r\n", rune(src[i])) {
			i++
		}
		if i == len(src) {
			return append(toks, token{kind: tokEOF, text: "<EOF>", pos: i}), nil
		}
		rest := src[i:]
		tok := token{pos: i}
		switch c := rest[0]; {
		case c == '\'':
			s, n, err := l.stringLiteral(rest, i)
			if err != nil {
				return nil, err
			}
			tok.kind, tok.text, tok.val = tokString, rest[:n], s
		case c >= '0' && c <= '9':
			t, err := l.numeric(rest, i)
			if err != nil {
				return nil, err
			}
			tok = t
		case identifier.MatchString(rest):
			tok.kind, tok.text = tokIdent, identifier.FindString(rest)
		case c == ',':
			tok.kind, tok.text = tokComma, ","
		case c == '(':
			tok.kind, tok.text = tokLParen, "("
		case c == ')':
			tok.kind, tok.text = tokRParen, ")"
		default:
			op := ""
			for _, o := range []string{"!=", "<>", "<=", ">=", "=", "<", ">"} {
				if strings.HasPrefix(rest, o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, malformed(l.src, i, "unexpected token: '%c'", c)
			}
			tok.kind, tok.text = tokOp, op
		}
		toks = append(toks, tok)
		i += len(tok.text)
	}
}

// stringLiteral reads a quoted string at the start of rest (at offset pos
// of the query), returning its value and length.
func (l lexer) stringLiteral(rest string, pos int) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(rest); i++ {
		switch c := rest[i]; c {
		case '\'':
			return b.String(), i + 1, nil
		case '\\':
			i++
			if i == len(rest) {
				break
			}
			esc, ok := stringEscapes[rest[i]]
			if !ok {
				return "", 0, malformed(l.src, pos+i-1, "Illegal character sequence '\\%c' in string literal.", rest[i])
			}
			b.WriteString(esc)
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, malformed(l.src, pos, "unterminated string literal")
}

// numeric reads a datetime, date or number literal at the start of rest.
func (l lexer) numeric(rest string, pos int) (token, error) {
	if m := dateTimeLiteral.FindStringSubmatch(rest); m != nil {
		if m[1] != "" && !l.fractionalSeconds {
			return token{}, malformed(l.src, pos, "invalid datetime literal '%s': fractional seconds are not accepted", m[0])
		}
		t, err := time.Parse(time.RFC3339Nano, m[0])
		if err != nil {
			return token{}, malformed(l.src, pos, "invalid datetime literal '%s'", m[0])
		}
		return token{kind: tokDateTime, text: m[0], pos: pos, val: t.UTC()}, nil
	}
	if m := dateLiteral.FindString(rest); m != "" {
		t, err := time.Parse(time.DateOnly, m)
		if err != nil {
			return token{}, malformed(l.src, pos, "invalid date literal '%s'", m)
		}
		return token{kind: tokDate, text: m, pos: pos, val: t}, nil
	}
	m := numberLiteral.FindString(rest)
	n, _ := strconv.ParseFloat(m, 64)
	return token{kind: tokNumber, text: m, pos: pos, val: n}, nil
}

// parser builds a query from tokens; resolve then binds it to the schema.
type parser struct {
	src  string
	toks []token
	i    int
}

// parseSOQL parses a query of the subset. Its errors are 400
// MALFORMED_QUERY; names are checked later, by resolve.
func parseSOQL(src string, fractionalSeconds bool) (*query, error) {
	toks, err := lexer{src: src, fractionalSeconds: fractionalSeconds}.lex()
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	return p.query()
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// isKeyword reports whether the next token is the keyword kw.
func (p *parser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

func (p *parser) unexpected(t token) error {
	return malformed(p.src, t.pos, "unexpected token: '%s'", t.text)
}

func (p *parser) expectKeyword(kw string) error {
	if !p.isKeyword(kw) {
		return p.unexpected(p.peek())
	}
	p.next()
	return nil
}

func (p *parser) expect(kind tokKind) error {
	if p.peek().kind != kind {
		return p.unexpected(p.peek())
	}
	p.next()
	return nil
}

// path reads a field path: an identifier that is no keyword.
func (p *parser) path() (*fieldRef, error) {
	t := p.peek()
	if t.kind != tokIdent || reserved[strings.ToUpper(t.text)] {
		return nil, p.unexpected(t)
	}
	p.next()
	return &fieldRef{path: t.text, pos: t.pos}, nil
}

func (p *parser) query() (*query, error) {
	q := &query{src: p.src, limit: -1}
	if err := p.expectKeyword("SELECT"); err != nil {
		return nil, err
	}
	for {
		f, err := p.path()
		if err != nil {
			return nil, err
		}
		q.fields = append(q.fields, f)
		if p.peek().kind != tokComma {
			break
		}
		p.next()
	}
	if err := p.expectKeyword("FROM"); err != nil {
		return nil, err
	}
	obj := p.peek()
	if obj.kind != tokIdent || strings.Contains(obj.text, ".") || reserved[strings.ToUpper(obj.text)] {
		return nil, p.unexpected(obj)
	}
	p.next()
	q.object, q.objectPos = obj.text, obj.pos
	if p.isKeyword("WHERE") {
		p.next()
		cond, err := p.cond()
		if err != nil {
			return nil, err
		}
		q.where = cond
	}
	if p.isKeyword("ORDER") {
		p.next()
		if err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		for {
			f, err := p.path()
			if err != nil {
				return nil, err
			}
			key := orderKey{field: f}
			switch {
			case p.isKeyword("ASC"):
				p.next()
			case p.isKeyword("DESC"):
				p.next()
				key.desc = true
			}
			q.order = append(q.order, key)
			if p.peek().kind != tokComma {
				break
			}
			p.next()
		}
	}
	if p.isKeyword("LIMIT") {
		p.next()
		t := p.peek()
		if t.kind != tokNumber || strings.Contains(t.text, ".") {
			return nil, malformed(p.src, t.pos, "LIMIT must be a non-negative integer, found '%s'", t.text)
		}
		p.next()
		n, err := strconv.Atoi(t.text)
		if err != nil {
			return nil, malformed(p.src, t.pos, "LIMIT %s is too large", t.text)
		}
		q.limit = n
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.unexpected(t)
	}
	return q, nil
}

// cond reads terms joined by AND or by OR; SOQL wants parentheses to mix
// them.
func (p *parser) cond() (expr, error) {
	first, err := p.term()
	if err != nil {
		return nil, err
	}
	l := &logical{items: []expr{first}}
	joiner := ""
	for p.isKeyword("AND") || p.isKeyword("OR") {
		t := p.next()
		word := strings.ToUpper(t.text)
		if joiner != "" && word != joiner {
			return nil, p.unexpected(t)
		}
		joiner = word
		term, err := p.term()
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, term)
	}
	if joiner == "" {
		return first, nil
	}
	l.and = joiner == "AND"
	return l, nil
}

func (p *parser) term() (expr, error) {
	if p.peek().kind == tokLParen {
		p.next()
		c, err := p.cond()
		if err != nil {
			return nil, err
		}
		return c, p.expect(tokRParen)
	}
	f, err := p.path()
	if err != nil {
		return nil, err
	}
	if p.isKeyword("IN") {
		p.next()
		if err := p.expect(tokLParen); err != nil {
			return nil, err
		}
		in := &inList{field: f}
		for {
			lit, err := p.literal()
			if err != nil {
				return nil, err
			}
			in.values = append(in.values, lit)
			if p.peek().kind != tokComma {
				break
			}
			p.next()
		}
		return in, p.expect(tokRParen)
	}
	op := p.peek()
	if op.kind != tokOp {
		return nil, p.unexpected(op)
	}
	p.next()
	lit, err := p.literal()
	if err != nil {
		return nil, err
	}
	if op.text == "<>" {
		op.text = "!="
	}
	return &comparison{field: f, op: op.text, value: lit}, nil
}

func (p *parser) literal() (literal, error) {
	t := p.peek()
	lit := literal{tok: t.kind, val: t.val, pos: t.pos}
	switch {
	case t.kind == tokString, t.kind == tokNumber, t.kind == tokDate, t.kind == tokDateTime:
	case p.isKeyword("TRUE"), p.isKeyword("FALSE"):
		lit.tok, lit.val = tokBool, strings.EqualFold(t.text, "TRUE")
	case p.isKeyword("NULL"):
		lit.tok, lit.val = tokNull, nil
	default:
		return literal{}, p.unexpected(t)
	}
	p.next()
	return lit, nil
}

// Literal kinds beyond the lexer's.
const (
	tokBool tokKind = iota + 100
	tokNull
)

// malformed is a 400 MALFORMED_QUERY pointing at offset pos of the query,
// in Salesforce's layout: the query's line, a caret, the position, the
// reason.
func malformed(src string, pos int, format string, args ...any) *apiError {
	return queryError(codeMalformedQuery, src, pos, fmt.Sprintf(format, args...))
}

// queryError is a 400 with errorCode code about offset pos of the query.
func queryError(code, src string, pos int, reason string) *apiError {
	row, col := 1, pos+1
	line := src
	if nl := strings.LastIndexByte(src[:pos], '\n'); nl >= 0 {
		row = strings.Count(src[:pos], "\n") + 1
		col = pos - nl
		line = src[nl+1:]
	}
	if nl := strings.IndexByte(line, '\n'); nl >= 0 {
		line = line[:nl]
	}
	msg := fmt.Sprintf("\n%s\n%s^\nERROR at Row:%d:Column:%d\n%s", line, strings.Repeat(" ", col-1), row, col, reason)
	return errorf(400, code, "%s", msg)
}
