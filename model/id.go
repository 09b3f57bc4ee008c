// Package model holds the plain structs that storage reads and writes and
// that the transports (api, web, federation) render.
package model

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

var (
	idMu      sync.Mutex
	idEntropy = ulid.Monotonic(rand.Reader, 0)
)

// NewID returns a ULID for t: ids sort by creation time, which the
// Mastodon client API relies on for paging (max_id, min_id).
func NewID(t time.Time) string {
	idMu.Lock()
	defer idMu.Unlock()
	return ulid.MustNew(ulid.Timestamp(t), idEntropy).String()
}
