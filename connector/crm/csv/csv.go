// Package csv reads CRM customers from CSV: a header row, then one customer
// a row. Columns are named by the header, in any order; the default mapping
// is DESIGN.md's contract (email, external_id, name, organization, plan,
// arr, ltv, signup_date, products, tech_level, every other column a custom
// attribute), and a mapping file reads any other layout, such as a CRM's
// export as it comes.
//
// Reader turns a CSV stream into crm.Records; Source reads a file or an
// https URL as a crm.Source, with a checkpoint that skips a file that has
// not changed since it was last read through, and resumes one whose read was
// interrupted. A malformed row becomes a record with a Problem, and reading
// goes on; only a bad header or an I/O error stops it.
package csv

import (
	_ "embed"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
)

//go:embed mapping.yaml
var defaultMapping []byte

// DefaultMapping returns the mapping of DESIGN.md's CSV contract.
func DefaultMapping() *crm.Mapping {
	return crm.MustParseMapping("csv default mapping", defaultMapping)
}

// Reader reads records from a CSV stream.
type Reader struct {
	file   string
	r      *stdcsv.Reader
	header []string
}

// NewReader reads and checks the header row of r; file names the source in
// errors and record refs. The header must name no column twice and, when
// mapping is not nil, have at least one of the columns it identifies
// customers by.
func NewReader(r io.Reader, file string, mapping *crm.Mapping) (*Reader, error) {
	cr := stdcsv.NewReader(r)
	cr.FieldsPerRecord = -1 // row length is checked here, with a clearer message
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file; want a header row (email, external_id, name, …)", file)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", file, err)
	}
	cols := make([]string, len(header))
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case h == "":
			return nil, fmt.Errorf("%s:1: header column %d has no name", file, i+1)
		case crm.TextProblem(h) != "":
			return nil, fmt.Errorf("%s:1: header column %d %s", file, i+1, crm.TextProblem(h))
		case seen[h]:
			return nil, fmt.Errorf("%s:1: header names column %q twice", file, h)
		}
		seen[h] = true
		cols[i] = h
	}
	if mapping != nil {
		keys := mapping.KeySources()
		if !slices.ContainsFunc(keys, func(k string) bool { return slices.Contains(cols, k) }) {
			return nil, fmt.Errorf("%s:1: header has none of the columns customers are identified by (%s); "+
				"name one, or map yours in a mapping file", file, strings.Join(keys, ", "))
		}
	}
	return &Reader{file: file, r: cr, header: cols}, nil
}

// Next returns the next record, with the line it starts on in Ref
// ("file:line"). At the end it returns io.EOF. A malformed row is returned
// as a record with a Problem.
func (r *Reader) Next() (cohort.SourceRecord, int, error) {
	rec, err := r.r.Read()
	if err == io.EOF {
		return cohort.SourceRecord{}, 0, io.EOF
	}
	var pe *stdcsv.ParseError
	if errors.As(err, &pe) {
		problem := pe.Err.Error()
		if errors.Is(pe.Err, stdcsv.ErrQuote) && pe.Line > pe.StartLine {
			// A quote left open takes every line after it into its field.
			problem = fmt.Sprintf("a quoted field is not closed, so lines %d to %d (%d lines) could not be read; "+
				"close the quote, or double a quote inside a field (\"\")", pe.StartLine, pe.Line, pe.Line-pe.StartLine+1)
		}
		return cohort.SourceRecord{Ref: r.ref(pe.StartLine), Problem: problem}, pe.StartLine, nil
	}
	if err != nil {
		return cohort.SourceRecord{}, 0, fmt.Errorf("%s: %w", r.file, err)
	}
	line, _ := r.r.FieldPos(0)
	if len(rec) != len(r.header) {
		return cohort.SourceRecord{Ref: r.ref(line), Problem: fmt.Sprintf("has %d fields, header has %d", len(rec), len(r.header))}, line, nil
	}
	fields := make(map[string]string, len(rec))
	for i, col := range r.header {
		if v := strings.TrimSpace(rec[i]); v != "" {
			fields[col] = v
		}
	}
	return cohort.SourceRecord{Ref: r.ref(line), Fields: fields}, line, nil
}

func (r *Reader) ref(line int) string { return r.file + ":" + strconv.Itoa(line) }
