package main

import "fmt"
import _tel "example.com/app/internal/telemetry"

// report has a parameter named telemetry: the import is aliased so the
// injected line still compiles.
func report(telemetry []int) string {
	defer _tel.Start("main.report").End()
	return fmt.Sprint(len(telemetry))
}
