package server

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// An idle instance gives back what it does not use (issue 17): start-up
// garbage and the pages of code only start-up ran, once start-up has
// settled; then, after each quiet spell, the pages of code and the
// database connections that the last burst of requests or a periodic job
// brought in. Code that runs again is mapped back from the page cache,
// and the next request opens the connections it needs, so a trim costs a
// few milliseconds to the request after it.
const (
	startupSettles = 2 * time.Second
	idleAfter      = time.Minute
	idleCheck      = 20 * time.Second
)

type idleMemory struct {
	lastRequest atomic.Int64 // unix nanoseconds
}

func (m *idleMemory) middleware(c *gin.Context) {
	m.lastRequest.Store(time.Now().UnixNano())
	c.Next()
}

// dueForTrim: the last request is older than idleAfter and came after the
// last trim (an instance that stays idle is trimmed once per quiet spell,
// plus once an idleAfter for what periodic jobs bring back).
func dueForTrim(now, lastRequest, lastTrim time.Time) bool {
	if now.Sub(lastRequest) < idleAfter {
		return false
	}
	return lastRequest.After(lastTrim) || now.Sub(lastTrim) >= idleAfter
}

func (s *Server) releaseMemoryWhenIdle(ctx context.Context) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(startupSettles):
	}
	s.trimMemory()
	lastTrim := time.Now()
	tick := time.NewTicker(idleCheck)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if dueForTrim(now, time.Unix(0, s.idle.lastRequest.Load()), lastTrim) {
				s.trimMemory()
				lastTrim = now
			}
		}
	}
}

func (s *Server) trimMemory() {
	s.Store.CloseIdleConnections()
	released, err := ReleaseStartupMemory()
	if err != nil {
		s.Log.Warn("release idle memory", "err", err)
		return
	}
	s.Log.Debug("released idle memory", "executable_bytes", released)
}
