package greenhouse

import (
	nethttp "net/http"
	"strconv"
	"time"
)

// window is Harvest's rate-limit window: "API requests are limited to the amount specified in the
// returned X-RateLimit-Limit header (per 10 seconds)".
const window = 10 * time.Second

// throttle reads X-RateLimit-Limit and X-RateLimit-Remaining from every answer and paces the client
// before Harvest answers 429: with nothing left in the window it waits a whole window; with less than
// a tenth left it spaces requests evenly (window / limit). A 429 itself carries neither header (as
// documented) but Retry-After, which API.Do honours.
func throttle(resp *nethttp.Response) time.Duration {
	limit, err1 := strconv.Atoi(resp.Header.Get("X-RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining"))
	if err1 != nil || err2 != nil || limit <= 0 {
		return 0
	}
	switch {
	case remaining <= 0:
		return window
	case remaining*10 < limit:
		return window / time.Duration(limit)
	}
	return 0
}
