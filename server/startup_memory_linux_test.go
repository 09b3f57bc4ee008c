//go:build linux

package server

import (
	"os"
	"strings"
	"testing"
)

// Issue 17: an idle instance should not keep the pages of code that only
// start-up ran. Dropping them must leave the writable mappings alone (a
// dropped written page would come back with the file's bytes) and the
// program must go on running the code it dropped.
func TestReleaseStartupMemoryDropsOnlyCleanExecutablePages(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	before, err := readOwnMappings(exe)
	if err != nil || len(before) == 0 {
		t.Fatalf("mappings of %s: %v, %d", exe, err, len(before))
	}
	var cleanBefore, writableBefore int64
	for _, m := range before {
		if m.writable {
			writableBefore += m.rssKB
		} else {
			cleanBefore += m.rssKB
		}
	}
	released, err := ReleaseStartupMemory()
	if err != nil {
		t.Fatal(err)
	}
	if released <= 0 {
		t.Fatalf("released %d bytes of the executable", released)
	}
	after, err := readOwnMappings(exe)
	if err != nil {
		t.Fatal(err)
	}
	var cleanAfter, writableAfter int64
	for _, m := range after {
		if m.writable {
			writableAfter += m.rssKB
		} else {
			cleanAfter += m.rssKB
		}
	}
	if cleanAfter >= cleanBefore {
		t.Errorf("read-only pages of the executable: %d kB before, %d kB after", cleanBefore, cleanAfter)
	}
	if writableAfter < writableBefore {
		t.Errorf("writable pages were dropped: %d kB before, %d kB after", writableBefore, writableAfter)
	}
	// Code and data that were dropped come back on use.
	if got := strings.ToUpper("encore"); got != "ENCORE" {
		t.Fatalf("after the release: %q", got)
	}
}
