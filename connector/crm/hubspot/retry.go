package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// waits are the retry waits per kind of failure, multiplied by the
// attempt's number: HubSpot's SDK's.
type waits struct {
	secondly    time.Duration // a search 429
	tenSecondly time.Duration // a 429 of the ten-second window, at most
	server      time.Duration // a 5xx or a connection error
}

var defaultWaits = waits{secondly: time.Second, tenSecondly: 10 * time.Second, server: 200 * time.Millisecond}

// headerInterval is the length of the rate-limit window, in milliseconds.
const headerInterval = "X-HubSpot-RateLimit-Interval-Milliseconds"

// checkRetry retries connection errors, 5xx (but 501) and 429s other than
// the daily limit's.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return rateLimitPolicy(resp) != PolicyDaily, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return true, nil
	}
	return false, nil
}

// backoff is how long to wait before retry attempt+1 (attempt counts from
// 0): for a search 429 1 s × the attempt's number; for another 429 10 s ×
// the number, or the window's length if the headers give a shorter one;
// otherwise 200 ms × the number.
func (s *Source) backoff(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
	n := time.Duration(attempt + 1)
	if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		return s.waits.server * n
	}
	if rateLimitPolicy(resp) == PolicySecondly || (resp.Request != nil && isSearch(resp.Request)) {
		return s.waits.secondly * n
	}
	w := s.waits.tenSecondly
	if ms, err := strconv.Atoi(resp.Header.Get(headerInterval)); err == nil && ms > 0 {
		w = min(w, time.Duration(ms)*time.Millisecond)
	}
	return w * n
}

// rateLimitPolicy reads which limit a 429 hit from its body, which it
// keeps readable: checkRetry reads it first, backoff after retryablehttp
// drained it.
func rateLimitPolicy(resp *http.Response) string {
	body, ok := resp.Body.(*bufferedBody)
	if !ok {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		body = &bufferedBody{Reader: bytes.NewReader(data), data: data}
		resp.Body = body
	}
	var b errorBody
	json.Unmarshal(body.data, &b)
	return b.policy()
}

// bufferedBody is a response body read into memory, whose bytes stay
// available after it is read.
type bufferedBody struct {
	*bytes.Reader
	data []byte
}

func (*bufferedBody) Close() error { return nil }
