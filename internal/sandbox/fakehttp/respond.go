package fakehttp

import (
	"encoding/json"
	"net/http"
)

// WriteJSON writes v as a JSON body with the given status. Encoding errors cannot reach the client
// once the header is written, and the values fakes write always encode, so they are ignored.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
