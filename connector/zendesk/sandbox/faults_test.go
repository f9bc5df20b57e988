package sandbox_test

import (
	"errors"
	"maps"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/nukosuke/go-zendesk/zendesk"
)

// TestRequestFaults sends two ticket creates through each kind of request
// fault, then checks what the client saw and that nothing was executed.
func TestRequestFaults(t *testing.T) {
	const dropped = -1 // a connection error instead of a status
	tests := []struct {
		name       string
		faults     sandbox.Faults
		statuses   []int // of the two creates
		minElapsed time.Duration
		created    bool
		wantFaults map[sandbox.FaultKind]int
	}{
		{
			name:       "error rate 1: 500 and 503 alternate",
			faults:     sandbox.Faults{ErrorRate: 1, Seed: 7},
			statuses:   []int{http.StatusInternalServerError, http.StatusServiceUnavailable},
			wantFaults: map[sandbox.FaultKind]int{sandbox.FaultError: 1, sandbox.FaultUnavailable: 1},
		},
		{
			name:       "drop rate 1: the connection closes",
			faults:     sandbox.Faults{DropRate: 1},
			statuses:   []int{dropped, dropped},
			wantFaults: map[sandbox.FaultKind]int{sandbox.FaultDrop: 2},
		},
		{
			name:       "drops win over errors",
			faults:     sandbox.Faults{DropRate: 1, ErrorRate: 1},
			statuses:   []int{dropped, dropped},
			wantFaults: map[sandbox.FaultKind]int{sandbox.FaultDrop: 2},
		},
		{
			name:       "latency: served late",
			faults:     sandbox.Faults{Latency: 40 * time.Millisecond},
			statuses:   []int{http.StatusCreated, http.StatusCreated},
			minElapsed: 40 * time.Millisecond,
			created:    true,
			wantFaults: map[sandbox.FaultKind]int{sandbox.FaultLatency: 2},
		},
		{
			name:       "latency then an error",
			faults:     sandbox.Faults{Latency: 20 * time.Millisecond, ErrorRate: 1},
			statuses:   []int{http.StatusInternalServerError, http.StatusServiceUnavailable},
			minElapsed: 20 * time.Millisecond,
			wantFaults: map[sandbox.FaultKind]int{sandbox.FaultLatency: 2, sandbox.FaultError: 1, sandbox.FaultUnavailable: 1},
		},
		{
			name:       "rates 0: no faults",
			faults:     sandbox.Faults{Seed: 1},
			statuses:   []int{http.StatusCreated, http.StatusCreated},
			created:    true,
			wantFaults: map[sandbox.FaultKind]int{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Faults = tt.faults })
			c := adminClient(t, srv)
			for i, want := range tt.statuses {
				start := time.Now()
				_, err := c.CreateTicket(t.Context(), zendesk.Ticket{Comment: &zendesk.TicketComment{Body: "x"}})
				elapsed := time.Since(start)
				if elapsed < tt.minElapsed {
					t.Errorf("create %d took %v, want at least %v", i, elapsed, tt.minElapsed)
				}
				var ze zendesk.Error
				switch {
				case want == http.StatusCreated:
					if err != nil {
						t.Errorf("create %d: %v", i, err)
					}
				case want == dropped:
					if err == nil || errors.As(err, &ze) {
						t.Errorf("create %d: err = %v, want a connection error", i, err)
					}
				default:
					ze = wantStatus(t, err, want)
					retryAfter := ze.Headers().Get("Retry-After")
					if want == http.StatusServiceUnavailable && retryAfter != "1" || want != http.StatusServiceUnavailable && retryAfter != "" {
						t.Errorf("%d with Retry-After %q", want, retryAfter)
					}
				}
			}

			if got := srv.Faults(); got != tt.faults {
				t.Errorf("Faults() = %+v, want %+v", got, tt.faults)
			}
			srv.SetFaults(sandbox.Faults{})
			_, err := c.GetTicket(t.Context(), 1)
			if tt.created && err != nil {
				t.Errorf("GetTicket(1): %v", err)
			}
			if !tt.created {
				wantStatus(t, err, http.StatusNotFound)
			}
			if got := srv.Stats().Faults; !maps.Equal(got, tt.wantFaults) {
				t.Errorf("Stats().Faults = %v, want %v", got, tt.wantFaults)
			}
		})
	}
}

// TestFaultsScope checks that faults concern the API only, and that a
// faulted request consumes no rate-limit quota.
func TestFaultsScope(t *testing.T) {
	srv := startSandbox(t, func(cfg *sandbox.Config) {
		cfg.RateLimit = 1
		cfg.Faults = sandbox.Faults{ErrorRate: 1, DropRate: 1}
	})
	root, _ := recordingClient(t, srv, zendesk.NewAPITokenCredential(testEmail, testToken), srv.URL())
	_, err := root.Get(t.Context(), "/favicon.ico")
	wantStatus(t, err, http.StatusNotFound)

	c := adminClient(t, srv)
	srv.SetFaults(sandbox.Faults{ErrorRate: 1})
	for range 3 {
		_, err := c.Get(t.Context(), "/users/me.json")
		var ze zendesk.Error
		if !errors.As(err, &ze) || ze.Status() < 500 {
			t.Fatalf("err = %v, want a server error", err)
		}
	}
	srv.SetFaults(sandbox.Faults{})
	if _, err := c.Get(t.Context(), "/users/me.json"); err != nil {
		t.Fatalf("first request after the faults: %v", err)
	}
	_, err = c.Get(t.Context(), "/users/me.json")
	wantStatus(t, err, http.StatusTooManyRequests)
}

// TestLostResponses: a write is executed, then its client gets a 503 or a
// dropped connection, alternately; reads are never lost.
func TestLostResponses(t *testing.T) {
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Faults = sandbox.Faults{LostResponseRate: 1} })
	c := adminClient(t, srv)
	for i := range 2 {
		_, err := c.CreateTicket(t.Context(), zendesk.Ticket{Comment: &zendesk.TicketComment{Body: "x"}})
		var ze zendesk.Error
		switch {
		case i == 0:
			wantStatus(t, err, http.StatusServiceUnavailable)
		case err == nil || errors.As(err, &ze):
			t.Errorf("create %d: err = %v, want a connection error", i, err)
		}
		if _, err := c.GetTicket(t.Context(), int64(i+1)); err != nil {
			t.Errorf("ticket %d was not created, or its read was lost too: %v", i+1, err)
		}
	}
	if got := srv.Stats().Faults[sandbox.FaultLostResponse]; got != 2 {
		t.Errorf("lost responses = %d, want 2", got)
	}
}

// TestFailRoute: a failed route answers its status without executing, the
// others are served, and status 0 serves it again.
func TestFailRoute(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	srv.FailRoute("POST /api/v2/tickets", http.StatusServiceUnavailable)
	_, err := c.CreateTicket(t.Context(), zendesk.Ticket{Comment: &zendesk.TicketComment{Body: "x"}})
	wantStatus(t, err, http.StatusServiceUnavailable)
	srv.FailRoute("GET /api/v2/job_statuses/show_many", http.StatusNotFound)
	_, err = c.Get(t.Context(), "/job_statuses/show_many.json?ids=a")
	wantStatus(t, err, http.StatusNotFound)
	if _, err := c.Get(t.Context(), "/users/me.json"); err != nil {
		t.Errorf("another route: %v", err)
	}
	srv.FailRoute("POST /api/v2/tickets", 0)
	if _, err := c.CreateTicket(t.Context(), zendesk.Ticket{Comment: &zendesk.TicketComment{Body: "x"}}); err != nil {
		t.Errorf("after FailRoute(…, 0): %v", err)
	}
	if _, err := c.GetTicket(t.Context(), 2); err == nil {
		t.Error("the failed create was executed")
	}
	if got := srv.Stats().Faults[sandbox.FaultRoute]; got != 2 {
		t.Errorf("route faults = %d, want 2", got)
	}
}

func TestConflictFaults(t *testing.T) {
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Faults = sandbox.Faults{ConflictRate: 1} })
	c := adminClient(t, srv)
	created := createTicket(t, c, zendesk.Ticket{Subject: "Refund", Priority: "normal"})

	tests := []struct {
		name     string
		write    func() error
		conflict bool
	}{
		{
			name: "safe update",
			write: func() error {
				_, err := c.UpdateTicket(t.Context(), created.ID, zendesk.Ticket{Priority: "low", SafeUpdate: true, UpdatedStamp: created.UpdatedAt})
				return err
			},
			conflict: true,
		},
		{
			name: "safe tag write",
			write: func() error {
				_, err := c.Put(t.Context(), "/tickets/1/tags", map[string]any{
					"tags": []string{"x"}, "safe_update": "true", "updated_stamp": created.UpdatedAt,
				})
				return err
			},
			conflict: true,
		},
		{
			name: "unsafe update",
			write: func() error {
				_, err := c.UpdateTicket(t.Context(), created.ID, zendesk.Ticket{Subject: "Refund please"})
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := c.GetTicket(t.Context(), created.ID)
			if err != nil {
				t.Fatal(err)
			}
			created = before
			err = tt.write()
			after, gerr := c.GetTicket(t.Context(), created.ID)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if !tt.conflict {
				if err != nil {
					t.Fatalf("write failed: %v", err)
				}
				return
			}
			wantStatus(t, err, http.StatusConflict)
			if !after.UpdatedAt.Equal(*before.UpdatedAt) || after.Priority != before.Priority || len(after.Tags) != len(before.Tags) {
				t.Errorf("the ticket changed: %+v", after)
			}
		})
	}

	t.Run("update_many item", func(t *testing.T) {
		job := runJob(t, srv, c, "/tickets/update_many.json?ids=1", map[string]any{"ticket": map[string]any{"priority": "urgent"}})
		if job.Status != "completed" || len(job.Results) != 1 || job.Results[0].Success || job.Results[0].Error != "UpdateConflict" {
			t.Fatalf("job = %+v, want one UpdateConflict", job)
		}
		got, err := c.GetTicket(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if got.Priority == "urgent" {
			t.Error("the conflicting item was written")
		}
	})
	if got := srv.Stats().Faults[sandbox.FaultConflict]; got != 3 {
		t.Errorf("conflict faults = %d, want 3", got)
	}
}

// TestSetFaultsConcurrently changes the faults while requests run (for the
// race detector): every answer must be one the faults in force allow.
func TestSetFaultsConcurrently(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	created := createTicket(t, c, zendesk.Ticket{})
	settings := []sandbox.Faults{
		{ErrorRate: 0.5, Seed: 1},
		{},
		{ConflictRate: 0.5, Latency: time.Millisecond, Seed: 2},
		{ErrorRate: 1, ConflictRate: 1},
	}

	const workers, perWorker = 8, 20
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				var err error
				if (w+i)%2 == 0 {
					_, err = c.GetTicket(t.Context(), created.ID)
				} else {
					// A stale stamp can conflict too: only the status matters.
					_, err = c.UpdateTicket(t.Context(), created.ID, zendesk.Ticket{Subject: "x", SafeUpdate: true, UpdatedStamp: created.UpdatedAt})
				}
				var ze zendesk.Error
				if err != nil && (!errors.As(err, &ze) || ze.Status() != 409 && ze.Status() != 500 && ze.Status() != 503) {
					t.Errorf("request: %v", err)
				}
			}
		})
	}
	for i := range 50 {
		srv.SetFaults(settings[i%len(settings)])
		_ = srv.Faults()
		_ = srv.Stats()
	}
	wg.Wait()

	srv.SetFaults(sandbox.Faults{})
	if _, err := c.GetTicket(t.Context(), created.ID); err != nil {
		t.Errorf("after clearing the faults: %v", err)
	}
	if got, want := srv.Stats().Requests, 1+workers*perWorker+1; got != want {
		t.Errorf("Stats().Requests = %d, want %d", got, want)
	}
}
