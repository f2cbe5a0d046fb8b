package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/onewaysync/oneway/internal/schedule"
)

const secret = "hook-secret"

var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func onewayHeaders(sig string, ts int64, id string) http.Header {
	h := http.Header{}
	h.Set(SignatureHeader, sig)
	h.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	if id != "" {
		h.Set(DeliveryHeader, id)
	}
	return h
}

func TestVerify(t *testing.T) {
	body := []byte(`{"action":"hired","payload":{"id":7}}`)
	ts := now.Unix()
	good := Sign(secret, ts, body)
	gh := http.Header{}
	gh.Set(GreenhouseSignatureHeader, SignGreenhouse(secret, body))
	tests := []struct {
		name   string
		h      http.Header
		body   []byte
		want   error
		id     string
		scheme string
	}{
		{"valid", onewayHeaders(good, ts, "d-1"), body, nil, "d-1", SchemeOneway},
		{"valid without delivery id", onewayHeaders(good, ts, ""), body, nil, "sig:" + good, SchemeOneway},
		{"valid 4 minutes old", onewayHeaders(Sign(secret, ts-240, body), ts-240, "d"), body, nil, "d", SchemeOneway},
		{"valid 4 minutes ahead", onewayHeaders(Sign(secret, ts+240, body), ts+240, "d"), body, nil, "d", SchemeOneway},
		{"body changed", onewayHeaders(good, ts, "d"), []byte(`{"action":"hired","payload":{"id":8}}`), ErrBadSignature, "", ""},
		{"wrong secret", onewayHeaders(Sign("other", ts, body), ts, "d"), body, ErrBadSignature, "", ""},
		{"timestamp changed", onewayHeaders(good, ts+1, "d"), body, ErrBadSignature, "", ""},
		{"no prefix", onewayHeaders(good[len("sha256="):], ts, "d"), body, ErrBadSignature, "", ""},
		{"not hex", onewayHeaders("sha256=zz", ts, "d"), body, ErrBadSignature, "", ""},
		{"stale", onewayHeaders(Sign(secret, ts-301, body), ts-301, "d"), body, ErrStale, "", ""},
		{"future", onewayHeaders(Sign(secret, ts+301, body), ts+301, "d"), body, ErrStale, "", ""},
		{"unsigned", http.Header{}, body, ErrUnsigned, "", ""},
		{"signature without timestamp", http.Header{SignatureHeader: {good}}, body, ErrUnsigned, "", ""},
		{"greenhouse", gh, body, nil, "greenhouse:" + SignGreenhouse(secret, body)[len("sha256 "):], SchemeGreenhouse},
		{"greenhouse body changed", gh, []byte(`{}`), ErrBadSignature, "", ""},
		{"greenhouse wrong algorithm", http.Header{GreenhouseSignatureHeader: {"sha1 " + SignGreenhouse(secret, body)[7:]}}, body, ErrBadSignature, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Verify(tt.h, tt.body, secret, now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && (d.ID != tt.id || d.Scheme != tt.scheme) {
				t.Fatalf("delivery = %+v, want id %q scheme %q", d, tt.id, tt.scheme)
			}
		})
	}
}

// TestSignKnownVector pins the scheme with a value computed independently:
// printf '1700000000.{}' | openssl dgst -sha256 -hmac hook-secret
func TestSignKnownVector(t *testing.T) {
	got := Sign(secret, 1700000000, []byte("{}"))
	want := "sha256=dbf225485a6050dcdd76bf39f33e9bbf2c608ea346b5db374a78057f5e3e8aa8"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestSeen(t *testing.T) {
	s := NewSeen(10*time.Minute, 3)
	if !s.Add("a", now) || s.Add("a", now.Add(time.Minute)) {
		t.Fatal("a replay within the TTL must be refused")
	}
	if !s.Add("a", now.Add(10*time.Minute)) {
		t.Fatal("an id past its TTL is forgotten")
	}
	s.Add("b", now.Add(11*time.Minute))
	s.Add("c", now.Add(11*time.Minute))
	s.Add("d", now.Add(11*time.Minute)) // over the bound: the oldest ("a") goes
	if s.Len() != 3 {
		t.Fatalf("Len = %d, want 3", s.Len())
	}
	if !s.Add("a", now.Add(11*time.Minute)) {
		t.Fatal("the oldest id should have been evicted")
	}
	s.Forget("c")
	if !s.Add("c", now.Add(11*time.Minute)) {
		t.Fatal("a forgotten id is accepted again")
	}
}

func TestDebouncerOneFirePerWindow(t *testing.T) {
	clock := schedule.NewFake(now)
	var fires atomic.Int32
	fired := make(chan struct{}, 10)
	d := NewDebouncer(clock, 2*time.Second, func() { fires.Add(1); fired <- struct{}{} })
	defer d.Stop()
	if joined, _ := d.Trigger(); joined {
		t.Fatal("the first trigger opens a window")
	}
	for range 5 {
		clock.Advance(300 * time.Millisecond)
		if joined, _ := d.Trigger(); !joined {
			t.Fatal("a trigger within the window joins it")
		}
	}
	clock.Advance(500 * time.Millisecond) // 2s after the first trigger
	waitFire(t, fired)
	if fires.Load() != 1 {
		t.Fatalf("fired %d times, want 1", fires.Load())
	}
	if joined, _ := d.Trigger(); joined {
		t.Fatal("a trigger after the window opens a new one")
	}
	if err := clock.WaitTimers(1, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second)
	waitFire(t, fired)
	if fires.Load() != 2 {
		t.Fatalf("fired %d times, want 2", fires.Load())
	}
}

// Stop fires an open window at once (its triggers were accepted: a webhook answered 202 must lead to a
// run) and refuses later triggers.
func TestDebouncerStopFiresOpenWindow(t *testing.T) {
	clock := schedule.NewFake(now)
	var fires atomic.Int32
	d := NewDebouncer(clock, time.Hour, func() { fires.Add(1) })
	d.Trigger()
	d.Stop()
	if fires.Load() != 1 {
		t.Fatalf("fires %d after Stop, want the open window's 1", fires.Load())
	}
	clock.Advance(2 * time.Hour)
	if _, accepted := d.Trigger(); accepted || fires.Load() != 1 || clock.Timers() != 0 {
		t.Fatalf("after Stop: accepted %v, fires %d, timers %d", accepted, fires.Load(), clock.Timers())
	}
}

func TestDebouncerZeroWindowFiresAtOnce(t *testing.T) {
	fired := make(chan struct{}, 1)
	d := NewDebouncer(schedule.NewFake(now), 0, func() { fired <- struct{}{} })
	defer d.Stop()
	d.Trigger()
	waitFire(t, fired)
}

func waitFire(t *testing.T, c chan struct{}) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(10 * time.Second):
		t.Fatal("did not fire")
	}
}

func FuzzVerify(f *testing.F) {
	body := []byte(`{"a":1}`)
	f.Add(Sign(secret, now.Unix(), body), strconv.FormatInt(now.Unix(), 10), "", body)
	f.Add("", "", SignGreenhouse(secret, body), body)
	f.Add("sha256=00", "1", "sha256 zz", []byte{})
	f.Fuzz(func(t *testing.T, sig, ts, gh string, body []byte) {
		h := http.Header{}
		if sig != "" {
			h.Set(SignatureHeader, sig)
		}
		if ts != "" {
			h.Set(TimestampHeader, ts)
		}
		if gh != "" {
			h.Set(GreenhouseSignatureHeader, gh)
		}
		d, err := Verify(h, body, secret, now)
		if err != nil {
			return
		}
		// Whatever was accepted must carry a signature that really matches.
		tsText := h.Get(TimestampHeader)
		if d.Scheme == SchemeOneway && (!strings.EqualFold(h.Get(SignatureHeader), fmt.Sprintf("sha256=%x", mac(secret, []byte(tsText+"."), body))) || !isInt(tsText)) {
			t.Fatalf("accepted a wrong oneway signature %q", sig)
		}
		if d.Scheme == SchemeGreenhouse && fmt.Sprintf("%x", mac(secret, nil, body)) != d.ID[len("greenhouse:"):] {
			t.Fatalf("accepted a wrong greenhouse signature %q", gh)
		}
	})
}

func isInt(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}
