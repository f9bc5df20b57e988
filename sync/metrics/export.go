package metrics

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Columns are the columns of every output, in order.
var Columns = []string{"segment", "period", "tickets", "csat", "csat_responses", "first_reply_minutes_p50",
	"first_reply_minutes_p90", "full_resolution_minutes_p50", "full_resolution_minutes_p90", "fcr_rate",
	"reopen_rate", "backlog", "retention", "avg_ltv"}

// WriteCSV writes rows as CSV with a header of Columns; a measure with no
// data is an empty field.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	f := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	}
	for _, r := range rows {
		backlog := ""
		if r.Backlog != nil {
			backlog = strconv.Itoa(*r.Backlog)
		}
		if err := cw.Write([]string{r.Segment, r.Period, strconv.Itoa(r.Tickets), f(r.CSAT), strconv.Itoa(r.CSATResponses),
			f(r.FirstReplyMinutesP50), f(r.FirstReplyMinutesP90), f(r.FullResolutionMinutesP50), f(r.FullResolutionMinutesP90),
			f(r.FCRRate), f(r.ReopenRate), backlog, f(r.Retention), f(r.AvgLTV)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes rows as {"granularity": …, "minutes": …, "from": …,
// "to": …, "rows": [...]}, each row an object with Columns as keys (null
// where there is no data).
func WriteJSON(w io.Writer, g Granularity, minutes Minutes, from, to time.Time, rows []Row) error {
	if rows == nil {
		rows = []Row{}
	}
	return json.NewEncoder(w).Encode(struct {
		Granularity Granularity `json:"granularity"`
		Minutes     Minutes     `json:"minutes"`
		From        string      `json:"from"`
		To          string      `json:"to"`
		Rows        []Row       `json:"rows"`
	}{g, minutes, from.Format(time.DateOnly), to.Format(time.DateOnly), rows})
}

// ParseRange reads from and to as YYYY-MM-DD (to inclusive), checking that
// from is not after to and that the range spans at most maxDays days.
func ParseRange(from, to string, maxDays int) (time.Time, time.Time, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("from %q: want a date YYYY-MM-DD", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("to %q: want a date YYYY-MM-DD", to)
	}
	if t.Before(f) {
		return time.Time{}, time.Time{}, fmt.Errorf("from %s is after to %s", from, to)
	}
	if days := int(t.Sub(f).Hours()/24) + 1; days > maxDays {
		return time.Time{}, time.Time{}, fmt.Errorf("from %s to %s is %d days; at most %d", from, to, days, maxDays)
	}
	return f, t, nil
}
