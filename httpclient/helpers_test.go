package httpclient

import (
	"errors"
	"testing"
)

// These tests use only the standard library: testify is listed in go.mod,
// but its yaml dependency is missing from the module graph, so importing it
// fails to build without a go.mod change.

func requireErrorIs(t *testing.T, err, target error, msgAndArgs ...any) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want errors.Is(err, %v) %v", err, target, msgAndArgs)
	}
}

func requireNoError(t *testing.T, err error, msgAndArgs ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v %v", err, msgAndArgs)
	}
}
