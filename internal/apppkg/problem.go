package apppkg

import "errors"

// Problem is one thing a check found wrong with an app: an error, which
// the helpdesk or its tools would refuse the app for, or, with Warning
// set, something that works but is likely a mistake.
type Problem struct {
	File    string // the file, from the app's root; "" for the app as a whole
	Message string // what is wrong, for an admin, the field named first
	Warning bool
}

// String returns the problem as "FILE: MESSAGE", or "FILE: warning:
// MESSAGE" for a warning.
func (p Problem) String() string {
	s := p.Message
	if p.Warning {
		s = "warning: " + s
	}
	if p.File != "" {
		s = p.File + ": " + s
	}
	return s
}

// Error returns the problem as String does.
func (p Problem) Error() string { return p.String() }

// Errors returns nil when problems holds only warnings, and otherwise one
// error listing the other problems, one per line. Each is a Problem that
// errors.As finds.
func Errors(problems []Problem) error {
	var errs []error
	for _, p := range problems {
		if !p.Warning {
			errs = append(errs, p)
		}
	}
	return errors.Join(errs...)
}
