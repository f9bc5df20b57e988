package sandbox

import (
	"fmt"
	"maps"
	"strconv"
	"time"
)

// Props are property values by name, as HubSpot writes them: text, numbers
// in decimal, datetimes in ISO-8601, multi-select values joined by ";". An
// empty value clears the property. The sandbox sets hs_object_id,
// lastmodifieddate (contacts), hs_lastmodifieddate (companies),
// hs_merged_object_ids and associatedcompanyid itself and ignores them here;
// createdate may be given on create to backdate an object. A property the
// account does not know becomes a custom text property (see
// DefineProperty).
type Props map[string]string

// Object is a snapshot of a contact or a company, for tests.
type Object struct {
	Type ObjectType
	ID   string
	// Properties are the object's set properties.
	Properties map[string]string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Archived   bool
	ArchivedAt time.Time // zero unless archived
	// MergedInto is the id of the object this one was merged into, or "".
	MergedInto string
}

// CreateContact adds a contact with props and returns its id.
func (s *Server) CreateContact(props Props) string {
	return s.create(Contacts, props)
}

// CreateCompany adds a company with props and returns its id.
func (s *Server) CreateCompany(props Props) string {
	return s.create(Companies, props)
}

func (s *Server) create(t ObjectType, props Props) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.store.create(t, props, s.now(), s.cfg.IndexLag).idString()
}

// Get returns the object of type t with id, archived or not.
func (s *Server) Get(t ObjectType, id string) (Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.lookup(t, id)
	if err != nil {
		return Object{}, err
	}
	obj := Object{
		Type:       t,
		ID:         o.idString(),
		Properties: maps.Clone(o.props),
		CreatedAt:  o.createdAt,
		UpdatedAt:  o.updatedAt,
		Archived:   o.archived,
		ArchivedAt: o.archivedAt,
	}
	if o.mergedInto != 0 {
		obj.MergedInto = strconv.FormatInt(o.mergedInto, 10)
	}
	return obj, nil
}

// Update writes props to a live object, bumping its last-modified
// property and updatedAt even when nothing changes.
func (s *Server) Update(t ObjectType, id string, props Props) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.live(t, id)
	if err != nil {
		return err
	}
	s.store.setProps(o, props)
	o.touch(s.now(), s.cfg.IndexLag)
	return nil
}

// Archive archives a live object, as DELETE /crm/v3/objects/{type}/{id}
// does: it leaves lists, search and associations, shows in archived=true
// lists with archivedAt, and keeps its properties and last-modified date.
func (s *Server) Archive(t ObjectType, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.live(t, id)
	if err != nil {
		return err
	}
	o.archived, o.archivedAt = true, s.now()
	return nil
}

// Unarchive restores an archived object that was not merged away, bumping
// its last-modified property.
func (s *Server) Unarchive(t ObjectType, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.lookup(t, id)
	if err != nil {
		return err
	}
	if !o.archived || o.mergedInto != 0 {
		return fmt.Errorf("sandbox: %s %s is not archived, or was merged", t.singular(), id)
	}
	o.archived, o.archivedAt = false, time.Time{}
	o.touch(s.now(), s.cfg.IndexLag)
	return nil
}

// Merge merges the object mergedID into primaryID, as POST
// /crm/v3/objects/{type}/merge does: the merged object is archived (and
// its id resolves to the primary one), its associations move to the
// primary object, which lists mergedID in hs_merged_object_ids and is
// bumped. When companies merge, the contacts whose primary company was the
// merged one are bumped too.
func (s *Server) Merge(t ObjectType, primaryID, mergedID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	winner, err := s.live(t, primaryID)
	if err != nil {
		return err
	}
	loser, err := s.live(t, mergedID)
	if err != nil {
		return err
	}
	if winner == loser {
		return fmt.Errorf("sandbox: cannot merge %s %s into itself", t.singular(), primaryID)
	}
	s.store.merge(winner, loser, s.now(), s.cfg.IndexLag)
	return nil
}

// Associate associates a contact with a company. With primary the company
// becomes the contact's primary company (typeIds 1 and 2; any previous
// primary company stays associated, unlabeled), which sets the contact's
// associatedcompanyid and bumps it; otherwise the association is unlabeled
// (typeIds 279 and 280) and neither object is bumped.
func (s *Server) Associate(contactID, companyID string, primary bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	contact, err := s.live(Contacts, contactID)
	if err != nil {
		return err
	}
	company, err := s.live(Companies, companyID)
	if err != nil {
		return err
	}
	s.store.associate(contact, company, primary)
	if primary {
		contact.touch(s.now(), s.cfg.IndexLag)
	}
	return nil
}

// lookup finds an object, archived or not. s.mu must be held.
func (s *Server) lookup(t ObjectType, id string) (*object, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if o := s.store.get(t, n); err == nil && o != nil {
		return o, nil
	}
	return nil, fmt.Errorf("sandbox: no %s %q", t.singular(), id)
}

// live finds an object that is not archived. s.mu must be held.
func (s *Server) live(t ObjectType, id string) (*object, error) {
	o, err := s.lookup(t, id)
	if err != nil {
		return nil, err
	}
	if o.archived {
		return nil, fmt.Errorf("sandbox: %s %s is archived", t.singular(), id)
	}
	return o, nil
}
