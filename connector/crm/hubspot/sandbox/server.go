package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cohortdesk/cohort/internal/emulator"
)

// HubSpot response headers set on every response (the rate-limit ones are
// in ratelimit.go).
const headerCorrelationID = "X-HubSpot-Correlation-Id"

// Config configures a Server. Zero fields take the defaults their comments
// give; without a Token no request authenticates.
type Config struct {
	// Token is the access token accepted as "Authorization: Bearer <token>"
	// (a private-app token or an OAuth access token, sent alike).
	Token string
	// Scopes are the token's granted scopes, such as
	// "crm.objects.contacts.read"; nil grants every scope. A request
	// missing one is answered 403 MISSING_SCOPES.
	Scopes []string
	// Now returns the current time; nil means time.Now. Timestamps, the
	// rate-limit windows, the daily reset, the index lag and the Date
	// header follow it.
	Now func() time.Time
	// Location is the account's time zone, where the daily limit resets at
	// midnight; nil means UTC.
	Location *time.Location
	// Logger receives request logs; nil discards them.
	Logger *slog.Logger

	// TenSecondlyLimit is the token's limit of requests per RateWindow,
	// search excluded. 0 (or less) reports DefaultTenSecondlyLimit in the
	// headers without enforcing it; a positive value is enforced with 429
	// TEN_SECONDLY_ROLLING.
	TenSecondlyLimit int
	// RateWindow is the rolling window of TenSecondlyLimit; 0 means
	// DefaultRateWindow (10 s). Tests shorten it; the
	// X-HubSpot-RateLimit-Interval-Milliseconds header reports it.
	RateWindow time.Duration
	// DailyLimit is the account's limit of requests per day, search
	// included. 0 (or less) reports DefaultDailyLimit without enforcing it;
	// a positive value is enforced with 429 DAILY.
	DailyLimit int
	// SearchLimit is the account's limit of search requests per rolling
	// second (HubSpot's is DefaultSearchLimit, 5). 0 (or less) does not
	// limit search; a positive value is enforced with the "secondly" 429.
	SearchLimit int
	// SearchResultCap is how far search can page: a request whose after
	// reaches it is answered 400. 0 means DefaultSearchResultCap (10,000).
	SearchResultCap int
	// IndexLag keeps each write invisible to search for this long (on the
	// sandbox clock): search sees the object as it was before the write,
	// or not at all when it was just created.
	IndexLag time.Duration
	// NumericAssociationIDs makes the v4 associations endpoints write
	// toObjectId as a JSON number rather than a string (HubSpot's examples
	// show both).
	NumericAssociationIDs bool

	// Faults are the faults injected from the start; SetFaults changes them.
	Faults Faults
}

// Server is an emulated HubSpot account and the http.Handler serving its
// CRM API.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler

	// limits, faults and stats have locks of their own, taken after s.mu
	// when both are held.
	limits *limits
	faults *faultState
	stats  counters

	mu    sync.Mutex
	store *store

	listener emulator.Listener
}

var _ http.Handler = (*Server)(nil)

// New returns a Server with an empty account: no contacts, no companies,
// HubSpot's standard properties. It does not listen: use it as an
// http.Handler, or call Start instead.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = DefaultRateWindow
	}
	if cfg.SearchResultCap <= 0 {
		cfg.SearchResultCap = DefaultSearchResultCap
	}
	s := &Server{
		cfg:    cfg,
		log:    cfg.Logger,
		limits: newLimits(cfg),
		faults: newFaultState(cfg.Faults),
		stats:  newCounters(),
	}
	s.store = newStore(s.now())
	s.mux = s.routes()
	// The middleware, outermost first:
	//
	//   - aliasVersionedPaths serves /crm/objects/2026-03/… as /crm/v3/objects/…;
	//   - findRoute finds the request's route, for routeOf;
	//   - countRequests counts it and its answer in Stats, so every request
	//     is counted, refused and faulted ones included;
	//   - standardHeaders sets the Date and correlation-id headers;
	//   - logRequests logs each request;
	//   - injectFaults delays or fails requests (faults.go);
	//   - authenticate answers 401 to requests without the token;
	//   - rateLimit counts the request against the limits and answers 429 over
	//     them (ratelimit.go).
	//
	// A request refused or failed by a middleware never reaches its handler.
	s.handler = emulator.Chain(s.mux,
		aliasVersionedPaths,
		emulator.WithRoute(s.findRoute),
		emulator.CountRequests(s.stats.Counters, func(r *http.Request) (string, bool) { return routeOf(r).key, true }),
		s.standardHeaders,
		emulator.LogRequests(s.log, func(w http.ResponseWriter, r *http.Request) []any {
			return []any{"query", r.URL.RawQuery, "correlation_id", w.Header().Get(headerCorrelationID)}
		}),
		s.injectFaults,
		s.authenticate,
		s.rateLimit,
	)
	return s
}

// Start returns a Server (see New) serving on addr, e.g. "127.0.0.1:0".
func Start(cfg Config, addr string) (*Server, error) {
	s := New(cfg)
	if err := s.listener.Listen(addr, s, s.log); err != nil {
		return nil, err
	}
	return s, nil
}

// URL returns the base URL of a started Server, e.g. http://127.0.0.1:41234,
// to use where https://api.hubapi.com would be. It is empty for a Server
// made by New.
func (s *Server) URL() string {
	return s.listener.URL()
}

// Close stops serving and waits for the requests in flight. Calling it
// again does nothing.
func (s *Server) Close() error {
	return s.listener.Close()
}

// ServeHTTP serves the emulated API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// now returns the sandbox time in UTC with HubSpot's millisecond precision.
func (s *Server) now() time.Time {
	return s.cfg.Now().UTC().Truncate(time.Millisecond)
}

// routes maps each emulated endpoint to its handler. Date-versioned paths
// reach them through aliasVersionedPaths.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	handle := func(pattern string, h handlerFunc) {
		mux.Handle(pattern, s.adapt(h))
	}
	handle("GET /crm/v3/objects/{type}", s.listObjects)
	handle("GET /crm/v3/objects/{type}/{id}", s.getObject)
	handle("POST /crm/v3/objects/{type}/batch/read", s.batchRead)
	handle("POST /crm/v3/objects/{type}/search", s.search)
	handle("GET /crm/v4/objects/{type}/{id}/associations/{toType}", s.listAssociations)
	handle("POST /crm/v4/associations/{type}/{toType}/batch/read", s.batchReadAssociations)
	handle("GET /crm/v3/properties/{type}", s.listProperties)
	handle("/", func(_ http.ResponseWriter, r *http.Request) error {
		return errNotFound("no endpoint %s %s", r.Method, r.URL.Path)
	})
	return mux
}

// A handlerFunc serves one endpoint; a returned error is written by adapt.
type handlerFunc = emulator.HandlerFunc

// errInternal is the 500 of a handler's unexpected error, which is logged
// but not shown.
var errInternal = &apiError{status: http.StatusInternalServerError, body: errorBody{Category: "INTERNAL_ERROR", Message: "internal error"}}

// adapt turns a handlerFunc into an http.Handler, writing its error: an
// *apiError as its status and body, anything else as errInternal.
func (s *Server) adapt(h handlerFunc) http.Handler {
	return emulator.Adapt(s.log, h, errInternal, func(w http.ResponseWriter, e *apiError) { e.write(w) })
}

// versionedPath matches HubSpot's date-versioned object paths, such as
// /crm/objects/2026-03/contacts.
var versionedPath = regexp.MustCompile(`^/crm/objects/\d{4}-\d{2}/`)

// aliasVersionedPaths serves the date-versioned object paths, whose shapes
// are those of /crm/v3/objects.
var aliasVersionedPaths = emulator.RewritePath(func(path string) (string, bool) {
	loc := versionedPath.FindStringIndex(path)
	if loc == nil {
		return "", false
	}
	return "/crm/v3/objects/" + path[loc[1]:], true
})

// route is what the middleware know of a request's endpoint before the mux
// serves it.
type route struct {
	// key names the route in Stats: the method and the pattern's path with
	// the object types filled in, such as "GET /crm/v3/objects/contacts" or
	// "GET /crm/v4/objects/companies/{id}/associations/contacts"; "<METHOD>
	// /*" for an endpoint the sandbox does not emulate.
	key string
	// search tells a search request, limited apart and answered without
	// rate-limit headers.
	search bool
}

// routeOf returns the route findRoute found for r.
func routeOf(r *http.Request) route { return emulator.RouteOf[route](r) }

// typeSegments are the pattern segments that countRequests fills in.
var typeSegments = []string{"{type}", "{toType}"}

// findRoute matches r against the emulated endpoints.
func (s *Server) findRoute(r *http.Request) route {
	_, pattern := s.mux.Handler(r)
	_, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return route{key: r.Method + " /*"}
	}
	pat, req := strings.Split(path, "/"), strings.Split(r.URL.Path, "/")
	for i, seg := range pat {
		if slices.Contains(typeSegments, seg) && i < len(req) {
			pat[i] = req[i]
		}
	}
	return route{key: r.Method + " " + strings.Join(pat, "/"), search: strings.HasSuffix(path, "/search")}
}

// standardHeaders sets the headers of every response: Date on the sandbox
// clock, and a correlation id that error bodies repeat.
func (s *Server) standardHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Date", s.cfg.Now().UTC().Format(http.TimeFormat))
		h.Set(headerCorrelationID, newUUID())
		next.ServeHTTP(w, r)
	})
}

// Bodies of the 401 answers: a request without credentials, and one whose
// token is not the account's.
const (
	msgNoCredentials  = "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
	msgBadCredentials = "Authentication credentials are invalid. Check the access token and try again."
)

// authenticate accepts "Authorization: Bearer <Config.Token>" and answers
// 401 INVALID_AUTHENTICATION otherwise.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		switch {
		case !ok || token == "":
			errUnauthorized(msgNoCredentials).write(w)
		case s.cfg.Token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.Token)) != 1:
			errUnauthorized(msgBadCredentials).write(w)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// requireScopes answers 403 MISSING_SCOPES unless the token has every
// scope named. Handlers call it, knowing the object types involved.
func (s *Server) requireScopes(scopes ...string) error {
	if s.cfg.Scopes == nil {
		return nil
	}
	var missing []string
	for _, sc := range scopes {
		if !slices.Contains(s.cfg.Scopes, sc) && !slices.Contains(missing, sc) {
			missing = append(missing, sc)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return errMissingScopes(missing)
}

// newUUID returns a random version-4 UUID, as HubSpot's correlation ids.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
