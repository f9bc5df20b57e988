package salesforce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// checkpointVersion is the version of the checkpoint format below.
const checkpointVersion = 1

// checkpoint is where an incremental read starts: a watermark per feed. In
// JSON:
//
//	{"v":1,
//	 "contacts":{"at":"2026-09-15T09:02:00.123Z","ids":["003RO0000000005YAA"]},
//	 "accounts":{"at":"2026-09-15T10:00:00Z"},
//	 "deleted":{"at":"2026-09-15T10:00:00Z"}}
//
// A zero (omitted) contacts watermark reads every contact.
type checkpoint struct {
	V        int       `json:"v"`
	Contacts watermark `json:"contacts,omitzero"`
	Accounts watermark `json:"accounts,omitzero"`
	Deleted  watermark `json:"deleted,omitzero"`
}

// watermark is where a feed resumes: at the records whose SystemModstamp is
// At or later, but for those at exactly At listed in IDs, already emitted.
//
// While a feed is read its watermark moves to the newest record emitted
// that had not changed since the feed's query began; once the feed is read,
// to the time the query began (the Date of its first answer). So a record
// changed while its feed was being read, maybe read with its old values, is
// read again by the next run, and a run resumed from a batch's checkpoint
// goes on where that batch ended.
type watermark struct {
	At  time.Time `json:"at,omitzero"`
	IDs []string  `json:"ids,omitempty"`
}

// maxWatermarkIDs bounds IDs: on resume, records beyond it that share At
// are emitted again, which is harmless.
const maxWatermarkIDs = 100

// covers reports whether the run that set w emitted the record id as it was
// at stamp.
func (w watermark) covers(id string, stamp time.Time) bool {
	return stamp.Before(w.At) || (stamp.Equal(w.At) && slices.Contains(w.IDs, id))
}

// advance moves w past a record emitted, which had not changed since its
// feed's query began.
func (w *watermark) advance(id string, stamp time.Time) {
	switch {
	case stamp.After(w.At):
		*w = watermark{At: stamp, IDs: []string{id}}
	case stamp.Equal(w.At) && len(w.IDs) < maxWatermarkIDs && !slices.Contains(w.IDs, id):
		w.IDs = append(w.IDs, id)
	}
}

// reach moves w to t, when its feed's query began, once the feed is read.
func (w *watermark) reach(t time.Time) {
	if t.After(w.At) {
		*w = watermark{At: t}
	}
}

func (c checkpoint) encode() string {
	c.V = checkpointVersion
	b, _ := json.Marshal(c) // cannot fail: times are in range
	return string(b)
}

func parseCheckpoint(s string) (checkpoint, error) {
	var c checkpoint
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint %q is not one this source writes (%v); run a full sync", s, err)
	}
	if c.V != checkpointVersion {
		return checkpoint{}, fmt.Errorf("checkpoint %q has version %d, this source reads version %d; run a full sync", s, c.V, checkpointVersion)
	}
	return c, nil
}
