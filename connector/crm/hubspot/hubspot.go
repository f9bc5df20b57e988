// Package hubspot reads cohort's customers from HubSpot's CRM API v3: a
// crm.Source named "hubspot" whose records are contacts, each with the
// properties of its primary company.
//
// A record's fields are the contact's properties by internal name, its id
// as "id", and its primary company's properties as "company.<property>"
// with the company's id as "company.id". The source asks HubSpot only for
// the properties the mapping reads (Mapping.SourceFields), plus the
// last-modified dates it keeps watermarks with. A contact without a
// primary company has no company fields.
//
// A full read (no checkpoint, or full) walks GET /crm/v3/objects/contacts
// with their company associations and reads the companies in batches; each
// page is one batch whose checkpoint resumes the walk. An incremental read
// takes three passes, each with a watermark of its own:
//
//   - contacts modified since the contacts watermark, through search on
//     lastmodifieddate, ascending; every page starts a new search from the
//     last date seen (deduplicating by id and date), so that the offset
//     paging of search neither skips rows that shift when others change
//     nor runs into its 10,000-result ceiling;
//   - companies modified since the companies watermark (hs_lastmodifieddate),
//     whose primary contacts are read again, since their records carry the
//     company's properties (skipped when the mapping reads no company.
//     field);
//   - contacts archived since the archived watermark, from the archived
//     list, as Deleted records.
//
// Watermarks lag the server's clock by Overlap, to catch writes the search
// index shows late: a record may be read twice within that window, never
// missed. The checkpoint is JSON:
//
//	{"v":1,"contacts":"2026-03-02T09:28:00Z","companies":"…","archived":"…"}
//
// and, while a full read is under way, {"v":1,"full":{"after":"<cursor>",
// "since":"<time>"}}.
//
// Requests are retried (hashicorp/go-retryablehttp) as HubSpot's own SDK
// does: a 429 of the ten-second window after 10 s × the attempt (or the
// window the X-HubSpot-RateLimit-Interval-Milliseconds header gives, if
// shorter), a search 429 after 1 s × the attempt, a 5xx or connection error
// after 200 ms × the attempt; a 429 of the daily limit is not retried and
// ends the read with an *APIError. Client-side limiters keep requests under
// RequestsPerSecond and searches under SearchesPerSecond. The token is sent
// only in the Authorization header: it is in no error and no log.
//
// Known limits: a company's archiving or a contact's loss of its primary
// company without a change to the contact is not seen until a full read;
// HubSpot caps the associations it includes in a list, so a contact with
// very many companies may show none as primary in a full read; more than
// 10,000 contacts sharing one lastmodifieddate to the millisecond cannot be
// paged through by search, and the read fails saying so.
//
// The package knows HubSpot's API and nothing of the store. Its tests run
// against the emulator in package sandbox, which it does not import.
package hubspot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
)

// Name is the source's name in checkpoints, reports and --source.
const Name = "hubspot"

// Defaults of Config.
const (
	DefaultURL = "https://api.hubapi.com"
	// DefaultRequestsPerSecond is the pace of requests other than search:
	// HubSpot's SDK's, under the 100 per 10 s of the smallest tier.
	DefaultRequestsPerSecond = 9
	// DefaultSearchesPerSecond keeps under HubSpot's 5 searches per second
	// per account.
	DefaultSearchesPerSecond = 4
	// DefaultRetryMax is how many times a request is retried.
	DefaultRetryMax = 5
	// DefaultTimeout bounds one request when Config.HTTPClient is nil.
	DefaultTimeout = 60 * time.Second
)

// Overlap is how far behind the server's clock the watermarks stay, to
// catch records HubSpot's search index shows late.
const Overlap = 2 * time.Minute

// Page sizes: HubSpot's maxima.
const (
	maxListLimit   = 100
	maxSearchLimit = 200
	maxBatchInputs = 100
)

// Config says which HubSpot account to read and how.
type Config struct {
	// URL is the API's base URL; "" means DefaultURL. Tests point it at the
	// sandbox.
	URL string
	// Token is a private-app access token (or an OAuth access token) with
	// the crm.objects.contacts.read and crm.objects.companies.read scopes.
	Token string
	// Mapping says which properties become which customer fields; nil
	// means DefaultMapping(). The source reads only what it names.
	Mapping *crm.Mapping
	// HTTPClient sends the requests; nil means one with DefaultTimeout. Its
	// Transport is wrapped with the rate limiters, not changed.
	HTTPClient *http.Client
	// PageSize is how many records one request reads: list pages take at
	// most 100, search pages at most 200. 0 means those maxima.
	PageSize int
	// RetryMax is how many times a request is retried after a 429, a 5xx
	// or a connection error; 0 means DefaultRetryMax, negative never.
	RetryMax int
	// RequestsPerSecond and SearchesPerSecond bound the pace of requests;
	// 0 means DefaultRequestsPerSecond and DefaultSearchesPerSecond. Lower
	// them when other apps share the account's limits.
	RequestsPerSecond, SearchesPerSecond float64
	// Logger receives the requests and their retries at debug level (URLs,
	// never headers); nil discards them.
	Logger *slog.Logger
}

// Source reads contacts and their companies from HubSpot.
type Source struct {
	base        string
	token       string
	http        *retryablehttp.Client
	listLimit   int
	searchLimit int

	contactProps []string // the contact properties the mapping reads
	companyProps []string // the company properties the mapping reads
	needCompany  bool     // whether the mapping reads a company. field

	waits     waits // retry waits, per kind of failure
	searchCap int   // how far search can page
}

var _ crm.Source = (*Source)(nil)

// New checks cfg and returns a Source; it makes no request.
func New(cfg Config) (*Source, error) {
	const op = "hubspot.New"
	if cfg.Token == "" {
		return nil, cohort.Errorf(op, cohort.KindInvalid, "Config.Token is empty: the source needs a HubSpot access token")
	}
	base := cfg.URL
	if base == "" {
		base = DefaultURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, cohort.Errorf(op, cohort.KindInvalid, "Config.URL %q is not an http(s) URL", base)
	}
	if cfg.PageSize < 0 || cfg.PageSize > maxSearchLimit {
		return nil, cohort.Errorf(op, cohort.KindInvalid, "Config.PageSize %d is out of range: want 1 to %d, or 0 for the maxima", cfg.PageSize, maxSearchLimit)
	}
	if cfg.RequestsPerSecond < 0 || cfg.SearchesPerSecond < 0 {
		return nil, cohort.Errorf(op, cohort.KindInvalid, "Config.RequestsPerSecond and SearchesPerSecond must not be negative")
	}
	if cfg.Mapping == nil {
		cfg.Mapping = DefaultMapping()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Source{
		base:        strings.TrimRight(base, "/"),
		token:       cfg.Token,
		listLimit:   maxListLimit,
		searchLimit: maxSearchLimit,
		waits:       defaultWaits,
		searchCap:   searchResultCap,
	}
	if cfg.PageSize > 0 {
		s.listLimit, s.searchLimit = min(cfg.PageSize, maxListLimit), cfg.PageSize
	}
	for _, f := range cfg.Mapping.SourceFields() {
		prop, ofCompany := strings.CutPrefix(f, companyPrefix)
		switch {
		case ofCompany:
			s.needCompany = true
			if prop != fieldID {
				s.companyProps = append(s.companyProps, prop)
			}
		case f != fieldID:
			s.contactProps = append(s.contactProps, f)
		}
	}
	s.http = newHTTPClient(cfg, s)
	return s, nil
}

// Name returns "hubspot".
func (s *Source) Name() string { return Name }

// Read emits the contacts changed since checkpoint (every contact for a
// full read) in batches; see the package documentation.
func (s *Source) Read(ctx context.Context, checkpoint string, full bool, emit func(crm.Batch) error) error {
	cp, err := parseCheckpoint(checkpoint)
	if err != nil {
		return cohort.E("hubspot.Read", cohort.KindInvalid, err)
	}
	if full || checkpoint == "" {
		cp = state{Full: &fullProgress{}}
	}
	if cp.Full != nil {
		return s.readAll(ctx, cp.Full, emit)
	}
	return s.readChanges(ctx, cp, emit)
}

// withTimestamp returns props with the last-modified property added.
func withTimestamp(props []string, lastModified string) []string {
	if slices.Contains(props, lastModified) {
		return props
	}
	return append(slices.Clone(props), lastModified)
}

// serverTime returns the time a response was answered, by its Date header,
// or the local time when it has none.
func serverTime(h http.Header) time.Time {
	if t, err := http.ParseTime(h.Get("Date")); err == nil {
		return t.UTC()
	}
	return time.Now().UTC()
}

// rateOr returns r as a rate.Limit, or def when r is 0.
func rateOr(r, def float64) rate.Limit {
	if r == 0 {
		return rate.Limit(def)
	}
	return rate.Limit(r)
}

// errorf builds the error of a read that failed: KindOf the HubSpot error
// it wraps, if any.
func errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return cohort.E("hubspot.Read", kindOf(err), err)
}
