package cohort_test

import (
	"testing"

	"github.com/cohortdesk/cohort"
)

// FuzzParseDayRange reads any from and to: a range it takes is ordered
// and no longer than asked.
func FuzzParseDayRange(f *testing.F) {
	f.Add("2026-01-01", "2026-01-31", 31)
	f.Add("2026-02-30", "2026-03-01", 10)
	f.Add("0001-01-01", "9999-12-31", 1<<30)
	f.Fuzz(func(t *testing.T, from, to string, maxDays int) {
		f, tt, err := cohort.ParseDayRange(from, to, maxDays)
		if err != nil {
			if cohort.KindOf(err) != cohort.KindInvalid {
				t.Fatalf("error of kind %v: %v", cohort.KindOf(err), err)
			}
			return
		}
		if tt.Before(f) || int(tt.Sub(f).Hours()/24)+1 > maxDays {
			t.Fatalf("took %s to %s for at most %d days", f, tt, maxDays)
		}
	})
}
