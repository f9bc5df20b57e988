package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// OAuth grant types the token endpoint accepts.
const (
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// tokenResponse is the token endpoint's answer.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	Signature   string `json:"signature"`
	Scope       string `json:"scope"`
	InstanceURL string `json:"instance_url"`
	ID          string `json:"id"`
	TokenType   string `json:"token_type"`
	IssuedAt    string `json:"issued_at"`
}

// oauthError is the token endpoint's error body.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// token serves POST /services/oauth2/token: the refresh_token grant
// (client_id, client_secret, refresh_token) and the client_credentials
// grant (client_id and client_secret, in the form or as Basic auth). The
// new session's instance_url is the sandbox's own base URL.
func (s *Server) token(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "malformed form body"})
		return nil
	}
	form := r.PostForm
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		clientID, secret = u, p
	}
	grant := form.Get("grant_type")
	var fail *oauthError
	switch {
	case grant != GrantRefreshToken && grant != GrantClientCredentials:
		fail = &oauthError{"unsupported_grant_type", "grant type not supported"}
	case s.cfg.ClientID == "" || !same(clientID, s.cfg.ClientID):
		fail = &oauthError{"invalid_client_id", "client identifier invalid"}
	case !same(secret, s.cfg.ClientSecret):
		fail = &oauthError{"invalid_client", "invalid client credentials"}
	case grant == GrantRefreshToken && (s.cfg.RefreshToken == "" || !same(form.Get("refresh_token"), s.cfg.RefreshToken)):
		fail = &oauthError{"invalid_grant", "expired access/refresh token"}
	}
	if fail != nil {
		writeJSON(w, http.StatusBadRequest, fail)
		return nil
	}

	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host
	id := base + "/id/" + s.orgID + "/" + s.userID
	issuedAt := strconv.FormatInt(s.cfg.Now().UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(s.cfg.ClientSecret))
	mac.Write([]byte(id + issuedAt))
	token := s.orgID[:15] + "!" + rand.Text() + rand.Text()

	s.mu.Lock()
	s.sessions[token] = s.cfg.Now()
	s.mu.Unlock()
	s.stats.tokenIssued()
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: token,
		Signature:   base64.StdEncoding.EncodeToString(mac.Sum(nil)),
		Scope:       "api refresh_token",
		InstanceURL: base,
		ID:          id,
		TokenType:   "Bearer",
		IssuedAt:    issuedAt,
	})
	return nil
}

func same(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// errInvalidSession is the 401 of a missing, expired or revoked token.
var errInvalidSession = errorf(http.StatusUnauthorized, codeInvalidSession, "Session expired or invalid")

// authenticate answers API requests 401 INVALID_SESSION_ID unless they carry
// "Authorization: Bearer <token>" (or "OAuth <token>") of a live session,
// which the request keeps alive for another SessionTimeout.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if apiVersion(r.URL.Path) == "" {
			next.ServeHTTP(w, r)
			return
		}
		auth := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			token, ok = strings.CutPrefix(auth, "OAuth ")
		}
		if !ok || !s.useSession(token) {
			writeError(w, errInvalidSession)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// useSession reports whether token is a live session, and keeps it alive.
func (s *Server) useSession(token string) bool {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	last, ok := s.sessions[token]
	if !ok || token == "" {
		return false
	}
	if now.Sub(last) >= s.cfg.SessionTimeout {
		delete(s.sessions, token)
		return false
	}
	s.sessions[token] = now
	return true
}

// ExpireTokens ends every session, Config.AccessToken's included: the next
// API request with any of them answers 401 INVALID_SESSION_ID. The refresh
// token and client credentials keep working.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}
