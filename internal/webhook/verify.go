package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of oneway's own scheme: the signature is HMAC-SHA256, keyed with the shared secret, over
// "<timestamp>.<raw body>", sent as "sha256=<hex>"; the timestamp is in Unix seconds; the delivery id
// is any unique text chosen by the sender (a retry of the same delivery reuses it).
const (
	SignatureHeader = "X-Oneway-Signature"
	TimestampHeader = "X-Oneway-Timestamp"
	DeliveryHeader  = "X-Oneway-Delivery"
)

// GreenhouseSignatureHeader is Greenhouse's documented scheme: "Signature: sha256 <hex>", the hex
// HMAC-SHA256 of the raw body keyed with the web hook's secret key. It carries no timestamp, so its
// de-duplication rests on the signature itself (an identical body is a replay).
const GreenhouseSignatureHeader = "Signature"

// Tolerance is how far a timestamp may be from the receiver's clock, either way.
const Tolerance = 5 * time.Minute

// Schemes a delivery was verified with.
const (
	SchemeOneway     = "oneway"
	SchemeGreenhouse = "greenhouse"
)

// Errors of Verify. ErrUnsigned, ErrBadSignature and ErrStale mean the request must be refused as
// unauthenticated (401).
var (
	ErrUnsigned     = errors.New("the request is not signed: send " + SignatureHeader + " and " + TimestampHeader + " (or Greenhouse's Signature header)")
	ErrBadSignature = errors.New("the signature does not match the body and the shared secret")
	ErrStale        = fmt.Errorf("the timestamp is more than %s away from the server's clock (or not a Unix time in seconds)", Tolerance)
)

// Delivery is a verified hook.
type Delivery struct {
	// ID identifies the delivery for de-duplication: the delivery header, or the signature when the
	// sender gives none.
	ID     string
	Scheme string
}

// Sign returns the X-Oneway-Signature value for a body sent at timestamp (Unix seconds).
func Sign(secret string, timestamp int64, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, []byte(strconv.FormatInt(timestamp, 10)+"."), body))
}

// SignGreenhouse returns the Signature header value Greenhouse sends for body.
func SignGreenhouse(secret string, body []byte) string {
	return "sha256 " + hex.EncodeToString(mac(secret, nil, body))
}

func mac(secret string, prefix, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(prefix)
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a request's signature over its raw body with secret, and its timestamp against now.
// It tries oneway's scheme first, then Greenhouse's. It does not check for replays; see Seen.
func Verify(h http.Header, body []byte, secret string, now time.Time) (Delivery, error) {
	if sig := h.Get(SignatureHeader); sig != "" {
		return verifyOneway(h, sig, body, secret, now)
	}
	if sig := h.Get(GreenhouseSignatureHeader); sig != "" {
		return verifyGreenhouse(sig, body, secret)
	}
	return Delivery{}, ErrUnsigned
}

func verifyOneway(h http.Header, sig string, body []byte, secret string, now time.Time) (Delivery, error) {
	tsText := h.Get(TimestampHeader)
	if tsText == "" {
		return Delivery{}, ErrUnsigned
	}
	got, ok := decodeHex(strings.TrimPrefix(sig, "sha256="))
	if !ok || !strings.HasPrefix(sig, "sha256=") {
		return Delivery{}, ErrBadSignature
	}
	// The signature is checked before the timestamp, so that an unsigned request learns nothing about
	// the server's clock.
	if !hmac.Equal(got, mac(secret, []byte(tsText+"."), body)) {
		return Delivery{}, ErrBadSignature
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return Delivery{}, ErrStale
	}
	if d := now.Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return Delivery{}, ErrStale
	}
	id := h.Get(DeliveryHeader)
	if id == "" {
		id = "sig:" + sig
	}
	return Delivery{ID: id, Scheme: SchemeOneway}, nil
}

func verifyGreenhouse(sig string, body []byte, secret string) (Delivery, error) {
	scheme, hexSig, _ := strings.Cut(strings.TrimSpace(sig), " ")
	got, ok := decodeHex(strings.TrimSpace(hexSig))
	if scheme != "sha256" || !ok {
		return Delivery{}, ErrBadSignature
	}
	if !hmac.Equal(got, mac(secret, nil, body)) {
		return Delivery{}, ErrBadSignature
	}
	return Delivery{ID: "greenhouse:" + strings.ToLower(strings.TrimSpace(hexSig)), Scheme: SchemeGreenhouse}, nil
}

func decodeHex(s string) ([]byte, bool) {
	b, err := hex.DecodeString(s)
	return b, err == nil && len(b) == sha256.Size
}
