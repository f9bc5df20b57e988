package resegment

import (
	"context"

	"github.com/cohortdesk/cohort/store"
)

// Writer writes customers' primary segments to the helpdesk (a user
// field, say), as few requests as it can. It reports, per write, whether it
// landed; those that did not are tried again after the next re-segmenting.
type Writer interface {
	// Helpdesk names the helpdesk's own CRM source (its users, synced as
	// customers): those customers are its users.
	Helpdesk() string
	WriteSegments(ctx context.Context, writes []store.SegmentWrite) ([]bool, error)
}

// WriteStore is what writing segments back needs of the store.
type WriteStore interface {
	SegmentWritesAfter(ctx context.Context, helpdeskSource string, afterID int64, limit int) ([]store.SegmentWrite, error)
	MarkSegmentsWritten(ctx context.Context, writes []store.SegmentWrite) error
}

// writeBackPage is how many customers are handed to the writer at once.
const writeBackPage = 1000

// WriteBack hands w every customer the helpdesk has as a user
// whose primary segment changed since it was last written, and records
// those that landed. It returns how many did.
func WriteBack(ctx context.Context, db WriteStore, w Writer) (int, error) {
	var after int64
	written := 0
	for {
		page, err := db.SegmentWritesAfter(ctx, w.Helpdesk(), after, writeBackPage)
		if err != nil || len(page) == 0 {
			return written, err
		}
		ok, werr := w.WriteSegments(ctx, page)
		var landed []store.SegmentWrite
		for i, wr := range page {
			if i < len(ok) && ok[i] {
				landed = append(landed, wr)
			}
		}
		if err := db.MarkSegmentsWritten(ctx, landed); err != nil {
			return written, err
		}
		written += len(landed)
		if werr != nil {
			return written, werr
		}
		after = page[len(page)-1].CustomerID
	}
}
