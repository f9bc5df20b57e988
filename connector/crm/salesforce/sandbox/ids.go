package sandbox

// Salesforce ids: a three-character key prefix naming the object, twelve
// characters, and a three-character suffix that encodes the case of the
// first fifteen, so that the 18-character form survives case-insensitive
// comparison.

// Key prefixes of ids that are not records.
const (
	prefixOrg     = "00D"
	prefixUser    = "005"
	prefixLocator = "01g" // query cursors
)

// podChars stands for the org's instance in every id, as "RO" in
// 003RO0000035WQgYAM.
const podChars = "RO"

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// makeID returns the 18-character id numbered n under prefix.
func makeID(prefix string, n int64) string {
	const digits = 10
	b := make([]byte, digits)
	for i := digits - 1; i >= 0; i-- {
		b[i] = base62[n%62]
		n /= 62
	}
	id := prefix + podChars + string(b)
	return id + idSuffix(id)
}

// idSuffix computes the case-encoding suffix of a 15-character id: for each
// run of five characters, a letter of "A…Z0…5" whose bits mark the
// uppercase ones.
func idSuffix(id15 string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	suffix := make([]byte, 3)
	for chunk := range 3 {
		flags := 0
		for i := range 5 {
			if c := id15[chunk*5+i]; c >= 'A' && c <= 'Z' {
				flags |= 1 << i
			}
		}
		suffix[chunk] = alphabet[flags]
	}
	return string(suffix)
}
