package benchrun

import (
	"fmt"
	"time"
)

// Goal is one line of the verdict: a measured value against the most it may be.
type Goal struct {
	Name      string
	Value, At float64
	Unit      string
	Info      bool // printed for context, not one of the goals
}

// Pass reports whether the value is within the goal.
func (g Goal) Pass() bool { return g.Value <= g.At }

func (g Goal) String() string {
	verdict := "MISS"
	if g.Pass() {
		verdict = "PASS"
	}
	if g.Info {
		return fmt.Sprintf("%-52s %8.3f%s  (for information; no goal)", g.Name, g.Value, g.Unit)
	}
	return fmt.Sprintf("%-52s %8.3f%s  goal <= %g%s  %s", g.Name, g.Value, g.Unit, g.At, g.Unit, verdict)
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }
