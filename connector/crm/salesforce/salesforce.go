// Package salesforce reads cohort's customers from a Salesforce org through
// its REST API. A record is one Contact with its Account's fields named
// "Account.<Field>" (Account.Name, Account.Plan__c), holding exactly the
// fields the mapping names, as text.
//
// A full read pages through every live Contact ordered by SystemModstamp,
// following nextRecordsUrl until Salesforce says done. An incremental read,
// from the checkpoint of the run before, reads three feeds in turn: the
// Contacts changed since, the Contacts of the Accounts changed since (an
// Account's change changes its contacts' customers; skipped when the
// mapping names no Account field), and the Contacts deleted or merged away
// since (with queryAll), emitted with Deleted set and their fields. Changes
// of other parents (Owner.Name…) reach customers only when the Contact
// itself changes. A Contact read again unchanged within a run is emitted
// once.
//
// # Checkpoints
//
// Every batch carries a checkpoint, a small JSON of one watermark per feed:
//
//	{"v":1,"contacts":{"at":"2026-09-15T09:02:00.123Z","ids":["003RO0000000005YAA"]},
//	 "accounts":{"at":"2026-09-15T10:00:00Z"},"deleted":{"at":"2026-09-15T10:00:00Z"}}
//
// A feed is read again from its watermark's second (SOQL literals are
// whole seconds) and what the watermark covers is skipped: records changed
// before "at", and those changed at "at" listed in "ids". While a feed is
// read its watermark follows the records emitted; once it is read, it
// moves to the time its query began (the Date of Salesforce's first
// answer), so that a record changed while it was being read is read again
// next time. A run interrupted after any batch resumes from that batch's
// checkpoint without gap or repeat. A full read starts the Account and
// deleted watermarks when it begins.
//
// The source authenticates with an access token, or gets one itself with
// OAuth (refresh token or client credentials) and gets a new one once when
// Salesforce answers 401 INVALID_SESSION_ID. It retries 429 and 5xx answers
// and connection errors with backoff (hashicorp/go-retryablehttp), and
// fails without retrying on anything else: 400 (MALFORMED_QUERY,
// INVALID_FIELD…) and 403 REQUEST_LIMIT_EXCEEDED included. Errors carry a
// cohort.Kind and Salesforce's errorCode, never a token or secret.
//
// The package knows nothing of the store. Its sandbox subpackage emulates
// the API for tests.
package salesforce

import (
	_ "embed"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
)

// Name is the source's name in checkpoints, reports and --source.
const Name = "salesforce"

// Defaults applied by New to a zero Config field.
const (
	DefaultAPIVersion = "v63.0"
	DefaultLoginURL   = "https://login.salesforce.com"
	// DefaultTimeout bounds one HTTP request: Salesforce's REST call timeout.
	DefaultTimeout = 10 * time.Minute
)

//go:embed mapping.yaml
var defaultMapping []byte

// DefaultMapping returns the mapping used when Config.Mapping is nil: the
// one in mapping.yaml, which documents how to write your own.
func DefaultMapping() *crm.Mapping {
	return crm.MustParseMapping("salesforce/mapping.yaml", defaultMapping)
}

// Config says which org to read and how.
type Config struct {
	// InstanceURL is the org's base URL, e.g. https://acme.my.salesforce.com.
	// It is required with AccessToken; with the OAuth flow the token
	// endpoint's instance_url replaces it.
	InstanceURL string
	// AccessToken is a session token to use as is. Without ClientID it
	// cannot be renewed when it expires.
	AccessToken string

	// LoginURL is where the OAuth token endpoint lives (default
	// DefaultLoginURL; https://test.salesforce.com for a sandbox org, or
	// the org's My Domain URL, which client credentials need).
	LoginURL string
	// ClientID and ClientSecret are the connected app's consumer key and
	// secret. With RefreshToken the source uses the refresh-token flow,
	// without it the client-credentials flow.
	ClientID, ClientSecret string
	RefreshToken           string

	// APIVersion is the REST API version, "v63.0" by default.
	APIVersion string
	// Mapping turns records into customers; nil means DefaultMapping. The
	// source reads the fields it names.
	Mapping *crm.Mapping
	// HTTPClient makes the requests; nil means a pooled client with
	// DefaultTimeout.
	HTTPClient *http.Client
	// BatchSize asks Salesforce for batches of that many records (200 to
	// 2000) with Sforce-Query-Options; 0 leaves Salesforce's default, 2000.
	BatchSize int

	// RetryMax is how many times a request is retried after a 429, a 5xx or
	// a connection error; 0 means 4, negative never. RetryWaitMin and
	// RetryWaitMax bound the exponential backoff (defaults 1 s and 30 s).
	RetryMax                   int
	RetryWaitMin, RetryWaitMax time.Duration
	// Logger receives the HTTP client's retries; nil discards them.
	Logger *slog.Logger
}

// Source reads customer records from a Salesforce org.
type Source struct {
	api     *client
	mapping *crm.Mapping
	// fields is the SELECT list of Contact queries.
	fields string
	// names maps a lowercased field path of the answers to the mapping's
	// spellings of it: SOQL names are case-insensitive, Record.Fields are
	// not.
	names map[string][]string
	// readsAccounts is set when the mapping names Account fields: only then
	// does an Account's change change customers.
	readsAccounts bool
}

var _ crm.Source = (*Source)(nil)

// fieldPath is a field name the source can ask for: a field, or a field of
// a parent ("Account.Name").
var fieldPath = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$`)

var apiVersion = regexp.MustCompile(`^v\d+\.\d+$`)

// New checks cfg and builds a source. It does not call Salesforce.
func New(cfg Config) (*Source, error) {
	const op = "salesforce.New"
	invalid := func(format string, args ...any) error { return cohort.Errorf(op, cohort.KindInvalid, format, args...) }
	cfg.LoginURL = strings.TrimRight(cfg.LoginURL, "/")
	cfg.InstanceURL = strings.TrimRight(cfg.InstanceURL, "/")
	if cfg.LoginURL == "" {
		cfg.LoginURL = DefaultLoginURL
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	switch {
	case cfg.AccessToken == "" && cfg.ClientID == "":
		return nil, invalid("no credentials: set AccessToken (with InstanceURL), or ClientID and ClientSecret " +
			"(with RefreshToken for the refresh-token flow, without it for client credentials)")
	case cfg.AccessToken != "" && cfg.InstanceURL == "":
		return nil, invalid("InstanceURL is required with AccessToken, e.g. https://acme.my.salesforce.com")
	case cfg.ClientID != "" && cfg.ClientSecret == "":
		return nil, invalid("ClientSecret is required with ClientID")
	case cfg.ClientID == "" && (cfg.ClientSecret != "" || cfg.RefreshToken != ""):
		return nil, invalid("ClientID is required with ClientSecret and RefreshToken")
	case !apiVersion.MatchString(cfg.APIVersion):
		return nil, invalid("APIVersion %q: want the form %s", cfg.APIVersion, DefaultAPIVersion)
	case cfg.BatchSize != 0 && (cfg.BatchSize < 200 || cfg.BatchSize > 2000):
		return nil, invalid("BatchSize %d: want 200 to 2000, or 0 for Salesforce's default (2000)", cfg.BatchSize)
	}
	for name, u := range map[string]string{"InstanceURL": cfg.InstanceURL, "LoginURL": cfg.LoginURL} {
		if u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.Path != "" {
			return nil, invalid("%s %q: want a base URL such as https://acme.my.salesforce.com", name, u)
		}
	}
	if cfg.Mapping == nil {
		cfg.Mapping = DefaultMapping()
	}
	s := &Source{mapping: cfg.Mapping, names: map[string][]string{}}
	for _, f := range cfg.Mapping.SourceFields() {
		if !fieldPath.MatchString(f) {
			return nil, invalid("the mapping names %q, which is not a Salesforce field (want Field, Field__c or Account.Field)", f)
		}
		key := strings.ToLower(f)
		s.names[key] = append(s.names[key], f)
		s.readsAccounts = s.readsAccounts || strings.HasPrefix(key, "account.")
	}
	s.fields = selectList(cfg.Mapping.SourceFields())
	s.api = newClient(cfg)
	return s, nil
}

// Name returns "salesforce".
func (s *Source) Name() string { return Name }

// Mapping returns the mapping the source reads for: Config.Mapping, or
// DefaultMapping.
func (s *Source) Mapping() *crm.Mapping { return s.mapping }

// newRetryClient builds the retrying HTTP client of cfg.
func newRetryClient(cfg Config) *retryablehttp.Client {
	rc := retryablehttp.NewClient()
	if cfg.HTTPClient != nil {
		rc.HTTPClient = cfg.HTTPClient
	} else {
		rc.HTTPClient.Timeout = DefaultTimeout
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rc.Logger = slogAdapter{logger}
	switch {
	case cfg.RetryMax == 0:
		rc.RetryMax = 4
	case cfg.RetryMax < 0:
		rc.RetryMax = 0
	default:
		rc.RetryMax = cfg.RetryMax
	}
	if cfg.RetryWaitMin > 0 {
		rc.RetryWaitMin = cfg.RetryWaitMin
	}
	if cfg.RetryWaitMax > 0 {
		rc.RetryWaitMax = cfg.RetryWaitMax
	}
	// Hand back the last answer once retries run out, so the error says
	// what Salesforce answered (503 SERVER_UNAVAILABLE), not "giving up".
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return rc
}

// slogAdapter lets retryablehttp log through slog: requests at debug level,
// failures at warn (its default logger prints every request to stderr).
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Error(msg string, kv ...any) { a.l.Warn("salesforce http: "+msg, kv...) }
func (a slogAdapter) Info(msg string, kv ...any)  { a.l.Debug("salesforce http: "+msg, kv...) }
func (a slogAdapter) Debug(msg string, kv ...any) { a.l.Debug("salesforce http: "+msg, kv...) }
func (a slogAdapter) Warn(msg string, kv ...any)  { a.l.Warn("salesforce http: "+msg, kv...) }
