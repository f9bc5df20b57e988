package metrics

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/cohortdesk/cohort"
)

// WriteCSV writes rows as CSV with a header of cohort.MeasureColumns; a measure with no
// data is an empty field.
func WriteCSV(w io.Writer, rows []cohort.SegmentMeasures) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(cohort.MeasureColumns); err != nil {
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
