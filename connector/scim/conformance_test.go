package scim_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/conformance"
)

// The conformance suite writes records of a fixed schema (id int64, name, score, active, note, seq) to
// the stream "conformance_people". A SCIM server holds Users, whose attributes are fixed by RFC 7643, so
// the test does what a sync's map: does for a SCIM target: peopleConn maps each suite record to a user
// (id -> userName "person-<id>", the target key; name -> displayName; active -> active; note, score and
// seq -> attributes of an extension schema the test server declares) and passes it to the scim
// connector unchanged otherwise; Normalize maps users read back to the suite's records. So every target
// and source test of the suite runs against the scim connector and the elimity server, through Users.
// Append is skipped (unsupported: userName is unique), Commit tests are skipped (not a Committer).

const suiteStream = "conformance_people"

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Options{
		New: func(t *testing.T) connector.Conn {
			ts := newTestServer(t, serverOptions{})
			return &peopleConn{Conn: open(t, ts.URL), server: ts}
		},
		Inspect: func(t *testing.T, conn connector.Conn, stream string) []connector.Record {
			return conn.(*peopleConn).server.storedUsers()
		},
		Normalize: personOf,
	})
}

// storedUsers returns the users in the store, read directly, as records with their id.
func (ts *testServer) storedUsers() []connector.Record {
	s := ts.users
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []connector.Record
	for _, it := range s.sorted() {
		rec := connector.Record(cloneAttrs(it.attrs))
		rec["id"] = it.id
		out = append(out, rec)
	}
	return out
}

// peopleConn is the scim connection seen through the suite's schema.
type peopleConn struct {
	connector.Conn
	server *testServer
}

// Close closes the connection and then the test server, which the suite's leak check must not count.
func (p *peopleConn) Close() error {
	err := p.Conn.Close()
	p.server.srv.Close()
	return err
}

func (p *peopleConn) OpenWriter(ctx context.Context, req connector.WriteRequest) (connector.Writer, error) {
	if req.Stream == suiteStream {
		req.Stream, req.Key, req.Fields = "Users", []string{"userName"}, nil
	}
	w, err := p.Conn.(connector.Target).OpenWriter(ctx, req)
	if err != nil {
		return nil, err
	}
	return peopleWriter{w}, nil
}

func (p *peopleConn) Read(ctx context.Context, req connector.ReadRequest) (connector.Reader, error) {
	if req.Stream == suiteStream {
		req.Stream, req.Key = "Users", []string{"userName"}
	}
	return p.Conn.(connector.Source).Read(ctx, req)
}

type peopleWriter struct{ connector.Writer }

func (w peopleWriter) Apply(ctx context.Context, batch []connector.Change) ([]connector.Result, error) {
	out := make([]connector.Change, len(batch))
	for i, ch := range batch {
		ch.Key = []any{userNameOf(ch.Key[0])}
		if ch.Record != nil {
			ch.Record = userOf(ch.Record)
		}
		out[i] = ch
	}
	return w.Writer.Apply(ctx, out)
}

func userNameOf(id any) string { return fmt.Sprintf("person-%d", id) }

// userOf maps the fields a suite record carries (all of them, or an update's few) to user attributes.
func userOf(rec connector.Record) connector.Record {
	user, ext := connector.Record{}, map[string]any{}
	for k, v := range rec {
		switch k {
		case "id":
			user["userName"] = userNameOf(v)
		case "name":
			user["displayName"] = v
		case "active":
			user["active"] = v
		default:
			ext[k] = v
		}
	}
	if len(ext) > 0 {
		user[conformanceSchema] = ext
	}
	return user
}

// personOf maps a user read back (from the store or through Read) to the suite's record.
func personOf(user connector.Record) connector.Record {
	ext, _ := user[conformanceSchema].(map[string]any)
	id, err := strconv.ParseInt(strings.TrimPrefix(fmt.Sprint(user["userName"]), "person-"), 10, 64)
	if err != nil {
		return user // not a suite record: let the comparison show it
	}
	score := ext["score"]
	if n, ok := score.(int64); ok { // a whole decimal reads back as a JSON integer
		score = float64(n)
	}
	return connector.Record{
		"id":     id,
		"name":   user["displayName"],
		"active": user["active"],
		"note":   ext["note"],
		"score":  score,
		"seq":    ext["seq"],
	}
}
