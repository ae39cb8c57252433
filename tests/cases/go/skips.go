package shop

import "unsafe"

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
	return func() {
		println(3)
	}
}
