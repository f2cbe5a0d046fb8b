package faulttest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// proxy is a Toxiproxy proxy run in the test's process, on a free 127.0.0.1 port, in front of upstream.
// The proxies are driven through Toxiproxy's own collection rather than its HTTP API: the same toxics, and
// no HTTP server to start and stop.
type proxy struct {
	t      *testing.T
	server *toxiproxy.ApiServer
	p      *toxiproxy.Proxy
	addr   string // host:port oneway connects to
}

func newProxy(t *testing.T, upstream string) *proxy {
	t.Helper()
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := toxiproxy.NewProxy(server, "postgres", "127.0.0.1:0", upstream)
	if err := server.Collection.Add(p, true); err != nil {
		t.Fatalf("start toxiproxy: %v", err)
	}
	// Stopping the proxy closes every connection through it, so nothing of Toxiproxy outlives the test.
	t.Cleanup(func() { _ = server.Collection.Clear() })
	return &proxy{t: t, server: server, p: p, addr: p.Listen}
}

// add adds a toxic, given as Toxiproxy's JSON: {"name", "type", "stream", "toxicity", "attributes"}.
// Toxics change from inside runs (see midRun), so failures are reported with Errorf, which any goroutine
// may call.
func (p *proxy) add(toxic string) {
	if _, err := p.p.Toxics.AddToxicJson(strings.NewReader(toxic)); err != nil {
		p.t.Errorf("add toxic %s: %v", toxic, err)
	}
}

// update changes a toxic's toxicity or attributes; the links it is on take the change at once.
func (p *proxy) update(name, change string) {
	if _, err := p.p.Toxics.UpdateToxicJson(name, strings.NewReader(change)); err != nil {
		p.t.Errorf("update toxic %s with %s: %v", name, change, err)
	}
}

func (p *proxy) remove(name string) {
	if err := p.p.Toxics.RemoveToxic(context.Background(), name); err != nil {
		p.t.Errorf("remove toxic %s: %v", name, err)
	}
}

// heal removes every toxic.
func (p *proxy) heal() { p.p.Toxics.ResetToxics(context.Background()) }

// down stops the proxy: connections through it are closed and new ones refused, as when the target's
// host is down. up starts it again on the same address.
func (p *proxy) down() { p.p.Stop() }

func (p *proxy) up() {
	if err := p.p.Start(); err != nil {
		p.t.Errorf("restart toxiproxy on %s: %v", p.addr, err)
	}
}

// toxicNameOf returns the name of a toxic given as JSON ("" if it has none).
func toxicNameOf(toxic string) string {
	var v struct{ Name string }
	_ = json.Unmarshal([]byte(toxic), &v)
	return v.Name
}
