package shop

import "fmt"
import _tel "example.com/app/internal/telemetry"

func Done() {
	defer _tel.Start("shop.Done").End()
	fmt.Println("done")
}
