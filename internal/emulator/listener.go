package emulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Listener serves an emulator's handler on a TCP address, from Listen to
// Close. The zero Listener serves nothing: its URL is empty and Close does
// nothing, as for a sandbox made by New rather than Start.
type Listener struct {
	ln        net.Listener
	srv       *http.Server
	done      chan struct{} // closed when Serve returns
	closeOnce sync.Once
	closeErr  error
}

// Listen serves h on addr, e.g. "127.0.0.1:0", until Close; a failure to
// serve is logged to log. Call it at most once.
func (l *Listener) Listen(addr string, h http.Handler, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	l.ln = ln
	l.srv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	l.done = make(chan struct{})
	go func() {
		defer close(l.done)
		if err := l.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("sandbox: serve", "err", err)
		}
	}()
	return nil
}

// URL returns the base URL served, e.g. http://127.0.0.1:41234, or "" when
// Listen was not called.
func (l *Listener) URL() string {
	if l.ln == nil {
		return ""
	}
	return "http://" + l.ln.Addr().String()
}

// Close stops serving and waits for the requests in flight and the serving
// goroutine. Calling it again returns the first call's error.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		if l.srv != nil {
			l.closeErr = l.srv.Shutdown(context.Background())
			<-l.done
		}
	})
	return l.closeErr
}
