// Package shapes has methods with value and pointer receivers and generics,
// instrumented in the documented shape.
package shapes

import "example.com/app/internal/telemetry"

// Pair has a value-receiver method.
type Pair struct{ A, B int }

// Sum adds the pair.
func (p Pair) Sum() int {
	defer telemetry.Start("shapes.Pair.Sum").End()
	return p.A + p.B
}

// Counter has a pointer-receiver method.
type Counter struct{ n int }

// Add increments and returns the count.
func (c *Counter) Add(k int) int {
	defer telemetry.Start("shapes.Counter.Add").End()
	c.n += k
	return c.n
}

// Map applies f to every element.
func Map[T, U any](xs []T, f func(T) U) []U {
	defer telemetry.Start("shapes.Map").End()
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

// Stack is a generic type with a pointer-receiver method.
type Stack[T any] struct{ items []T }

// Push adds x and returns the new depth.
func (s *Stack[T]) Push(x T) int {
	defer telemetry.Start("shapes.Stack.Push").End()
	s.items = append(s.items, x)
	return len(s.items)
}
