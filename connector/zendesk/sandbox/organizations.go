package sandbox

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// organization is a stored organization.
type organization struct {
	id             int64
	name           string
	externalID     string
	details        string
	notes          string
	domainNames    []string
	tags           []string
	fields         map[string]any
	sharedTickets  bool
	sharedComments bool
	createdAt      time.Time
	updatedAt      time.Time
}

// organizationJSON is an organization as Zendesk serializes it (fixture
// GET/organization.json). Groups are not emulated: group_id is null.
type organizationJSON struct {
	URL                string         `json:"url"`
	ID                 int64          `json:"id"`
	Name               string         `json:"name"`
	SharedTickets      bool           `json:"shared_tickets"`
	SharedComments     bool           `json:"shared_comments"`
	ExternalID         *string        `json:"external_id"`
	CreatedAt          string         `json:"created_at"`
	UpdatedAt          string         `json:"updated_at"`
	DomainNames        []string       `json:"domain_names"`
	Details            *string        `json:"details"`
	Notes              *string        `json:"notes"`
	GroupID            any            `json:"group_id"`
	Tags               []string       `json:"tags"`
	OrganizationFields map[string]any `json:"organization_fields"`
}

func (s *Server) organizationView(o *organization) organizationJSON {
	v := organizationJSON{
		URL:                s.apiURL("organizations/%d.json", o.id),
		ID:                 o.id,
		Name:               o.name,
		SharedTickets:      o.sharedTickets,
		SharedComments:     o.sharedComments,
		ExternalID:         nullString(o.externalID),
		CreatedAt:          formatTime(o.createdAt),
		UpdatedAt:          formatTime(o.updatedAt),
		DomainNames:        slices.Clone(o.domainNames),
		Details:            nullString(o.details),
		Notes:              nullString(o.notes),
		Tags:               slices.Clone(o.tags),
		OrganizationFields: maps.Clone(o.fields),
	}
	if v.DomainNames == nil {
		v.DomainNames = []string{}
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if v.OrganizationFields == nil {
		v.OrganizationFields = map[string]any{}
	}
	return v
}

// organizationInput holds the writable organization properties of a
// request body; go-zendesk's zero group_id and created_at are ignored. On
// update, properties left out (or null, for lists) stay as they are, an
// empty name too (go-zendesk always sends "name").
type organizationInput struct {
	Name               string           `json:"name"`
	ExternalID         optional[string] `json:"external_id"`
	Details            optional[string] `json:"details"`
	Notes              optional[string] `json:"notes"`
	DomainNames        *[]string        `json:"domain_names"`
	Tags               *tagList         `json:"tags"`
	SharedTickets      *bool            `json:"shared_tickets"`
	SharedComments     *bool            `json:"shared_comments"`
	OrganizationFields map[string]any   `json:"organization_fields"`
}

// applyOrganizationInput applies in to o, a copy the caller stores or
// drops. Names are unique, ignoring case; organization_fields given are
// merged into o's.
func (s *Server) applyOrganizationInput(o *organization, in *organizationInput) error {
	if name := strings.TrimSpace(in.Name); name != "" {
		for _, id := range s.orgOrder {
			if id != o.id && strings.EqualFold(s.orgs[id].name, in.Name) {
				return errInvalid("name", "Name: has already been taken")
			}
		}
		o.name = in.Name
	}
	if o.name == "" {
		return errInvalid("name", "Name: cannot be blank")
	}
	if in.ExternalID.set {
		o.externalID = in.ExternalID.v
	}
	if in.Details.set {
		o.details = in.Details.v
	}
	if in.Notes.set {
		o.notes = in.Notes.v
	}
	if in.DomainNames != nil {
		o.domainNames = slices.Clone(*in.DomainNames)
	}
	if in.Tags != nil {
		o.tags = slices.Clone(*in.Tags)
	}
	if in.SharedTickets != nil {
		o.sharedTickets = *in.SharedTickets
	}
	if in.SharedComments != nil {
		o.sharedComments = *in.SharedComments
	}
	if len(in.OrganizationFields) > 0 {
		o.fields = mergeFields(o.fields, in.OrganizationFields)
	}
	return nil
}

func decodeOrganization(r *http.Request) (*organizationInput, error) {
	var body struct {
		Organization *organizationInput `json:"organization"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.Organization == nil {
		return nil, errBadRequest("organization is required")
	}
	return body.Organization, nil
}

// createOrganization emulates POST /api/v2/organizations. Names are unique,
// ignoring case.
func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeOrganization(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	o, err := s.createOrganizationLocked(in)
	var view organizationJSON
	if err == nil {
		view = s.organizationView(o)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	w.Header().Set("Location", view.URL)
	writeJSON(w, http.StatusCreated, map[string]any{"organization": view})
	return nil
}

// createOrganizationLocked stores a new organization made from in. s.mu
// must be held.
func (s *Server) createOrganizationLocked(in *organizationInput) (*organization, error) {
	now := s.now()
	o := &organization{createdAt: now, updatedAt: now}
	if err := s.applyOrganizationInput(o, in); err != nil {
		return nil, err
	}
	o.id = s.nextID()
	s.orgs[o.id] = o
	s.orgOrder = append(s.orgOrder, o.id)
	return o, nil
}

// showOrganization emulates GET /api/v2/organizations/{id}.
func (s *Server) showOrganization(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	o, ok := s.orgs[id]
	var view organizationJSON
	if ok {
		view = s.organizationView(o)
	}
	s.mu.Unlock()
	if !ok {
		return errNotFound
	}
	writeJSON(w, http.StatusOK, map[string]any{"organization": view})
	return nil
}

// showManyOrganizations emulates GET /api/v2/organizations/show_many?ids=1,2
// (at most 100 ids; unknown ids are left out).
func (s *Server) showManyOrganizations(w http.ResponseWriter, r *http.Request) error {
	ids, err := queryIDs(r, "ids")
	if err != nil {
		return err
	}
	s.mu.Lock()
	views := viewsOf(ids, s.orgs, s.organizationView)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Organizations []organizationJSON `json:"organizations"`
		offsetPage
	}{views, offsetPage{Count: len(views)}})
	return nil
}

// searchOrganizations emulates GET /api/v2/organizations/search with
// either ?external_id= or ?name= (exact, ignoring case).
func (s *Server) searchOrganizations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	externalID, name := q.Get("external_id"), q.Get("name")
	if (externalID == "") == (name == "") {
		return errBadRequest("give exactly one of external_id and name")
	}
	views := []organizationJSON{}
	s.mu.Lock()
	for _, id := range s.orgOrder {
		o := s.orgs[id]
		if externalID != "" && strings.EqualFold(o.externalID, externalID) ||
			name != "" && strings.EqualFold(o.name, name) {
			views = append(views, s.organizationView(o))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Organizations []organizationJSON `json:"organizations"`
		offsetPage
	}{views, offsetPage{Count: len(views)}})
	return nil
}

// listOrganizationUsers emulates GET /api/v2/organizations/{id}/users: the
// organization's users that are not deleted, oldest first, with cursor
// (page[size]) or offset pagination.
func (s *Server) listOrganizationUsers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	_, ok := s.orgs[id]
	views := []userJSON{}
	for _, uid := range s.userOrder {
		if u := s.users[uid]; ok && !u.deleted && u.organizationID == id {
			views = append(views, s.userView(u))
		}
	}
	s.mu.Unlock()
	if !ok {
		return errNotFound
	}
	return writeList(w, r, "users", views, func(v userJSON) string { return orderKey(v.ID) })
}
