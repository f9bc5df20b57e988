package sandbox

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Webhook property values Zendesk accepts.
var (
	webhookMethods  = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	webhookFormats  = []string{formatJSON, "xml", "form_encoded"}
	webhookStatuses = []string{webhookActive, "inactive"}
)

const (
	formatJSON    = "json"
	webhookActive = "active"
	// subscriptionTriggers connects a webhook to triggers and automations.
	subscriptionTriggers = "conditional_ticket_events"
	signingAlgorithm     = "SHA256"
)

// Webhook authentication types and where they go.
const (
	authBasic       = "basic_auth"
	authBearer      = "bearer_token"
	authAPIKey      = "api_key"
	authPositionHdr = "header"
)

// webhook is a stored webhook; it is never modified.
type webhook struct {
	id            string
	seq           int64 // creation order: ids made in one millisecond do not sort by it
	name          string
	description   string
	endpoint      string
	httpMethod    string
	requestFormat string
	status        string
	subscriptions []string
	auth          *webhookAuth
	customHeaders map[string]string
	secret        string
	createdBy     string
	createdAt     time.Time
	updatedAt     time.Time
}

// webhookAuth is a webhook's authentication with its credentials.
type webhookAuth struct {
	Type        string `json:"type"`
	AddPosition string `json:"add_position"`
	Data        struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Token    string `json:"token"`
		Name     string `json:"name"`
		Value    string `json:"value"`
	} `json:"data"`
}

// webhookJSON is a webhook as Zendesk serializes it (fixture
// GET/webhook.json). Credentials are not echoed, except a basic-auth
// username.
type webhookJSON struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	Description    string            `json:"description,omitempty"`
	Status         string            `json:"status"`
	Endpoint       string            `json:"endpoint"`
	HTTPMethod     string            `json:"http_method"`
	RequestFormat  string            `json:"request_format"`
	Subscriptions  []string          `json:"subscriptions"`
	Authentication *webhookAuthJSON  `json:"authentication,omitempty"`
	CustomHeaders  map[string]string `json:"custom_headers,omitempty"`
	CreatedAt      string            `json:"created_at"`
	CreatedBy      string            `json:"created_by"`
	UpdatedAt      string            `json:"updated_at"`
	UpdatedBy      string            `json:"updated_by"`
}

type webhookAuthJSON struct {
	Type        string            `json:"type"`
	AddPosition string            `json:"add_position"`
	Data        map[string]string `json:"data,omitempty"`
}

func webhookView(h *webhook) webhookJSON {
	v := webhookJSON{
		ID:            h.id,
		Name:          h.name,
		Description:   h.description,
		Status:        h.status,
		Endpoint:      h.endpoint,
		HTTPMethod:    h.httpMethod,
		RequestFormat: h.requestFormat,
		Subscriptions: slices.Clone(h.subscriptions),
		CustomHeaders: maps.Clone(h.customHeaders),
		CreatedAt:     formatTime(h.createdAt),
		CreatedBy:     h.createdBy,
		UpdatedAt:     formatTime(h.updatedAt),
		UpdatedBy:     h.createdBy,
	}
	if v.Subscriptions == nil {
		v.Subscriptions = []string{}
	}
	if h.auth != nil {
		v.Authentication = &webhookAuthJSON{Type: h.auth.Type, AddPosition: h.auth.AddPosition}
		if h.auth.Type == authBasic {
			v.Authentication.Data = map[string]string{"username": h.auth.Data.Username}
		}
	}
	return v
}

// webhookInput is the body of a webhook create.
type webhookInput struct {
	Name           string            `json:"name"`
	Description    string            `json:"description"`
	Endpoint       string            `json:"endpoint"`
	HTTPMethod     string            `json:"http_method"`
	RequestFormat  string            `json:"request_format"`
	Status         string            `json:"status"`
	Subscriptions  []string          `json:"subscriptions"`
	Authentication *webhookAuth      `json:"authentication"`
	CustomHeaders  map[string]string `json:"custom_headers"`
	SigningSecret  *struct {
		Algorithm string `json:"algorithm"`
		Secret    string `json:"secret"`
	} `json:"signing_secret"`
}

// errWebhookInvalid is a 400 in the errors-array shape of Zendesk's newer
// APIs, pointing at the invalid property.
func errWebhookInvalid(field, detail string) *apiError {
	return &apiError{status: http.StatusBadRequest, body: map[string]any{
		"errors": []map[string]any{{
			"code":   "InvalidValue",
			"title":  "Invalid value",
			"detail": detail,
			"source": map[string]string{"pointer": "/webhook/" + field},
		}},
	}}
}

// validate checks a webhook create body like Zendesk: the five required
// properties and their enumerations, the subscriptions and the
// authentication data.
func (in *webhookInput) validate() error {
	required := []struct{ field, value string }{
		{"name", in.Name},
		{"endpoint", in.Endpoint},
		{"http_method", in.HTTPMethod},
		{"request_format", in.RequestFormat},
		{"status", in.Status},
	}
	for _, r := range required {
		if strings.TrimSpace(r.value) == "" {
			return errWebhookInvalid(r.field, r.field+" is required")
		}
	}
	if u, err := url.Parse(in.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errWebhookInvalid("endpoint", "endpoint must be an absolute http or https URL")
	}
	enums := []struct {
		field, value string
		allowed      []string
	}{
		{"http_method", in.HTTPMethod, webhookMethods},
		{"request_format", in.RequestFormat, webhookFormats},
		{"status", in.Status, webhookStatuses},
	}
	for _, e := range enums {
		if !slices.Contains(e.allowed, e.value) {
			return errWebhookInvalid(e.field, e.field+" must be one of "+strings.Join(e.allowed, ", "))
		}
	}
	if slices.Contains(in.Subscriptions, subscriptionTriggers) && len(in.Subscriptions) > 1 {
		return errWebhookInvalid("subscriptions", "a webhook connects to triggers or subscribes to events, not both")
	}
	if len(in.Subscriptions) > 0 && !slices.Contains(in.Subscriptions, subscriptionTriggers) &&
		(in.HTTPMethod != http.MethodPost || in.RequestFormat != formatJSON) {
		return errWebhookInvalid("subscriptions", "event subscriptions require http_method POST and request_format json")
	}
	if a := in.Authentication; a != nil {
		if a.AddPosition == "" {
			a.AddPosition = authPositionHdr
		}
		if a.AddPosition != authPositionHdr {
			return errWebhookInvalid("authentication", "authentication add_position must be header")
		}
		var missing bool
		switch a.Type {
		case authBasic:
			missing = a.Data.Username == "" || a.Data.Password == ""
		case authBearer:
			missing = a.Data.Token == ""
		case authAPIKey:
			missing = a.Data.Name == "" || a.Data.Value == ""
		default:
			return errWebhookInvalid("authentication", "authentication type must be basic_auth, bearer_token or api_key")
		}
		if missing {
			return errWebhookInvalid("authentication", "authentication data is incomplete for "+a.Type)
		}
	}
	if ss := in.SigningSecret; ss != nil && (ss.Secret == "" || (ss.Algorithm != "" && ss.Algorithm != signingAlgorithm)) {
		return errWebhookInvalid("signing_secret", "signing_secret needs a secret and algorithm SHA256")
	}
	return nil
}

// newULID returns a ULID: 48 bits of milliseconds and 80 random bits in
// Crockford base32, the form of Zendesk's webhook ids.
func newULID(t time.Time) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	rand.Read(b[6:])
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	out := make([]byte, 26)
	for i := range out {
		shift := uint(125 - 5*i) // bit offset of this digit in the 130-bit number
		var v uint64
		switch {
		case shift >= 64:
			v = hi >> (shift - 64)
		case shift+5 <= 64:
			v = lo >> shift
		default:
			v = lo>>shift | hi<<(64-shift)
		}
		out[i] = alphabet[v&31]
	}
	return string(out)
}

// newSigningSecret returns a random secret shaped like Zendesk's.
func newSigningSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.URLEncoding.EncodeToString(b)
}

// createWebhook emulates POST /api/v2/webhooks (cloning is not emulated).
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("clone_webhook_id") != "" {
		return errBadRequest("cloning webhooks is not supported by the sandbox")
	}
	var body struct {
		Webhook *webhookInput `json:"webhook"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	in := body.Webhook
	if in == nil {
		return errWebhookInvalid("", "webhook is required")
	}
	if err := in.validate(); err != nil {
		return err
	}
	h := &webhook{
		name:          in.Name,
		description:   in.Description,
		endpoint:      in.Endpoint,
		httpMethod:    in.HTTPMethod,
		requestFormat: in.RequestFormat,
		status:        in.Status,
		subscriptions: in.Subscriptions,
		auth:          in.Authentication,
		customHeaders: in.CustomHeaders,
		secret:        newSigningSecret(),
	}
	if in.SigningSecret != nil {
		h.secret = in.SigningSecret.Secret
	}
	s.mu.Lock()
	h.createdAt = s.now()
	h.updatedAt = h.createdAt
	h.id = newULID(h.createdAt)
	h.seq = s.nextID()
	h.createdBy = strconv.FormatInt(s.adminID, 10)
	s.webhooks[h.id] = h
	s.hookOrder = append(s.hookOrder, h.id)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"webhook": webhookView(h)})
	return nil
}

// listWebhooks emulates GET /api/v2/webhooks with cursor pagination and the
// filter[name_contains] and filter[status] filters, oldest first.
func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	nameContains, status := strings.ToLower(q.Get("filter[name_contains]")), q.Get("filter[status]")
	views := []webhookJSON{}
	seq := map[string]int64{}
	s.mu.Lock()
	for _, id := range s.hookOrder {
		h := s.webhooks[id]
		if strings.Contains(strings.ToLower(h.name), nameContains) && (status == "" || h.status == status) {
			views = append(views, webhookView(h))
			seq[h.id] = h.seq
		}
	}
	s.mu.Unlock()
	key := func(v webhookJSON) string { return orderKey(seq[v.ID]) }
	sortByKey(views, key)
	page, meta, links, err := paginateCursor(r, views, key)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": page, "meta": meta, "links": links})
	return nil
}

// webhookLocked returns the webhook named by the {id} path value. s.mu
// must be held.
func (s *Server) webhookLocked(r *http.Request) (*webhook, error) {
	h, ok := s.webhooks[r.PathValue("id")]
	if !ok {
		return nil, errNotFound
	}
	return h, nil
}

// showWebhook emulates GET /api/v2/webhooks/{id}.
func (s *Server) showWebhook(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	h, err := s.webhookLocked(r)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhook": webhookView(h)})
	return nil
}

// deleteWebhook emulates DELETE /api/v2/webhooks/{id}. Triggers that still
// name it skip it.
func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	h, err := s.webhookLocked(r)
	if err == nil {
		delete(s.webhooks, h.id)
		s.hookOrder = slices.DeleteFunc(s.hookOrder, func(id string) bool { return id == h.id })
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// updateWebhook emulates PUT /api/v2/webhooks/{id} (a full update: the
// body is the whole webhook) and PATCH (a partial one: the properties
// given replace the webhook's). Either answers 204. The signing secret
// stays; a webhook connected to triggers cannot move to event
// subscriptions, nor back.
func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Webhook *json.RawMessage `json:"webhook"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if body.Webhook == nil {
		return errWebhookInvalid("", "webhook is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, err := s.webhookLocked(r)
	if err != nil {
		return err
	}
	var in webhookInput
	if r.Method == http.MethodPatch {
		// Copies: decoding the patch writes into them, and h is shared.
		in = webhookInput{Name: h.name, Description: h.description, Endpoint: h.endpoint, HTTPMethod: h.httpMethod,
			RequestFormat: h.requestFormat, Status: h.status, Subscriptions: slices.Clone(h.subscriptions),
			CustomHeaders: maps.Clone(h.customHeaders)}
		if h.auth != nil {
			auth := *h.auth
			in.Authentication = &auth
		}
	}
	if err := json.Unmarshal(*body.Webhook, &in); err != nil {
		return errWebhookInvalid("", "the webhook is not valid JSON for a webhook: "+err.Error())
	}
	if err := in.validate(); err != nil {
		return err
	}
	if slices.Contains(in.Subscriptions, subscriptionTriggers) != slices.Contains(h.subscriptions, subscriptionTriggers) {
		return errWebhookInvalid("subscriptions", "a webhook's connection method (triggers or event subscriptions) cannot change")
	}
	next := *h
	next.name, next.description, next.endpoint, next.httpMethod = in.Name, in.Description, in.Endpoint, in.HTTPMethod
	next.requestFormat, next.status, next.subscriptions = in.RequestFormat, in.Status, in.Subscriptions
	next.auth, next.customHeaders = in.Authentication, in.CustomHeaders
	for name, value := range next.customHeaders {
		if value == "" { // "X": null in a PATCH removes the header
			delete(next.customHeaders, name)
		}
	}
	if in.SigningSecret != nil {
		next.secret = in.SigningSecret.Secret
	}
	next.updatedAt = s.now()
	s.webhooks[h.id] = &next
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// showSigningSecret emulates GET /api/v2/webhooks/{id}/signing_secret.
func (s *Server) showSigningSecret(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	h, err := s.webhookLocked(r)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"signing_secret": map[string]string{"algorithm": signingAlgorithm, "secret": h.secret},
	})
	return nil
}
