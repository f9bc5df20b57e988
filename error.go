package cohort

import (
	"errors"
	"fmt"
	"strings"
)

// Kind sorts errors into the few classes callers act on. The web package maps
// each kind to an HTTP status in one place; the enrich job decides from it
// whether to retry.
type Kind uint8

// The error kinds. KindOther is the zero value: an unexpected failure.
const (
	KindOther        Kind = iota
	KindInvalid           // bad input; retrying cannot help
	KindNotFound          // the thing asked for does not exist
	KindConflict          // it changed since it was read; re-read and retry
	KindUnauthorized      // credentials or signature missing or wrong
	KindUnavailable       // a dependency is down or rate-limited; retry later
	KindTooLarge          // the input is over a size limit
)

var kindNames = [...]string{"other", "invalid", "not found", "conflict", "unauthorized", "unavailable", "too large"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Error is an error with the operation that failed and its kind. Its
// message is Err's alone, in plain words for the people who read it
// (admins at a terminal, a webhook's sender); the operation is for logs
// (see Op).
type Error struct {
	Op   string // e.g. "zendesk.UpdateTicket"
	Kind Kind
	Err  error
}

// E builds an *Error that wraps err.
func E(op string, kind Kind, err error) *Error {
	return &Error{Op: op, Kind: kind, Err: err}
}

// Errorf builds an *Error from a format string; %w wraps as in fmt.Errorf.
func Errorf(op string, kind Kind, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Err: fmt.Errorf(format, args...)}
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Kind.String()
	}
	return e.Err.Error()
}

// Op returns the operations of the *Errors in err's chain, outermost
// first, for logs: "zendesk.UpdateTicket 12 > zendesk.Get"; "" when there
// are none.
func Op(err error) string {
	var ops []string
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			break
		}
		if e.Op != "" {
			ops = append(ops, e.Op)
		}
		err = e.Err
	}
	return strings.Join(ops, " > ")
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of the outermost *Error in err's chain that has
// one other than KindOther, or KindOther.
func KindOf(err error) Kind {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return KindOther
		}
		if e.Kind != KindOther {
			return e.Kind
		}
		err = e.Err
	}
	return KindOther
}

// ErrIgnored marks a well-formed delivery that needs no work, such as a
// webhook for an event other than ticket creation. Receivers answer it with
// success, so the helpdesk does not retry it.
var ErrIgnored = errors.New("delivery ignored")
