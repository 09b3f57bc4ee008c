package bench

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coopol/coopol/storage/storagetest"
)

// Benchmarks run only with -bench (never in `go test ./...`). PostgreSQL
// joins SQLite when COOPOL_TEST_POSTGRES is set, as in the tests. See the
// README's Performance section for the commands and figures.

// BenchmarkInbox measures signed Create(Note) activities accepted per
// second on the shared inbox of a real instance, from a real remote
// instance's key, with 1, 4, 8 and 16 concurrent clients. Every activity is
// verified (signature, digest, date), parsed, checked and stored (the
// receiving instance's user follows the sender); the benchmark fails if
// any is refused or not kept. Signing happens before the timer starts.
func BenchmarkInbox(b *testing.B) {
	for _, backend := range storagetest.Backends() {
		e := newInboxEnv(b, backend) // once per backend, not per b.N probe
		for _, clients := range []int{1, 4, 8, 16} {
			b.Run(fmt.Sprintf("%s/clients-%d", backend, clients), func(b *testing.B) {
				acts := e.sign(b, b.N)
				before := e.stored(b)
				var next, failed, firstCode atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				for range clients {
					wg.Go(func() {
						for i := next.Add(1) - 1; i < int64(len(acts)); i = next.Add(1) - 1 {
							code, err := e.post(acts[i])
							if err != nil || code != 202 {
								failed.Add(1)
								firstCode.CompareAndSwap(0, int64(code))
							}
						}
					})
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "activities/s")
				if n := failed.Load(); n > 0 {
					b.Fatalf("%d of %d activities refused (first status %d)", n, b.N, firstCode.Load())
				}
				if got := e.stored(b) - before; got != b.N {
					b.Fatalf("%d of %d posts kept", got, b.N)
				}
			})
		}
	}
}

// BenchmarkFanout measures one public post delivered to 10,000 followers
// on 100 servers that advertise a shared inbox: wall time from
// CreateStatus to the last POST received. Expect 100 signed POSTs per
// post. Sub-benchmarks: the production queue (8 delivery workers, River
// polling every second), 32 workers, and coopoltest's queue (4 workers,
// 50 ms polling) for comparison with the tests.
func BenchmarkFanout(b *testing.B) {
	benchFanout(b, 100, 100, true)
}

// BenchmarkFanoutPersonalInboxes is the same audience without shared
// inboxes: one POST per follower (10,000), the worst case. Run it with
// -benchtime=1x.
func BenchmarkFanoutPersonalInboxes(b *testing.B) {
	benchFanout(b, 100, 100, false)
}

var fanoutQueues = []struct {
	name string
	q    queueSettings
}{
	{"production-8-workers", productionQueue},
	{"32-workers", queueSettings{Workers: 32}},
	{"coopoltest-4-workers-50ms", queueSettings{Workers: 4, Poll: 50 * time.Millisecond}},
}

func benchFanout(b *testing.B, hosts, perHost int, shared bool) {
	for _, backend := range storagetest.Backends() {
		for _, q := range fanoutQueues {
			e := newFanoutEnv(b, backend, hosts, perHost, shared, q.q)
			b.Run(backend+"/"+q.name, func(b *testing.B) {
				p0, s0 := e.posts.Load(), e.signed.Load()
				var enqueue, wall time.Duration
				b.ResetTimer()
				for range b.N {
					enq, w := e.publish(b)
					enqueue += enq
					wall += w
				}
				b.StopTimer()
				n := float64(b.N)
				b.ReportMetric(float64(wall.Milliseconds())/n, "ms-to-last-POST/post")
				b.ReportMetric(float64(enqueue.Microseconds())/1000/n, "ms-CreateStatus/post")
				b.ReportMetric(float64(e.posts.Load()-p0)/n, "POSTs/post")
				b.ReportMetric(float64(e.signed.Load()-s0)/n, "signed/post")
				b.ReportMetric(float64(e.expected())*n/wall.Seconds(), "deliveries/s")
			})
		}
	}
}
