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

// newMetrics returns a long-running process's metrics, reading the queue
// and the syncs from db at each scrape and counting book's reloads.
func newMetrics(db *store.DB, book *playbook.Provider, logger *slog.Logger) *telemetry.Metrics {
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

// serveMetrics serves tm's /metrics, with /healthz and /readyz (ready),
// on COHORT_METRICS_ADDR when it is set, until stop is called.
func serveMetrics(cfg Config, tm *telemetry.Metrics, ready func(context.Context) error, logger *slog.Logger) (stop func(), err error) {
	if cfg.MetricsAddr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, configError(fmt.Errorf("COHORT_METRICS_ADDR %s: %w", cfg.MetricsAddr, err))
	}
	srv := newHTTPServer(cfg, tm.Handler(ready))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics listener stopped", "addr", cfg.MetricsAddr, "err", err)
		}
	}()
	logger.Info("serving metrics", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}
