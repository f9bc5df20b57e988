package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"
	"github.com/robfig/cron/v3"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/web"
)

// envPrefix is the prefix of every variable cohort reads.
const envPrefix = "COHORT"

// Config is cohort's configuration, read from COHORT_* environment
// variables only. .env.example lists and explains every one.
type Config struct {
	DatabaseURL string `envconfig:"DATABASE_URL" default:"sqlite:cohort.db"`
	ListenAddr  string `envconfig:"LISTEN_ADDR" default:":8080"`
	MetricsAddr string `envconfig:"METRICS_ADDR"`

	HTTPReadTimeout  time.Duration `envconfig:"HTTP_READ_TIMEOUT" default:"30s"`
	HTTPWriteTimeout time.Duration `envconfig:"HTTP_WRITE_TIMEOUT" default:"60s"`
	HTTPIdleTimeout  time.Duration `envconfig:"HTTP_IDLE_TIMEOUT" default:"60s"`
	HTTPMaxBodies    int           `envconfig:"HTTP_MAX_BODIES" default:"64"`
	TrustedProxies   []string      `envconfig:"TRUSTED_PROXIES"`
	SegmentsFile     string        `envconfig:"SEGMENTS_FILE" default:"manifests/segments.yaml"`
	TagPrefix        string        `envconfig:"TAG_PREFIX" default:"seg_"`

	MacrosDir                string `envconfig:"MACROS_DIR" default:"manifests/macros"`
	MacrosSchedule           string `envconfig:"MACROS_SCHEDULE"`
	ZendeskAppPublicKey      string `envconfig:"ZENDESK_APP_PUBLIC_KEY"`
	ZendeskAppInstallationID int64  `envconfig:"ZENDESK_APP_INSTALLATION_ID" default:"0"`

	ZendeskSubdomain       string `envconfig:"ZENDESK_SUBDOMAIN"`
	ZendeskURL             string `envconfig:"ZENDESK_URL"`
	ZendeskEmail           string `envconfig:"ZENDESK_EMAIL"`
	ZendeskAPIToken        string `envconfig:"ZENDESK_API_TOKEN"`
	ZendeskWebhookSecret   string `envconfig:"ZENDESK_WEBHOOK_SECRET"`
	ZendeskSegmentFieldID  int64  `envconfig:"ZENDESK_SEGMENT_TICKET_FIELD_ID" default:"0"`
	ZendeskRateLimit       int    `envconfig:"ZENDESK_RATE_LIMIT" default:"100"`
	ZendeskUpdateRateLimit int    `envconfig:"ZENDESK_UPDATE_RATE_LIMIT" default:"80"`
	ZendeskBatchSize       int    `envconfig:"ZENDESK_BATCH_SIZE" default:"100"`

	FreshdeskDomain        string `envconfig:"FRESHDESK_DOMAIN"`
	FreshdeskURL           string `envconfig:"FRESHDESK_URL"`
	FreshdeskAPIKey        string `envconfig:"FRESHDESK_API_KEY"`
	FreshdeskWebhookSecret string `envconfig:"FRESHDESK_WEBHOOK_SECRET"`
	FreshdeskRateLimit     int    `envconfig:"FRESHDESK_RATE_LIMIT" default:"100"`

	SyncSchedule        string `envconfig:"SYNC_SCHEDULE" default:"*/15 * * * *"`
	MetricsSchedule     string `envconfig:"METRICS_SCHEDULE" default:"@hourly"`
	BackfillDays        int    `envconfig:"BACKFILL_DAYS" default:"90"`
	ZendeskSegmentField string `envconfig:"ZENDESK_SEGMENT_FIELD"`
	PushToken           string `envconfig:"PUSH_TOKEN"`
	PushMapping         string `envconfig:"PUSH_MAPPING"`
	CSVSource           string `envconfig:"CSV_SOURCE"`
	CSVMapping          string `envconfig:"CSV_MAPPING"`

	HubSpotToken   string `envconfig:"HUBSPOT_TOKEN"`
	HubSpotURL     string `envconfig:"HUBSPOT_URL" default:"https://api.hubapi.com"`
	HubSpotMapping string `envconfig:"HUBSPOT_MAPPING"`

	SalesforceURL          string `envconfig:"SALESFORCE_URL"`
	SalesforceAccessToken  string `envconfig:"SALESFORCE_ACCESS_TOKEN"`
	SalesforceLoginURL     string `envconfig:"SALESFORCE_LOGIN_URL" default:"https://login.salesforce.com"`
	SalesforceClientID     string `envconfig:"SALESFORCE_CLIENT_ID"`
	SalesforceClientSecret string `envconfig:"SALESFORCE_CLIENT_SECRET"`
	SalesforceRefreshToken string `envconfig:"SALESFORCE_REFRESH_TOKEN"`
	SalesforceAPIVersion   string `envconfig:"SALESFORCE_API_VERSION" default:"v63.0"`
	SalesforceMapping      string `envconfig:"SALESFORCE_MAPPING"`

	SourcePrecedence    string `envconfig:"SOURCE_PRECEDENCE" default:"push,salesforce,hubspot,csv,zendesk"`
	ZendeskSyncUsers    bool   `envconfig:"ZENDESK_SYNC_USERS" default:"false"`
	ZendeskUsersMapping string `envconfig:"ZENDESK_USERS_MAPPING"`

	AdminToken      string        `envconfig:"ADMIN_TOKEN"`
	Workers         int           `envconfig:"WORKERS" default:"100"`
	MaxAttempts     int           `envconfig:"MAX_ATTEMPTS" default:"5"`
	RetryBackoff    time.Duration `envconfig:"RETRY_BACKOFF" default:"5s"`
	JobTimeout      time.Duration `envconfig:"JOB_TIMEOUT" default:"5m"`
	ShutdownTimeout time.Duration `envconfig:"SHUTDOWN_TIMEOUT" default:"30s"`
	LogLevel        string        `envconfig:"LOG_LEVEL" default:"info"`
	LogFormat       string        `envconfig:"LOG_FORMAT" default:"text"`
}

var (
	tagPrefixPattern = regexp.MustCompile(`^[a-z0-9_]*$`)
	freshdeskDomain  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	userFieldKey     = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

// loadConfig reads the environment and checks every value. Its error is a
// configuration error (exit 2) naming each variable at fault and what it
// wants.
func loadConfig() (Config, error) {
	var cfg Config
	if err := envconfig.Process(envPrefix, &cfg); err != nil {
		return cfg, configError(fmt.Errorf("configuration: %s", envProblem(err)))
	}
	if err := cfg.validate(); err != nil {
		return cfg, configError(err)
	}
	return cfg, nil
}

// envProblem says in words what envconfig could not read.
func envProblem(err error) string {
	var pe *envconfig.ParseError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	want := map[string]string{
		"int": "a whole number", "int64": "a whole number", "float64": "a number",
		"bool": "true or false", "time.Duration": "a duration such as 500ms, 30s or 5m",
	}[pe.TypeName]
	if want == "" {
		want = "a " + pe.TypeName
	}
	return fmt.Sprintf("%s %q: want %s", pe.KeyName, pe.Value, want)
}

func (c *Config) validate() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if err := store.CheckURL(c.DatabaseURL); err != nil {
		bad("COHORT_DATABASE_URL %v", err)
	}
	if c.ZendeskURL != "" {
		if u, err := url.Parse(c.ZendeskURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("COHORT_ZENDESK_URL %q: want a base URL such as https://acme.zendesk.com", c.ZendeskURL)
		}
	}
	if _, err := cohort.ParseSourcePrecedence(c.SourcePrecedence); err != nil {
		bad("COHORT_SOURCE_PRECEDENCE %v", err)
	}
	if !tagPrefixPattern.MatchString(c.TagPrefix) {
		bad("COHORT_TAG_PREFIX %q: want lowercase letters, digits and underscores only (Zendesk tags are single words)", c.TagPrefix)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"COHORT_HTTP_READ_TIMEOUT", c.HTTPReadTimeout}, {"COHORT_HTTP_WRITE_TIMEOUT", c.HTTPWriteTimeout}, {"COHORT_HTTP_IDLE_TIMEOUT", c.HTTPIdleTimeout}} {
		if d.v < time.Second || d.v > time.Hour {
			bad("%s %v: want 1s to 1h", d.name, d.v)
		}
	}
	if err := web.CheckTrustedProxies(c.TrustedProxies); err != nil {
		bad("COHORT_TRUSTED_PROXIES: %v", err)
	}
	if c.HTTPMaxBodies < 1 || c.HTTPMaxBodies > 10000 {
		bad("COHORT_HTTP_MAX_BODIES %d: want 1 to 10000", c.HTTPMaxBodies)
	}
	if c.Workers < 1 || c.Workers > 1000 {
		bad("COHORT_WORKERS %d: want 1 to 1000", c.Workers)
	}
	if c.RetryBackoff < 10*time.Millisecond || c.RetryBackoff > time.Hour {
		bad("COHORT_RETRY_BACKOFF %v: want 10ms to 1h", c.RetryBackoff)
	}
	if c.JobTimeout < time.Second || c.JobTimeout > 24*time.Hour {
		bad("COHORT_JOB_TIMEOUT %v: want 1s to 24h", c.JobTimeout)
	}
	if c.MaxAttempts < 1 || c.MaxAttempts > 100 {
		bad("COHORT_MAX_ATTEMPTS %d: want 1 to 100", c.MaxAttempts)
	}
	if c.ShutdownTimeout < 0 {
		bad("COHORT_SHUTDOWN_TIMEOUT %v: want a duration of 0s or more", c.ShutdownTimeout)
	}
	if c.ZendeskSegmentFieldID < 0 {
		bad("COHORT_ZENDESK_SEGMENT_TICKET_FIELD_ID %d: want a ticket field id, or 0 for none", c.ZendeskSegmentFieldID)
	}
	if c.ZendeskRateLimit < 1 || c.ZendeskRateLimit > 100000 {
		bad("COHORT_ZENDESK_RATE_LIMIT %d: want 1 to 100000 requests a minute", c.ZendeskRateLimit)
	}
	if c.ZendeskUpdateRateLimit < 1 || c.ZendeskUpdateRateLimit > c.ZendeskRateLimit {
		bad("COHORT_ZENDESK_UPDATE_RATE_LIMIT %d: want 1 to COHORT_ZENDESK_RATE_LIMIT (%d)", c.ZendeskUpdateRateLimit, c.ZendeskRateLimit)
	}
	if c.FreshdeskURL != "" {
		if u, err := url.Parse(c.FreshdeskURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("COHORT_FRESHDESK_URL %q: want a base URL such as https://acme.freshdesk.com", c.FreshdeskURL)
		}
	}
	if c.FreshdeskDomain != "" && !freshdeskDomain.MatchString(c.FreshdeskDomain) {
		bad("COHORT_FRESHDESK_DOMAIN %q: want the account's name only, acme for acme.freshdesk.com", c.FreshdeskDomain)
	}
	if c.FreshdeskRateLimit < 1 || c.FreshdeskRateLimit > 100000 {
		bad("COHORT_FRESHDESK_RATE_LIMIT %d: want 1 to 100000 requests a minute", c.FreshdeskRateLimit)
	}
	if c.ZendeskBatchSize < 1 || c.ZendeskBatchSize > 100 {
		bad("COHORT_ZENDESK_BATCH_SIZE %d: want 1 (no batch updates) to 100", c.ZendeskBatchSize)
	}
	if _, err := cron.ParseStandard(c.SyncSchedule); err != nil {
		bad("COHORT_SYNC_SCHEDULE %q: %v (want a cron expression such as */15 * * * *, or @hourly)", c.SyncSchedule, err)
	}
	if _, err := cron.ParseStandard(c.MetricsSchedule); err != nil {
		bad("COHORT_METRICS_SCHEDULE %q: %v (want a cron expression such as 0 * * * *, or @hourly)", c.MetricsSchedule, err)
	}
	if c.MacrosSchedule != "" {
		if _, err := cron.ParseStandard(c.MacrosSchedule); err != nil {
			bad("COHORT_MACROS_SCHEDULE %q: %v (want a cron expression such as 0 * * * *, @hourly, or empty for none)", c.MacrosSchedule, err)
		}
	}
	if c.ZendeskAppInstallationID < 0 {
		bad("COHORT_ZENDESK_APP_INSTALLATION_ID %d: want the installation's id, or 0 for any of the app's", c.ZendeskAppInstallationID)
	}
	if _, err := c.appPublicKey(); err != nil {
		bad("COHORT_ZENDESK_APP_PUBLIC_KEY: %v", err)
	}
	if c.BackfillDays < 1 || c.BackfillDays > 3660 {
		bad("COHORT_BACKFILL_DAYS %d: want 1 to 3660", c.BackfillDays)
	}
	if c.ZendeskSegmentField != "" && !userFieldKey.MatchString(c.ZendeskSegmentField) {
		bad("COHORT_ZENDESK_SEGMENT_FIELD %q: want a user field key (letters, digits, underscores)", c.ZendeskSegmentField)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		bad("COHORT_LOG_LEVEL: %v", err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("COHORT_LOG_FORMAT %q: want text or json", c.LogFormat)
	}
	if len(problems) > 0 {
		return fmt.Errorf("configuration:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// requireZendesk checks the variables `cohort serve` needs to talk to Zendesk.
func (c *Config) requireZendesk(needSecret bool) error {
	var missing []string
	if c.ZendeskSubdomain == "" && c.ZendeskURL == "" {
		missing = append(missing, "COHORT_ZENDESK_SUBDOMAIN (or COHORT_ZENDESK_URL)")
	}
	if c.ZendeskEmail == "" {
		missing = append(missing, "COHORT_ZENDESK_EMAIL")
	}
	if c.ZendeskAPIToken == "" {
		missing = append(missing, "COHORT_ZENDESK_API_TOKEN")
	}
	if needSecret && c.ZendeskWebhookSecret == "" {
		missing = append(missing, "COHORT_ZENDESK_WEBHOOK_SECRET (cohort install prints it)")
	}
	if len(missing) > 0 {
		return configError(fmt.Errorf("configuration: set %s", strings.Join(missing, ", ")))
	}
	return nil
}

// freshdeskConfigured reports whether any COHORT_FRESHDESK_* account
// variable is set: then cohort talks to Freshdesk too (and the others must
// be set).
func (c *Config) freshdeskConfigured() bool {
	return c.FreshdeskDomain != "" || c.FreshdeskURL != "" || c.FreshdeskAPIKey != "" || c.FreshdeskWebhookSecret != ""
}

// requireFreshdesk checks the variables `cohort serve` needs to take
// Freshdesk's webhooks and update its tickets, once one of them is set.
func (c *Config) requireFreshdesk() error {
	if !c.freshdeskConfigured() {
		return nil
	}
	var missing []string
	if c.FreshdeskDomain == "" && c.FreshdeskURL == "" {
		missing = append(missing, "COHORT_FRESHDESK_DOMAIN (or COHORT_FRESHDESK_URL)")
	}
	if c.FreshdeskAPIKey == "" {
		missing = append(missing, "COHORT_FRESHDESK_API_KEY")
	}
	if c.FreshdeskWebhookSecret == "" {
		missing = append(missing, "COHORT_FRESHDESK_WEBHOOK_SECRET (the password of the webhook's Basic auth)")
	}
	if len(missing) > 0 {
		return configError(fmt.Errorf("configuration: Freshdesk is configured in part: set %s", strings.Join(missing, ", ")))
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("%q: want debug, info, warn or error", s)
	}
	return l, nil
}

// newLogger returns the process logger, writing to w.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	level, _ := parseLevel(cfg.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// appPublicKey reads COHORT_ZENDESK_APP_PUBLIC_KEY: PEM text or the path of
// a PEM file; nil when it is empty.
func (c *Config) appPublicKey() (*rsa.PublicKey, error) {
	v := strings.TrimSpace(c.ZendeskAppPublicKey)
	if v == "" {
		return nil, nil
	}
	data := []byte(v)
	if !strings.HasPrefix(v, "-----BEGIN") {
		var err error
		if data, err = os.ReadFile(v); err != nil {
			return nil, fmt.Errorf("not PEM text, nor a file cohort can read: %w", err)
		}
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found (want -----BEGIN PUBLIC KEY-----)")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a public key: %w", err)
	}
	rsaKey, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("a %T, want an RSA key (Zendesk signs app requests with RS256)", key)
	}
	return rsaKey, nil
}

// appAuth is how the helpdesk app's requests are verified: Zendesk signs
// them for "{subdomain}.zendesk.com" (or the host of COHORT_ZENDESK_URL).
func (c *Config) appAuth() web.AppAuth {
	key, _ := c.appPublicKey() // checked by validate
	host := c.ZendeskSubdomain + ".zendesk.com"
	origin := "https://" + host // the agents' pages, which frame the sidebar
	if c.ZendeskURL != "" {
		if u, err := url.Parse(c.ZendeskURL); err == nil {
			host, origin = u.Host, u.Scheme+"://"+u.Host
		}
	}
	return web.AppAuth{PublicKey: key, Issuer: host, AudiencePrefix: "https://" + host + "/api/v2/apps/installations/",
		InstallationID: c.ZendeskAppInstallationID, SessionKey: c.sessionKey(), FrameAncestors: []string{origin}}
}

// sessionKey is the key of the sidebar's session tokens. It is derived
// from the Zendesk API token, a secret every replica has, so that a
// session begun on one replica holds on the others and no other setting
// is needed; it reveals nothing of the token. Without a token (the app
// API then only takes the admin token), a random key.
func (c *Config) sessionKey() []byte {
	if c.ZendeskAPIToken == "" {
		key := make([]byte, 32)
		_, _ = rand.Read(key) // crypto/rand.Read never fails
		return key
	}
	mac := hmac.New(sha256.New, []byte(c.ZendeskAPIToken))
	mac.Write([]byte("cohort sidebar session key v1"))
	return mac.Sum(nil)
}
