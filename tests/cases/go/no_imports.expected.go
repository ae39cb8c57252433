package shop

import _tel "example.com/app/internal/telemetry"

func Total(prices []int) (sum int) {
	defer _tel.Start("shop.Total").End()
	for _, p := range prices {
		sum += p
	}
	return
}
