package fakehttp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Listener is an HTTP server bound to 127.0.0.1 on an ephemeral port.
type Listener struct {
	srv    *http.Server
	url    string
	stop   chan struct{}
	served chan struct{}
	once   sync.Once
	err    error // written by the serve goroutine before served is closed
}

// Listen starts serving h on 127.0.0.1 with a port chosen by the kernel. The server stops when ctx is
// cancelled or Close is called, whichever comes first.
func Listen(ctx context.Context, h http.Handler) (*Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	l := &Listener{
		srv:    &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		url:    "http://" + ln.Addr().String(),
		stop:   make(chan struct{}),
		served: make(chan struct{}),
	}
	go func() {
		defer close(l.served)
		if err := l.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			l.err = err
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			l.shutdown()
		case <-l.stop:
		}
	}()
	return l, nil
}

// URL is the base URL of the server, e.g. "http://127.0.0.1:41234", without a trailing slash.
func (l *Listener) URL() string { return l.url }

// Close stops accepting requests, closes open connections and waits until the server has stopped.
// It is safe to call more than once and after the context passed to Listen was cancelled.
func (l *Listener) Close() error {
	l.shutdown()
	<-l.served
	return l.err
}

func (l *Listener) shutdown() {
	l.once.Do(func() {
		close(l.stop)
		_ = l.srv.Close()
	})
}
