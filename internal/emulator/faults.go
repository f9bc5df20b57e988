package emulator

import (
	"math/rand/v2"
	"net/http"
	"time"
)

// Rand draws the injected faults that happen at a rate. It is not safe for
// concurrent use: the emulator holds it under the lock of its faults.
type Rand struct {
	r *rand.Rand
}

// NewRand returns a Rand seeded with seed, for reproducible runs; 0 seeds
// it from the time.
func NewRand(seed int64) *Rand {
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	return &Rand{r: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))}
}

// Hit reports whether a draw falls within rate, the share (0 to 1) of draws
// that hit. A rate of 0 or less draws nothing, so a fault turned off leaves
// the draws of the others as they were.
func (r *Rand) Hit(rate float64) bool {
	return rate > 0 && r.r.Float64() < rate
}

// DropConnection closes the request's connection without a response. When
// the connection cannot be hijacked (HTTP/2, or a ResponseWriter that is no
// connection) it aborts the handler, which net/http turns into a reset
// stream or closed connection.
func DropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}
