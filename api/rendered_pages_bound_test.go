package api

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

var zeroTime time.Time

// The rendered pages stay within their memory budget, the least recently
// asked leaving first, and a page kept again replaces its old bytes; what
// a client chooses (the URI in the key and the links) counts too.
func TestRenderedPagesStayWithinTheirBudget(t *testing.T) {
	rp := newRenderedPages()
	body := make([]byte, renderedPageMaxBytes)
	for i := range 100 {
		rp.keep(pageAsked{key: fmt.Sprint(i), ok: true}, zeroTime, "", body)
		rp.keep(pageAsked{key: fmt.Sprint(i), ok: true}, zeroTime, "", body)
	}
	if rp.bytes > renderedPagesBytes || rp.bytes < rp.pages.Len()*len(body) {
		t.Fatalf("%d bytes held in %d pages of %d, budget %d", rp.bytes, rp.pages.Len(), len(body), renderedPagesBytes)
	}
	if _, ok := rp.pages.Peek("99"); !ok {
		t.Fatal("the newest page was evicted")
	}
	if _, ok := rp.pages.Peek("0"); ok {
		t.Fatal("the oldest page was kept")
	}
	rp.keep(pageAsked{key: "too long", ok: true}, zeroTime, "", make([]byte, renderedPageMaxBytes+1))
	rp.keep(pageAsked{key: "not looked", ok: false}, zeroTime, "", body[:10])
	padded := "alice /api/v1/timelines/public?pad=" + strings.Repeat("x", renderedPageMaxKey)
	rp.keep(pageAsked{key: padded, ok: true}, zeroTime, "", []byte("[]"))
	if rp.pages.Contains("too long") || rp.pages.Contains("not looked") || rp.pages.Contains(padded) {
		t.Fatal("kept a page past the size limits, or one whose request did not look for changes")
	}
	// Empty pages under long links: the links count, and so does the number.
	rp = newRenderedPages()
	link := strings.Repeat("l", 4000)
	for i := range 2 * renderedPagesCount {
		rp.keep(pageAsked{key: fmt.Sprint("reader ", i), ok: true}, zeroTime, link, []byte("[]"))
	}
	held := 0
	for _, k := range rp.pages.Keys() {
		page, _ := rp.pages.Peek(k)
		held += len(k) + len(page.link) + len(page.body)
	}
	if held > renderedPagesBytes || rp.pages.Len() > renderedPagesCount {
		t.Fatalf("%d bytes in %d pages held", held, rp.pages.Len())
	}
}
