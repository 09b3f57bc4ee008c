package pagecache

import (
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
