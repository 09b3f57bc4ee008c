//go:build !linux

package server

import "runtime/debug"

// ReleaseStartupMemory hands start-up garbage back to the system; elsewhere
// than on Linux the executable's pages are left to the kernel.
func ReleaseStartupMemory() (int64, error) {
	debug.FreeOSMemory()
	return 0, nil
}
