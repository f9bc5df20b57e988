// Package freshdesk connects cohort to Freshdesk (API v2): a thin client
// on hashicorp/go-retryablehttp (no Go client for Freshdesk is served by
// the module proxy; apps-freshdesk-ops.md §2.11) with the retry policy of
// internal/httpretry and a throttle that follows Freshdesk's
// X-Ratelimit-* headers, and the webhook receiver. Freshdesk's automation
// rules sign nothing, so a delivery is taken on HTTP Basic auth with the
// webhook secret, and only the ticket's id is read from it: cohort reads
// the ticket through the API before deciding (reference sheet §10.8,
// apps-freshdesk-ops.md §2.1).
package freshdesk

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/httpretry"
)

// Config says which Freshdesk account to talk to and how.
type Config struct {
	Domain string // "acme" for acme.freshdesk.com (COHORT_FRESHDESK_DOMAIN)
	// URL overrides the base URL (scheme://host[:port], without /api/v2),
	// for the sandbox and tests (COHORT_FRESHDESK_URL). It wins over Domain.
	URL    string
	APIKey string // COHORT_FRESHDESK_API_KEY, sent as HTTP Basic "key:X"
	// RateLimit is how many requests a minute the client may make (default
	// 100, half of the Growth plan's 200, reference sheet §10.7): Freshdesk
	// counts every caller of the account, its webhooks included.
	RateLimit int
	// RetryMax is how many times a request is retried after a 429, a 5xx
	// or a connection error, when internal/httpretry's policy allows it. 0
	// means the default, 4; negative means never. RetryWaitMin and
	// RetryWaitMax bound the backoff when no Retry-After came (defaults 1 s
	// and 30 s).
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
}

// DefaultRateLimit is the client's request budget a minute when Config
// gives none.
const DefaultRateLimit = 100

// Client is a thin Freshdesk API v2 client: JSON over HTTP Basic auth, the
// method-aware retry policy of internal/httpretry (honouring Retry-After),
// and a throttle that keeps to its budget and to what Freshdesk's
// X-Ratelimit-* headers say. Its errors carry a cohort.Kind and never
// contain the API key.
type Client struct {
	http *http.Client
	base string // scheme://host, without /api/v2
	key  string
}

// NewClient checks cfg and builds a client. It does not call Freshdesk.
func NewClient(cfg Config) (*Client, error) {
	const op = "freshdesk.NewClient"
	var base string
	switch {
	case cfg.URL == "" && cfg.Domain == "":
		return nil, cohort.Errorf(op, cohort.KindInvalid, "set COHORT_FRESHDESK_DOMAIN (or COHORT_FRESHDESK_URL)")
	case cfg.APIKey == "":
		return nil, cohort.Errorf(op, cohort.KindInvalid, "set COHORT_FRESHDESK_API_KEY")
	case cfg.URL == "":
		if !validDomain(cfg.Domain) {
			return nil, cohort.Errorf(op, cohort.KindInvalid, "COHORT_FRESHDESK_DOMAIN %q: want the account's name only, acme for acme.freshdesk.com", cfg.Domain)
		}
		base = "https://" + cfg.Domain + ".freshdesk.com"
	default:
		u, err := url.Parse(cfg.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, cohort.Errorf(op, cohort.KindInvalid, "COHORT_FRESHDESK_URL %q: want a base URL such as https://acme.freshdesk.com", cfg.URL)
		}
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			return nil, cohort.Errorf(op, cohort.KindInvalid, "COHORT_FRESHDESK_URL %q: want https (the API key must not cross a network in clear text; http only for this machine)", cfg.URL)
		}
		base = u.Scheme + "://" + u.Host
	}
	rc := retryablehttp.NewClient()
	rc.Logger = nil
	rc.RetryMax = cfg.RetryMax
	switch {
	case cfg.RetryMax == 0:
		rc.RetryMax = 4
	case cfg.RetryMax < 0:
		rc.RetryMax = 0
	}
	rc.RetryWaitMin = cmp.Or(cfg.RetryWaitMin, time.Second)
	rc.RetryWaitMax = cmp.Or(cfg.RetryWaitMax, 30*time.Second)
	// The last answer goes to the caller once retries run out, so it sees
	// Freshdesk's status and error body, not only "giving up".
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.CheckRetry = httpretry.CheckRetry
	// A redirect would turn a write into a GET (and carry the key to
	// wherever it points): the answer is taken as it is, an error.
	rc.HTTPClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	rc.HTTPClient.Transport = &pacedTransport{next: rc.HTTPClient.Transport,
		throttle: newThrottle(cmp.Or(cfg.RateLimit, DefaultRateLimit), time.Now)}
	return &Client{http: rc.StandardClient(), base: base, key: cfg.APIKey}, nil
}

// BaseURL is the account's base URL, without /api/v2.
func (c *Client) BaseURL() string { return c.base }

// do sends method path (under /api/v2) with in as its JSON body (nil: none)
// and decodes the answer into out (nil: discarded). It returns the
// answer's Link header's next page, if any.
func (c *Client) do(ctx context.Context, op, method, path string, in, out any) (next string, err error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return "", cohort.E(op, cohort.KindOther, err)
		}
		body = bytes.NewReader(b)
	}
	target := c.base + "/api/v2" + path
	if strings.HasPrefix(path, "http") {
		// A Link header's next page: followed only on the account's own
		// API, which is the only host the key goes to.
		if !strings.HasPrefix(path, c.base+"/api/v2/") {
			return "", cohort.Errorf(op, cohort.KindInvalid, "Freshdesk's next page is on another host: %s", clipURL(path))
		}
		target = path
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return "", cohort.E(op, cohort.KindOther, err)
	}
	req.SetBasicAuth(c.key, "X")
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", cohort.Errorf(op, kindOfSendError(err), "Freshdesk did not answer: %v", scrub(err, c.key))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return "", cohort.Errorf(op, cohort.KindUnavailable, "reading Freshdesk's answer: %v", err)
	}
	if resp.StatusCode >= 300 {
		return "", apiError(op, resp.StatusCode, data)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return "", cohort.Errorf(op, cohort.KindUnavailable, "Freshdesk's answer is not the JSON expected: %v", err)
		}
	}
	return nextPage(resp.Header.Get("Link")), nil
}

// kindOfSendError is the kind of an error with no answer: a cancelled or
// expired context keeps its own, anything else may pass.
func kindOfSendError(err error) cohort.Kind {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return cohort.KindOther
	}
	return cohort.KindUnavailable
}

// scrub removes the API key from an error's text (a URL with credentials
// would carry it).
func scrub(err error, key string) string {
	return strings.ReplaceAll(err.Error(), key, "xxxxx")
}

// apiError turns an answer with an error status into an error of the
// matching kind, with Freshdesk's own description and field errors
// (reference sheet §10.1, apps-freshdesk-ops.md §2.10).
func apiError(op string, status int, body []byte) error {
	var e struct {
		Description string `json:"description"`
		Message     string `json:"message"`
		Errors      []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
			Code    string `json:"code"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(body, &e)
	msg := cmp.Or(e.Description, e.Message, http.StatusText(status))
	var fields []string
	for _, fe := range e.Errors {
		fields = append(fields, strings.TrimSpace(fe.Field+": "+fe.Message+" ("+fe.Code+")"))
	}
	if len(fields) > 0 {
		msg += ": " + strings.Join(fields, "; ")
	}
	kind := cohort.KindOther
	switch {
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		kind = cohort.KindInvalid
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		kind = cohort.KindUnauthorized
		msg += " (check COHORT_FRESHDESK_API_KEY and the agent's rights)"
	case status == http.StatusNotFound:
		kind = cohort.KindNotFound
	case status == http.StatusConflict:
		kind = cohort.KindConflict
	case status == http.StatusTooManyRequests || status >= 500:
		kind = cohort.KindUnavailable
	}
	return cohort.Errorf(op, kind, "Freshdesk answered %d: %s", status, msg)
}

// validDomain reports whether d is an account name: lowercase letters,
// digits and hyphens, as in acme for acme.freshdesk.com.
func validDomain(d string) bool {
	if d == "" || d[0] == '-' {
		return false
	}
	for _, r := range d {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// clipURL is u without its query, for an error message.
func clipURL(u string) string {
	base, _, _ := strings.Cut(u, "?")
	return clip(base)
}

// nextPage reads the rel="next" target of a Link header: the next page, or
// "" on the last (reference sheet §10.7).
func nextPage(link string) string {
	// Entries end at ">" then their parameters; a URL may hold commas.
	for rest := link; rest != ""; {
		start := strings.IndexByte(rest, '<')
		end := strings.IndexByte(rest, '>')
		if start < 0 || end < start {
			return ""
		}
		target := rest[start+1 : end]
		params := rest[end+1:]
		if next := strings.IndexByte(params, '<'); next >= 0 {
			params, rest = params[:next], params[next:]
		} else {
			rest = ""
		}
		rel := strings.ReplaceAll(strings.ReplaceAll(params, " ", ""), `"`, "")
		if strings.Contains(rel, ";rel=next") {
			return target
		}
	}
	return ""
}

// idPath is path with id appended.
func idPath(path string, id int64) string { return path + "/" + strconv.FormatInt(id, 10) }
