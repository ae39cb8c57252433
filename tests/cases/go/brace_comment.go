package shop

func init() { // init to break init cycle
	x = 1
}

var x int
