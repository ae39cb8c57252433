package shop

import _tel "example.com/app/internal/telemetry"

// Total was called Sum when it was instrumented.
func Total(xs []int) (t int) {
	defer _tel.Start("shop.Total").End()
	for _, x := range xs {
		t += x
	}
	return
}

func Kept() {
	defer _tel.Start("shop.Kept").End()
}
