package pagecache

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

var zeroTime time.Time

// The pages stay within their memory budget, the least recently asked
// leaving first, and a page kept again replaces its old bytes; what a
// client chooses (the URI in the key and the links) counts too.
func TestPagesStayWithinTheirBudget(t *testing.T) {
	pc := New()
	body := make([]byte, maxPageBytes)
	for i := range 100 {
		pc.Keep(Asked{key: fmt.Sprint(i), ok: true}, zeroTime, "", body)
		pc.Keep(Asked{key: fmt.Sprint(i), ok: true}, zeroTime, "", body)
	}
	if pc.bytes > maxBytes || pc.bytes < pc.pages.Len()*len(body) {
		t.Fatalf("%d bytes held in %d pages of %d, budget %d", pc.bytes, pc.pages.Len(), len(body), maxBytes)
	}
	if _, ok := pc.pages.Peek("99"); !ok {
		t.Fatal("the newest page was evicted")
	}
	if _, ok := pc.pages.Peek("0"); ok {
		t.Fatal("the oldest page was kept")
	}
	pc.Keep(Asked{key: "too long", ok: true}, zeroTime, "", make([]byte, maxPageBytes+1))
	pc.Keep(Asked{key: "not looked", ok: false}, zeroTime, "", body[:10])
	refused := Asked{key: "refused", ok: true}
	refused.Refuse()
	pc.Keep(refused, zeroTime, "", body[:10])
	padded := "alice /api/v1/timelines/public?pad=" + strings.Repeat("x", maxKeyBytes)
	pc.Keep(Asked{key: padded, ok: true}, zeroTime, "", []byte("[]"))
	for _, k := range []string{"too long", "not looked", "refused", padded} {
		if pc.pages.Contains(k) {
			t.Fatalf("kept %.20q: past the size limits, refused, or its request did not look for changes", k)
		}
	}
	// Empty pages under long links: the links count, and so does the number.
	pc = New()
	link := strings.Repeat("l", 4000)
	for i := range 2 * maxPages {
		pc.Keep(Asked{key: fmt.Sprint("reader ", i), ok: true}, zeroTime, link, []byte("[]"))
	}
	held := 0
	for _, k := range pc.pages.Keys() {
		page, _ := pc.pages.Peek(k)
		held += len(k) + len(page.Header) + len(page.Body)
	}
	if held > maxBytes || pc.pages.Len() > maxPages {
		t.Fatalf("%d bytes in %d pages held", held, pc.pages.Len())
	}
}

// Requests asking for the same page at the same time render it once: the
// first renders, the others wait and are served its bytes. A render that
// is not kept (refused, too big, failed) lets them render it themselves;
// one under another count of changes does not make them wait.
func TestPagesAskedTogetherAreRenderedOnce(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	pc := New()
	asked := Asked{key: "alice /home", changes: 7, ok: true}
	first, page := pc.ask(ctx, asked, now)
	if page != nil || first.flight == nil {
		t.Fatal("the first request was not asked to render")
	}
	const waiting = 8
	got := make(chan *Page, waiting)
	for range waiting {
		go func() {
			a, p := pc.ask(ctx, asked, now)
			pc.Release(a)
			got <- p
		}()
	}
	waitFor(t, func() bool { return pc.waiting.Load() == waiting })
	pc.Keep(first, zeroTime, "", []byte("<html>"))
	for range waiting {
		if p := <-got; p == nil || string(p.Body) != "<html>" {
			t.Fatal("a waiting request was not served the page rendered")
		}
	}
	if pc.Served() != waiting {
		t.Fatalf("served %d, want %d", pc.Served(), waiting)
	}

	// Not kept: the others render it themselves.
	second := Asked{key: "bob /home", changes: 7, ok: true}
	owner, _ := pc.ask(ctx, second, now)
	done := make(chan Asked)
	go func() {
		a, p := pc.ask(ctx, second, now)
		if p != nil {
			t.Error("served a page that was not kept")
		}
		pc.Release(a)
		done <- a
	}()
	waitFor(t, func() bool { return pc.waiting.Load() == 1 })
	owner.Refuse()
	pc.Keep(owner, zeroTime, "", []byte("<html>"))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a request still waits for a page that was not kept")
	}

	// A page in flight under an older count does not hold a newer request,
	// nor one whose caller gave up.
	third := Asked{key: "carol /home", changes: 7, ok: true}
	old, _ := pc.ask(ctx, third, now)
	defer pc.Release(old)
	newer := third
	newer.changes = 8
	if _, p := pc.ask(ctx, newer, now); p != nil {
		t.Fatal("served a page under another count")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, p := pc.ask(cancelled, third, now); p != nil {
		t.Fatal("served a page to a request that gave up")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the requests did not wait")
		}
	}
}
