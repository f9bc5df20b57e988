// Package csv reads CRM customers from a CSV file in cohort's contract: a
// header row naming the columns email, external_id, name, organization, plan,
// arr, ltv, signup_date (YYYY-MM-DD), products (";"-separated) and
// tech_level, in any order; every other column becomes a custom attribute.
//
// A row that breaks the contract is reported as a *RowError with its line
// and reason, and reading goes on with the next row; only a bad header or an
// I/O error stops the reader. The package knows nothing of the store.
package csv

import (
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
)

// The contract's columns.
const (
	ColEmail        = "email"
	ColExternalID   = "external_id"
	ColName         = "name"
	ColOrganization = "organization"
	ColPlan         = "plan"
	ColARR          = "arr"
	ColLTV          = "ltv"
	ColSignupDate   = "signup_date"
	ColProducts     = "products"
	ColTechLevel    = "tech_level"
)

var knownColumns = []string{ColEmail, ColExternalID, ColName, ColOrganization, ColPlan, ColARR, ColLTV,
	ColSignupDate, ColProducts, ColTechLevel}

// RowError says why one row was rejected.
type RowError struct {
	File   string
	Line   int
	Column string // "" when the row as a whole is wrong
	Reason string
}

func (e *RowError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.RowReason())
}

// RowReason is the reason without the place: "arr: \"x\" is not a number".
func (e *RowError) RowReason() string {
	if e.Column == "" {
		return e.Reason
	}
	return e.Column + ": " + e.Reason
}

// Reader reads customers from a CSV stream.
type Reader struct {
	file   string
	r      *stdcsv.Reader
	header []string
	line   int // line of the record last read
}

// NewReader reads and checks the header row of r; file names the source in
// errors. The header must have an email or an external_id column, and no
// column twice.
func NewReader(r io.Reader, file string) (*Reader, error) {
	cr := stdcsv.NewReader(r)
	cr.FieldsPerRecord = -1 // row length is checked here, with a clearer message
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file; want a header row (%s, …)", file, strings.Join(knownColumns[:3], ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", file, err)
	}
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if h == "" {
			return nil, fmt.Errorf("%s:1: header column %d has no name", file, i+1)
		}
		if seen[h] {
			return nil, fmt.Errorf("%s:1: header names column %q twice", file, h)
		}
		seen[h] = true
		cols[i] = h
	}
	if !seen[ColEmail] && !seen[ColExternalID] {
		return nil, fmt.Errorf("%s:1: header has neither %q nor %q; one is needed to identify customers", file, ColEmail, ColExternalID)
	}
	return &Reader{file: file, r: cr, header: cols}, nil
}

// Line returns the line on which the record last returned by Read started.
func (r *Reader) Line() int { return r.line }

// Read returns the next customer. At the end it returns io.EOF. A row that
// breaks the contract returns a *RowError: report it and call Read again.
func (r *Reader) Read() (cohort.Customer, error) {
	rec, err := r.r.Read()
	if err == io.EOF {
		return cohort.Customer{}, io.EOF
	}
	line, _ := r.r.FieldPos(0)
	r.line = line
	var pe *stdcsv.ParseError
	if errors.As(err, &pe) {
		r.line = pe.StartLine
		return cohort.Customer{}, &RowError{File: r.file, Line: pe.StartLine, Reason: pe.Err.Error()}
	}
	if err != nil {
		return cohort.Customer{}, fmt.Errorf("%s: %w", r.file, err)
	}
	if len(rec) != len(r.header) {
		return cohort.Customer{}, r.rowError("", "has %d fields, header has %d", len(rec), len(r.header))
	}
	var c cohort.Customer
	for i, col := range r.header {
		v := strings.TrimSpace(rec[i])
		if err := r.set(&c, col, v); err != nil {
			return cohort.Customer{}, err
		}
	}
	if c.Email == "" && c.ExternalID == "" {
		return cohort.Customer{}, r.rowError("", "needs an email or an external_id")
	}
	return c, nil
}

func (r *Reader) set(c *cohort.Customer, col, v string) error {
	switch col {
	case ColEmail:
		if v == "" {
			return nil
		}
		addr, err := mail.ParseAddress(v)
		if err != nil || addr.Address != v {
			return r.rowError(col, "%q is not an email address", v)
		}
		c.Email = strings.ToLower(v)
	case ColExternalID:
		c.ExternalID = v
	case ColName:
		c.Name = v
	case ColOrganization:
		c.Organization = v
	case ColPlan:
		c.Plan = strings.ToLower(v)
	case ColARR, ColLTV:
		if v == "" {
			return nil
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 || math.IsNaN(n) || math.IsInf(n, 0) {
			return r.rowError(col, "%q is not a non-negative number", v)
		}
		if col == ColARR {
			c.ARR = n
		} else {
			c.LTV = n
		}
	case ColSignupDate:
		if v == "" {
			return nil
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return r.rowError(col, "%q is not a date in the form YYYY-MM-DD", v)
		}
		c.SignupDate = d
	case ColProducts:
		for _, p := range strings.Split(v, ";") {
			if p = strings.TrimSpace(p); p != "" {
				c.Products = append(c.Products, p)
			}
		}
	case ColTechLevel:
		c.TechLevel = strings.ToLower(v)
	default:
		if v != "" {
			if c.Attrs == nil {
				c.Attrs = map[string]string{}
			}
			c.Attrs[col] = v
		}
	}
	return nil
}

func (r *Reader) rowError(col, format string, args ...any) *RowError {
	return &RowError{File: r.file, Line: r.line, Column: col, Reason: fmt.Sprintf(format, args...)}
}
