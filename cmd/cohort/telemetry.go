package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/playbook"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/telemetry"
)

// newTelemetry returns a long-running process's metrics, reading the queue
// and the syncs from db at each scrape and counting book's reloads.
func newTelemetry(db *store.DB, book *playbook.Provider, logger *slog.Logger) *telemetry.Metrics {
	tm := telemetry.New()
	tm.WatchStore(db, logger)
	book.OnReload(tm.RulesReloaded)
	return tm
}

// zendeskHooks are the Zendesk client's reports to tm; nil without tm.
func zendeskHooks(tm *telemetry.Metrics) zendesk.Observer {
	if tm == nil {
		return nil
	}
	return tm.Helpdesk(zendesk.Name)
}

// listenMetrics opens COHORT_METRICS_ADDR, before anything starts work;
// nil when it is unset.
func listenMetrics(cfg Config) (net.Listener, error) {
	if cfg.MetricsAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, configError(fmt.Errorf("COHORT_METRICS_ADDR %s: %w", cfg.MetricsAddr, err))
	}
	return ln, nil
}

// serveMetrics serves tm's /metrics, with /healthz and /readyz (ready),
// on ln until stop is called; with no ln, nothing.
func serveMetrics(cfg Config, ln net.Listener, tm *telemetry.Metrics, ready func(context.Context) error, logger *slog.Logger) (stop func()) {
	if ln == nil {
		return func() {}
	}
	srv := newHTTPServer(cfg, tm.Handler(ready))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics listener stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
	logger.Info("serving metrics", "addr", ln.Addr().String())
	return func() {
		// Scrapes and probes are short: a second, then the rest are cut.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			srv.Close()
		}
		<-done
	}
}
