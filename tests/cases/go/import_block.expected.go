package shop

import (
	"fmt"
	"os"
)
import _tel "example.com/app/internal/telemetry"

func Print(v int) {
	defer _tel.Start("shop.Print").End()
	fmt.Fprintln(os.Stdout, v)
}
