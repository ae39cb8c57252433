package shop

import "unsafe"
import _tel "example.com/app/internal/telemetry"

func one() int { return 1 }

func none() {}

func inline() { println(1)
}

//go:nosplit
func fast(p unsafe.Pointer) uintptr {
	return uintptr(p)
}

// telemetry: skip
func hot() {
	println(2)
}

func withLiteral() func() {
	defer _tel.Start("shop.withLiteral").End()
	return func() {
		println(3)
	}
}
