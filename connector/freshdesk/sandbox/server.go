package sandbox

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cohortdesk/cohort/internal/emulator"
)

// Defaults applied by New to a zero Config field.
const (
	DefaultDomain = "sandbox"
	// DefaultAgentEmail is the email of the agent whose API key the
	// sandbox accepts.
	DefaultAgentEmail = "agent@example.com"
	// DefaultWebhookTimeout bounds one webhook delivery attempt.
	DefaultWebhookTimeout = 10 * time.Second
)

// AgentName is the name of the agent created by New: the API key's owner.
const AgentName = "Sandbox Agent"

// apiPrefix is the path of the emulated API: rate limits, faults and Stats
// concern requests under it only.
const apiPrefix = "/api/v2"

// firstID is where the id sequence of contacts, companies, agents,
// conversations and other records starts: Freshdesk's are large, and so are
// the sandbox's, to catch clients that truncate them. Tickets are numbered
// from 1 per account, as Freshdesk's display ids are.
const firstID = 43000000000

// Config configures a Server. Zero fields take the defaults; without an
// APIKey no request authenticates.
type Config struct {
	// Domain is the account's name: acme for acme.freshdesk.com.
	Domain string
	// URL is the account's base URL as clients reach it, which Link
	// headers and ticket URLs start with. Empty: the URL Start listens on,
	// or https://{Domain}.freshdesk.com for a Server made by New.
	URL string
	// APIKey is accepted as the username of HTTP Basic auth, with any
	// password (§10.1). Empty disables authentication: every request is
	// refused.
	APIKey string
	// AgentEmail is the email of the agent owning APIKey.
	AgentEmail string
	// Logger receives request and delivery logs; nil discards them.
	Logger *slog.Logger
	// Client delivers webhooks; nil means one with DefaultWebhookTimeout.
	Client *http.Client
	// Now returns the current time; nil means time.Now. Timestamps and the
	// rate-limit windows follow it.
	Now func() time.Time

	// Plan is the account's plan, whose limits the rate-limit headers
	// report; the zero Plan means PlanGrowth.
	Plan Plan
	// RateLimit is the account's limit of API requests per minute. 0 (or
	// less) reports the Plan's limit in the headers without enforcing it; a
	// positive value replaces the Plan's and is enforced with 429 answers,
	// together with the Plan's per-endpoint limits. See "Rate limits" in
	// the package documentation.
	RateLimit int

	// WebhookRetryScale scales the waits between webhook delivery retries,
	// Freshdesk's +5, +30 and +60 minutes (§10.8): 0 means 1, and tests set
	// e.g. 1e-5 for 3, 18 and 36 ms. It scales the deferral of a delivery
	// over the rate limit to the next window too.
	WebhookRetryScale float64
	// FirstMatchingRule runs only the first matching ticket-creation rule,
	// as a Freshdesk account set to "execute first matching rule" does;
	// by default every matching rule runs (see runRulesLocked).
	FirstMatchingRule bool
	// JobDelay is how long a bulk-update job stays in progress before it
	// runs.
	JobDelay time.Duration

	// Faults are the faults injected from the start; SetFaults changes them.
	Faults Faults
}

// Server is an emulated Freshdesk account and the http.Handler serving its
// API v2.
type Server struct {
	cfg      Config
	log      *slog.Logger
	mux      *http.ServeMux
	patterns []string
	handler  http.Handler
	agentID  int64
	// ownClient says cfg.Client is the sandbox's own, whose idle
	// connections Close closes.
	ownClient bool
	base      string // see Config.URL; set before serving

	limits   *limits
	faults   *faultState
	stats    counters
	tagWatch emulator.TagWatchers

	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup

	mu         sync.Mutex
	closed     bool
	changed    chan struct{} // closed and replaced when deliveries or jobs change
	seq        int64
	ticketSeq  int64
	agents     map[int64]*Agent
	contacts   map[int64]*Contact
	companies  map[int64]*Company
	tickets    map[int64]*Ticket
	convs      map[int64]*Conversation
	fields     []*TicketField
	folders    map[int64]*CannedFolder
	canned     map[int64]*CannedResponse
	rules      map[int64]*AutomationRule
	ratings    map[int64]*SatisfactionRating
	jobs       map[string]*Job
	deliveries []Delivery

	listener emulator.Listener
}

var _ http.Handler = (*Server)(nil)

// New returns a Server with an empty account holding one agent, the API
// key's owner, and the default ticket fields. It does not listen: use it
// as an http.Handler, or call Start instead.
func New(cfg Config) *Server {
	if cfg.Domain == "" {
		cfg.Domain = DefaultDomain
	}
	if cfg.AgentEmail == "" {
		cfg.AgentEmail = DefaultAgentEmail
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ownClient := cfg.Client == nil
	if ownClient {
		cfg.Client = &http.Client{Timeout: DefaultWebhookTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WebhookRetryScale <= 0 {
		cfg.WebhookRetryScale = 1
	}
	if cfg.Plan == (Plan{}) {
		cfg.Plan = PlanGrowth
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:       cfg,
		ownClient: ownClient,
		log:       cfg.Logger,
		base:      cfg.URL,
		limits:    newLimits(cfg),
		faults:    newFaultState(cfg.Faults),
		stats:     newCounters(),
		ctx:       ctx,
		cancel:    cancel,
		changed:   make(chan struct{}),
		seq:       firstID,
		agents:    map[int64]*Agent{},
		contacts:  map[int64]*Contact{},
		companies: map[int64]*Company{},
		tickets:   map[int64]*Ticket{},
		convs:     map[int64]*Conversation{},
		folders:   map[int64]*CannedFolder{},
		canned:    map[int64]*CannedResponse{},
		rules:     map[int64]*AutomationRule{},
		ratings:   map[int64]*SatisfactionRating{},
		jobs:      map[string]*Job{},
	}
	if s.base == "" {
		s.base = "https://" + cfg.Domain + ".freshdesk.com"
	}
	now := s.now()
	agent := &Agent{ID: s.nextID(), Name: AgentName, Email: strings.ToLower(cfg.AgentEmail), CreatedAt: now, UpdatedAt: now}
	s.agents[agent.ID] = agent
	s.agentID = agent.ID
	s.addDefaultFieldsLocked(now)
	s.mux = s.routes()
	// The middleware, outermost first:
	//
	//   - findRoute finds the request's route, for routeOf;
	//   - countRequests counts API requests and their answers in Stats;
	//   - standardHeaders sets the headers of every response;
	//   - logRequests logs each request;
	//   - injectFaults delays, drops or fails API requests (faults.go);
	//   - authenticate answers 401 without the API key;
	//   - rateLimit counts the request's credits and answers 429 over the
	//     limits (ratelimit.go);
	//   - requireJSON answers 415 to a body that is not JSON.
	//
	// A request refused or failed by a middleware never reaches its handler.
	s.handler = emulator.Chain(s.mux,
		emulator.WithRoute(s.findRoute),
		emulator.CountRequests(s.stats.Counters, apiRouteKey),
		s.standardHeaders,
		emulator.LogRequests(s.log, func(_ http.ResponseWriter, r *http.Request) []any {
			return []any{"query", r.URL.RawQuery}
		}),
		s.injectFaults,
		s.authenticate,
		s.rateLimit,
		requireJSON,
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

// Listen serves s on addr until Close: Start is New then Listen, and a
// server filled between the two (Restore) is whole when its first client
// comes. Call it at most once.
func (s *Server) Listen(addr string) error {
	if err := s.listener.Listen(addr, s, s.log); err != nil {
		return err
	}
	if s.cfg.URL == "" {
		s.mu.Lock()
		s.base = s.listener.URL()
		s.mu.Unlock()
	}
	return nil
}

// URL returns the base URL of a started Server, e.g. http://127.0.0.1:41234;
// clients append /api/v2. It is empty for a Server made by New.
func (s *Server) URL() string {
	return s.listener.URL()
}

// Close stops serving, cancels pending webhook deliveries and jobs, and
// waits for every background goroutine. Calling it again does nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	err := s.listener.Close()
	s.bg.Wait()
	if s.ownClient {
		s.cfg.Client.CloseIdleConnections()
	}
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

// AgentID returns the id of the agent owning the API key: notes and
// replies made through the API are theirs.
func (s *Server) AgentID() int64 { return s.agentID }

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

// nextID returns the next id of a record other than a ticket. s.mu must be
// held (or the server not yet shared).
func (s *Server) nextID() int64 {
	s.seq++
	return s.seq
}

// baseURLLocked is the URL clients reach the account at. s.mu must be held.
func (s *Server) baseURLLocked() string {
	return strings.TrimSuffix(s.base, "/")
}

// routes maps each emulated endpoint to its handler.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	handle := func(pattern string, h handlerFunc) {
		mux.Handle(pattern, s.adapt(h))
		s.patterns = append(s.patterns, pattern)
	}
	const v2 = apiPrefix
	handle("POST "+v2+"/tickets", s.createTicket)
	handle("GET "+v2+"/tickets", s.listTickets)
	handle("GET "+v2+"/tickets/{id}", s.showTicket)
	handle("PUT "+v2+"/tickets/{id}", s.updateTicket)
	handle("DELETE "+v2+"/tickets/{id}", s.deleteTicket)
	handle("PUT "+v2+"/tickets/{id}/restore", s.restoreTicket)
	handle("POST "+v2+"/tickets/{id}/notes", s.createNote)
	handle("POST "+v2+"/tickets/{id}/reply", s.createReply)
	handle("GET "+v2+"/tickets/{id}/conversations", s.listConversations)
	handle("POST "+v2+"/tickets/bulk_update", s.bulkUpdate)
	handle("GET "+v2+"/jobs/{id}", s.showJob)
	handle("GET "+v2+"/search/tickets", s.searchTickets)

	handle("GET "+v2+"/tickets/{id}/satisfaction_ratings", s.listTicketRatings)
	handle("POST "+v2+"/tickets/{id}/satisfaction_ratings", s.createRating)
	handle("GET "+v2+"/surveys/satisfaction_ratings", s.listRatings)

	handle("GET "+v2+"/contacts", s.listContacts)
	handle("POST "+v2+"/contacts", s.createContact)
	handle("GET "+v2+"/contacts/{id}", s.showContact)
	handle("PUT "+v2+"/contacts/{id}", s.updateContact)
	handle("GET "+v2+"/companies", s.listCompanies)
	handle("POST "+v2+"/companies", s.createCompany)
	handle("GET "+v2+"/companies/{id}", s.showCompany)
	handle("PUT "+v2+"/companies/{id}", s.updateCompany)
	handle("GET "+v2+"/agents/me", s.showMe)

	handle("GET "+v2+"/ticket_fields", s.listTicketFields)
	handle("GET "+v2+"/admin/ticket_fields", s.listTicketFields)
	handle("POST "+v2+"/admin/ticket_fields", s.createTicketField)
	handle("GET "+v2+"/admin/ticket_fields/{id}", s.showTicketField)
	handle("DELETE "+v2+"/admin/ticket_fields/{id}", s.deleteTicketField)

	handle("GET "+v2+"/canned_response_folders", s.listFolders)
	handle("GET "+v2+"/canned_response_folders/{id}", s.showFolder)
	handle("GET "+v2+"/canned_response_folders/{id}/responses", s.listFolderResponses)
	handle("POST "+v2+"/canned_response_folder", s.createFolder)
	handle("PUT "+v2+"/canned_response_folder/{id}", s.updateFolder)
	handle("POST "+v2+"/canned_responses", s.createCanned)
	handle("GET "+v2+"/canned_responses/{id}", s.showCanned)
	handle("PUT "+v2+"/canned_responses/{id}", s.updateCanned)

	handle("GET "+v2+"/automations/{type}/rules", s.listRules)
	handle("POST "+v2+"/automations/{type}/rules", s.createRule)
	handle("GET "+v2+"/automations/{type}/rules/{id}", s.showRule)
	handle("PUT "+v2+"/automations/{type}/rules/{id}", s.updateRule)
	handle("DELETE "+v2+"/automations/{type}/rules/{id}", s.deleteRule)

	mux.Handle("/", s.adapt(func(http.ResponseWriter, *http.Request) error { return errNotFound }))
	return mux
}

// A handlerFunc serves one endpoint; a returned error is written by adapt.
type handlerFunc = emulator.HandlerFunc

// errInternal is the 500 of a handler's unexpected error, which is logged.
var errInternal = &apiError{status: http.StatusInternalServerError, body: errorBody{Code: "internal_error", Message: "We're sorry, but something went wrong."}}

// adapt turns a handlerFunc into an http.Handler, writing its error: an
// *apiError as its status and body, anything else as a logged 500.
func (s *Server) adapt(h handlerFunc) http.Handler {
	return emulator.Adapt(s.log, h, errInternal, writeAPIError)
}

func writeAPIError(w http.ResponseWriter, e *apiError) { writeJSON(w, e.status, e.body) }

// route is what the middleware know of a request's endpoint.
type route struct {
	api     bool   // a request under /api/v2
	pattern string // the matched pattern, "" for an endpoint not emulated
	key     string // the name in Stats: method and pattern path, or unknownRoute
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

func (s *Server) findRoute(r *http.Request) route {
	p := r.URL.Path
	if p != apiPrefix && !strings.HasPrefix(p, apiPrefix+"/") {
		return route{}
	}
	rt := route{api: true, key: r.Method + " " + unknownRoute}
	_, pattern := s.mux.Handler(r)
	if _, path, ok := strings.Cut(pattern, " "); ok {
		rt.pattern, rt.key = pattern, r.Method+" "+path
	}
	return rt
}

// standardHeaders sets the rate-limit headers of the current window on
// every API response; rateLimit overwrites them for the requests it counts.
func (s *Server) standardHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if routeOf(r).api {
			s.limits.peek(w.Header(), s.cfg.Now())
		}
		next.ServeHTTP(w, r)
	})
}

// errUnauthorized is the 401 of a request without the API key. The body is
// gofresh's ResultError shape (apps-freshdesk-ops.md §2.10); its code and
// message are UNCONFIRMED (helpdesk-api.md §10.1 only says "401 standard").
var errUnauthorized = &apiError{status: http.StatusUnauthorized, body: errorBody{
	Code:    "invalid_credentials",
	Message: "You have to be logged in to perform this action.",
}}

// authenticate accepts API requests with HTTP Basic auth whose username is
// the API key, any password (§10.1), and answers 401 otherwise.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if routeOf(r).api {
			user, _, ok := r.BasicAuth()
			if !ok || s.cfg.APIKey == "" || subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.APIKey)) != 1 {
				writeJSON(w, errUnauthorized.status, errUnauthorized.body)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// requireJSON answers 415 to a POST or PUT with a body not declared
// JSON: the API is JSON only (§10.1). The code and message are
// UNCONFIRMED (multipart attachments are not emulated).
func requireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodPost || r.Method == http.MethodPut) && r.ContentLength != 0 {
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if mt != "application/json" {
				writeJSON(w, http.StatusUnsupportedMediaType, errorBody{
					Code:    "invalid_content_type",
					Message: "Content-Type header should have application/json",
				})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// apiError is an error answered to the client with its status and body.
type apiError struct {
	status int
	body   any
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %v", e.status, e.body) }

// errorBody is Freshdesk's error shape (§10.1, apps-freshdesk-ops.md
// §2.10): a validation failure has a description and errors, other
// failures a code and a message.
type errorBody struct {
	Code        string       `json:"code,omitempty"`
	Message     string       `json:"message,omitempty"`
	Description string       `json:"description,omitempty"`
	Errors      []fieldError `json:"errors,omitempty"`
}

// fieldError is one invalid field of a validation failure.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Code    string `json:"code"`
}

// Codes of field errors. invalid_value is the sheet's (§10.1); the others
// are UNCONFIRMED (recalled from Freshdesk's documentation, not in the
// sheets).
const (
	codeInvalidValue     = "invalid_value"
	codeMissingField     = "missing_field"
	codeDatatypeMismatch = "datatype_mismatch"
	codeInvalidField     = "invalid_field"
	codeDuplicateValue   = "duplicate_value"
)

// validation collects field errors.
type validation []fieldError

func (v *validation) add(field, code, format string, args ...any) {
	*v = append(*v, fieldError{Field: field, Message: fmt.Sprintf(format, args...), Code: code})
}

// err returns the 400 of the collected errors, or nil.
func (v validation) err() error {
	if len(v) == 0 {
		return nil
	}
	return &apiError{status: http.StatusBadRequest, body: errorBody{Description: "Validation failed", Errors: v}}
}

// errValidation is a 400 with one field error.
func errValidation(field, code, format string, args ...any) error {
	var v validation
	v.add(field, code, format, args...)
	return v.err()
}

// errNotFound is the 404 of an unknown record or endpoint. Freshdesk's 404
// body is UNCONFIRMED (helpdesk-api.md §10.1 says only "standard"): the
// sandbox answers the code/message shape of §2.10.
var errNotFound = &apiError{status: http.StatusNotFound, body: errorBody{Code: "not_found", Message: "The requested resource was not found"}}

// errBadJSON is the 400 of a body that is not JSON. UNCONFIRMED shape.
func errBadJSON(err error) error {
	return &apiError{status: http.StatusBadRequest, body: errorBody{Code: "invalid_json", Message: "Request body has invalid json format: " + err.Error()}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(w).Encode(v)
	}
}

// decodeBody reads a JSON object of at most 1 MiB into a map, keeping
// numbers as json.Number so that validation can tell their types.
func decodeBody(r *http.Request) (map[string]any, error) {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, errBadJSON(err)
	}
	if m == nil {
		return nil, errBadJSON(errors.New("expected an object"))
	}
	return m, nil
}
