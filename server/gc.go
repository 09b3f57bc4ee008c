package server

import (
	"os"
	"runtime/debug"
)

// servingGCPercent is the garbage collector's target for a serving
// process, unless the operator sets GOGC. Go's default (100) collects
// each time the heap doubles; a page of timeline allocates a few hundred
// kilobytes over a live heap of about 10 MB, so under load the default
// collected every few dozen requests and the collector took 15–20 % of
// the CPU of a timeline page (issue 17, pprof). At 300 it collects a
// quarter as often, for some tens of MB more at peak; an idle instance
// still gives its garbage back (idle_memory.go).
const servingGCPercent = 300

// TuneGC sets the collector for serving, leaving an operator's GOGC alone.
func TuneGC() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	debug.SetGCPercent(servingGCPercent)
}
