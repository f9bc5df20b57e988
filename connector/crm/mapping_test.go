package crm

import (
	"math/rand/v2"
	"net/mail"
	"testing"

	"github.com/cohortdesk/cohort"
)

// TestPlainAddressIsAcceptedByParseAddress checks the fast path of email
// checking: every address it accepts, net/mail accepts as it is.
func TestPlainAddressIsAcceptedByParseAddress(t *testing.T) {
	cases := []string{"ann@acme.example", "a.b+c_d%e-f@x-y.example", "A@B", "a@b.c", ".a@b", "a.@b", "a..b@c",
		"a@.b", "a@b.", "a@b..c", "@b", "a@", "a@b@c", "a b@c", "\"a\"@b", "a@[1.2.3.4]", "Ann <a@b>", ""}
	alphabet := []rune("ab9.._%+-@!#\"()<>[] \\,;:é")
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(common int) string {
		b := make([]rune, 1+rng.IntN(6))
		for i := range b {
			b[i] = alphabet[rng.IntN(common+rng.IntN(2)*(len(alphabet)-common))]
		}
		return string(b)
	}
	for range 100000 {
		cases = append(cases, word(9)+"@"+word(5), word(len(alphabet)))
	}
	accepted := 0
	for _, v := range cases {
		if !plainAddress(v) {
			continue
		}
		accepted++
		addr, err := mail.ParseAddress(v)
		if err != nil || addr.Address != v {
			t.Errorf("plainAddress(%q) but ParseAddress gives %v, %v", v, addr, err)
		}
	}
	if accepted < 100 {
		t.Errorf("only %d plain addresses among the cases", accepted)
	}
}

// TestSignupDateFastPathMatchesParseTime checks that a date is read the
// same with the YYYY-MM-DD fast path as by ParseTime.
func TestSignupDateFastPathMatchesParseTime(t *testing.T) {
	for _, v := range []string{"2022-04-29", "2024-02-29", "2023-02-29", "2022-13-01", "1651190400000",
		"2022-04-29T10:00:00Z", "2026-09-15T09:00:00.000+0000", "2022-04-29 10:00:00", "29/04/2022", "2022-4-29"} {
		var c cohort.Customer
		problem := setField(&c, FieldSignupDate, v)
		want, ok := ParseTime(v)
		if (problem == "") != ok || !c.SignupDate.Equal(want) || c.SignupDate.Location() != want.Location() {
			t.Errorf("%q: got %v (%q), ParseTime gives %v, %v", v, c.SignupDate, problem, want, ok)
		}
	}
}
