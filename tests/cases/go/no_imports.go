package shop

func Total(prices []int) (sum int) {
	for _, p := range prices {
		sum += p
	}
	return
}
