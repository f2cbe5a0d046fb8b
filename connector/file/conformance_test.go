package file_test

import (
	"strconv"
	"testing"

	"github.com/onewaysync/oneway/connector"
	"github.com/onewaysync/oneway/connector/conformance"
	"github.com/onewaysync/oneway/connector/file"
)

// newConn returns a connection of kind over a fresh temporary folder.
func newConn(kind string) func(t *testing.T) connector.Conn {
	return func(t *testing.T) connector.Conn {
		r := connector.NewRegistry()
		file.Register(r)
		c, err := r.Open(kind, connector.Settings{"path": "."}, connector.Env{BaseDir: t.TempDir(), Name: kind})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

func TestConformanceJSONL(t *testing.T) {
	conformance.Run(t, conformance.Options{
		New: newConn("jsonl"),
		// JSON has one number type: a whole float64 such as 15.0 is written as 15 and reads back as int64.
		Normalize: func(r connector.Record) connector.Record {
			if n, ok := r["score"].(int64); ok {
				r["score"] = float64(n)
			}
			return r
		},
	})
}

func TestConformanceCSV(t *testing.T) {
	conformance.Run(t, conformance.Options{
		New:               newConn("csv"),
		Normalize:         csvSchema,
		NoNullDistinction: true, // an empty field is "" or NULL; CSV cannot tell
	})
}

// csvSchema parses the text a CSV file holds back into the suite's schema types; an empty field of a
// non-text column is NULL. Text that does not parse stays text, so the suite's comparison shows it.
func csvSchema(r connector.Record) connector.Record {
	out := make(connector.Record, len(r))
	for k, v := range r {
		out[k] = v
		s, ok := v.(string)
		if !ok || k == "name" || k == "note" {
			continue
		}
		if s == "" {
			out[k] = nil
			continue
		}
		var parsed any
		var err error
		switch k {
		case "id", "seq":
			parsed, err = strconv.ParseInt(s, 10, 64)
		case "score":
			parsed, err = strconv.ParseFloat(s, 64)
		case "active":
			parsed, err = strconv.ParseBool(s)
		default:
			continue
		}
		if err == nil {
			out[k] = parsed
		}
	}
	return out
}
