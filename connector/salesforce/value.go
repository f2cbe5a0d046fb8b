package salesforce

import (
	"regexp"
	"time"

	"github.com/onewaysync/oneway/connector"
)

// dateTimeRE matches the REST API's dateTime values (2024-05-01T10:00:00.000+0000) and the other ISO
// 8601 forms its documentation lists as valid.
var dateTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$`)

func parseDateTime(s string) (time.Time, bool) {
	if !dateTimeRE.MatchString(s) {
		return time.Time{}, false
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// record turns one REST API record into a connector record with exactly the selected fields:
// "attributes" dropped, the fields of a related record (Owner.Name) under their dotted names (null
// when there is no related record), dateTime text as time.Time (UTC). Dates (2024-05-01) stay text,
// as do all other strings; numbers and booleans are JSON's.
func record(obj map[string]any, fields []string) connector.Record {
	flat := connector.Record{}
	flatten(flat, "", obj)
	r := make(connector.Record, len(fields))
	for _, f := range fields {
		r[f] = flat[f]
	}
	return r
}

func flatten(dst connector.Record, prefix string, obj map[string]any) {
	for k, v := range obj {
		if k == "attributes" {
			continue
		}
		name := prefix + k
		switch x := v.(type) {
		case map[string]any:
			if _, related := x["attributes"]; related {
				flatten(dst, name+".", x)
				continue
			}
		case string:
			if t, ok := parseDateTime(x); ok {
				dst[name] = t
				continue
			}
		}
		dst[name] = v
	}
}
