// Package zendesk connects cohort to Zendesk Support: an API client built on
// github.com/nukosuke/go-zendesk whose HTTP transport retries with
// hashicorp/go-retryablehttp (honouring Retry-After) by a policy that never
// sends a write twice unless it is safe to repeat (internal/httpretry), the
// verification and parsing of Zendesk's webhook deliveries, and cohort's
// install and uninstall: the app (through the Apps API), the ticket and
// user fields, and the webhook and trigger that send cohort new tickets,
// planned first and tracked by id.
//
// The client satisfies cohort.Helpdesk. Its errors carry a cohort.Kind
// (KindConflict for a safe-update collision, KindNotFound, KindInvalid,
// KindUnauthorized, KindUnavailable) and never contain credentials.
//
// Every request, retries included, passes one throttle per client: a budget
// of requests a minute (local, or shared by replicas), a second one for
// ticket updates and a third for the incremental exports, Retry-After after
// a 429, and a slow-down as Zendesk's X-Rate-Limit-Remaining falls. Updates
// of concurrent callers are combined into batch updates.
//
// Besides tickets, the client reads users and organizations through
// Zendesk's incremental exports and writes user fields in bulk, for the
// helpdesk as a CRM source (package crm/zendeskusers), and tickets with
// their metrics and satisfaction ratings through the incremental ticket
// export and the ratings list.
package zendesk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/httpretry"
)

// Name is the helpdesk's name in enrichment records and logs.
const Name = "zendesk"

// Config says which Zendesk account to talk to and how.
type Config struct {
	Subdomain string // "acme" for acme.zendesk.com
	// URL overrides the base URL (scheme://host[:port], without /api/v2), for
	// the sandbox and tests. It wins over Subdomain.
	URL      string
	Email    string // the agent the API token belongs to
	APIToken string
	// RetryMax is how many times a request is retried after a 429, a 5xx or
	// a connection error, when the retry policy allows it (internal/httpretry). 0
	// means the default, 4; negative means never.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff between
	// retries when the response gives no Retry-After. Defaults 1 s and 30 s.
	RetryWaitMin, RetryWaitMax time.Duration

	// RateLimit is how many requests a minute the client may make (default
	// 100, half the smallest Zendesk plan's 200); UpdateRateLimit how many
	// of them may update tickets (default 80; Zendesk allows 100 a minute
	// per account).
	RateLimit, UpdateRateLimit int
	// Budget and UpdateBudget, if set, replace the local budgets those limits
	// make, e.g. with budgets shared by every replica.
	Budget, UpdateBudget Budget
	// ExportRateLimit is how many requests a minute may go to the
	// incremental exports (default 10, Zendesk's limit; 30 with the High
	// Volume add-on). A 429 from an export holds back the exports only.
	ExportRateLimit int

	// BatchSize is the most tickets in one batch update (default 100, the
	// API's maximum; 1 turns batching off). BatchWait is how long an update
	// waits for others to join it (default 200 ms; a batch also keeps
	// filling while it waits for the request budget), PollInterval how often
	// the background jobs' statuses (batch updates, bulk user writes) are
	// read, all in one request (default 500 ms), and MaxBulkJobs how many
	// batch jobs may run at once (default 10; Zendesk allows 30).
	BatchSize    int
	BatchWait    time.Duration
	PollInterval time.Duration
	MaxBulkJobs  int
	// JobTimeout is how long a background job may go unread (its status
	// endpoints failing) before cohort stops waiting: a batch update's
	// tickets are then read to see whether it applied, and those it did
	// not are updated alone (default 5 minutes). It also bounds install's
	// wait for Zendesk to build an uploaded app.
	JobTimeout time.Duration

	// Observer, if set, is told of every request sent and every ticket
	// update's size, for an operator's metrics.
	Observer Observer

	Logger *slog.Logger
}

// Observer takes the client's reports, for an operator's metrics. Its
// methods are called from many goroutines and must not block.
type Observer interface {
	// Request is one request tried (a retry is another): its endpoint
	// class ("ticket_update", "ticket_read", "job_status", "export",
	// "users", "ratings", "macros", "install" or "other"), the status it
	// was answered with (0: no answer came, sent or not) and how long
	// that took.
	Request(endpoint string, status int, took time.Duration)
	// RateLimit is what Zendesk's last answer said of the account's rate
	// limit: requests left in the window, of limit.
	RateLimit(remaining, limit int)
	// Batch is one ticket-update request carrying tickets tickets (1 for
	// a ticket updated alone).
	Batch(tickets int)
}

// noObserver is the Observer of a client given none.
type noObserver struct{}

func (noObserver) Request(string, int, time.Duration) {}
func (noObserver) RateLimit(int, int)                 {}
func (noObserver) Batch(int)                          {}

// Client is a Zendesk Support API client.
type Client struct {
	api      *zd.Client
	raw      rawAPI // for the requests go-zendesk cannot make (apps.go)
	logger   *slog.Logger
	throttle *throttle
	observer Observer
	jobs     *jobPoller
	batcher  *batcher // nil: every update goes alone
	lookups  *lookups
}

var _ cohort.Helpdesk = (*Client)(nil)

// NewClient checks cfg and builds a client. It does not call Zendesk.
func NewClient(cfg Config) (*Client, error) {
	const op = "zendesk.NewClient"
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	switch {
	case cfg.URL == "" && cfg.Subdomain == "":
		return nil, cohort.Errorf(op, cohort.KindInvalid, "set COHORT_ZENDESK_SUBDOMAIN (or COHORT_ZENDESK_URL)")
	case cfg.Email == "":
		return nil, cohort.Errorf(op, cohort.KindInvalid, "set COHORT_ZENDESK_EMAIL (the agent the API token belongs to)")
	case cfg.APIToken == "":
		return nil, cohort.Errorf(op, cohort.KindInvalid, "set COHORT_ZENDESK_API_TOKEN")
	}

	rc := retryablehttp.NewClient()
	rc.Logger = slogAdapter{cfg.Logger}
	rc.RetryMax = cfg.RetryMax
	switch {
	case cfg.RetryMax == 0:
		rc.RetryMax = 4
	case cfg.RetryMax < 0:
		rc.RetryMax = 0
	}
	if cfg.RetryWaitMin > 0 {
		rc.RetryWaitMin = cfg.RetryWaitMin
	}
	if cfg.RetryWaitMax > 0 {
		rc.RetryWaitMax = cfg.RetryWaitMax
	}
	// Hand the last response to go-zendesk once retries run out, so the
	// caller sees Zendesk's status (429, 503) and not only "giving up".
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.CheckRetry = httpretry.CheckRetry
	throttle := newThrottle(cfg)
	rc.HTTPClient.Transport = &limitedTransport{next: rc.HTTPClient.Transport, throttle: throttle, observer: cfg.Observer}

	raw := rawAPI{http: rc.StandardClient(), base: apiBase(cfg), cred: zd.NewAPITokenCredential(cfg.Email, cfg.APIToken)}
	api, err := zd.NewClient(raw.http)
	if err != nil {
		return nil, cohort.E(op, cohort.KindOther, err)
	}
	if cfg.URL != "" {
		if err := api.SetEndpointURL(raw.base); err != nil {
			return nil, cohort.Errorf(op, cohort.KindInvalid, "COHORT_ZENDESK_URL: %w", err)
		}
	} else if err := api.SetSubdomain(cfg.Subdomain); err != nil {
		return nil, cohort.Errorf(op, cohort.KindInvalid, "COHORT_ZENDESK_SUBDOMAIN %q: %w", cfg.Subdomain, err)
	}
	api.SetCredential(raw.cred)
	c := &Client{api: api, raw: raw, logger: cfg.Logger, throttle: throttle, observer: cfg.Observer}
	c.jobs = newJobPoller(c, cmp.Or(cfg.PollInterval, 500*time.Millisecond), cmp.Or(cfg.JobTimeout, 5*time.Minute))
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 100
	}
	wait := cmp.Or(cfg.BatchWait, 200*time.Millisecond)
	if cfg.BatchSize > 1 {
		c.batcher = newBatcher(c, min(cfg.BatchSize, 100), wait, cmp.Or(cfg.MaxBulkJobs, 10), cmp.Or(cfg.JobTimeout, 5*time.Minute))
	}
	c.lookups = newLookups(c, min(wait, 50*time.Millisecond))
	return c, nil
}

func newThrottle(cfg Config) *throttle {
	t := &throttle{budget: cfg.Budget, updates: cfg.UpdateBudget, now: time.Now,
		exports: NewLocalBudget(cmp.Or(cfg.ExportRateLimit, DefaultExportRateLimit))}
	if t.budget == nil {
		t.budget = NewLocalBudget(cmp.Or(cfg.RateLimit, DefaultRateLimit))
	}
	if t.updates == nil {
		t.updates = NewLocalBudget(cmp.Or(cfg.UpdateRateLimit, DefaultUpdateRateLimit))
	}
	return t
}

// Default request budgets, per minute.
const (
	DefaultRateLimit       = 100
	DefaultUpdateRateLimit = 80
	DefaultExportRateLimit = 10
)

// Close stops the client's batching after the batches in flight are done,
// then its job polling: a call still waiting for a job fails.
func (c *Client) Close() error {
	if c.batcher != nil {
		c.batcher.close()
	}
	c.lookups.close()
	c.jobs.close()
	return nil
}

// API returns the underlying go-zendesk client, for callers (the demo, the
// installer, tests) that need an endpoint cohort does not wrap.
func (c *Client) API() *zd.Client { return c.api }

// Name returns "zendesk".
func (c *Client) Name() string { return Name }

// apiError turns a go-zendesk or transport error into a cohort error with a
// kind the caller can act on.
func apiError(op string, err error) error {
	if err == nil {
		return nil
	}
	var ze zd.Error
	if errors.As(err, &ze) {
		kind := cohort.KindOther
		switch s := ze.Status(); {
		case s == http.StatusConflict:
			kind = cohort.KindConflict
		case s == http.StatusNotFound:
			kind = cohort.KindNotFound
		case s == http.StatusUnauthorized || s == http.StatusForbidden:
			kind = cohort.KindUnauthorized
		case s == http.StatusTooManyRequests || s >= 500:
			kind = cohort.KindUnavailable
		case s >= 400:
			kind = cohort.KindInvalid
		}
		return cohort.E(op, kind, answerError{ze})
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return cohort.E(op, cohort.KindOther, err)
	}
	// Transport errors (connection refused, timeouts after retries).
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return cohort.Errorf(op, cohort.KindUnavailable, "the connection closed before Zendesk answered (it may have done the request): %w", err)
	}
	return cohort.Errorf(op, cohort.KindUnavailable, "could not reach Zendesk: %w", err)
}

// answerError is Zendesk's answer other than 2xx in words, "zendesk
// answered 404: …", with go-zendesk's error kept for statusOf.
type answerError struct{ ze zd.Error }

func (e answerError) Error() string {
	return fmt.Sprintf("zendesk answered %d: %s", e.ze.Status(), bodySnippet(e.ze))
}

func (e answerError) Unwrap() error { return e.ze }

// bodySnippet returns the start of an error response body for messages.
func bodySnippet(ze zd.Error) string {
	msg := ze.Error()
	if i := strings.Index(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// slogAdapter lets retryablehttp log through slog at debug level (its
// default logger prints every request to stderr).
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Error(msg string, kv ...any) { a.l.Warn("zendesk http: "+msg, kv...) }
func (a slogAdapter) Info(msg string, kv ...any)  { a.l.Debug("zendesk http: "+msg, kv...) }
func (a slogAdapter) Debug(msg string, kv ...any) { a.l.Debug("zendesk http: "+msg, kv...) }
func (a slogAdapter) Warn(msg string, kv ...any)  { a.l.Warn("zendesk http: "+msg, kv...) }
