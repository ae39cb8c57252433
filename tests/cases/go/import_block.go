package shop

import (
	"fmt"
	"os"
)

func Print(v int) {
	fmt.Fprintln(os.Stdout, v)
}
