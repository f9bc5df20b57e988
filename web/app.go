package web

import (
	"context"
	"crypto/rsa"
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

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
	// installation: "https://{subdomain}.zendesk.com/api/v2/apps/installations/";
	// the aud is the prefix, the installation's id and ".json".
	AudiencePrefix string
	// InstallationID, when not 0, is the one installation whose tokens are
	// taken; otherwise any id of digits is.
	InstallationID int64
	// SessionKey signs the sidebar's own session tokens (see
	// sidebarPage); every replica must have the same.
	SessionKey []byte
	// FrameAncestors are the origins allowed to frame the sidebar page:
	// the helpdesk's, e.g. "https://acme.zendesk.com".
	FrameAncestors []string
}

// Bounds of an app token's times. Zendesk's signed-URL tokens live five
// minutes; a token that claims to live much longer was not made by it.
const (
	maxAppTokenLifetime = time.Hour
	appTokenLeeway      = time.Minute // clock skew allowed on exp, nbf and iat
)

// requireApp lets through requests of the helpdesk app: the sidebar's
// session token, a valid app JWT (the one Zendesk signed for the app's
// page), or the admin token, as "Authorization: Bearer <token>" (never in
// the URL, where logs and referrers keep it).
func (s *Server) requireApp(c *gin.Context) {
	token := bearer(c)
	if token == "" {
		s.fail(c, problem(cohort.KindUnauthorized, "app token missing"))
		return
	}
	if admin := s.cfg.AdminToken; admin != "" && subtle.ConstantTimeCompare([]byte(token), []byte(admin)) == 1 {
		c.Next()
		return
	}
	if s.verifySession(token) == nil {
		c.Next()
		return
	}
	if _, err := s.verifyAppToken(token); err != nil {
		s.cfg.Logger.Warn("app request refused", "path", c.FullPath(), "err", err, "remote", c.ClientIP())
		s.fail(c, problem(cohort.KindUnauthorized, "app token invalid"))
		return
	}
	c.Next()
}

// verifyAppToken checks a ZAF JWT: its RS256 signature; an expiry at most
// maxAppTokenLifetime after it was issued (or from now) and, with
// appTokenLeeway, not past; an issue time and a not-before time not in the
// future; the account as issuer; and an audience that is exactly an
// installation of the app (the configured one, if any). It returns the
// token's claims.
func (s *Server) verifyAppToken(token string) (jwt.MapClaims, error) {
	const op = "web.verifyAppToken"
	auth := s.cfg.App
	if auth.PublicKey == nil {
		return nil, cohort.Errorf(op, cohort.KindUnauthorized, "no app public key is configured (COHORT_ZENDESK_APP_PUBLIC_KEY)")
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return auth.PublicKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(appTokenLeeway), jwt.WithIssuer(auth.Issuer))
	if err != nil {
		return nil, err
	}
	exp, _ := claims.GetExpirationTime() // required above
	from := time.Now()
	if iat, err := claims.GetIssuedAt(); err == nil && iat != nil {
		from = iat.Time
	}
	if exp.Sub(from) > maxAppTokenLifetime {
		return nil, cohort.Errorf(op, cohort.KindUnauthorized, "the token lives %v, longer than %v", exp.Sub(from).Round(time.Second), maxAppTokenLifetime)
	}
	aud, err := claims.GetAudience()
	if err != nil {
		return nil, err
	}
	for _, a := range aud {
		id, ok := strings.CutPrefix(a, auth.AudiencePrefix)
		if !ok {
			continue
		}
		id, ok = strings.CutSuffix(id, ".json")
		n, err := strconv.ParseInt(id, 10, 64)
		if ok && err == nil && n > 0 && id == strconv.FormatInt(n, 10) &&
			(auth.InstallationID == 0 || n == auth.InstallationID) {
			return claims, nil
		}
	}
	return nil, cohort.Errorf(op, cohort.KindUnauthorized, "audience %v is not an installation of this account's app", aud)
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
