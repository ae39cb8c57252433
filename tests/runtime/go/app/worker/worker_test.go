package worker

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"example.com/app/internal/telemetry"
)

func TestPositive(t *testing.T) {
	if MustPositive(t, 2) != 2 {
		t.Fatal("wrong value")
	}
}

func TestFailNow(t *testing.T) {
	defer fmt.Println("deferred in test ran")
	MustPositive(t, -1)
	fmt.Println("after FailNow: not reached")
}

// TestConcurrent runs spans, attributes and flushes from many goroutines
// (the binary is built with -race).
func TestConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sum := 0
			for i := 1; i <= 100; i++ {
				sum += Tagged(t, i)
				if i%25 == 0 {
					telemetry.Flush()
				}
			}
			if sum != 100*101/2 {
				t.Error("wrong sum", sum)
			}
		}()
	}
	wg.Wait()
}

// TestOffIsAllocationFree checks the cost of an instrumented call with
// nothing configured (it only measures when no sink is set).
func TestOffIsAllocationFree(t *testing.T) {
	if os.Getenv("TELEMETRY_INJECT_OUT") != "" {
		return
	}
	if allocs := testing.AllocsPerRun(1000, func() { MustPositive(t, 1) }); allocs != 0 {
		t.Fatalf("%v allocations per call", allocs)
	}
	fmt.Println("allocation-free")
}
