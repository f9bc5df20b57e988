package sandbox

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Limits of POST /crm/v3/objects/{type}/search (§1.5 of the reference
// sheet). The filter limits are the laxest the sources give.
const (
	defaultSearchLimit = 10
	maxSearchLimit     = 200
	maxSearchBody      = 3000
	maxFilterGroups    = 5
	maxFiltersPerGroup = 10
	maxFilters         = 25
)

// searchRequest is PublicObjectSearchRequest; every field is optional.
type searchRequest struct {
	FilterGroups []filterGroup `json:"filterGroups"`
	Sorts        []sortRule    `json:"sorts"`
	Properties   []string      `json:"properties"`
	Limit        *flexString   `json:"limit"`
	After        flexString    `json:"after"`
	Query        string        `json:"query"`
}

type filterGroup struct {
	Filters []filter `json:"filters"`
}

type filter struct {
	PropertyName string       `json:"propertyName"`
	Operator     string       `json:"operator"`
	Value        *flexString  `json:"value"`
	HighValue    *flexString  `json:"highValue"`
	Values       []flexString `json:"values"`
}

// sortRule is one sort: an object {propertyName, direction} as the docs
// and clients send it, or a bare property name (ascending) as HS-OAS
// types it.
type sortRule struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

func (s *sortRule) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		*s = sortRule{PropertyName: name}
		return nil
	}
	type plain sortRule
	return json.Unmarshal(b, (*plain)(s))
}

// searchResponse is CollectionResponseWithTotalSimplePublicObjectForwardPaging.
type searchResponse struct {
	Total   int         `json:"total"`
	Results []apiObject `json:"results"`
	Paging  *paging     `json:"paging,omitempty"`
}

// queryProperties are the properties a free-text query searches.
var queryProperties = map[ObjectType][]string{
	Contacts:  {"email", "firstname", "lastname", "phone", "company"},
	Companies: {"name", "domain", "website", "phone"},
}

// search serves POST /crm/v3/objects/{type}/search: the live, indexed
// objects (see Config.IndexLag) matching any filter group (all filters of
// a group) and the free-text query, sorted by one rule (default: creation
// order), limit per page from the offset after. total counts every match;
// paging stops at Config.SearchResultCap, and an after at or beyond it is
// answered 400.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	t, err := parseObjectType(r.PathValue("type"))
	if err != nil {
		return err
	}
	if err := s.requireScopes(t.readScope()); err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if len(body) > maxSearchBody {
		return errInvalid("the request body is %d characters long; the limit is %d", len(body), maxSearchBody)
	}
	var req searchRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.compileSearch(t, &req)
	if err != nil {
		return err
	}
	now := s.now()
	var hits []*indexHit
	for _, id := range s.store.ids[t] {
		o := s.store.get(t, id)
		if e := o.searchable(now); e != nil && q.matches(e.props) {
			hits = append(hits, &indexHit{o, e})
		}
	}
	slices.SortStableFunc(hits, q.compare)
	end := min(q.after+q.limit, len(hits), s.cfg.SearchResultCap)
	resp := searchResponse{Total: len(hits), Results: []apiObject{}}
	for _, h := range hits[min(q.after, end):end] {
		resp.Results = append(resp.Results, apiObject{
			ID:         h.obj.idString(),
			Properties: s.store.properties(t, h.entry.props, req.Properties),
			CreatedAt:  formatTime(h.entry.createdAt),
			UpdatedAt:  formatTime(h.entry.updatedAt),
		})
	}
	if end < len(hits) {
		after := strconv.Itoa(end)
		resp.Paging = &paging{Next: pagingNext{After: after, Link: "?after=" + after}}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// indexHit is an object matching a search, as the index holds it.
type indexHit struct {
	obj   *object
	entry *indexEntry
}

// compiledSearch is a validated search request.
type compiledSearch struct {
	groups    [][]matcher
	query     string
	queryProp []string // the properties query searches
	sortBy    *matcher // nil: creation order
	desc      bool
	limit     int
	after     int
}

// compileSearch validates req against the account's properties. s.mu must
// be held.
func (s *Server) compileSearch(t ObjectType, req *searchRequest) (*compiledSearch, error) {
	q := &compiledSearch{
		query:     strings.ToLower(strings.TrimSpace(req.Query)),
		queryProp: queryProperties[t],
		limit:     defaultSearchLimit,
	}
	if req.Limit != nil {
		n, err := strconv.Atoi(string(*req.Limit))
		if err != nil || n < 1 || n > maxSearchLimit {
			return nil, errInvalid("limit must be a whole number from 1 to %d, not %q", maxSearchLimit, string(*req.Limit))
		}
		q.limit = n
	}
	if req.After != "" {
		n, err := strconv.Atoi(string(req.After))
		if err != nil || n < 0 {
			return nil, errInvalid("after must be formatted as an integer, not %q", string(req.After))
		}
		if n >= s.cfg.SearchResultCap {
			return nil, errInvalid("paging beyond %d results is not allowed (after=%d); narrow the search instead", s.cfg.SearchResultCap, n)
		}
		q.after = n
	}
	if len(req.FilterGroups) > maxFilterGroups {
		return nil, errInvalid("too many filterGroups: %d; the limit is %d", len(req.FilterGroups), maxFilterGroups)
	}
	total := 0
	for i, g := range req.FilterGroups {
		if len(g.Filters) > maxFiltersPerGroup {
			return nil, errInvalid("filterGroups[%d]: too many filters: %d; the limit is %d per group", i, len(g.Filters), maxFiltersPerGroup)
		}
		if total += len(g.Filters); total > maxFilters {
			return nil, errInvalid("too many filters: %d; the limit is %d in all groups", total, maxFilters)
		}
		var group []matcher
		for j, f := range g.Filters {
			m, err := s.compileFilter(t, f)
			if err != nil {
				return nil, errInvalid("filterGroups[%d].filters[%d]: %s", i, j, err.body.Message)
			}
			group = append(group, m)
		}
		q.groups = append(q.groups, group)
	}
	if len(req.Sorts) > 1 {
		return nil, errInvalid("only one sort is allowed, got %d", len(req.Sorts))
	}
	if len(req.Sorts) == 1 {
		sr := req.Sorts[0]
		kind, err := s.kindOf(t, sr.PropertyName)
		if err != nil {
			return nil, err
		}
		switch sr.Direction {
		case "", "ASCENDING":
		case "DESCENDING":
			q.desc = true
		default:
			return nil, errInvalid("sort direction %q; want ASCENDING or DESCENDING", sr.Direction)
		}
		q.sortBy = &matcher{prop: sr.PropertyName, kind: kind}
	}
	return q, nil
}

// matches reports whether props pass the query and any filter group.
func (q *compiledSearch) matches(props map[string]string) bool {
	if q.query != "" && !slices.ContainsFunc(q.queryProp, func(name string) bool {
		return strings.Contains(strings.ToLower(props[name]), q.query)
	}) {
		return false
	}
	if len(q.groups) == 0 {
		return true
	}
	return slices.ContainsFunc(q.groups, func(g []matcher) bool {
		for _, m := range g {
			if !m.match(props) {
				return false
			}
		}
		return true
	})
}

// compare orders two hits by the sort rule, objects without a value last,
// then by creation, then by id.
func (q *compiledSearch) compare(a, b *indexHit) int {
	if q.sortBy != nil {
		va, oka := a.entry.props[q.sortBy.prop]
		vb, okb := b.entry.props[q.sortBy.prop]
		switch {
		case oka && okb:
			c, _ := compareValues(q.sortBy.kind, va, vb)
			if q.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		}
	}
	return cmp.Or(a.entry.createdAt.Compare(b.entry.createdAt), cmp.Compare(a.obj.id, b.obj.id))
}
