// Package worker is instrumented code exercised by go test.
package worker

import (
	"testing"

	"example.com/app/internal/telemetry"
)

// MustPositive stops the test with t.FailNow (runtime.Goexit) when x <= 0.
func MustPositive(t *testing.T, x int) int {
	defer telemetry.Start("worker.MustPositive").End()
	if x <= 0 {
		t.FailNow()
	}
	return x
}

// Tagged sets an attribute and calls another instrumented function.
func Tagged(t *testing.T, x int) int {
	defer telemetry.Start("worker.Tagged").End()
	telemetry.Attr("x", func() any { return x })
	return MustPositive(t, x)
}
