package shop

import "strings"

// Cart holds items.
type Cart struct{ items []string }

// Add appends.
func (c *Cart) Add(item string) {
	c.items = append(c.items, strings.TrimSpace(item))
}

func (c Cart) Len() int {
	return len(c.items)
}

func Map[K comparable, V any](m map[K]V, f func(V) V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = f(v)
	}
	return out
}

type Box[T any] struct{ v T }

func (b *Box[T]) Get() T {
	return b.v
}

func init() {
}

func empty() {
	// nothing yet
}
