// Package lease keeps work that must not run twice at once, across every
// process on one database (a source's sync, re-segmenting, metrics, a
// macro sync), to one holder: Hold takes a named lease of the store and
// renews it until released; a holder that dies lets it lapse.
//
// It knows nothing of the work it guards, and reaches the store through
// Leaser.
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// ErrBusy is returned when another process holds the lease.
var ErrBusy = errors.New("another process is doing this now")

// ttl is how long a lease lasts without renewal; it is renewed at a third
// of that.
const ttl = 2 * time.Minute

// Leaser is the store's leases: named locks with an expiry, shared by every
// process on one database.
type Leaser interface {
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	LeaseHolder(ctx context.Context, name string) (string, error)
}

// Hold takes the lease name for holder (a fresh id when "") and renews it
// until the returned release is called, logging a renewal that fails (the
// lease then lapses after two minutes). It fails with ErrBusy, naming the
// holder, when another process has the lease. Work that must not run twice
// at once across processes holds one: a source's sync, re-segmenting,
// metrics, a macro sync.
func Hold(ctx context.Context, db Leaser, name, holder string, logger *slog.Logger) (release func(), err error) {
	if holder == "" {
		holder = NewHolder()
	}
	ok, err := db.AcquireLease(ctx, name, holder, ttl)
	if err != nil {
		return nil, err
	}
	if !ok {
		other, _ := db.LeaseHolder(ctx, name)
		return nil, fmt.Errorf("%s: %w (held by %s)", name, ErrBusy, other)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(ttl / 3)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				ok, err := db.AcquireLease(context.WithoutCancel(ctx), name, holder, ttl)
				if err != nil || !ok {
					logger.Warn("could not renew lease", "lease", name, "held", ok, "err", err)
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		_ = db.ReleaseLease(ctx, name, holder)
	}, nil
}

// NewHolder returns an id for this process in leases: host, pid and a
// random suffix.
func NewHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}
