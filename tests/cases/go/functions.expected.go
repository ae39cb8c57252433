package shop

import "strings"
import _tel "example.com/app/internal/telemetry"

// Cart holds items.
type Cart struct{ items []string }

// Add appends.
func (c *Cart) Add(item string) {
	defer _tel.Start("shop.Cart.Add").End()
	c.items = append(c.items, strings.TrimSpace(item))
}

func (c Cart) Len() int {
	defer _tel.Start("shop.Cart.Len").End()
	return len(c.items)
}

func Map[K comparable, V any](m map[K]V, f func(V) V) map[K]V {
	defer _tel.Start("shop.Map").End()
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = f(v)
	}
	return out
}

type Box[T any] struct{ v T }

func (b *Box[T]) Get() T {
	defer _tel.Start("shop.Box.Get").End()
	return b.v
}

func init() {
	defer _tel.Start("shop.init").End()
}

func empty() {
	defer _tel.Start("shop.empty").End()
	// nothing yet
}
