package shop

import _tel "example.com/app/internal/telemetry"

func init() { // init to break init cycle
	defer _tel.Start("shop.init").End()
	x = 1
}

var x int
