package httpretry_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cohortdesk/cohort/internal/httpretry"
)

func TestCheckRetry(t *testing.T) {
	ctx := context.Background()
	answered := func(method string, status int) *http.Response {
		return &http.Response{StatusCode: status, Request: httptest.NewRequest(method, "/x", nil)}
	}
	// A server that reads the request, then drops the connection: sent.
	dropping := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer dropping.Close()
	lost := func(method string) error {
		req := httptest.NewRequest(method, dropping.URL, nil)
		req.RequestURI = ""
		_, err := httpretry.Send(http.DefaultTransport, req)
		if err == nil {
			t.Fatal("a dropped connection gave no error")
		}
		return err
	}
	for _, tt := range []struct {
		name string
		ctx  context.Context
		resp *http.Response
		err  error
		want bool
	}{
		{"POST answered 429", ctx, answered("POST", 429), nil, true},
		{"POST answered 503", ctx, answered("POST", 503), nil, false},
		{"GET answered 503", ctx, answered("GET", 503), nil, true},
		{"repeatable PUT answered 503", httpretry.Repeatable(ctx), answered("PUT", 503), nil, true},
		{"POST answered 400", ctx, answered("POST", 400), nil, false},
		{"POST never sent", ctx, nil, httpretry.NotSent("POST", errors.New("rate budget: context deadline")), true},
		{"POST sent, answer lost", ctx, nil, lost("POST"), false},
		{"GET sent, answer lost", ctx, nil, lost("GET"), true},
		{"an error from elsewhere", ctx, nil, errors.New("?"), false},
		{"a Once GET answered 429", httpretry.Once(ctx), answered("GET", 429), nil, false},
	} {
		got, err := httpretry.CheckRetry(tt.ctx, tt.resp, tt.err)
		if err != nil || got != tt.want {
			t.Errorf("%s: retry %v (%v), want %v", tt.name, got, err, tt.want)
		}
	}
}
