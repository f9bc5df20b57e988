package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cohortdesk/cohort/internal/emulator"
)

// Defaults applied by New to a zero Config field.
const (
	DefaultSubdomain    = "sandbox"
	DefaultEmail        = "admin@example.com"
	DefaultRetryBackoff = time.Second
	// DefaultWebhookTimeout bounds one webhook delivery attempt, like Zendesk's.
	DefaultWebhookTimeout = 10 * time.Second
)

// Zendesk response headers set on every response (the rate-limit ones are
// in ratelimit.go).
const (
	headerAPIVersion = "X-Zendesk-API-Version"
	headerRequestID  = "X-Zendesk-Request-Id"
)

// apiPrefix is the path of the emulated API: rate limits, faults and Stats
// concern requests under it only.
const apiPrefix = "/api/v2"

// AdminName is the name of the admin agent created by New.
const AdminName = "Sandbox Admin"

// firstID is where the account-wide id sequence starts: Zendesk ids are
// large, and so are the sandbox's, to catch clients that truncate them.
const firstID = 360000000000

// Config configures a Server. Zero fields take the Default* values; without
// an APIToken or OAuthTokens no request authenticates.
type Config struct {
	// Subdomain is the account's subdomain.
	Subdomain string
	// URL is the account's base URL as clients reach it, which "url"
	// fields start with (followed by /api/v2/…), and whose host signs
	// app tokens (SignAppToken). Empty: the URL Start listens on, or
	// https://{Subdomain}.zendesk.com for a Server made by New.
	URL string
	// Email is the admin agent whose API token is accepted.
	Email string
	// APIToken is accepted as Basic auth "<Email>/token:<APIToken>".
	// Empty disables API-token authentication.
	APIToken string
	// OAuthTokens are accepted as "Authorization: Bearer <token>".
	OAuthTokens []string
	// Logger receives request and delivery logs; nil discards them.
	Logger *slog.Logger
	// Client delivers webhooks; nil means one with DefaultWebhookTimeout.
	Client *http.Client
	// RetryBackoff is the wait between webhook delivery retries that have no
	// Retry-After.
	RetryBackoff time.Duration
	// Now returns the current time; nil means time.Now. The rate-limit
	// windows follow it.
	Now func() time.Time

	// RateLimit is the account's limit of API requests per minute. 0 (or
	// less) reports DefaultRateLimit in the headers without enforcing it; a
	// positive value is enforced with 429 answers, and enforces the
	// ticket-update limits below with their defaults. See "Rate limits" in
	// the package documentation.
	RateLimit int
	// TicketUpdateRateLimit is the account-wide limit of requests that
	// update tickets per minute (PUT /tickets/{id}, PUT
	// /tickets/update_many, tag writes). 0 means
	// DefaultTicketUpdateRateLimit when RateLimit is positive, otherwise no
	// limit.
	TicketUpdateRateLimit int
	// TicketUpdatesPerTicket is the limit of PUT /tickets/{id} requests per
	// ticket per TicketUpdateWindow (10 minutes). 0 means
	// DefaultTicketUpdatesPerTicket when RateLimit is positive, otherwise no
	// limit.
	TicketUpdatesPerTicket int
	// IncrementalExportRateLimit is the limit of requests per minute to the
	// incremental exports (GET /incremental/…). 0 means
	// DefaultIncrementalExportRateLimit when RateLimit is positive,
	// otherwise no limit.
	IncrementalExportRateLimit int
	// BulkUserImportDisabled makes POST /users/create_or_update_many answer
	// 403, as on a Zendesk account whose owner has not had bulk user
	// imports enabled (Zendesk's default).
	BulkUserImportDisabled bool
	// MacroCommentInTicket puts the comment of a macro apply result inside
	// result.ticket rather than beside it (the reference sheet's §3: which
	// of the two Zendesk does is not settled).
	MacroCommentInTicket bool
	// Faults are the faults injected from the start; SetFaults changes them.
	Faults Faults
}

// Server is an emulated Zendesk account and the http.Handler serving its API.
type Server struct {
	cfg       Config
	log       *slog.Logger
	mux       *http.ServeMux
	patterns  []string // the emulated endpoints, as routes() registered them
	handler   http.Handler
	accountID int64
	adminID   int64
	// base is the URL "url" fields start with (see Config.URL).
	base atomic.Pointer[string]

	// limits, faults and stats have locks of their own, taken after s.mu
	// when both are held.
	limits *limits
	faults *faultState
	stats  counters
	// tagWatch feeds WatchTag.
	tagWatch emulator.TagWatchers

	// ctx is cancelled by Close to stop background work.
	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup

	mu            sync.Mutex
	closed        bool
	changed       chan struct{} // closed and replaced whenever jobs, deliveries or faults change
	seq           int64
	ticketSeq     int64
	changeSeq     int64 // numbers user writes, for the incremental user export
	ticketChanges int64 // numbers ticket writes, for the incremental ticket export
	users         map[int64]*user
	userOrder     []int64
	orgs          map[int64]*organization
	orgOrder      []int64
	userFields    []*fieldDef
	orgFields     []*fieldDef
	ticketFields  []*fieldDef
	tickets       map[int64]*ticket
	webhooks      map[string]*webhook
	hookOrder     []string
	triggers      map[int64]*trigger
	categories    map[string]*triggerCategory
	macros        map[int64]*macro
	groups        map[int64]*group
	jobs          map[string]*job
	deliveries    []Delivery
	// uploads are app packages uploaded and not yet built: a State drops
	// them.
	uploads       map[int64][]byte
	apps          map[int64]*app
	appJobs       map[string]*appJob
	installations map[int64]*installation

	listener emulator.Listener
}

var _ http.Handler = (*Server)(nil)

// New returns a Server with an empty account holding one admin agent
// (Config.Email, named AdminName). It does not listen: use it as an
// http.Handler, or call Start instead.
func New(cfg Config) *Server {
	if cfg.Subdomain == "" {
		cfg.Subdomain = DefaultSubdomain
	}
	if cfg.Email == "" {
		cfg.Email = DefaultEmail
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: DefaultWebhookTimeout}
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = DefaultRetryBackoff
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:           cfg,
		log:           cfg.Logger,
		accountID:     accountID(cfg.Subdomain),
		limits:        newLimits(cfg),
		faults:        newFaultState(cfg.Faults),
		stats:         newCounters(),
		ctx:           ctx,
		cancel:        cancel,
		changed:       make(chan struct{}),
		seq:           firstID,
		users:         make(map[int64]*user),
		orgs:          make(map[int64]*organization),
		tickets:       make(map[int64]*ticket),
		webhooks:      make(map[string]*webhook),
		triggers:      make(map[int64]*trigger),
		categories:    make(map[string]*triggerCategory),
		macros:        make(map[int64]*macro),
		groups:        make(map[int64]*group),
		jobs:          make(map[string]*job),
		uploads:       make(map[int64][]byte),
		apps:          make(map[int64]*app),
		appJobs:       make(map[string]*appJob),
		installations: make(map[int64]*installation),
	}
	base := cfg.URL
	if base == "" {
		base = "https://" + cfg.Subdomain + ".zendesk.com"
	}
	s.base.Store(&base)
	now := s.now()
	admin := &user{
		id:        s.nextID(),
		name:      AdminName,
		email:     strings.ToLower(cfg.Email),
		role:      roleAdmin,
		verified:  true,
		createdAt: now,
		updatedAt: now,
	}
	s.addUser(admin)
	s.adminID = admin.id
	s.addSystemTicketFields(now)
	if _, err := s.addCategoryLocked(DefaultTriggerCategory, nil); err != nil {
		panic(err) // a constant name is never blank
	}
	s.mux = s.routes()
	// The middleware, outermost first:
	//
	//   - stripJSONSuffix lets every API route answer with or without ".json";
	//   - findRoute finds the request's route, for routeOf;
	//   - countRequests counts API requests and their answers in Stats, so
	//     every API request is counted, refused and faulted ones included;
	//   - standardHeaders sets the headers of every response;
	//   - logRequests logs each request;
	//   - injectFaults delays, drops or fails API requests (faults.go);
	//   - authenticate answers 401 to API requests without a valid credential;
	//   - rateLimit counts the request against the rate limits and answers 429
	//     over them (ratelimit.go).
	//
	// A request refused or failed by a middleware never reaches its handler.
	s.handler = emulator.Chain(s.mux,
		stripJSONSuffix,
		emulator.WithRoute(s.findRoute),
		emulator.CountRequests(s.stats.Counters, apiRouteKey),
		s.standardHeaders,
		emulator.LogRequests(s.log, func(w http.ResponseWriter, _ *http.Request) []any {
			return []any{"request_id", w.Header().Get(headerRequestID)}
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
	if err := s.Listen(addr); err != nil {
		s.cancel()
		return nil, err
	}
	return s, nil
}

// Listen serves s on addr, e.g. "127.0.0.1:0", until Close: Start is New
// then Listen, and a server filled between the two (Restore,
// ImportTicket) is whole when its first client comes. Call it at most
// once.
func (s *Server) Listen(addr string) error {
	if err := s.listener.Listen(addr, s, s.log); err != nil {
		return err
	}
	if s.cfg.URL == "" {
		base := s.listener.URL()
		s.base.Store(&base)
	}
	return nil
}

// URL returns the base URL of a started Server, e.g. http://127.0.0.1:41234;
// clients append /api/v2. It is empty for a Server made by New.
func (s *Server) URL() string {
	return s.listener.URL()
}

// Close stops serving, cancels pending webhook retries and jobs, and waits
// for every background goroutine to return. Calling it again does nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	err := s.listener.Close()
	s.bg.Wait()
	return err
}

// Routes returns the emulated endpoints, as Stats names them in
// RequestsByRoute: "GET /api/v2/tickets/{id}" and so on.
func (s *Server) Routes() []string {
	return slices.Clone(s.patterns)
}

// ServeHTTP serves the emulated API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// WaitJobs blocks until no job is queued or working, app builds
// included, or ctx is done.
func (s *Server) WaitJobs(ctx context.Context) error {
	return s.waitFor(ctx, func() bool {
		return s.activeJobsLocked() == 0 && s.appBuildsLocked() == 0
	})
}

// waitFor blocks until done, called with s.mu held, reports true.
func (s *Server) waitFor(ctx context.Context, done func() bool) error {
	for {
		s.mu.Lock()
		ok, changed := done(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// notifyLocked wakes every waitFor. s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// goLocked runs f in the background unless the server is closed; Close
// cancels ctx and waits for f. s.mu must be held.
func (s *Server) goLocked(f func(ctx context.Context)) {
	if s.closed {
		return
	}
	s.bg.Go(func() { f(s.ctx) })
}

func (s *Server) now() time.Time {
	return s.cfg.Now().UTC().Truncate(time.Second)
}

// nextID returns the next account-wide id. s.mu must be held (or the
// server not yet shared).
func (s *Server) nextID() int64 {
	s.seq++
	return s.seq
}

// apiURL returns the URL of a resource on the emulated account, as Zendesk
// puts it in "url" fields: on the host clients reach the account at.
func (s *Server) apiURL(format string, args ...any) string {
	return strings.TrimSuffix(*s.base.Load(), "/") + apiPrefix + "/" + fmt.Sprintf(format, args...)
}

// accountID derives a stable numeric account id from the subdomain.
func accountID(subdomain string) int64 {
	h := fnv.New32a()
	h.Write([]byte(subdomain))
	return int64(h.Sum32())
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// routes maps each emulated endpoint to its handler. Paths have no ".json"
// suffix: stripJSONSuffix removes it first.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	handle := func(pattern string, h handlerFunc) {
		mux.Handle(pattern, s.adapt(h))
		if strings.Contains(pattern, " "+apiPrefix+"/") {
			s.patterns = append(s.patterns, pattern)
		}
	}
	const v2 = apiPrefix
	handle("GET "+v2+"/tickets", s.listTickets)
	handle("POST "+v2+"/tickets", s.createTicket)
	handle("GET "+v2+"/tickets/{id}", s.showTicket)
	handle("GET "+v2+"/tickets/show_many", s.showManyTickets)
	handle("PUT "+v2+"/tickets/{id}", s.updateTicket)
	handle("PUT "+v2+"/tickets/update_many", s.updateManyTickets)
	handle("GET "+v2+"/tickets/{id}/comments", s.listComments)
	handle("GET "+v2+"/tickets/{id}/metrics", s.showTicketMetric)
	handle("POST "+v2+"/tickets/{id}/satisfaction_rating", s.rateTicket)
	handle("GET "+v2+"/ticket_metrics", s.listTicketMetrics)
	handle("GET "+v2+"/ticket_metrics/{id}", s.showTicketMetricByID)
	handle("GET "+v2+"/satisfaction_ratings", s.listSatisfactionRatings)
	handle("GET "+v2+"/tickets/{id}/tags", s.listTags)
	handle("PUT "+v2+"/tickets/{id}/tags", s.addTags)
	handle("POST "+v2+"/tickets/{id}/tags", s.setTags)
	handle("DELETE "+v2+"/tickets/{id}/tags", s.removeTags)
	handle("GET "+v2+"/job_statuses/{id}", s.showJobStatus)
	handle("GET "+v2+"/job_statuses/show_many", s.showManyJobStatuses)

	handle("GET "+v2+"/users", s.listUsers)
	handle("GET "+v2+"/users/{id}", s.showUser)
	handle("GET "+v2+"/users/me", s.showMe)
	handle("GET "+v2+"/users/show_many", s.showManyUsers)
	handle("GET "+v2+"/users/search", s.searchUsers)
	handle("POST "+v2+"/users", s.createUser)
	handle("POST "+v2+"/users/create_or_update", s.createOrUpdateUser)
	handle("POST "+v2+"/users/create_or_update_many", s.createOrUpdateManyUsers)
	handle("PUT "+v2+"/users/{id}", s.updateUser)
	handle("DELETE "+v2+"/users/{id}", s.deleteUser)
	handle("GET "+v2+"/user_fields", s.listUserFields)
	handle("POST "+v2+"/user_fields", s.createUserField)
	handle("GET "+v2+"/user_fields/{id}", s.showUserField)
	handle("PUT "+v2+"/user_fields/{id}", s.updateUserField)
	handle("DELETE "+v2+"/user_fields/{id}", s.deleteUserField)

	handle("GET "+v2+"/ticket_fields", s.listTicketFields)
	handle("POST "+v2+"/ticket_fields", s.createTicketField)
	handle("GET "+v2+"/ticket_fields/{id}", s.showTicketField)
	handle("PUT "+v2+"/ticket_fields/{id}", s.updateTicketField)
	handle("DELETE "+v2+"/ticket_fields/{id}", s.deleteTicketField)

	handle("GET "+v2+"/organizations", s.listOrganizations)
	handle("GET "+v2+"/organizations/{id}", s.showOrganization)
	handle("GET "+v2+"/organizations/show_many", s.showManyOrganizations)
	handle("POST "+v2+"/organizations", s.createOrganization)
	handle("PUT "+v2+"/organizations/{id}", s.updateOrganization)
	handle("GET "+v2+"/organizations/search", s.searchOrganizations)
	handle("GET "+v2+"/organizations/{id}/users", s.listOrganizationUsers)
	handle("GET "+v2+"/organization_fields", s.listOrganizationFields)
	handle("POST "+v2+"/organization_fields", s.createOrganizationField)

	handle("GET "+v2+"/incremental/users/cursor", s.exportUsers)
	handle("GET "+v2+"/incremental/tickets/cursor", s.exportTickets)
	handle("GET "+v2+"/incremental/organizations", s.exportOrganizations)
	handle("GET "+v2+"/incremental/users", s.exportUsersByTime)
	handle("GET "+v2+"/incremental/tickets", s.exportTicketsByTime)

	handle("POST "+v2+"/webhooks", s.createWebhook)
	handle("GET "+v2+"/webhooks", s.listWebhooks)
	handle("GET "+v2+"/webhooks/{id}", s.showWebhook)
	handle("DELETE "+v2+"/webhooks/{id}", s.deleteWebhook)
	handle("PUT "+v2+"/webhooks/{id}", s.updateWebhook)
	handle("PATCH "+v2+"/webhooks/{id}", s.updateWebhook)
	handle("GET "+v2+"/webhooks/{id}/signing_secret", s.showSigningSecret)

	handle("POST "+v2+"/triggers", s.createTrigger)
	handle("GET "+v2+"/triggers", s.listTriggers)
	handle("GET "+v2+"/triggers/active", s.listActiveTriggers)
	handle("GET "+v2+"/triggers/{id}", showByID(s, triggersOf, "trigger", s.triggerView))
	handle("PUT "+v2+"/triggers/{id}", s.updateTrigger)
	handle("GET "+v2+"/trigger_categories", s.listTriggerCategories)
	handle("POST "+v2+"/trigger_categories", s.createTriggerCategory)
	handle("GET "+v2+"/trigger_categories/{id}", s.showTriggerCategory)
	handle("PATCH "+v2+"/trigger_categories/{id}", s.updateTriggerCategory)
	handle("DELETE "+v2+"/trigger_categories/{id}", s.deleteTriggerCategory)
	handle("DELETE "+v2+"/triggers/{id}", deleteByID(s, triggersOf))

	handle("GET "+v2+"/macros", s.listMacros(false))
	handle("GET "+v2+"/macros/active", s.listMacros(true))
	handle("GET "+v2+"/macros/search", s.searchMacros)
	handle("GET "+v2+"/macros/categories", s.listMacroCategories)
	handle("POST "+v2+"/macros", s.createMacro)
	handle("GET "+v2+"/macros/{id}", showByID(s, macrosOf, "macro", s.macroView))
	handle("PUT "+v2+"/macros/{id}", s.updateMacro)
	handle("DELETE "+v2+"/macros/{id}", deleteByID(s, macrosOf))
	handle("GET "+v2+"/macros/{id}/apply", s.applyMacroChanges)
	handle("GET "+v2+"/tickets/{ticket_id}/macros/{id}/apply", s.applyMacroToTicket)

	handle("GET "+v2+"/tags", s.listAccountTags)
	handle("GET "+v2+"/search", s.search)
	handle("GET "+v2+"/satisfaction_ratings/{id}", s.showSatisfactionRating)
	handle("GET "+v2+"/groups", s.listGroups)
	handle("POST "+v2+"/groups", s.createGroup)

	handle("POST "+v2+"/apps/uploads", s.uploadApp)
	handle("POST "+v2+"/apps", s.createApp)
	handle("GET "+v2+"/apps/owned", s.listOwnedApps)
	handle("GET "+v2+"/apps/{id}", showViewByID(s, appsOf, s.appView))
	handle("PUT "+v2+"/apps/{id}", s.updateApp)
	handle("DELETE "+v2+"/apps/{id}", s.deleteApp)
	// One pattern serves public_key and public_key.pem: a literal last
	// segment would conflict with /apps/installations/{id}.
	handle("GET "+v2+"/apps/{id}/{public_key}", s.showAppPublicKey)
	handle("GET "+v2+"/apps/job_statuses/{id}", s.showAppJobStatus)
	handle("GET "+v2+"/apps/installations", s.listInstallations)
	handle("POST "+v2+"/apps/installations", s.createInstallation)
	handle("GET "+v2+"/apps/installations/{id}", showViewByID(s, installationsOf, s.installationView))
	handle("PUT "+v2+"/apps/installations/{id}", s.updateInstallation)
	handle("DELETE "+v2+"/apps/installations/{id}", s.deleteInstallation)
	handle("GET "+v2+"/apps/installations/{id}/requirements", s.listInstallationRequirements)

	// The agent workspace: browser pages, outside the API (workspace.go).
	handle("GET "+workspacePrefix+"/tickets/{id}", s.ticketPage)
	handle("GET "+workspacePrefix+"/tickets/{id}/pane", s.ticketPane)
	handle("POST "+workspacePrefix+"/tickets/{id}/macros/{macro_id}", s.applyMacroAsAgent)
	handle("GET "+workspacePrefix+"/tickets/new", s.newTicketPage)
	handle("GET "+workspacePrefix+"/requester", s.lookUpRequester)
	handle("GET "+workspacePrefix+"/apps/{id}/assets/{path...}", s.appAsset)
	handle("GET "+workspacePrefix+"/workspace.js", s.workspaceFile)
	handle("GET "+workspacePrefix+"/workspace.css", s.workspaceFile)

	handle("/", func(http.ResponseWriter, *http.Request) error { return errNotFound })
	return mux
}

// A handlerFunc serves one endpoint; a returned error is written by adapt.
type handlerFunc = emulator.HandlerFunc

// errInternal is the 500 of a handler's unexpected error, which is logged
// but not shown.
var errInternal = &apiError{status: http.StatusInternalServerError, body: errorBody{Error: "InternalError", Description: "Internal error"}}

// adapt turns a handlerFunc into an http.Handler, writing its error: an
// *apiError as its status and body, anything else as errInternal.
func (s *Server) adapt(h handlerFunc) http.Handler {
	return emulator.Adapt(s.log, h, errInternal, writeAPIError)
}

func writeAPIError(w http.ResponseWriter, e *apiError) { writeJSON(w, e.status, e.body) }

// route is what the middleware know of a request's endpoint before the mux
// serves it.
type route struct {
	// api tells a request under /api/v2.
	api bool
	// pattern is the matched endpoint's pattern, such as
	// "PUT /api/v2/tickets/{id}"; "" for an endpoint the sandbox does not
	// emulate.
	pattern string
	// key names the route in Stats: the request's method and the pattern's
	// path, or unknownRoute's path for an endpoint not emulated.
	key string
}

// unknownRoute is the path under which Stats counts requests for endpoints
// the sandbox does not emulate, after their method.
const unknownRoute = apiPrefix + "/*"

// routeOf returns the route findRoute found for r.
func routeOf(r *http.Request) route { return emulator.RouteOf[route](r) }

// apiRouteKey names r's route in Stats, which count API requests only.
func apiRouteKey(r *http.Request) (string, bool) {
	rt := routeOf(r)
	return rt.key, rt.api
}

// findRoute matches r (already without its ".json" suffix) against the
// emulated endpoints.
func (s *Server) findRoute(r *http.Request) route {
	if !isAPIPath(r.URL.Path) {
		return route{}
	}
	rt := route{api: true, key: r.Method + " " + unknownRoute}
	_, pattern := s.mux.Handler(r)
	if _, path, ok := strings.Cut(pattern, " "); ok && strings.HasPrefix(path, apiPrefix+"/") {
		rt.pattern, rt.key = pattern, r.Method+" "+path
	}
	return rt
}

// isAPIPath tells a path of the emulated API: /api/v2 and under it.
func isAPIPath(p string) bool {
	return p == apiPrefix || strings.HasPrefix(p, apiPrefix+"/")
}

// standardHeaders sets the headers Zendesk puts on every response. The
// rate-limit headers report the current window without counting the
// request: rateLimit overwrites them for the requests it counts.
func (s *Server) standardHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		s.limits.peek(h, s.cfg.Now(), routeOf(r).api)
		h.Set(headerAPIVersion, "v2")
		h.Set(headerRequestID, randomHex(8))
		next.ServeHTTP(w, r)
	})
}

// authenticate accepts API requests with Basic "<Email>/token:<APIToken>"
// or a Bearer token from Config.OAuthTokens, and answers 401 otherwise.
// Requests outside the API need no credential: the agent workspace's
// pages (workspace.go) act as the admin, and there is nothing else.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if routeOf(r).api && !s.authorized(r) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Couldn't authenticate you"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	if username, password, ok := r.BasicAuth(); ok {
		email, isToken := strings.CutSuffix(username, "/token")
		return isToken && s.cfg.APIToken != "" &&
			strings.EqualFold(email, s.cfg.Email) &&
			subtle.ConstantTimeCompare([]byte(password), []byte(s.cfg.APIToken)) == 1
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return false
	}
	for _, t := range s.cfg.OAuthTokens {
		if subtle.ConstantTimeCompare([]byte(token), []byte(t)) == 1 {
			return true
		}
	}
	return false
}

// stripJSONSuffix lets every API route answer with or without ".json":
// the other middleware and the mux see the path without it. Other paths
// are kept as they are: the agent workspace serves an app's package,
// which may hold .json files.
var stripJSONSuffix = emulator.RewritePath(func(path string) (string, bool) {
	p, ok := strings.CutSuffix(path, ".json")
	return p, ok && isAPIPath(p)
})

// apiError is an error answered to the client with its status and body.
type apiError struct {
	status int
	body   any
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %v", e.status, e.body)
}

// errorBody is Zendesk's classic error shape.
type errorBody struct {
	Error       string                   `json:"error"`
	Description string                   `json:"description,omitempty"`
	Details     map[string][]errorDetail `json:"details,omitempty"`
}

type errorDetail struct {
	Description string `json:"description"`
	Error       string `json:"error"`
}

// errorBodyOf returns the body of err when it is an *apiError answering
// Zendesk's classic error shape.
func errorBodyOf(err error) (errorBody, bool) {
	var ae *apiError
	if !errors.As(err, &ae) {
		return errorBody{}, false
	}
	b, ok := ae.body.(errorBody)
	return b, ok
}

// detailTexts returns the descriptions of b's details, by field.
func (b errorBody) detailTexts() []string {
	var texts []string
	for _, field := range slices.Sorted(maps.Keys(b.Details)) {
		for _, d := range b.Details[field] {
			texts = append(texts, d.Description)
		}
	}
	return texts
}

// errorText says what err says, in plain words: an API error's details,
// else its description.
func errorText(err error) string {
	b, ok := errorBodyOf(err)
	if !ok {
		return apiErrorText(err)
	}
	if texts := b.detailTexts(); len(texts) > 0 {
		return strings.Join(texts, "; ")
	}
	return b.Description
}

// apiErrorText is the body of an answer's error, as JSON, for errors found
// in a State rather than a request.
func apiErrorText(err error) string {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err.Error()
	}
	b, _ := json.Marshal(ae.body)
	return string(b)
}

var errNotFound = &apiError{status: http.StatusNotFound, body: errorBody{Error: "RecordNotFound", Description: "Not found"}}

// errInvalid is a 422 RecordInvalid naming the invalid field.
func errInvalid(field, format string, args ...any) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, body: errorBody{
		Error:       "RecordInvalid",
		Description: "Record validation errors",
		Details: map[string][]errorDetail{field: {{
			Description: fmt.Sprintf(format, args...),
			Error:       "InvalidValue",
		}}},
	}}
}

// errBadRequest is a 400 for requests the sandbox cannot parse.
func errBadRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, body: errorBody{
		Error:       "BadRequest",
		Description: fmt.Sprintf(format, args...),
	}}
}

// errConflict is the 409 of a safe update whose stamp is stale.
var errConflict = &apiError{status: http.StatusConflict, body: errorBody{
	Error:       "UpdateConflict",
	Description: "Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.",
}}
