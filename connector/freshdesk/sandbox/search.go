package sandbox

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Search limits (§10.2, §2.7): a query of at most 512 characters in double
// quotes, 30 results a page, at most 10 pages.
const (
	maxQueryLen    = 512
	searchPerPage  = 30
	maxSearchPages = 10
)

// searchTickets serves GET /search/tickets?query="…" (§10.2, §2.7): terms
// field:value, field:>value and field:<value (at least, at most) joined by
// AND and OR (AND binding tighter) and parentheses; values are integers,
// 'strings', true, false or null. Fields: status, priority, type, tag,
// agent_id, group_id, requester_id, company_id, created_at, updated_at,
// due_by, fr_due_by (dates 'yyyy-mm-dd') and the custom fields by name.
// The answer is {"results":[…],"total":N}, newest first (UNCONFIRMED
// order). Freshdesk's indexing lag of "a few minutes" is not emulated.
func (s *Server) searchTickets(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page := 1
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > maxSearchPages {
			return errValidation("page", codeInvalidValue, "It should be a Positive Integer less than or equal to %d", maxSearchPages)
		}
		page = n
	}
	raw := q.Get("query")
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' || len(raw) > maxQueryLen+2 {
		return errValidation("query", codeInvalidValue, "It should be a String of at most %d characters wrapped in double quotes", maxQueryLen)
	}
	expr, err := parseQuery(raw[1 : len(raw)-1])
	if err != nil {
		return errValidation("query", codeInvalidValue, "%s", err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []*Ticket
	for _, t := range s.tickets {
		if !t.Deleted && !t.Spam && expr(s, t) {
			found = append(found, t)
		}
	}
	slices.SortFunc(found, func(a, b *Ticket) int { return -cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID)) })
	results := []any{}
	for _, t := range found[min((page-1)*searchPerPage, len(found)):min(page*searchPerPage, len(found))] {
		results = append(results, s.ticketViewLocked(t, nil, true))
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results, "total": len(found)})
	return nil
}

// matcher tests a ticket; s.mu is held.
type matcher func(s *Server, t *Ticket) bool

type queryParser struct {
	toks []string
	pos  int
}

func parseQuery(q string) (matcher, error) {
	toks, err := tokenize(q)
	if err != nil {
		return nil, err
	}
	p := &queryParser{toks: toks}
	m, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q in query", p.toks[p.pos])
	}
	return m, nil
}

// tokenize splits a query into parentheses, AND, OR and terms; a term's
// 'quoted' value may hold spaces.
func tokenize(q string) ([]string, error) {
	var toks []string
	for i := 0; i < len(q); {
		switch c := q[i]; {
		case c == ' ':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		default:
			j := i
			for j < len(q) && q[j] != ' ' && q[j] != '(' && q[j] != ')' {
				if q[j] == '\'' {
					end := strings.IndexByte(q[j+1:], '\'')
					if end < 0 {
						return nil, fmt.Errorf("unterminated string in query")
					}
					j += end + 1
				}
				j++
			}
			toks = append(toks, q[i:j])
			i = j
		}
	}
	return toks, nil
}

func (p *queryParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *queryParser) or() (matcher, error) {
	left, err := p.and()
	for err == nil && p.peek() == "OR" {
		p.pos++
		var right matcher
		if right, err = p.and(); err == nil {
			l := left
			left = func(s *Server, t *Ticket) bool { return l(s, t) || right(s, t) }
		}
	}
	return left, err
}

func (p *queryParser) and() (matcher, error) {
	left, err := p.term()
	for err == nil && p.peek() == "AND" {
		p.pos++
		var right matcher
		if right, err = p.term(); err == nil {
			l := left
			left = func(s *Server, t *Ticket) bool { return l(s, t) && right(s, t) }
		}
	}
	return left, err
}

func (p *queryParser) term() (matcher, error) {
	tok := p.peek()
	p.pos++
	switch tok {
	case "":
		return nil, fmt.Errorf("query ends early")
	case "(":
		m, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing ) in query")
		}
		p.pos++
		return m, nil
	}
	field, value, ok := strings.Cut(tok, ":")
	if !ok {
		return nil, fmt.Errorf("%q is not field:value", tok)
	}
	op := "="
	if v, ok := strings.CutPrefix(value, ">"); ok {
		op, value = ">", v
	} else if v, ok := strings.CutPrefix(value, "<"); ok {
		op, value = "<", v
	}
	return termMatcher(field, op, value)
}

// termMatcher compares a ticket's field with a value.
func termMatcher(field, op, value string) (matcher, error) {
	var want any
	switch {
	case value == "null":
		want = nil
	case value == "true" || value == "false":
		want = value == "true"
	case strings.HasPrefix(value, "'") && strings.HasSuffix(value, "'") && len(value) >= 2:
		want = value[1 : len(value)-1]
	default:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer, a 'string', true, false or null", value)
		}
		want = n
	}
	dates := map[string]func(*Ticket) time.Time{
		"created_at": func(t *Ticket) time.Time { return t.CreatedAt },
		"updated_at": func(t *Ticket) time.Time { return t.UpdatedAt },
		"due_by":     func(t *Ticket) time.Time { return t.DueBy },
		"fr_due_by":  func(t *Ticket) time.Time { return t.FrDueBy },
	}
	if get, ok := dates[field]; ok {
		str, _ := want.(string)
		day, err := time.Parse("2006-01-02", str)
		if err != nil {
			return nil, fmt.Errorf("%s takes a date 'yyyy-mm-dd'", field)
		}
		return func(_ *Server, t *Ticket) bool {
			d := get(t).UTC().Truncate(24 * time.Hour)
			switch op {
			case ">":
				return !d.Before(day)
			case "<":
				return !d.After(day)
			}
			return d.Equal(day)
		}, nil
	}
	ints := map[string]func(*Ticket) int64{
		"status":       func(t *Ticket) int64 { return int64(t.Status) },
		"priority":     func(t *Ticket) int64 { return int64(t.Priority) },
		"agent_id":     func(t *Ticket) int64 { return t.ResponderID },
		"group_id":     func(t *Ticket) int64 { return t.GroupID },
		"requester_id": func(t *Ticket) int64 { return t.RequesterID },
		"company_id":   func(t *Ticket) int64 { return t.CompanyID },
	}
	compare := func(have any) bool {
		if want == nil {
			return have == nil || have == "" || have == int64(0)
		}
		hn, hok := have.(int64)
		wn, wok := want.(int64)
		if hok && wok {
			switch op {
			case ">":
				return hn >= wn
			case "<":
				return hn <= wn
			}
			return hn == wn
		}
		return op == "=" && fmt.Sprint(have) == fmt.Sprint(want)
	}
	if get, ok := ints[field]; ok {
		return func(_ *Server, t *Ticket) bool { return compare(get(t)) }, nil
	}
	switch field {
	case "type":
		return func(_ *Server, t *Ticket) bool { return compare(t.Type) }, nil
	case "tag":
		return func(_ *Server, t *Ticket) bool {
			if want == nil {
				return len(t.Tags) == 0
			}
			return slices.Contains(t.Tags, fmt.Sprint(want))
		}, nil
	}
	return func(s *Server, t *Ticket) bool {
		// Custom fields by name, with or without cf_ (UNCONFIRMED which).
		v, ok := t.CustomFields[field]
		if !ok {
			v = t.CustomFields["cf_"+field]
		}
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			v = int64(f)
		}
		return compare(v)
	}, nil
}
