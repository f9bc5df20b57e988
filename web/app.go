package web

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/cohortdesk/cohort"
)

// MacroSuggester lists the macros that fit a ticket cohort enriched.
type MacroSuggester interface {
	Suggestions(ctx context.Context, rec cohort.Enrichment) ([]cohort.MacroSuggestion, error)
}

// AppAuth says how the helpdesk app's requests are verified: a Zendesk
// app with signed URLs sends a JWT, signed RS256 with the app's private
// key (the reference sheet's §9.3).
type AppAuth struct {
	// PublicKey is the app's public key; nil accepts only the admin token.
	PublicKey *rsa.PublicKey
	// Issuer is the token's iss: "{subdomain}.zendesk.com".
	Issuer string
	// AudiencePrefix starts the token's aud, which names the app's
	// installation: "https://{subdomain}.zendesk.com/api/v2/apps/installations/".
	AudiencePrefix string
}

// requireApp lets through requests of the helpdesk app: a valid app JWT
// (the one Zendesk signed for the app's page), or the admin token, as
// "Authorization: Bearer <token>" or the query field token.
func (s *Server) requireApp(c *gin.Context) {
	token := c.Query("token")
	if h := c.GetHeader("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	}
	if token == "" {
		s.fail(c, problem(cohort.KindUnauthorized, "app token missing"))
		return
	}
	if admin := s.cfg.AdminToken; admin != "" && subtle.ConstantTimeCompare([]byte(token), []byte(admin)) == 1 {
		c.Next()
		return
	}
	if err := s.verifyAppToken(token); err != nil {
		s.cfg.Logger.Warn("app request refused", "path", c.FullPath(), "err", err, "remote", c.ClientIP())
		s.fail(c, problem(cohort.KindUnauthorized, "app token invalid"))
		return
	}
	c.Next()
}

// verifyAppToken checks a ZAF JWT: its RS256 signature, expiry, issuer and
// installation audience.
func (s *Server) verifyAppToken(token string) error {
	auth := s.cfg.App
	if auth.PublicKey == nil {
		return cohort.Errorf("web.app", cohort.KindUnauthorized, "no app public key is configured (COHORT_ZENDESK_APP_PUBLIC_KEY)")
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return auth.PublicKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithExpirationRequired(), jwt.WithIssuer(auth.Issuer))
	if err != nil {
		return err
	}
	aud, err := claims.GetAudience()
	if err != nil {
		return err
	}
	for _, a := range aud {
		if strings.HasPrefix(a, auth.AudiencePrefix) {
			return nil
		}
	}
	return cohort.Errorf("web.app", cohort.KindUnauthorized, "audience %v is not an installation of this account's app", aud)
}

// ticketMacros is GET /app/v1/tickets/:id/macros: the macros that fit the
// ticket's segments, best first, for the sidebar app.
func (s *Server) ticketMacros(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(c, problem(cohort.KindInvalid, "ticket id must be a positive number"))
		return
	}
	helpdesk := c.DefaultQuery("helpdesk", "zendesk")
	rec, err := s.cfg.Records.Enrichment(c.Request.Context(), helpdesk, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	list, err := s.cfg.Macros.Suggestions(c.Request.Context(), rec)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"ticket_id": id, "segments": nonNil(rec.Segments), "escalations": nonNil(rec.Escalations), "macros": list})
}
