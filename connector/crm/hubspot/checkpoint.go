package hubspot

import (
	"encoding/json"
	"fmt"
	"time"
)

// checkpointVersion is the version of the checkpoint format.
const checkpointVersion = 1

// state is what a checkpoint holds: a watermark per pass of an incremental
// read, each the time from which that pass reads (it already lags by
// Overlap), or a full read under way.
type state struct {
	Version   int       `json:"v"`
	Contacts  time.Time `json:"contacts,omitzero"`  // contacts with lastmodifieddate at or after it
	Companies time.Time `json:"companies,omitzero"` // companies with hs_lastmodifieddate at or after it
	Archived  time.Time `json:"archived,omitzero"`  // contacts with archivedAt at or after it
	// Full is set while a full read is under way.
	Full *fullProgress `json:"full,omitempty"`
}

// fullProgress is where a full read stands.
type fullProgress struct {
	// After is the cursor of the next page of contacts; "" for the first.
	After string `json:"after,omitempty"`
	// Since is the watermark of every pass once the read ends: the
	// server's time when it began, less Overlap. Zero until the first page.
	Since time.Time `json:"since,omitzero"`
}

// parseCheckpoint reads a checkpoint; "" is the zero state.
func parseCheckpoint(s string) (state, error) {
	var st state
	if s == "" {
		return st, nil
	}
	if err := json.Unmarshal([]byte(s), &st); err != nil {
		return state{}, fmt.Errorf("checkpoint %q is not a HubSpot checkpoint: %w", s, err)
	}
	if st.Version != checkpointVersion {
		return state{}, fmt.Errorf("checkpoint %q has version %d; this cohort reads version %d (run a full read to start over)", s, st.Version, checkpointVersion)
	}
	return st, nil
}

// String encodes the state as a checkpoint.
func (st state) String() string {
	st.Version = checkpointVersion
	data, _ := json.Marshal(st) // a struct of strings and times always encodes
	return string(data)
}

// advance moves a watermark to t, never back.
func advance(w *time.Time, t time.Time) {
	if t.After(*w) {
		*w = t
	}
}
