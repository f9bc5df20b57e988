package hubspot

import "time"

// SetWaits sets the retry waits of s: after a search 429, after a 429 of
// the ten-second window (at most), and after a 5xx or connection error, each
// multiplied by the attempt's number.
func SetWaits(s *Source, secondly, tenSecondly, server time.Duration) {
	s.waits = waits{secondly: secondly, tenSecondly: tenSecondly, server: server}
}

// SetSearchCap sets how far s believes search can page, to match the
// sandbox's Config.SearchResultCap.
func SetSearchCap(s *Source, n int) {
	s.searchCap = n
}
