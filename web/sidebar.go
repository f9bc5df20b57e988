package web

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cohortdesk/cohort"
)

// SidebarViews builds what the helpdesk app's sidebar shows.
type SidebarViews interface {
	// Ticket is the view of a ticket cohort enriched; KindNotFound when
	// it has no record of it.
	Ticket(ctx context.Context, helpdesk string, ticketID int64) (cohort.SidebarView, error)
	// Preview decides, without writing anything, a ticket not yet created
	// for req at priority p.
	Preview(ctx context.Context, helpdesk string, req cohort.Requester, p cohort.Priority) (cohort.SidebarView, error)
}

// Sessions of the sidebar. Zendesk's signed-URL token lives five minutes,
// but an agent keeps a ticket open for hours: once the page's token is
// verified, cohort hands the page its own session token, signed with
// AppAuth.SessionKey, which the page's requests carry.
const (
	sessionLifetime = 8 * time.Hour
	sessionIssuer   = "cohort"
	sessionAudience = "cohort-sidebar"
)

// sidebarPage is POST /app/v1/sidebar, the app's location: Zendesk posts
// the form field token, a JWT it signed (signed URLs). A valid one gets
// the app's page, assets/iframe.html, with a session token in it; the
// page's scripts and styles come from /app/v1/assets/.
func (s *Server) sidebarPage(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", s.sidebarCSP())
	token := c.PostForm("token")
	if token == "" {
		c.Data(http.StatusUnauthorized, "text/plain; charset=utf-8",
			[]byte("This is cohort's Zendesk app page. Open a ticket in Zendesk to see it: Zendesk loads it with a signed token.\n"))
		return
	}
	claims, err := s.verifyAppToken(token)
	if err != nil {
		s.cfg.Logger.Warn("sidebar refused", "err", err, "remote", c.ClientIP())
		c.Data(http.StatusUnauthorized, "text/plain; charset=utf-8",
			[]byte("cohort could not verify Zendesk's signature on this page (see cohort's log). Check COHORT_ZENDESK_APP_PUBLIC_KEY and COHORT_ZENDESK_APP_INSTALLATION_ID.\n"))
		return
	}
	session, err := s.newSession(claims)
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.sidebarHTML()
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusOK)
	c.Header("Content-Type", "text/html; charset=utf-8")
	for _, part := range [][]byte{page[0], []byte(html.EscapeString(session)), page[1]} {
		if _, err := c.Writer.Write(part); err != nil {
			return // the client left
		}
	}
}

// readSidebarHTML reads the app's page, assets/iframe.html, and splits it
// for sidebarPage: its head gets a base, so that the page's relative links
// reach /app/v1/assets/, and a meta element whose content, the session
// token, goes between the two parts.
func (s *Server) readSidebarHTML() ([2][]byte, error) {
	page, err := fs.ReadFile(s.cfg.AppAssets, "iframe.html")
	if err != nil {
		return [2][]byte{}, err
	}
	before, after, ok := bytes.Cut(page, []byte("<head>"))
	if !ok {
		return [2][]byte{}, errors.New("the app's iframe.html has no <head>")
	}
	head := "<head>\n  <base href=\"assets/\">\n  <meta name=\"cohort-session\" content=\""
	return [2][]byte{slices.Concat(before, []byte(head)), slices.Concat([]byte(`">`), after)}, nil
}

// sidebarCSP lets the page run its own scripts and call cohort, and be
// framed only by the helpdesk.
func (s *Server) sidebarCSP() string {
	ancestors := strings.Join(s.cfg.App.FrameAncestors, " ")
	if ancestors == "" {
		ancestors = "'none'"
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"form-action 'none'; base-uri 'self'; frame-ancestors " + ancestors
}

// appAsset is GET /app/v1/assets/*file: the app package's assets, the
// vendored ZAF SDK among them.
func (s *Server) appAsset(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean(c.Param("file")), "/")
	if name == "iframe.html" || !fs.ValidPath(name) {
		s.fail(c, problem(cohort.KindNotFound, "no such asset"))
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	c.FileFromFS(name, http.FS(s.cfg.AppAssets))
}

// newSession signs the sidebar's session token for the user and
// installation of a verified Zendesk token.
func (s *Server) newSession(zendesk jwt.MapClaims) (string, error) {
	now := time.Now()
	claims := jwt.MapClaims{"iss": sessionIssuer, "aud": sessionAudience, "iat": now.Unix(), "exp": now.Add(sessionLifetime).Unix()}
	if sub, err := zendesk.GetSubject(); err == nil && sub != "" {
		claims["sub"] = sub
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.cfg.App.SessionKey)
}

// verifySession checks a session token of newSession.
func (s *Server) verifySession(token string) error {
	if len(s.cfg.App.SessionKey) == 0 {
		return problem(cohort.KindUnauthorized, "no session key")
	}
	_, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return s.cfg.App.SessionKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired(),
		jwt.WithIssuer(sessionIssuer), jwt.WithAudience(sessionAudience), jwt.WithLeeway(appTokenLeeway))
	return err
}

// ticketSidebar is GET /app/v1/tickets/:id/sidebar: the sidebar's view of
// a ticket cohort enriched (404 when it has not, yet).
func (s *Server) ticketSidebar(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(c, problem(cohort.KindInvalid, "ticket id must be a positive number"))
		return
	}
	v, err := s.cfg.Sidebar.Ticket(c.Request.Context(), c.DefaultQuery("helpdesk", "zendesk"), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// previewSidebar is GET /app/v1/preview?email=…|external_id=…[&priority=…]:
// the sidebar's view for a ticket not yet created, decided now and written
// nowhere.
func (s *Server) previewSidebar(c *gin.Context) {
	req := cohort.Requester{Email: strings.TrimSpace(c.Query("email")), ExternalID: strings.TrimSpace(c.Query("external_id"))}
	if len(req.Email) > 320 || len(req.ExternalID) > 255 {
		s.fail(c, problem(cohort.KindInvalid, "email or external_id is too long"))
		return
	}
	var p cohort.Priority
	if v := c.Query("priority"); v != "" {
		var err error
		if p, err = cohort.ParsePriority(v); err != nil {
			s.fail(c, problem(cohort.KindInvalid, "priority: %v", err))
			return
		}
	}
	v, err := s.cfg.Sidebar.Preview(c.Request.Context(), c.DefaultQuery("helpdesk", "zendesk"), req, p)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}
