package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// page is one batch of a query result. Its totalSize is not read: the
// source follows done and nextRecordsUrl, never counts.
type page struct {
	Done           bool              `json:"done"`
	NextRecordsURL string            `json:"nextRecordsUrl"`
	Records        []json.RawMessage `json:"records"`
	// at is the server's time when it answered (its Date header), or the
	// local time when it sent none.
	at time.Time
}

// query runs soql, with queryAll when all is set, and calls each with every
// batch of the result in turn, following nextRecordsUrl until Salesforce
// says done: batches may be short, even empty, before the end.
//
// REST API: GET /services/data/vXX.X/query?q=, GET …/queryAll?q=,
// GET …/query/<locator>-<offset>
func (c *client) query(ctx context.Context, soql string, all bool, each func(*page) error) error {
	endpoint := "query"
	if all {
		endpoint = "queryAll"
	}
	path := "/services/data/" + c.version + "/" + endpoint + "?q=" + url.QueryEscape(soql)
	for {
		body, date, err := c.get(ctx, path)
		if err != nil {
			return err
		}
		var p page
		if err := json.Unmarshal(body, &p); err != nil {
			return fmt.Errorf("decode the answer to %s: %w", endpoint, err)
		}
		p.at = date
		if p.at.IsZero() {
			p.at = time.Now().UTC()
		}
		if err := each(&p); err != nil {
			return err
		}
		if p.Done {
			return nil
		}
		if !strings.HasPrefix(p.NextRecordsURL, "/services/data/") {
			return fmt.Errorf("the query answer said done:false with nextRecordsUrl %q; want a path under /services/data/", p.NextRecordsURL)
		}
		path = p.NextRecordsURL
	}
}
