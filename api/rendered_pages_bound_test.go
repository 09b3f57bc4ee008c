package api

import (
	"fmt"
	"testing"
	"time"
)

var zeroTime time.Time

// The rendered pages stay within their memory budget, the least recently
// asked leaving first, and a page kept again replaces its old bytes.
func TestRenderedPagesStayWithinTheirBudget(t *testing.T) {
	rp := newRenderedPages()
	body := make([]byte, renderedPageMaxBytes)
	for i := range 100 {
		rp.keep(pageAsked{key: fmt.Sprint(i), ok: true}, zeroTime, "", body)
		rp.keep(pageAsked{key: fmt.Sprint(i), ok: true}, zeroTime, "", body)
	}
	if rp.bytes > renderedPagesBytes || rp.bytes != rp.pages.Len()*len(body) {
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
	if rp.pages.Contains("too long") || rp.pages.Contains("not looked") {
		t.Fatal("kept a page past the size limit, or one whose request did not look for changes")
	}
}
