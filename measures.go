package cohort

import "time"

// AllCustomers is the segment name of the measures over every customer.
const AllCustomers = "all"

// Granularity is the length of the periods measures are given for.
type Granularity string

// The granularities.
const (
	ByDay   Granularity = "day"
	ByWeek  Granularity = "week" // ISO weeks, starting on Monday
	ByMonth Granularity = "month"
)

// ParseGranularity reads "day", "week" or "month".
func ParseGranularity(s string) (Granularity, error) {
	switch g := Granularity(s); g {
	case ByDay, ByWeek, ByMonth:
		return g, nil
	}
	return "", Errorf("cohort.ParseGranularity", KindInvalid, "granularity %q: want day, week or month", s)
}

// PeriodStart returns the first day (midnight UTC) of the period of g that
// t falls in.
func (g Granularity) PeriodStart(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	switch g {
	case ByWeek:
		return day.AddDate(0, 0, -(int(day.Weekday())+6)%7)
	case ByMonth:
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	}
	return day
}

// PeriodEnd returns the start of the period after the one starting at p.
func (g Granularity) PeriodEnd(p time.Time) time.Time {
	switch g {
	case ByWeek:
		return p.AddDate(0, 0, 7)
	case ByMonth:
		return p.AddDate(0, 1, 0)
	}
	return p.AddDate(0, 0, 1)
}

// MinuteKind says which minutes time measures are in: calendar minutes, or
// business minutes (those inside the helpdesk's business hours).
type MinuteKind string

// The kinds of minutes.
const (
	CalendarMinutes MinuteKind = "calendar"
	BusinessMinutes MinuteKind = "business"
)

// ParseMinuteKind reads "calendar" or "business".
func ParseMinuteKind(s string) (MinuteKind, error) {
	switch m := MinuteKind(s); m {
	case CalendarMinutes, BusinessMinutes:
		return m, nil
	}
	return "", Errorf("cohort.ParseMinuteKind", KindInvalid, "minutes %q: want calendar or business", s)
}

// SegmentMeasures are one segment's support measures for one period. A
// measure with no data is nil (null in JSON), never 0.
type SegmentMeasures struct {
	Segment                  string   `json:"segment"`
	Period                   string   `json:"period"` // first day of the period, YYYY-MM-DD
	Tickets                  int      `json:"tickets"`
	CSAT                     *float64 `json:"csat"`
	CSATResponses            int      `json:"csat_responses"`
	FirstReplyMinutesP50     *float64 `json:"first_reply_minutes_p50"`
	FirstReplyMinutesP90     *float64 `json:"first_reply_minutes_p90"`
	FullResolutionMinutesP50 *float64 `json:"full_resolution_minutes_p50"`
	FullResolutionMinutesP90 *float64 `json:"full_resolution_minutes_p90"`
	FCRRate                  *float64 `json:"fcr_rate"`
	ReopenRate               *float64 `json:"reopen_rate"`
	Backlog                  *int     `json:"backlog"`
	Retention                *float64 `json:"retention"`
	AvgLTV                   *float64 `json:"avg_ltv"`
}

// MeasureColumns are the measures' columns, in order, as exports name them
// (the JSON keys of SegmentMeasures).
var MeasureColumns = []string{"segment", "period", "tickets", "csat", "csat_responses", "first_reply_minutes_p50",
	"first_reply_minutes_p90", "full_resolution_minutes_p50", "full_resolution_minutes_p90", "fcr_rate",
	"reopen_rate", "backlog", "retention", "avg_ltv"}

// MeasuresReport is measures with what they were asked for, as the API and
// `cohort metrics export --format json` give them.
type MeasuresReport struct {
	Granularity Granularity       `json:"granularity"`
	Minutes     MinuteKind        `json:"minutes"`
	From        string            `json:"from"` // YYYY-MM-DD
	To          string            `json:"to"`   // YYYY-MM-DD, inclusive
	Rows        []SegmentMeasures `json:"rows"`
}

// NewMeasuresReport makes the report of rows for days from to to.
func NewMeasuresReport(g Granularity, minutes MinuteKind, from, to time.Time, rows []SegmentMeasures) MeasuresReport {
	if rows == nil {
		rows = []SegmentMeasures{}
	}
	return MeasuresReport{Granularity: g, Minutes: minutes, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Rows: rows}
}

// ParseDayRange reads from and to as YYYY-MM-DD (to inclusive), checking
// that from is not after to and that the range spans at most maxDays days.
func ParseDayRange(from, to string, maxDays int) (time.Time, time.Time, error) {
	const op = "cohort.ParseDayRange"
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return time.Time{}, time.Time{}, Errorf(op, KindInvalid, "from %q: want a date YYYY-MM-DD", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return time.Time{}, time.Time{}, Errorf(op, KindInvalid, "to %q: want a date YYYY-MM-DD", to)
	}
	if t.Before(f) {
		return time.Time{}, time.Time{}, Errorf(op, KindInvalid, "from %s is after to %s", from, to)
	}
	if days := int(t.Sub(f).Hours()/24) + 1; days > maxDays {
		return time.Time{}, time.Time{}, Errorf(op, KindInvalid, "from %s to %s is %d days; at most %d", from, to, days, maxDays)
	}
	return f, t, nil
}
