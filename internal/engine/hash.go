package engine

import (
	"crypto/sha256"
	"encoding/hex"
)

// hashDoc hashes a mapped record's canonical JSON (sorted field names), so that the same values always
// give the same hash and a change in a field the sync does not copy writes nothing. 128 bits of SHA-256
// make an accidental collision (an update silently skipped) practically impossible.
func hashDoc(doc []byte) string {
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:16])
}
