package file

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// jsonNumber converts a JSON number to the most exact canonical value: a literal without fraction or
// exponent that fits int64 becomes int64; any other literal becomes float64 if that float64 denotes exactly
// the same decimal number (0.1, 1.5e3, 1.0); what fits neither (big integers, 1e400, more digits than a
// float64 keeps) stays json.Number, which keeps the text exactly.
func jsonNumber(n json.Number) any {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if s == "-0" {
			return math.Copysign(0, -1) // int64 has no negative zero; float64 keeps the sign exactly
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		return n
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return n
	}
	lit, ok := parseDecimal(s)
	if !ok {
		return n
	}
	if f == 0 {
		if lit.digits == "" {
			return f
		}
		return n // underflow: a tiny nonzero number that float64 rounds to 0
	}
	back, ok := parseDecimal(strconv.FormatFloat(f, 'e', -1, 64))
	if !ok || back != lit {
		return n
	}
	return f
}

// decimal is a number as 0.digits × 10^exp, with no leading or trailing zeros in digits; zero has no
// digits. Two decimals are equal exactly when they denote the same number.
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// parseDecimal reads a JSON number literal (already checked by the JSON decoder). ok is false when the
// exponent does not fit an int, which the caller treats as "not exact".
func parseDecimal(s string) (d decimal, ok bool) {
	if strings.HasPrefix(s, "-") {
		d.neg, s = true, s[1:]
	}
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil {
			return decimal{}, false
		}
		exp, s = e, s[:i]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	digits := intPart + frac
	point := len(intPart)
	trimmed := strings.TrimLeft(digits, "0")
	point -= len(digits) - len(trimmed)
	trimmed = strings.TrimRight(trimmed, "0")
	if trimmed == "" {
		return decimal{}, true // zero, whatever its sign
	}
	if (exp > 0 && point > math.MaxInt-exp) || (exp < 0 && point < math.MinInt-exp) {
		return decimal{}, false
	}
	d.digits, d.exp = trimmed, point+exp
	return d, true
}
