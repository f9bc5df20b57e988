package csv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
)

// BatchSize is how many records go into one crm.Batch.
const BatchSize = 2000

// Source reads a CSV file or an https URL as a crm.Source.
type Source struct {
	name     string
	location string
	mapping  *crm.Mapping
	client   *http.Client
}

// NewSource returns a source called name that reads location: a file path,
// or an https:// URL (plain http:// only to a loopback address, for tests
// and local tools). mapping is the mapping its records will go through; it
// is used to check the header. client fetches URLs (nil: a retrying
// client).
func NewSource(name, location string, mapping *crm.Mapping, client *http.Client) (*Source, error) {
	if location == "" {
		return nil, errors.New("csv source: no file or URL given")
	}
	if isURL(location) {
		u, err := url.Parse(location)
		if err != nil {
			return nil, fmt.Errorf("csv source: %w", err)
		}
		if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
			return nil, fmt.Errorf("csv source: %s: want an https URL", redactURL(u))
		}
	}
	if client == nil {
		rc := retryablehttp.NewClient()
		rc.Logger = nil
		rc.RetryMax = 4
		client = rc.StandardClient()
	}
	return &Source{name: name, location: location, mapping: mapping, client: client}, nil
}

// Name returns the source's name.
func (s *Source) Name() string { return s.name }

// checkpoint is where a CSV source's next read starts.
type checkpoint struct {
	// Version identifies the content read: size and modification time of
	// a file, the ETag or Last-Modified of a URL; "" when unknown, and
	// then the next read starts over.
	Version string `json:"version"`
	Line    int    `json:"line"` // the last line written
	Done    bool   `json:"done"` // the whole content was written
}

// Read emits the records of the file or URL in batches of BatchSize. An
// incremental read of content whose version matches a finished checkpoint
// emits nothing; one that matches an unfinished checkpoint resumes after
// its line. The last batch's checkpoint is marked done.
func (s *Source) Read(ctx context.Context, cp string, full bool, emit func(crm.Batch) error) error {
	var last checkpoint
	if cp != "" && !full {
		if err := json.Unmarshal([]byte(cp), &last); err != nil {
			return fmt.Errorf("csv source %s: checkpoint %q: %w", s.name, cp, err)
		}
	}
	body, version, err := s.open(ctx, last)
	if errors.Is(err, errNotModified) {
		return nil
	}
	if err != nil {
		return err
	}
	defer body.Close()
	if version != "" && version == last.Version && last.Done && !full {
		return nil
	}
	skipTo := 0
	if version != "" && version == last.Version && !full {
		skipTo = last.Line
	}
	r, err := NewReader(body, s.display(), s.mapping)
	if err != nil {
		return err
	}
	next := checkpoint{Version: version}
	batch := make([]cohort.SourceRecord, 0, BatchSize)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, line, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if line <= skipTo {
			continue
		}
		batch = append(batch, rec)
		next.Line = line
		if len(batch) == BatchSize {
			if err := emit(crm.Batch{Records: batch, Checkpoint: next.encode()}); err != nil {
				return err
			}
			batch = make([]cohort.SourceRecord, 0, BatchSize)
		}
	}
	next.Done = true
	return emit(crm.Batch{Records: batch, Checkpoint: next.encode()})
}

func (c checkpoint) encode() string {
	b, _ := json.Marshal(c)
	return string(b)
}

var errNotModified = errors.New("not modified")

// open opens the file or fetches the URL, returning its body and version.
// A URL whose ETag matches a finished checkpoint answers errNotModified.
func (s *Source) open(ctx context.Context, last checkpoint) (io.ReadCloser, string, error) {
	if !isURL(s.location) {
		f, err := os.Open(s.location)
		if err != nil {
			return nil, "", fmt.Errorf("csv source %s: %w", s.name, err)
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, "", fmt.Errorf("csv source %s: %w", s.name, err)
		}
		return f, fmt.Sprintf("%d-%d", fi.Size(), fi.ModTime().UnixNano()), nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.location, nil)
	if err != nil {
		return nil, "", fmt.Errorf("csv source %s: %w", s.name, err)
	}
	if last.Done && strings.HasPrefix(last.Version, "etag:") {
		req.Header.Set("If-None-Match", strings.TrimPrefix(last.Version, "etag:"))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, which may carry a token
		}
		return nil, "", fmt.Errorf("csv source %s: fetch %s: %w", s.name, s.display(), err)
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		resp.Body.Close()
		return nil, "", errNotModified
	case resp.StatusCode != http.StatusOK:
		resp.Body.Close()
		return nil, "", fmt.Errorf("csv source %s: fetch %s: %s", s.name, s.display(), resp.Status)
	}
	version := ""
	if etag := resp.Header.Get("ETag"); etag != "" {
		version = "etag:" + etag
	} else if lm := resp.Header.Get("Last-Modified"); lm != "" {
		version = "modified:" + lm
	}
	return resp.Body, version, nil
}

// display names the location in errors and refs: a URL without its query
// string or credentials, which may carry a token.
func (s *Source) display() string {
	if !isURL(s.location) {
		return s.location
	}
	u, err := url.Parse(s.location)
	if err != nil {
		return "the CSV URL"
	}
	return redactURL(u)
}

func redactURL(u *url.URL) string {
	v := *u
	v.User, v.RawQuery, v.Fragment = nil, "", ""
	return v.String()
}

func isURL(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") }

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
