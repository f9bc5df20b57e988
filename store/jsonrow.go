package store

import (
	"fmt"
	"strconv"
	"strings"
)

// jsonRow reads a JSON array as SQLite's json_array writes it, element by
// element. Strings without escapes are slices of the row's text, not
// copies. The first error sticks; the readers then return zero values.
type jsonRow struct {
	s   string
	i   int
	err error
}

func (p *jsonRow) fail(want string) {
	if p.err == nil {
		p.err = fmt.Errorf("want %s at offset %d", want, p.i)
	}
}

func (p *jsonRow) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *jsonRow) peek() byte {
	p.skipSpace()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *jsonRow) expect(c byte) {
	if p.peek() == c {
		p.i++
		return
	}
	p.fail(strconv.QuoteRune(rune(c)))
}

// next moves past the comma before the next element.
func (p *jsonRow) next() *jsonRow {
	p.expect(',')
	return p
}

// str reads a string, or null as "".
func (p *jsonRow) str() string {
	if p.peek() == 'n' && strings.HasPrefix(p.s[p.i:], "null") {
		p.i += 4
		return ""
	}
	p.expect('"')
	if p.err != nil {
		return ""
	}
	start := p.i
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '"':
			p.i++
			return p.s[start : p.i-1]
		case '\\':
			return p.escaped(start)
		}
		p.i++
	}
	p.fail("end of string")
	return ""
}

// escaped reads the rest of a string that has escapes, from start.
func (p *jsonRow) escaped(start int) string {
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String()
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			break
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return ""
			}
			if r >= 0xD800 && r < 0xDC00 && strings.HasPrefix(p.s[p.i:], `\u`) {
				p.i += 2
				lo, ok := p.hex4()
				if !ok {
					return ""
				}
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
			}
			b.WriteRune(r)
		default: // " \ /
			b.WriteByte(e)
		}
	}
	p.fail("end of string")
	return ""
}

func (p *jsonRow) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		p.fail("4 hex digits")
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		p.fail("4 hex digits")
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// number returns the text of a number.
func (p *jsonRow) number() string {
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("+-0123456789.eE", p.s[p.i]) >= 0 {
		p.i++
	}
	if p.i == start {
		p.fail("a number")
	}
	return p.s[start:p.i]
}

func (p *jsonRow) int() int64 {
	n, err := strconv.ParseInt(p.number(), 10, 64)
	if err != nil {
		p.fail("an integer")
	}
	return n
}

func (p *jsonRow) float() float64 {
	f, err := strconv.ParseFloat(p.number(), 64)
	if err != nil {
		p.fail("a number")
	}
	return f
}

// strs reads an array of strings (never nil).
func (p *jsonRow) strs() []string {
	p.expect('[')
	if p.peek() == ']' {
		p.i++
		return []string{}
	}
	var out []string
	for p.err == nil {
		out = append(out, p.str())
		if p.peek() != ',' {
			break
		}
		p.i++
	}
	p.expect(']')
	return out
}

// strMap reads an object of strings (never nil).
func (p *jsonRow) strMap() map[string]string {
	p.expect('{')
	out := map[string]string{}
	if p.peek() == '}' {
		p.i++
		return out
	}
	for p.err == nil {
		k := p.str()
		p.expect(':')
		out[k] = p.str()
		if p.peek() != ',' {
			break
		}
		p.i++
	}
	p.expect('}')
	return out
}

// floats reads an array of numbers (nil when empty).
func (p *jsonRow) floats() []float64 {
	p.expect('[')
	if p.peek() == ']' {
		p.i++
		return nil
	}
	out := make([]float64, 0, strings.Count(p.s[p.i:], ",")+1)
	for p.err == nil {
		out = append(out, p.float())
		if p.peek() != ',' {
			break
		}
		p.i++
	}
	p.expect(']')
	return out
}
