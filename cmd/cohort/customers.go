package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cohortdesk/cohort"
)

func runCustomers(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "customers", "customers show EMAIL|EXTERNAL_ID", `Shows a customer as the segment rules see it: each field's value and the source
it came from (the first source in COHORT_SOURCE_PRECEDENCE that has a value),
then every source's record of the customer, the most trusted first. The
customer is found by external id or email, as a ticket's requester is.`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 || fs.Arg(0) != "show" {
		return usageError(fs, "")
	}
	s, err := c.setup(ctx, needStore)
	if err != nil {
		return err
	}
	defer s.close()
	key := fs.Arg(1)
	q := cohort.CustomerQuery{ExternalID: key}
	if strings.Contains(key, "@") {
		q = cohort.CustomerQuery{Email: key}
	}
	p, err := s.db.CustomerProfile(ctx, q)
	if err != nil {
		return err
	}
	state := ""
	if p.Deleted {
		state = " (deleted: no source has it any more)"
	}
	fmt.Fprintf(c.stdout, "customer %d%s\n\n", p.Customer.ID, state)
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "FIELD\tVALUE\tFROM")
	values := fieldValues(&p.Customer)
	for _, field := range append(slices.Clone(customerFieldNames), attrNames(p.Customer.Attrs)...) {
		from := p.Sources[field]
		if from == "" {
			from = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", field, values[field], from)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "\nRecords, the most trusted first:")
	for _, r := range p.Records {
		state := "live"
		if r.Deleted {
			state = "deleted"
		}
		fmt.Fprintf(c.stdout, "  %s (%s, updated %s):", r.Source, state, r.UpdatedAt.Format(time.DateOnly))
		vals := fieldValues(&r.Customer)
		if !r.HasARR {
			vals["arr"] = ""
		}
		if !r.HasLTV {
			vals["ltv"] = ""
		}
		for _, field := range append(slices.Clone(customerFieldNames), attrNames(r.Attrs)...) {
			if v := vals[field]; v != "" {
				fmt.Fprintf(c.stdout, " %s=%s", field, v)
			}
		}
		fmt.Fprintln(c.stdout)
	}
	return nil
}

// customerFieldNames are a customer's fields as segment rules name them.
var customerFieldNames = []string{"email", "external_id", "name", "organization", "plan", "arr", "ltv", "signup_date",
	"products", "tech_level"}

// fieldValues renders c's fields, custom attributes as attrs.KEY; an
// empty field is "".
func fieldValues(c *cohort.Customer) map[string]string {
	v := map[string]string{"email": c.Email, "external_id": c.ExternalID, "name": c.Name, "organization": c.Organization,
		"plan": c.Plan, "arr": strconv.FormatFloat(c.ARR, 'f', -1, 64), "ltv": strconv.FormatFloat(c.LTV, 'f', -1, 64),
		"products": strings.Join(c.Products, ";"), "tech_level": c.TechLevel}
	if !c.SignupDate.IsZero() {
		v["signup_date"] = c.SignupDate.Format(time.DateOnly)
	}
	for k, a := range c.Attrs {
		v["attrs."+k] = a
	}
	return v
}

// attrNames are attrs' keys as attrs.KEY, sorted.
func attrNames(attrs map[string]string) []string {
	var out []string
	for k := range attrs {
		out = append(out, "attrs."+k)
	}
	slices.Sort(out)
	return out
}
