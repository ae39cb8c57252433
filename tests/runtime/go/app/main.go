// Command app runs one scenario per invocation (os.Args[1]) with hand-written
// instrumentation in the shape telemetry-inject injects.
package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"

	"example.com/app/internal/telemetry"
	"example.com/app/shapes"
)

func inner(x int) int {
	defer telemetry.Start("main.inner").End()
	return x + 1
}

func outer() int {
	defer telemetry.Start("main.outer").End()
	return inner(1) + inner(2)
}

func nested() {
	defer telemetry.Start("main.nested").End()
	c := &shapes.Counter{}
	c.Add(2)
	st := &shapes.Stack[string]{}
	st.Push("a")
	words := shapes.Map([]int{1, 2}, func(i int) string { return strings.Repeat("x", i) })
	fmt.Println(outer(), shapes.Pair{A: 1, B: 2}.Sum(), c.Add(3), st.Push("b"), words, report([]int{1, 2, 3}))
}

func work(i int) int {
	defer telemetry.Start("main.work").End()
	return inner(i)
}

func fanOut() {
	defer telemetry.Start("main.fanOut").End()
	var wg sync.WaitGroup
	results := make([]int, 3)
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = work(i)
		}(i)
	}
	wg.Wait()
	fmt.Println(results)
}

// AppError is a panic value with pointer identity.
type AppError struct{ Reason string }

func (e *AppError) Error() string { return "app error: " + e.Reason }

var thrown = &AppError{Reason: "bad input"}

func thrower() {
	defer telemetry.Start("main.thrower").End()
	panic(thrown)
}

func mid() {
	defer telemetry.Start("main.mid").End()
	thrower()
	fmt.Println("not reached")
}

func catcher() (got any) {
	defer func() { got = recover() }()
	mid()
	return nil
}

func nilPanics() {
	defer telemetry.Start("main.nilPanics").End()
	panic(nil)
}

func catchNil() (reached bool) {
	defer func() { recover() }()
	nilPanics()
	return true
}

func indexes(xs []int, i int) int {
	defer telemetry.Start("main.indexes").End()
	return xs[i]
}

func catchIndex() (got any) {
	defer func() { got = recover() }()
	return indexes([]int{1, 2, 3}, 5)
}

func selfRecover() (err error) {
	defer telemetry.Start("main.selfRecover").End()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered: %v", r)
		}
	}()
	panic("inside")
}

func cleanup() {
	defer telemetry.Start("main.cleanup").End()
}

func panicsWithCleanup() {
	defer telemetry.Start("main.panicsWithCleanup").End()
	defer cleanup()
	panic("with cleanup")
}

func catchCleanup() (got any) {
	defer func() { got = recover() }()
	panicsWithCleanup()
	return nil
}

// handlePanic is itself deferred and calls recover: instrumenting it must
// not stop recover from working.
func handlePanic(got *any) {
	defer telemetry.Start("main.handlePanic").End()
	*got = recover()
}

func catchWithHelper() (got any) {
	defer handlePanic(&got)
	panic("via helper")
}

func recovered() {
	defer telemetry.Start("main.recovered").End()
	got := catcher()
	fmt.Printf("%T %v %v\n", got, got, got == thrown)
	fmt.Println(catchNil())
	fmt.Println(catchIndex())
	fmt.Println(selfRecover())
	fmt.Println(catchCleanup())
	fmt.Println(catchWithHelper())
}

func before() {
	defer telemetry.Start("main.before").End()
}

func explode() {
	defer telemetry.Start("main.explode").End()
	panic(errors.New("fatal thing"))
}

func crashRoot() {
	defer telemetry.Start("main.crashRoot").End()
	defer telemetry.Flush() // as the docs suggest; must not swallow the panic
	before()
	explode()
}

var calls = map[string]int{}

func enriched(id int) {
	defer telemetry.Start("main.enriched").End()
	telemetry.Attr("order.id", func() any { calls["order.id"]++; return id })
	telemetry.Attr("customer.note", func() any { return strings.Repeat("é", 300) })
	telemetry.Attr("api_token", func() any { calls["api_token"]++; return "s3cr3t" })
	telemetry.Attr("Session-Cookie", func() any { return "abc" })
	telemetry.Attr("ratio", func() any { return 0.25 })
	telemetry.Attr("ok", func() any { return true })
	telemetry.Attr("nan", func() any { return math.NaN() })
	telemetry.Attr("err", func() any { return errors.New("no such order") })
	telemetry.Attr("broken", func() any { var m map[string]int; m["x"] = 1; return 1 })
	telemetry.Attr("order.id", func() any { return id * 10 })
	calls["body"]++
}

func attrs() {
	done := make(chan bool)
	go func() { // a goroutine without spans
		telemetry.Attr("outside", func() any { calls["outside"]++; return 1 })
		close(done)
	}()
	<-done
	enriched(7)
	fmt.Println(calls["order.id"], calls["api_token"], calls["outside"], calls["body"])
}

func leaf(i int) int {
	defer telemetry.Start("main.leaf").End()
	return i
}

func root(n int) int {
	defer telemetry.Start("main.root").End()
	sum := 0
	for i := 0; i < n; i++ {
		sum += leaf(i)
	}
	return sum
}

func load() {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			root(500)
		}()
	}
	root(500)
	wg.Wait()
}

// sample runs 200 traces: each goroutine's first span is a root.
func sample() {
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			root(2)
		}()
		wg.Wait()
	}
}

func openRoot() {
	defer telemetry.Start("main.openRoot").End()
	leaf(1)
	telemetry.Flush()
	os.Exit(3)
}

func main() {
	defer telemetry.Start("main.main").End()
	switch os.Args[1] {
	case "nested":
		nested()
	case "goroutines":
		fanOut()
	case "recovered":
		recovered()
	case "crash":
		crashRoot()
	case "attrs":
		attrs()
	case "load":
		load()
	case "sample":
		sample()
	case "exit":
		root(1)
		openRoot()
	}
}
