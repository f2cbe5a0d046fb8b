package httpclient

import (
	"bytes"
	"encoding/json"
)

// EncodeJSON encodes a request body as encoding/json does, without HTML escaping (so that "<", ">" and
// "&" in names and messages reach the server as written) and without the trailing newline.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
