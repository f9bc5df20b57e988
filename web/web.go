// Package web is cohort's HTTP face, on gin: helpdesk webhooks, health and
// readiness probes, the admin page and API, and the helpdesk app's API. It is thin: it reads the
// request, calls the piece that does the work, and answers.
//
// Its dependencies are the small interfaces declared here (Receiver,
// Intake, Records); cmd/cohort wires the connector and store that satisfy
// them. It imports no other adapter package. Error kinds map to HTTP status
// in one place, statusOf, and internal details never reach the client.
package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cohortdesk/cohort"
)

// MaxWebhookBytes is the largest webhook body accepted (413 above it).
const MaxWebhookBytes = 1 << 20

// Receiver checks and parses one helpdesk's webhook deliveries.
type Receiver interface {
	Receive(h http.Header, body []byte) (cohort.Delivery, error)
}

// Intake stores a delivery durably; it reports false for one already seen.
type Intake interface {
	Enqueue(ctx context.Context, d cohort.Delivery) (bool, error)
}

// Records reads enrichment records for the admin page and API and the
// helpdesk app.
type Records interface {
	ListEnrichments(ctx context.Context, limit int) ([]cohort.Enrichment, error)
	CountEnrichments(ctx context.Context) (map[cohort.EnrichmentStatus]int, error)
	Enrichment(ctx context.Context, helpdesk string, ticketID int64) (cohort.Enrichment, error)
}

// Config is what the server needs.
type Config struct {
	// Receivers maps a helpdesk name to its receiver: "zendesk" serves
	// POST /webhooks/zendesk.
	Receivers map[string]Receiver
	Intake    Intake
	Records   Records
	// Ping checks the database for /readyz.
	Ping func(ctx context.Context) error
	// AdminToken guards the admin page and API; empty turns them off.
	AdminToken string
	// Customers takes pushed customers (POST /api/v1/customers); nil, or
	// an empty PushToken, turns the endpoint off.
	Customers CustomerPusher
	// PushToken guards POST /api/v1/customers.
	PushToken string
	// Profiles serves GET /api/v1/customers (behind the admin token); nil
	// turns it off.
	Profiles CustomerProfiles
	// Metrics serves GET /api/v1/metrics/segments (behind the admin
	// token); nil turns it off.
	Metrics MetricsReader
	// Macros serves GET /app/v1/tickets/:id/macros to the helpdesk app
	// (verified by App, or the admin token); nil turns it off.
	Macros MacroSuggester
	// Sidebar serves the helpdesk app's sidebar: its page (POST
	// /app/v1/sidebar, Zendesk's signed-URL location) with AppAssets under
	// /app/v1/assets/, and its views (GET /app/v1/tickets/:id/sidebar, GET
	// /app/v1/preview); nil turns them off.
	Sidebar SidebarViews
	// AppAssets are the app package's assets/ (iframe.html, the sidebar's
	// script and style, the ZAF SDK).
	AppAssets fs.FS
	App       AppAuth
	// MaxBodies bounds the request bodies (webhooks, pushes) read at once,
	// and so the memory slow senders can hold: at most MaxBodies × 8 MiB.
	// A request that finds no room within BodyWait is answered 503 with
	// Retry-After. Defaults 64 and 2 s.
	MaxBodies int
	BodyWait  time.Duration
	// TrustedProxies are the addresses (IPs or CIDRs) of the proxies whose
	// X-Forwarded-For names the client in logs; none by default, since
	// anyone can send the header.
	TrustedProxies []string
	// Registry is the process's metrics registry, to which the server adds
	// its own (webhooks, and per-segment measures with Metrics set); nil: a
	// registry of the server's own, with the Go runtime's metrics.
	Registry *prometheus.Registry
	// MetricsElsewhere says the metrics are served on a listener of their
	// own (COHORT_METRICS_ADDR): GET /metrics is then not routed here.
	// Otherwise it is, behind the admin token.
	MetricsElsewhere bool
	Logger           *slog.Logger
}

// Server is cohort's HTTP handler.
type Server struct {
	cfg      Config
	engine   *gin.Engine
	draining atomic.Bool
	webhooks *prometheus.CounterVec
	bodies   chan struct{} // a slot per body being read
	// sidebarHTML is the app's page, read from AppAssets once, split
	// where each answer puts its session token (see sidebarPage).
	sidebarHTML func() ([2][]byte, error)
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodies <= 0 {
		cfg.MaxBodies = 64
	}
	if cfg.BodyWait <= 0 {
		cfg.BodyWait = 2 * time.Second
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, engine: gin.New(), webhooks: newWebhookCounter(), bodies: make(chan struct{}, cfg.MaxBodies)}
	s.sidebarHTML = sync.OnceValues(s.readSidebarHTML)
	if err := s.engine.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		// Checked at start (CheckTrustedProxies): trust none rather than
		// any.
		_ = s.engine.SetTrustedProxies(nil)
	}
	s.engine.Use(s.recover)
	s.engine.POST("/webhooks/:helpdesk", s.countWebhooks, s.webhook)
	s.engine.GET("/healthz", s.healthz)
	s.engine.GET("/readyz", s.readyz)
	const adminOff = "admin pages are off: set COHORT_ADMIN_TOKEN"
	// Pages take the token in the URL too, since a browser's link cannot
	// carry a header, and are sent so that it leaks nowhere else (see
	// pageHeaders); APIs take it in the Authorization header only.
	pages := s.engine.Group("/", pageHeaders, requireToken(cfg.AdminToken, adminOff, "admin token", true))
	api := s.engine.Group("/", apiHeaders, requireToken(cfg.AdminToken, adminOff, "admin token", false))
	pages.GET("/", s.enrichmentsPage)
	api.GET("/api/v1/enrichments", s.enrichmentsAPI)
	metrics := s.metricsHandler() // adds the server's series to the registry, served here or not
	if !cfg.MetricsElsewhere {
		api.GET("/metrics", metrics)
	}
	if cfg.Profiles != nil {
		api.GET("/api/v1/customers", s.customerProfile)
	}
	if cfg.Metrics != nil {
		api.GET("/api/v1/metrics/segments", s.segmentMetrics)
		pages.GET("/charts", s.chartsPage)
	}
	app := s.requireApp
	if cfg.AdminToken == "" && cfg.App.PublicKey == nil {
		app = func(c *gin.Context) {
			s.fail(c, problem(cohort.KindNotFound, "the app API is off: set COHORT_ZENDESK_APP_PUBLIC_KEY (or COHORT_ADMIN_TOKEN)"))
		}
	}
	if cfg.Macros != nil {
		s.engine.GET("/app/v1/tickets/:id/macros", apiHeaders, app, s.ticketMacros)
	}
	if cfg.Sidebar != nil && cfg.AppAssets != nil {
		s.engine.POST("/app/v1/sidebar", s.sidebarPage)
		s.engine.GET("/app/v1/sidebar", s.sidebarPage)
		s.engine.GET("/app/v1/assets/*file", s.appAsset)
		s.engine.GET("/app/v1/tickets/:id/sidebar", apiHeaders, app, s.ticketSidebar)
		s.engine.GET("/app/v1/preview", apiHeaders, app, s.previewSidebar)
	}
	push := cfg.PushToken
	if cfg.Customers == nil {
		push = ""
	}
	s.engine.POST("/api/v1/customers", apiHeaders, requireToken(push, "pushing customers is off: set COHORT_PUSH_TOKEN", "push token", false), s.pushCustomers)
	return s
}

// CheckTrustedProxies reports whether proxies are IPs or CIDRs.
func CheckTrustedProxies(proxies []string) error {
	for _, p := range proxies {
		if _, _, err := net.ParseCIDR(p); err == nil {
			continue
		}
		if net.ParseIP(p) == nil {
			return fmt.Errorf("%q is neither an IP address nor a CIDR range", p)
		}
	}
	return nil
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// Drain makes /readyz fail, so a load balancer stops sending work before
// the process stops.
func (s *Server) Drain() { s.draining.Store(true) }

// statusOf maps an error kind to the HTTP status a client gets.
func statusOf(err error) int {
	switch cohort.KindOf(err) {
	case cohort.KindInvalid:
		return http.StatusBadRequest
	case cohort.KindNotFound:
		return http.StatusNotFound
	case cohort.KindConflict:
		return http.StatusConflict
	case cohort.KindUnauthorized:
		return http.StatusUnauthorized
	case cohort.KindUnavailable:
		return http.StatusServiceUnavailable
	case cohort.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// problem is an error of kind whose message the client sees.
func problem(kind cohort.Kind, format string, args ...any) error {
	return cohort.Errorf("web", kind, format, args...)
}

// fail answers with err's status, logging a server error. Every error
// answer goes through here (or failWith).
func (s *Server) fail(c *gin.Context, err error) {
	if statusOf(err) >= 500 {
		s.cfg.Logger.Error("request failed", "path", c.FullPath(), "err", err, "op", cohort.Op(err))
	}
	failWith(c, err)
}

// failWith answers with err's status. Client errors carry their message,
// which says what was wrong with the request; server errors only a
// generic one.
func failWith(c *gin.Context, err error) {
	status := statusOf(err)
	msg := http.StatusText(status)
	if status < 500 {
		msg = err.Error()
	}
	c.AbortWithStatusJSON(status, gin.H{"error": msg})
}

// webhook receives one delivery: verify, parse, store, 202.
func (s *Server) webhook(c *gin.Context) {
	name := c.Param("helpdesk")
	recv, ok := s.cfg.Receivers[name]
	if !ok {
		s.fail(c, problem(cohort.KindNotFound, "no webhook for helpdesk %s", name))
		return
	}
	body, err := s.readBody(c, MaxWebhookBytes)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := recv.Receive(c.Request.Header, body)
	switch {
	case errors.Is(err, cohort.ErrIgnored):
		c.JSON(http.StatusOK, gin.H{"status": "ignored", "reason": err.Error()})
		return
	case err != nil:
		if cohort.KindOf(err) == cohort.KindUnauthorized {
			s.cfg.Logger.Warn("webhook refused", "helpdesk", name, "err", err, "op", cohort.Op(err), "remote", c.ClientIP())
		}
		s.fail(c, err)
		return
	}
	// Finish the write even if the helpdesk hangs up: a half-done write
	// would race with the helpdesk's retry.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 5*time.Second)
	defer cancel()
	created, err := s.cfg.Intake.Enqueue(ctx, d)
	if err != nil {
		s.fail(c, cohort.E("web.webhook", cohort.KindUnavailable, err))
		return
	}
	status := "accepted"
	if !created {
		status = "duplicate"
	}
	s.cfg.Logger.Debug("webhook accepted", "helpdesk", name, "ticket_id", d.Ticket.ID, "status", status)
	c.JSON(http.StatusAccepted, gin.H{"status": status, "ticket_id": d.Ticket.ID})
}

// readBody reads a request's body of at most limit bytes, in one of the
// slots for bodies being read; with no slot free within BodyWait, it
// fails as unavailable.
func (s *Server) readBody(c *gin.Context, limit int64) ([]byte, error) {
	wait := time.NewTimer(s.cfg.BodyWait)
	defer wait.Stop()
	select {
	case s.bodies <- struct{}{}:
		defer func() { <-s.bodies }()
	case <-wait.C:
		c.Header("Retry-After", "5")
		return nil, problem(cohort.KindUnavailable, "too many requests are sending their bodies at once; retry shortly")
	case <-c.Request.Context().Done():
		return nil, problem(cohort.KindInvalid, "the client left")
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, problem(cohort.KindTooLarge, "body over %s", byteSize(limit))
	case err != nil:
		return nil, problem(cohort.KindInvalid, "could not read the body")
	}
	return body, nil
}

// byteSize renders a size limit: "1 MiB", "8 MiB", "512 bytes".
func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.Ready(ctx); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": err.Error()})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// Ready reports why the server should take no work ("draining", "database
// unreachable"), or nil: what GET /readyz answers.
func (s *Server) Ready(ctx context.Context) error {
	if s.draining.Load() {
		return errors.New("draining")
	}
	if s.cfg.Ping != nil {
		if err := s.cfg.Ping(ctx); err != nil {
			s.cfg.Logger.Warn("readiness: database unreachable", "err", err)
			return errors.New("database unreachable")
		}
	}
	return nil
}

// requireToken lets a request through with token, given as
// "Authorization: Bearer <token>" or, when inURL (links to pages), as
// ?token=<token>. With no token configured the routes are off: 404 with
// offMsg.
func requireToken(want, offMsg, what string, inURL bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if want == "" {
			failWith(c, problem(cohort.KindNotFound, "%s", offMsg))
			return
		}
		token := bearer(c)
		if token == "" && inURL {
			token = c.Query("token")
		}
		if subtle.ConstantTimeCompare([]byte(token), []byte(want)) != 1 {
			failWith(c, problem(cohort.KindUnauthorized, "%s missing or wrong", what))
			return
		}
		c.Next()
	}
}

// bearer returns the token of the request's "Authorization: Bearer"
// header, "" without one.
func bearer(c *gin.Context) string {
	token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	return token
}

// pageCSP lets the admin pages use their own inline styles and nothing
// else: no script, no frame, no form but to themselves.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pageHeaders are sent with the admin pages, whose URLs may hold the admin
// token: no referrer carries it away, no cache keeps it, no frame shows
// the page.
func pageHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
}

// apiHeaders are sent with the API's answers: not cached, not sniffed.
func apiHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

func (s *Server) recover(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Logger.Error("panic serving request", "path", c.Request.URL.Path, "panic", p)
			failWith(c, errors.New("panic"))
		}
	}()
	c.Next()
}
