package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Salesforce's header asking a query batch size.
const headerQueryOptions = "Sforce-Query-Options"

// maxBody bounds the answers read: a batch of 2,000 records is a few MB.
const maxBody = 64 << 20

// client calls the REST API of one org, getting access tokens as needed.
type client struct {
	http         *retryablehttp.Client
	version      string
	loginURL     string
	clientID     string
	clientSecret string
	refreshToken string
	batchSize    int

	mu       sync.Mutex // guards token and instance, and serializes token requests
	token    string
	instance string
}

func newClient(cfg Config) *client {
	return &client{
		http:         newRetryClient(cfg),
		version:      cfg.APIVersion,
		loginURL:     cfg.LoginURL,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		refreshToken: cfg.RefreshToken,
		batchSize:    cfg.BatchSize,
		token:        cfg.AccessToken,
		instance:     cfg.InstanceURL,
	}
}

// canRefresh reports whether the client can get access tokens itself.
func (c *client) canRefresh() bool { return c.clientID != "" }

// get GETs path (from /services/data/ on) on the org's instance and returns
// the body and the server's Date (zero when missing). It gets an access
// token first when it has none, and a new one, once, when Salesforce
// answers 401 INVALID_SESSION_ID, as simple-salesforce does. An answer
// other than 200 is an *APIError.
//
// REST API: GET /services/data/vXX.X/…
func (c *client) get(ctx context.Context, path string) ([]byte, time.Time, error) {
	for renewed := false; ; renewed = true {
		token, instance, err := c.session(ctx)
		if err != nil {
			return nil, time.Time{}, err
		}
		req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, instance+path, nil)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("build request: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		if c.batchSize > 0 {
			req.Header.Set(headerQueryOptions, "batchSize="+strconv.Itoa(c.batchSize))
		}
		status, header, body, err := c.do(req)
		if err != nil {
			return nil, time.Time{}, err
		}
		if status == http.StatusOK {
			date, _ := http.ParseTime(header.Get("Date"))
			return body, date, nil
		}
		apiErr := parseAPIError(status, header, body)
		if apiErr.Code == codeInvalidSession && c.canRefresh() && !renewed {
			c.forget(token)
			continue
		}
		return nil, time.Time{}, apiErr
	}
}

// do sends req, retrying as the client's policy says, and reads the answer.
func (c *client) do(req *retryablehttp.Request) (int, http.Header, []byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("read the answer to %s %s: %w", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// session returns the access token and instance URL to use, getting a token
// first when there is none.
func (c *client) session(ctx context.Context) (token, instance string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == "" {
		if err := c.newTokenLocked(ctx); err != nil {
			return "", "", err
		}
	}
	return c.token, c.instance, nil
}

// forget drops token, unless another request already replaced it.
func (c *client) forget(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == token {
		c.token = ""
	}
}

// tokenAnswer is the token endpoint's answer, success or error.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	InstanceURL string `json:"instance_url"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// newTokenLocked gets an access token with the refresh-token flow, or the
// client-credentials flow without a refresh token, and takes the org's
// instance URL from the answer. c.mu must be held.
//
// REST API: POST /services/oauth2/token
func (c *client) newTokenLocked(ctx context.Context) error {
	form := url.Values{"client_id": {c.clientID}, "client_secret": {c.clientSecret}}
	if c.refreshToken != "" {
		form.Set("grant_type", "refresh_token")
		form.Set("refresh_token", c.refreshToken)
	} else {
		form.Set("grant_type", "client_credentials")
	}
	endpoint := c.loginURL + "/services/oauth2/token"
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, endpoint, []byte(form.Encode()))
	if err != nil {
		return fmt.Errorf("get an access token from %s: %w", c.loginURL, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	status, _, body, err := c.do(req)
	if err != nil {
		return &tokenError{loginURL: c.loginURL, err: err}
	}
	var a tokenAnswer
	jsonErr := json.Unmarshal(body, &a)
	switch {
	case status != http.StatusOK && a.Error != "":
		return &tokenError{loginURL: c.loginURL, err: &APIError{Status: status, Code: a.Error, Message: a.Description}}
	case status != http.StatusOK:
		return &tokenError{loginURL: c.loginURL, err: &APIError{Status: status, Message: snippet(body)}}
	case jsonErr != nil || a.AccessToken == "":
		return &tokenError{loginURL: c.loginURL, err: fmt.Errorf("the answer holds no access_token")}
	}
	c.token = a.AccessToken
	if a.InstanceURL != "" {
		c.instance = strings.TrimRight(a.InstanceURL, "/")
	}
	if c.instance == "" {
		return &tokenError{loginURL: c.loginURL, err: fmt.Errorf("the answer holds no instance_url and Config.InstanceURL is not set")}
	}
	return nil
}
