package bench

import (
	"os"
	"testing"
)

func TestReadProcCPUOfThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	before, err := ReadProcCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	x := 0
	for i := 0; i < 50_000_000; i++ {
		x += i % 7
	}
	after, err := ReadProcCPU(os.Getpid())
	if err != nil || after < before || x == 0 {
		t.Fatalf("cpu %v then %v (%v)", before, after, err)
	}
	if _, err := ReadProcCPU(-1); err == nil {
		t.Fatal("no error for a missing process")
	}
}
