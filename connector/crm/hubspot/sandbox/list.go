package sandbox

import (
	"net/http"
	"slices"
	"strconv"
)

// Page sizes of GET /crm/v3/objects/{type}.
const (
	defaultListLimit = 10
	maxListLimit     = 100
)

// listResponse is a page of a list
// (CollectionResponseSimplePublicObjectWithAssociationsForwardPaging).
type listResponse struct {
	Results []apiObject `json:"results"`
	Paging  *paging     `json:"paging,omitempty"`
}

// listObjects serves GET /crm/v3/objects/{type}: live objects (or, with
// archived=true, only archived ones) by ascending id, limit per page
// (default 10, at most 100), from the object after the cursor's id, so
// that objects created or archived during a walk neither skip nor repeat
// the others.
func (s *Server) listObjects(w http.ResponseWriter, r *http.Request) error {
	t, assoc, err := s.readTarget(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := intParam(q.Get("limit"), "limit", defaultListLimit, maxListLimit)
	if err != nil {
		return err
	}
	after, err := decodeCursor(q.Get("after"))
	if err != nil {
		return err
	}
	archived, err := boolParam(r, "archived")
	if err != nil {
		return err
	}
	names := propertyNames(q["properties"])

	resp := listResponse{Results: []apiObject{}}
	if s.faults.emptyPage() {
		resp.Paging = nextPage(after)
		writeJSON(w, http.StatusOK, resp)
		return nil
	}
	s.mu.Lock()
	ids := s.store.ids[t]
	start, _ := slices.BinarySearch(ids, after+1)
	for _, id := range ids[start:] {
		o := s.store.get(t, id)
		if o.archived != archived {
			continue
		}
		if len(resp.Results) == limit {
			resp.Paging = nextPage(after)
			break
		}
		resp.Results = append(resp.Results, s.store.render(o, names, assoc))
		after = id
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// nextPage is the paging of a page whose last object has id after.
func nextPage(after int64) *paging {
	c := encodeCursor(after)
	return &paging{Next: pagingNext{After: c, Link: "?after=" + c}}
}

// getObject serves GET /crm/v3/objects/{type}/{id}, with idProperty to
// find the object by a unique property, properties, associations and
// archived. A merged-away id answers the object it was merged into.
func (s *Server) getObject(w http.ResponseWriter, r *http.Request) error {
	t, assoc, err := s.readTarget(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	archived, err := boolParam(r, "archived")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.find(t, r.PathValue("id"), q.Get("idProperty"), archived)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.store.render(o, propertyNames(q["properties"]), assoc))
	return nil
}

// find returns the object id names: by record id (following merges), or by
// the unique property idProperty; with archived, only an archived object.
// s.mu must be held.
func (s *Server) find(t ObjectType, id, idProperty string, archived bool) (*object, error) {
	var o *object
	switch {
	case idProperty != "" && idProperty != "hs_object_id":
		p, ok := s.store.props[t].get(idProperty)
		if !ok || !p.HasUniqueValue {
			return nil, errInvalid("idProperty %s is not a unique property of %s", idProperty, t)
		}
		o = s.store.findBy(t, idProperty, id)
	case archived:
		n, err := strconv.ParseInt(id, 10, 64)
		if err == nil {
			o = s.store.get(t, n)
		}
		if o != nil && !o.archived {
			o = nil
		}
	default:
		n, err := strconv.ParseInt(id, 10, 64)
		if err == nil {
			o = s.store.resolve(t, n)
		}
	}
	if o == nil {
		return nil, errNotFound("Object not found. objectId are usually numeric.")
	}
	return o, nil
}

// readTarget returns what a read of objects names: the object type of the
// path and the types of the associations the query asks for, after
// checking that the token may read them all.
func (s *Server) readTarget(r *http.Request) (ObjectType, []ObjectType, error) {
	t, err := parseObjectType(r.PathValue("type"))
	if err != nil {
		return "", nil, err
	}
	assoc := associationTypes(t, r.URL.Query()["associations"])
	scopes := []string{t.readScope()}
	for _, a := range assoc {
		scopes = append(scopes, a.readScope())
	}
	if err := s.requireScopes(scopes...); err != nil {
		return "", nil, err
	}
	return t, assoc, nil
}

// intParam reads an optional positive integer parameter, at most max.
func intParam(v, name string, def, max int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, errInvalid("%s must be a whole number from 1 to %d, not %q", name, max, v)
	}
	return n, nil
}
