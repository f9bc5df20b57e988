package sandbox

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/cohortdesk/cohort/internal/emulator"
)

// Defaults applied by New to a zero Config field.
const (
	// DefaultDailyLimit is a Developer Edition org's daily API requests.
	DefaultDailyLimit = 15000
	// DefaultSessionTimeout is Salesforce's default session timeout: a token
	// unused this long expires.
	DefaultSessionTimeout = 2 * time.Hour
	// DefaultReplicationIDLimit is the most ids sobjects/…/updated answers
	// before EXCEEDED_ID_LIMIT.
	DefaultReplicationIDLimit = 600000
)

// Config configures a Server. Zero fields take the Default* values.
type Config struct {
	// ClientID and ClientSecret identify the connected app allowed to get
	// tokens from POST /services/oauth2/token. Without a ClientID no token
	// is issued.
	ClientID, ClientSecret string
	// RefreshToken is the refresh token the refresh_token grant accepts;
	// empty accepts none.
	RefreshToken string
	// AccessToken, when set, is a session open from the start, as if issued
	// before New; it expires like any other.
	AccessToken string
	// Now returns the current time; nil means time.Now. Every timestamp the
	// sandbox writes, session expiry, cursor expiry, the daily limit's
	// window and the Date header follow it.
	Now func() time.Time
	// SessionTimeout is how long an access token stays valid unused; each
	// API request restarts it.
	SessionTimeout time.Duration
	// DailyLimit is how many API requests the org allows per 24 hours
	// before answering 403 REQUEST_LIMIT_EXCEEDED.
	DailyLimit int
	// ReplicationIDLimit is the most ids GET sobjects/{object}/updated
	// returns; more answer 400 EXCEEDED_ID_LIMIT.
	ReplicationIDLimit int
	// FractionalSeconds makes SOQL accept datetime literals with fractional
	// seconds, which the sandbox otherwise rejects as MALFORMED_QUERY
	// (Salesforce's behaviour is UNCONFIRMED).
	FractionalSeconds bool
	// CustomFields are the org's custom fields; nil means
	// DefaultCustomFields, an empty slice none.
	CustomFields []Field
	// Faults are the faults injected from the start; SetFaults changes them.
	Faults Faults
	// Logger receives request logs; nil discards them.
	Logger *slog.Logger
}

// Server is an emulated Salesforce org and the http.Handler serving its
// REST API.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	objects map[string]*sobject // by lowercased name
	orgID   string
	userID  string

	// faults and stats have locks of their own, taken after s.mu when both
	// are held.
	faults *faultState
	stats  counters

	mu        sync.Mutex
	seq       int64 // numbers record and cursor ids
	records   map[string]*record
	order     []*record // insertion order
	createdAt time.Time
	purgedAt  time.Time // last EmptyRecycleBin
	sessions  map[string]time.Time
	cursors   map[string]*cursor
	batches   int // query batches served, for Faults.ShortBatchEvery
	usage     usage

	listener emulator.Listener
}

var _ http.Handler = (*Server)(nil)

// New returns a Server with an empty org. It does not listen: use it as an
// http.Handler, or call Start instead. It panics when Config.CustomFields
// names an object other than Account and Contact, a field without the
// "__c" suffix or one twice, or an unknown, id or reference type: that is
// a bug in the caller.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = DefaultSessionTimeout
	}
	if cfg.DailyLimit <= 0 {
		cfg.DailyLimit = DefaultDailyLimit
	}
	if cfg.ReplicationIDLimit <= 0 {
		cfg.ReplicationIDLimit = DefaultReplicationIDLimit
	}
	if cfg.CustomFields == nil {
		cfg.CustomFields = DefaultCustomFields
	}
	if err := checkCustomFields(cfg.CustomFields); err != nil {
		panic(err)
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		objects:  newSchema(cfg.CustomFields),
		orgID:    makeID(prefixOrg, 1),
		userID:   makeID(prefixUser, 1),
		faults:   newFaultState(cfg.Faults),
		stats:    newCounters(),
		records:  map[string]*record{},
		sessions: map[string]time.Time{},
		cursors:  map[string]*cursor{},
	}
	s.createdAt = s.stamp()
	s.usage.since = s.createdAt
	if cfg.AccessToken != "" {
		s.sessions[cfg.AccessToken] = s.createdAt
	}
	s.mux = s.routes()
	// The middleware, outermost first:
	//
	//   - countRequests counts every request and its answer in Stats;
	//   - logRequests logs each request;
	//   - standardHeaders sets Date (from Config.Now) on every response and
	//     Sforce-Limit-Info on API responses;
	//   - checkVersion answers 404 under /services/data/ when the version
	//     segment is not vNN.N;
	//   - injectFaults answers API requests 503 as Faults say;
	//   - authenticate answers 401 INVALID_SESSION_ID to API requests without
	//     a live session;
	//   - countUsage counts API requests against the daily limit and answers
	//     403 REQUEST_LIMIT_EXCEEDED over it.
	//
	// API requests are those under /services/data/vNN.N/.
	s.handler = emulator.Chain(s.mux,
		emulator.CountRequests(s.stats.Counters, s.routeKey),
		emulator.LogRequests(s.log, nil),
		s.standardHeaders,
		s.checkVersion,
		s.injectFaults,
		s.authenticate,
		s.countUsage,
	)
	return s
}

// customName is the form of a custom field's name.
var customName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*__c$`)

// checkCustomFields checks Config.CustomFields.
func checkCustomFields(fields []Field) error {
	seen := map[string]bool{}
	for _, f := range fields {
		_, ok := f.Type.kind()
		key := strings.ToLower(f.Object + "." + f.Name)
		switch {
		case f.Object != ObjectAccount && f.Object != ObjectContact:
			return fmt.Errorf("sandbox: custom field %s on %q: want object Account or Contact", f.Name, f.Object)
		case !customName.MatchString(f.Name):
			return fmt.Errorf("sandbox: custom field %q on %s: want a name like Plan__c", f.Name, f.Object)
		case !ok || f.Type == TypeID || f.Type == TypeReference:
			return fmt.Errorf("sandbox: custom field %s.%s: unsupported type %q", f.Object, f.Name, f.Type)
		case seen[key]:
			return fmt.Errorf("sandbox: custom field %s.%s is declared twice", f.Object, f.Name)
		}
		seen[key] = true
	}
	return nil
}

// Start returns a Server (see New) serving on addr, e.g. "127.0.0.1:0".
func Start(cfg Config, addr string) (*Server, error) {
	s := New(cfg)
	if err := s.listener.Listen(addr, s, s.log); err != nil {
		return nil, err
	}
	return s, nil
}

// URL returns the base URL of a started Server, e.g. http://127.0.0.1:41234:
// the org's instance URL and its login URL alike. It is empty for a Server
// made by New.
func (s *Server) URL() string {
	return s.listener.URL()
}

// Close stops serving and waits for the server's goroutine to return.
// Calling it again does nothing.
func (s *Server) Close() error {
	return s.listener.Close()
}

// ServeHTTP serves the emulated API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// stamp returns the current time as Salesforce stores it: UTC, to the
// millisecond.
func (s *Server) stamp() time.Time {
	return s.cfg.Now().UTC().Truncate(time.Millisecond)
}

// nextIDLocked returns a new id under prefix: records and cursors share one
// sequence. s.mu must be held.
func (s *Server) nextIDLocked(prefix string) string {
	s.seq++
	return makeID(prefix, s.seq)
}

// dataPrefix is the path of the REST API; versionPath matches a version
// segment under it.
const dataPrefix = "/services/data/"

var versionPath = regexp.MustCompile(`^v\d+\.\d+$`)

// apiVersion returns the version segment of a path under
// /services/data/vNN.N/, or "" for any other path (the version list and the
// token endpoint included).
func apiVersion(path string) string {
	rest, ok := strings.CutPrefix(path, dataPrefix)
	if !ok {
		return ""
	}
	version, _, _ := strings.Cut(rest, "/")
	return version
}

// routes maps each emulated endpoint to its handler.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	handle := func(pattern string, h handlerFunc) {
		mux.Handle(pattern, s.adapt(h))
	}
	const v = dataPrefix + "{version}"
	handle("POST /services/oauth2/token", s.token)
	handle("GET /services/data", s.versions)
	handle("GET /services/data/{$}", s.versions)
	for _, p := range []string{v + "/query", v + "/query/{$}"} {
		handle("GET "+p, s.query(false))
	}
	for _, p := range []string{v + "/queryAll", v + "/queryAll/{$}"} {
		handle("GET "+p, s.query(true))
	}
	handle("GET "+v+"/query/{locator}", s.queryMore)
	for feed, h := range map[string]handlerFunc{"updated": s.updated, "deleted": s.deleted, "describe": s.describe} {
		handle("GET "+v+"/sobjects/{object}/"+feed, h)
		handle("GET "+v+"/sobjects/{object}/"+feed+"/{$}", h)
	}
	handle("/", func(http.ResponseWriter, *http.Request) error { return errNotFound })
	return mux
}

// A handlerFunc serves one endpoint; a returned error is written by adapt.
type handlerFunc = emulator.HandlerFunc

// errInternal is the 500 of a handler's unexpected error, which is logged
// but not shown.
var errInternal = errorf(http.StatusInternalServerError, "UNKNOWN_EXCEPTION", "An unexpected error occurred.")

// adapt turns a handlerFunc into an http.Handler, writing its error: an
// *apiError as its status and body, anything else as errInternal.
func (s *Server) adapt(h handlerFunc) http.Handler {
	return emulator.Adapt(s.log, h, errInternal, writeError)
}

// routeKey names r's route in Stats: its method and the path of the
// pattern it matches, or "<METHOD> /*" for an endpoint not emulated.
func (s *Server) routeKey(r *http.Request) (string, bool) {
	if _, pattern := s.mux.Handler(r); pattern != "/" && pattern != "" {
		_, path, _ := strings.Cut(pattern, " ")
		return r.Method + " " + path, true
	}
	return r.Method + " /*", true
}

func (s *Server) standardHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", s.cfg.Now().UTC().Format(http.TimeFormat))
		if apiVersion(r.URL.Path) != "" {
			s.mu.Lock()
			s.setLimitInfoLocked(w.Header())
			s.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) checkVersion(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := apiVersion(r.URL.Path); v != "" && !versionPath.MatchString(v) {
			writeError(w, errNotFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}
