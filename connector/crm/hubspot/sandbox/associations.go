package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
)

// Limits of the v4 associations endpoints.
const (
	defaultAssociationLimit = 500 // per page of the list, and per item of a batch read
	maxAssociationLimit     = 500
	maxAssociationInputs    = 1000
)

// HubSpot-defined association type ids (HS-node's enum).
const (
	typePrimaryContactToCompany = 1
	typePrimaryCompanyToContact = 2
	typeContactToCompany        = 279
	typeCompanyToContact        = 280
)

// associationType is one label of an association.
type associationType struct {
	Category string  `json:"category"`
	TypeID   int     `json:"typeId"`
	Label    *string `json:"label"`
}

// associationTarget is one associated object (MultiAssociatedObjectWithLabel).
type associationTarget struct {
	ToObjectID       any               `json:"toObjectId"` // a string, or an int64 with Config.NumericAssociationIDs
	AssociationTypes []associationType `json:"associationTypes"`
}

// associationTarget renders tg as seen from an object of type from.
func (s *Server) associationTarget(from ObjectType, tg target) associationTarget {
	primaryID, unlabeledID := typePrimaryContactToCompany, typeContactToCompany
	if from == Companies {
		primaryID, unlabeledID = typePrimaryCompanyToContact, typeCompanyToContact
	}
	var types []associationType
	if tg.primary {
		label := "Primary"
		types = append(types, associationType{Category: "HUBSPOT_DEFINED", TypeID: primaryID, Label: &label})
	}
	types = append(types, associationType{Category: "HUBSPOT_DEFINED", TypeID: unlabeledID})
	var id any = tg.obj.idString()
	if s.cfg.NumericAssociationIDs {
		id = tg.obj.id
	}
	return associationTarget{ToObjectID: id, AssociationTypes: types}
}

// associationPage renders the targets of o of type to after the cursor id
// after, at most limit, and the paging to the next page.
func (s *Server) associationPage(o *object, to ObjectType, after int64, limit int) ([]associationTarget, *paging) {
	targets := s.store.targets(o, to)
	start, _ := slices.BinarySearchFunc(targets, after+1, func(tg target, id int64) int { return cmp.Compare(tg.obj.id, id) })
	targets = targets[start:]
	var next *paging
	if len(targets) > limit {
		targets = targets[:limit]
		next = nextPage(targets[limit-1].obj.id)
	}
	out := []associationTarget{}
	for _, tg := range targets {
		out = append(out, s.associationTarget(o.typ, tg))
	}
	return out, next
}

// listAssociations serves GET
// /crm/v4/objects/{type}/{id}/associations/{toType}: the object's live
// associated objects of toType by ascending id, limit per page (default
// and most 500), with their association types.
func (s *Server) listAssociations(w http.ResponseWriter, r *http.Request) error {
	from, to, err := s.associationPair(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := intParam(q.Get("limit"), "limit", defaultAssociationLimit, maxAssociationLimit)
	if err != nil {
		return err
	}
	after, err := decodeCursor(q.Get("after"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.liveByID(from, r.PathValue("id"))
	if o == nil {
		return errNotFound("no %s with id %s", from.singular(), r.PathValue("id"))
	}
	results, next := s.associationPage(o, to, after, limit)
	writeJSON(w, http.StatusOK, struct {
		Results []associationTarget `json:"results"`
		Paging  *paging             `json:"paging,omitempty"`
	}{results, next})
	return nil
}

// associationPair reads the {type} and {toType} of a v4 path and checks
// the token may read both.
func (s *Server) associationPair(r *http.Request) (from, to ObjectType, err error) {
	if from, err = parseObjectType(r.PathValue("type")); err != nil {
		return "", "", err
	}
	if to, err = parseObjectType(r.PathValue("toType")); err != nil {
		return "", "", err
	}
	return from, to, s.requireScopes(from.readScope(), to.readScope())
}

// liveByID returns the live object with the decimal id, or nil. s.mu must
// be held.
func (s *Server) liveByID(t ObjectType, id string) *object {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil
	}
	if o := s.store.get(t, n); o != nil && !o.archived {
		return o
	}
	return nil
}

// associationBatchRequest is the body of the v4 batch read.
type associationBatchRequest struct {
	Inputs []struct {
		ID    flexString `json:"id"`
		After string     `json:"after"`
	} `json:"inputs"`
}

// associationBatchResult is one input's page of associated objects.
type associationBatchResult struct {
	From struct {
		ID string `json:"id"`
	} `json:"from"`
	To     []associationTarget `json:"to"`
	Paging *paging             `json:"paging,omitempty"`
}

// batchReadAssociations serves POST
// /crm/v4/associations/{type}/{toType}/batch/read: for each input (up to
// 1,000) the first 500 associated objects after the input's after cursor,
// with paging.next when there are more. An id that names no live object,
// or one with no association of toType, is left out of the results and
// reported in errors, with 207.
func (s *Server) batchReadAssociations(w http.ResponseWriter, r *http.Request) error {
	from, to, err := s.associationPair(r)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var req associationBatchRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if len(req.Inputs) > maxAssociationInputs {
		return errInvalid("inputs: %d inputs; the limit is %d", len(req.Inputs), maxAssociationInputs)
	}
	started := s.now()
	var resp batchResponse[associationBatchResult]
	var missing []string
	s.mu.Lock()
	for _, in := range req.Inputs {
		id := string(in.ID)
		after, err := decodeCursor(in.After)
		if err != nil {
			s.mu.Unlock()
			return err
		}
		o := s.liveByID(from, id)
		if o == nil {
			missing = append(missing, id)
			continue
		}
		results, next := s.associationPage(o, to, after, defaultAssociationLimit)
		if len(results) == 0 && after == 0 {
			resp.Errors = append(resp.Errors, newBatchError(CategoryNotFound, "crm.associations.NO_ASSOCIATIONS_FOUND",
				"No "+to.singular()+" is associated with "+from.singular()+" "+id+".", "fromObjectId", []string{id}))
			continue
		}
		res := associationBatchResult{To: results, Paging: next}
		res.From.ID = id
		resp.Results = append(resp.Results, res)
	}
	s.mu.Unlock()
	if len(missing) > 0 {
		resp.Errors = append(resp.Errors, newBatchError(CategoryNotFound, "", "Could not find "+from.singular()+
			" objects with these ids.", "ids", missing))
	}
	resp.write(w, started, s.now())
	return nil
}
