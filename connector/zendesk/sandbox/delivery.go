package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Headers of a webhook request (Go canonicalizes their case on the wire;
// Zendesk's docs write them lowercase).
const (
	headerAccountID          = "X-Zendesk-Account-Id"
	headerWebhookID          = "X-Zendesk-Webhook-Id"
	headerInvocationID       = "X-Zendesk-Webhook-Invocation-Id"
	headerSignature          = "X-Zendesk-Webhook-Signature"
	headerSignatureTimestamp = "X-Zendesk-Webhook-Signature-Timestamp"
)

// Retry limits for webhook deliveries (fact sheet §1.5, UNCONFIRMED).
const (
	maxRetriesNetwork  = 5                // timeouts and connection errors
	maxRetriesConflict = 3                // 409
	maxRetriesThrottle = 5                // 429 and 503 with a short Retry-After
	maxRetryAfter      = 60 * time.Second // longer Retry-After: no retry
)

var contentTypes = map[string]string{
	formatJSON:     "application/json",
	"xml":          "application/xml",
	"form_encoded": "application/x-www-form-urlencoded",
}

// Delivery is one webhook invocation: a trigger's message to a webhook,
// with its retries.
type Delivery struct {
	WebhookID    string
	InvocationID string // the same on every retry
	TriggerID    int64
	TicketID     int64
	Endpoint     string
	Attempts     int
	StatusCode   int   // of the last attempt; 0 when it got no response
	Err          error // nil when the endpoint answered 2xx
}

// Deliveries returns the webhook deliveries that have finished, with
// success or after giving up, in the order they finished.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// WaitDeliveries blocks until n deliveries have finished, or ctx is done.
func (s *Server) WaitDeliveries(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return len(s.deliveries) >= n })
}

// invocation is everything a delivery needs, copied from the account so
// that it runs without the lock.
type invocation struct {
	id        string
	webhook   *webhook
	triggerID int64
	ticketID  int64
	body      []byte // nil for GET and DELETE webhooks
}

// sendNotificationsLocked renders the triggers' notifications for t,
// written by actorID, and queues their deliveries. Notifications to
// deleted or inactive webhooks are dropped. s.mu must be held.
func (s *Server) sendNotificationsLocked(t *ticket, notes []notification, actorID int64) {
	if len(notes) == 0 {
		return
	}
	values := s.placeholderValuesLocked(t, actorID)
	for _, n := range notes {
		h, ok := s.webhooks[n.webhookID]
		if !ok || h.status != webhookActive {
			s.log.Info("sandbox: webhook notification dropped",
				"webhook_id", n.webhookID, "trigger_id", n.triggerID, "ticket_id", t.id)
			continue
		}
		inv := invocation{
			id:        strconv.FormatInt(s.nextID(), 10),
			webhook:   h,
			triggerID: n.triggerID,
			ticketID:  t.id,
		}
		if h.httpMethod != http.MethodGet && h.httpMethod != http.MethodDelete {
			inv.body = []byte(renderTemplate(n.template, values, h.requestFormat == formatJSON))
		}
		s.goLocked(func(ctx context.Context) { s.deliver(ctx, inv) })
	}
}

// deliver sends an invocation, retrying as Zendesk does, and records it.
func (s *Server) deliver(ctx context.Context, inv invocation) {
	d := Delivery{
		WebhookID:    inv.webhook.id,
		InvocationID: inv.id,
		TriggerID:    inv.triggerID,
		TicketID:     inv.ticketID,
		Endpoint:     inv.webhook.endpoint,
	}
	for {
		d.Attempts++
		status, retryAfter, err := s.attempt(ctx, inv)
		d.StatusCode, d.Err = status, err
		if err == nil && (status < 200 || status > 299) {
			d.Err = fmt.Errorf("sandbox: webhook endpoint answered %d", status)
		}
		wait, retry := s.retryDelay(d.Attempts-1, status, retryAfter, err)
		if !retry || ctx.Err() != nil {
			break
		}
		s.log.Debug("sandbox: webhook retry", "invocation_id", inv.id, "attempt", d.Attempts, "status", status, "wait", wait)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			d.Err = fmt.Errorf("sandbox: closed before retrying: %w", ctx.Err())
		case <-timer.C:
		}
		if ctx.Err() != nil {
			break
		}
	}
	level := s.log.Info
	if d.Err != nil {
		level = s.log.Warn
	}
	level("sandbox: webhook delivery", "webhook_id", d.WebhookID, "invocation_id", d.InvocationID,
		"trigger_id", d.TriggerID, "ticket_id", d.TicketID, "attempts", d.Attempts, "status", d.StatusCode, "err", d.Err)
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.notifyLocked()
	s.mu.Unlock()
}

// retryDelay reports whether an attempt that ended with status (or the
// transport error err) is retried, and after how long; retries counts the
// retries made so far, whatever their cause.
func (s *Server) retryDelay(retries, status int, retryAfter string, err error) (time.Duration, bool) {
	switch {
	case err != nil:
		return s.cfg.RetryBackoff, retries < maxRetriesNetwork
	case status == http.StatusConflict:
		return s.cfg.RetryBackoff, retries < maxRetriesConflict
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		wait, ok := parseRetryAfter(retryAfter, s.cfg.Now())
		return wait, ok && wait < maxRetryAfter && retries < maxRetriesThrottle
	}
	return 0, false
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return time.Duration(secs) * time.Second, secs >= 0
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// attempt makes one signed request of an invocation. It returns the
// response status and Retry-After, or the transport error.
func (s *Server) attempt(ctx context.Context, inv invocation) (int, string, error) {
	h := inv.webhook
	var body io.Reader
	if inv.body != nil {
		body = bytes.NewReader(inv.body)
	}
	req, err := http.NewRequestWithContext(ctx, h.httpMethod, h.endpoint, body)
	if err != nil {
		return 0, "", err
	}
	for k, v := range h.customHeaders {
		req.Header.Set(k, v)
	}
	if a := h.auth; a != nil {
		switch a.Type {
		case authBasic:
			req.SetBasicAuth(a.Data.Username, a.Data.Password)
		case authBearer:
			req.Header.Set("Authorization", "Bearer "+a.Data.Token)
		case authAPIKey:
			req.Header.Set(a.Data.Name, a.Data.Value)
		}
	}
	if inv.body != nil {
		req.Header.Set("Content-Type", contentTypes[h.requestFormat])
	}
	ts := formatTime(s.cfg.Now())
	req.Header.Set(headerAccountID, strconv.FormatInt(s.accountID, 10))
	req.Header.Set(headerWebhookID, h.id)
	req.Header.Set(headerInvocationID, inv.id)
	req.Header.Set(headerSignatureTimestamp, ts)
	req.Header.Set(headerSignature, sign(h.secret, ts, inv.body))
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header.Get("Retry-After"), nil
}

// sign computes Zendesk's webhook signature:
// base64(HMAC-SHA256(key = secret, message = timestamp + body)).
func sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
