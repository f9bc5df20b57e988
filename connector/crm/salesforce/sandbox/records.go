package sandbox

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Fields are field values by API name, for the mutation hooks. Names are
// matched case-insensitively. Text-like fields take a string (""
// stores null, as Salesforce does), double, currency and percent fields a
// float64 or an int, int fields an int, boolean fields a bool, date fields
// a time.Time or "YYYY-MM-DD", datetime fields a time.Time or an RFC 3339
// string. nil stores null.
type Fields map[string]any

// record is one Account or Contact, live or in the Recycle Bin.
type record struct {
	obj *sobject
	id  string
	// values holds every field that is not null by its canonical name,
	// Id, IsDeleted and the timestamps included.
	values map[string]any
	// deletedAt is when the record went to the Recycle Bin; zero while it
	// is live.
	deletedAt time.Time
	// deletedWith is the Account whose deletion took this Contact along.
	deletedWith string
}

func (r *record) deleted() bool { return !r.deletedAt.IsZero() }

// touch records a change at now: SystemModstamp and LastModifiedDate.
func (r *record) touch(now time.Time) {
	r.values["SystemModstamp"] = now
	r.values["LastModifiedDate"] = now
}

func (r *record) markDeleted(now time.Time, with, master string) {
	r.deletedAt = now
	r.deletedWith = with
	r.values["IsDeleted"] = true
	if master != "" {
		r.values["MasterRecordId"] = master
	}
	r.touch(now)
}

func (r *record) restore(now time.Time) {
	r.deletedAt = time.Time{}
	r.deletedWith = ""
	r.values["IsDeleted"] = false
	r.touch(now)
}

// InsertAccount creates an Account (Name is required) and returns its id.
func (s *Server) InsertAccount(f Fields) (string, error) {
	return s.insert(ObjectAccount, f)
}

// InsertContact creates a Contact (LastName is required; AccountId, when
// set, must name a live Account) and returns its id.
func (s *Server) InsertContact(f Fields) (string, error) {
	return s.insert(ObjectContact, f)
}

func (s *Server) insert(object string, f Fields) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	obj := s.objects[strings.ToLower(object)]
	now := s.stamp()
	rec := &record{obj: obj, values: map[string]any{"IsDeleted": false, "CreatedDate": now}}
	if err := s.setLocked(rec, f, true); err != nil {
		return "", fmt.Errorf("sandbox: insert %s: %w", object, err)
	}
	for _, fd := range obj.fields {
		if fd.required && rec.values[fd.name] == nil {
			return "", fmt.Errorf("sandbox: insert %s: required field %s is missing", object, fd.name)
		}
	}
	rec.id = s.nextIDLocked(obj.keyPrefix)
	rec.values["Id"] = rec.id
	rec.touch(now)
	s.records[rec.id] = rec
	s.order = append(s.order, rec)
	return rec.id, nil
}

// Update sets fields of a live record and bumps its SystemModstamp.
func (s *Server) Update(id string, f Fields) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.liveLocked(id)
	if err == nil {
		err = s.setLocked(rec, f, false)
	}
	if err != nil {
		return fmt.Errorf("sandbox: update %s: %w", id, err)
	}
	rec.touch(s.stamp())
	return nil
}

// Delete moves a live record to the Recycle Bin: query no longer returns
// it, queryAll returns it with IsDeleted true and a new SystemModstamp.
// Deleting an Account deletes its Contacts with it.
func (s *Server) Delete(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.liveLocked(id)
	if err != nil {
		return fmt.Errorf("sandbox: delete %s: %w", id, err)
	}
	now := s.stamp()
	rec.markDeleted(now, "", "")
	if rec.obj.name == ObjectAccount {
		for _, c := range s.childrenLocked(id) {
			c.markDeleted(now, id, "")
		}
	}
	return nil
}

// Undelete restores a record from the Recycle Bin, and an Account's
// Contacts deleted with it. A Contact whose Account is deleted cannot be
// restored on its own.
func (s *Server) Undelete(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.records[id]
	switch {
	case rec == nil:
		return fmt.Errorf("sandbox: undelete %s: no such record", id)
	case !rec.deleted():
		return fmt.Errorf("sandbox: undelete %s: record is not deleted", id)
	}
	if acc, _ := rec.values["AccountId"].(string); acc != "" && s.records[acc] != nil && s.records[acc].deleted() {
		return fmt.Errorf("sandbox: undelete %s: its Account %s is deleted; undelete the Account", id, acc)
	}
	now := s.stamp()
	rec.restore(now)
	for _, r := range s.order {
		if r.deletedWith == id {
			r.restore(now)
		}
	}
	return nil
}

// Merge merges one or two records into master, as Salesforce's merge does:
// the losers are deleted with MasterRecordId set to master, an Account
// loser's Contacts move to master, and master's SystemModstamp is bumped.
func (s *Server) Merge(masterID string, loserIDs ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(format string, args ...any) error {
		return fmt.Errorf("sandbox: merge into %s: %s", masterID, fmt.Sprintf(format, args...))
	}
	if len(loserIDs) < 1 || len(loserIDs) > 2 {
		return fail("merge takes one or two records to merge, got %d", len(loserIDs))
	}
	master, err := s.liveLocked(masterID)
	if err != nil {
		return fail("%v", err)
	}
	losers := make([]*record, 0, len(loserIDs))
	for _, id := range loserIDs {
		l, err := s.liveLocked(id)
		switch {
		case err != nil:
			return fail("%s: %v", id, err)
		case l == master || slices.Contains(losers, l):
			return fail("%s is named twice", id)
		case l.obj != master.obj:
			return fail("%s is a %s, not a %s", id, l.obj.name, master.obj.name)
		}
		losers = append(losers, l)
	}
	now := s.stamp()
	for _, l := range losers {
		if l.obj.name == ObjectAccount {
			for _, c := range s.childrenLocked(l.id) {
				c.values["AccountId"] = masterID
				c.touch(now)
			}
		}
		l.markDeleted(now, "", masterID)
	}
	master.touch(now)
	return nil
}

// EmptyRecycleBin purges every deleted record: queryAll and the deleted
// feed no longer know them, and the deleted feed's earliestDateAvailable
// moves to now.
func (s *Server) EmptyRecycleBin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.order = slices.DeleteFunc(s.order, func(r *record) bool {
		if r.deleted() {
			delete(s.records, r.id)
			return true
		}
		return false
	})
	s.purgedAt = s.stamp()
}

// liveLocked returns the live record id. s.mu must be held.
func (s *Server) liveLocked(id string) (*record, error) {
	rec := s.records[id]
	switch {
	case rec == nil:
		return nil, errors.New("no such record")
	case rec.deleted():
		return nil, errors.New("entity is deleted")
	}
	return rec, nil
}

// childrenLocked returns the live Contacts of an Account. s.mu must be held.
func (s *Server) childrenLocked(accountID string) []*record {
	var out []*record
	for _, r := range s.order {
		if r.obj.name == ObjectContact && !r.deleted() && r.values["AccountId"] == accountID {
			out = append(out, r)
		}
	}
	return out
}

// setLocked checks f against rec's object and stores it, all or nothing.
// CreatedDate may be set on insert only. s.mu must be held.
func (s *Server) setLocked(rec *record, f Fields, inserting bool) error {
	values := maps.Clone(rec.values)
	for _, name := range slices.Sorted(maps.Keys(f)) {
		fd := rec.obj.field(name)
		switch {
		case fd == nil:
			return fmt.Errorf("no field %q on %s", name, rec.obj.name)
		case fd.readOnly, fd.name == "CreatedDate" && !inserting:
			return fmt.Errorf("field %s is read-only", fd.name)
		}
		v, err := convert(fd, f[name])
		if err != nil {
			return err
		}
		if fd.required && v == nil {
			return fmt.Errorf("required field %s cannot be empty", fd.name)
		}
		if id, ok := v.(string); ok && fd.refersTo != "" {
			if parent := s.records[id]; parent == nil || parent.deleted() || parent.obj.name != fd.refersTo {
				return fmt.Errorf("%s: no live %s %q", fd.name, fd.refersTo, id)
			}
		}
		if v == nil {
			delete(values, fd.name)
		} else {
			values[fd.name] = v
		}
	}
	if rec.obj.name == ObjectContact {
		first, _ := values["FirstName"].(string)
		last, _ := values["LastName"].(string)
		values["Name"] = strings.TrimSpace(first + " " + last)
	}
	rec.values = values
	return nil
}

// convert turns a Go value into fd's stored form, or nil for null.
func convert(fd *fieldDef, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() (any, error) {
		return nil, fmt.Errorf("field %s is of type %s; cannot store %T %v", fd.name, fd.typ, v, v)
	}
	switch fd.kind {
	case kindString:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		if s == "" {
			return nil, nil
		}
		return s, nil
	case kindNumber:
		switch n := v.(type) {
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) {
				return bad()
			}
			return n, nil
		case int:
			return float64(n), nil
		case int64:
			return float64(n), nil
		}
	case kindInt:
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case int64:
			return n, nil
		}
	case kindBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case kindDate:
		switch d := v.(type) {
		case time.Time:
			y, m, day := d.Date()
			return time.Date(y, m, day, 0, 0, 0, 0, time.UTC), nil
		case string:
			if t, err := time.Parse(time.DateOnly, d); err == nil {
				return t, nil
			}
		}
	case kindDateTime:
		switch t := v.(type) {
		case time.Time:
			return t.UTC().Truncate(time.Millisecond), nil
		case string:
			if p, err := time.Parse(time.RFC3339Nano, t); err == nil {
				return p.UTC().Truncate(time.Millisecond), nil
			}
		}
	}
	return bad()
}
