//go:build linux

package server

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
)

// ReleaseStartupMemory hands back to the system what start-up used and an
// idle instance does not need: garbage on the heap, and the pages of the
// executable that only start-up ran or read (migrations, template parsing,
// package initialisation; about 40 MB of a 100 MB binary are touched by
// then, most of it never again). Those pages are clean copies of the file,
// so dropping them loses nothing: code that runs again is mapped back in
// from the page cache on its first use, at the cost of a minor fault.
// It returns how many bytes of the executable were resident before.
func ReleaseStartupMemory() (int64, error) {
	debug.FreeOSMemory()
	exe, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("release start-up memory: %w", err)
	}
	maps, err := readOwnMappings(exe)
	if err != nil {
		return 0, fmt.Errorf("release start-up memory: %w", err)
	}
	var released int64
	for _, m := range maps {
		// Only mappings the process never wrote to: dropping a page that
		// was written (a relocation, a copy-on-write page, counted as
		// Anonymous) would bring back the file's bytes instead of the
		// process's. (Private_Dirty is no guide: a freshly written binary's
		// page-cache pages are dirty too.)
		if m.writable || m.anonymousKB != 0 {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_DONTNEED); errno != 0 {
			return released, fmt.Errorf("release start-up memory: madvise: %w", errno)
		}
		released += m.rssKB * 1024
	}
	return released, nil
}

type ownMapping struct {
	start, end                         uintptr
	writable                           bool
	rssKB, anonymousKB, privateDirtyKB int64
}

// readOwnMappings reads /proc/self/smaps for the mappings of the file at
// path (the executable).
func readOwnMappings(path string) ([]ownMapping, error) {
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return nil, err
	}
	var out []ownMapping
	var cur *ownMapping
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if strings.Contains(fields[0], "-") && len(fields) >= 5 {
			cur = nil
			if len(fields) < 6 || fields[5] != path {
				continue
			}
			bounds := strings.SplitN(fields[0], "-", 2)
			start, err1 := strconv.ParseUint(bounds[0], 16, 64)
			end, err2 := strconv.ParseUint(bounds[1], 16, 64)
			if err1 != nil || err2 != nil || end <= start {
				continue
			}
			out = append(out, ownMapping{start: uintptr(start), end: uintptr(end), writable: strings.Contains(fields[1], "w")})
			cur = &out[len(out)-1]
			continue
		}
		if cur == nil || len(fields) < 2 {
			continue
		}
		kb, err := strconv.ParseInt(fields[1], 10, 64)
		if err != nil {
			continue
		}
		switch fields[0] {
		case "Rss:":
			cur.rssKB = kb
		case "Anonymous:":
			cur.anonymousKB = kb
		}
	}
	return out, sc.Err()
}
