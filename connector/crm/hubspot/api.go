package hubspot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cohortdesk/cohort/connector/crm"
)

// The object types and properties the source reads.
const (
	contacts  = "contacts"
	companies = "companies"

	contactModified = "lastmodifieddate"    // a contact's last-modified property
	companyModified = "hs_lastmodifieddate" // a company's

	fieldID       = "id"       // a record's field holding the object's id
	companyPrefix = "company." // the prefix of a company's fields in a record
)

// HubSpot-defined association types that mark a primary company.
const (
	typePrimaryContactToCompany = 1
	typePrimaryCompanyToContact = 2
	// inlinePrimaryCompany is typeId 1 as the v3 inline associations name
	// it.
	inlinePrimaryCompany = "contact_to_company"
	labelPrimary         = "Primary"
)

// text is a property value or an id: HubSpot sends strings, but the source
// also accepts numbers and booleans, and null as "".
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	switch v := v.(type) {
	case nil:
		*t = ""
	case string:
		*t = text(v)
	case json.Number:
		*t = text(v.String())
	case bool:
		*t = text(strconv.FormatBool(v))
	default:
		return fmt.Errorf("want a string, a number or null, not %s", b)
	}
	return nil
}

// object is a contact or a company as lists, reads and search return it.
type object struct {
	ID           text            `json:"id"`
	Properties   map[string]text `json:"properties"`
	Archived     bool            `json:"archived"`
	ArchivedAt   string          `json:"archivedAt"`
	Associations map[string]struct {
		Results []struct {
			ID   text   `json:"id"`
			Type string `json:"type"`
		} `json:"results"`
	} `json:"associations"`
}

// primaryCompany returns the id of the primary company among the inline
// associations of a contact, or "".
func (o *object) primaryCompany() string {
	for _, a := range o.Associations[companies].Results {
		if a.Type == inlinePrimaryCompany {
			return string(a.ID)
		}
	}
	return ""
}

// modified returns the object's last-modified property as a time.
func (o *object) modified(prop string) (time.Time, error) {
	v := string(o.Properties[prop])
	t, ok := crm.ParseTime(v)
	if !ok {
		return time.Time{}, fmt.Errorf("%s of %s is %q, not a time", prop, o.ID, v)
	}
	return t, nil
}

// paging is the paging of a list or search page; nil on the last page.
type paging struct {
	Next struct {
		After text `json:"after"`
	} `json:"next"`
}

// cursor returns the cursor of the next page, or "" after the last. List
// cursors come URL-escaped ("NTI1Cg%3D%3D"); the source unescapes them, to
// escape them once in the next query.
func (p *paging) cursor() string {
	if p == nil {
		return ""
	}
	c := string(p.Next.After)
	if u, err := url.PathUnescape(c); err == nil { // unlike QueryUnescape, it keeps a base64 "+"
		return u
	}
	return c
}

// page is a page of a list or a search.
type page struct {
	Results []object `json:"results"`
	Paging  *paging  `json:"paging"`
}

// listContacts reads a page of GET /crm/v3/objects/contacts.
func (s *Source) listContacts(ctx context.Context, query url.Values) (*page, http.Header, error) {
	var p page
	h, err := s.call(ctx, http.MethodGet, "/crm/v3/objects/contacts", query, nil, &p)
	return &p, h, err
}

// searchRequest is the body of POST /crm/v3/objects/{type}/search.
type searchRequest struct {
	FilterGroups []filterGroup `json:"filterGroups"`
	Sorts        []sortRule    `json:"sorts"`
	Properties   []string      `json:"properties"`
	Limit        int           `json:"limit"`
	After        string        `json:"after,omitempty"`
}

type filterGroup struct {
	Filters []filter `json:"filters"`
}

type filter struct {
	PropertyName string `json:"propertyName"`
	Operator     string `json:"operator"`
	Value        string `json:"value"`
}

type sortRule struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

// search reads a page of POST /crm/v3/objects/{objectType}/search.
func (s *Source) search(ctx context.Context, objectType string, req searchRequest) (*page, http.Header, error) {
	var p page
	h, err := s.call(ctx, http.MethodPost, "/crm/v3/objects/"+objectType+"/search", nil, req, &p)
	return &p, h, err
}

// batchRead reads objects by id with POST
// /crm/v3/objects/{objectType}/batch/read, 100 at a time. Ids HubSpot does
// not find (archived, merged, deleted) are left out.
func (s *Source) batchRead(ctx context.Context, objectType string, ids, props []string) (map[string]*object, error) {
	out := map[string]*object{}
	for chunk := range slices.Chunk(ids, maxBatchInputs) {
		req := struct {
			Inputs     []idInput `json:"inputs"`
			Properties []string  `json:"properties"`
		}{Properties: props}
		for _, id := range chunk {
			req.Inputs = append(req.Inputs, idInput{ID: id})
		}
		var resp struct {
			Results []object `json:"results"`
		}
		if _, err := s.call(ctx, http.MethodPost, "/crm/v3/objects/"+objectType+"/batch/read", nil, req, &resp); err != nil {
			return nil, err
		}
		for i := range resp.Results {
			out[string(resp.Results[i].ID)] = &resp.Results[i]
		}
	}
	return out, nil
}

// idInput is an input of a batch read; After continues a v4 input's
// associations.
type idInput struct {
	ID    string `json:"id"`
	After string `json:"after,omitempty"`
}

// associationResult is one input's page of POST
// /crm/v4/associations/{from}/{to}/batch/read.
type associationResult struct {
	From struct {
		ID text `json:"id"`
	} `json:"from"`
	To []struct {
		ToObjectID       text `json:"toObjectId"`
		AssociationTypes []struct {
			TypeID int     `json:"typeId"`
			Label  *string `json:"label"`
		} `json:"associationTypes"`
	} `json:"to"`
	Paging *paging `json:"paging"`
}

// primaryAssociations maps each of ids to its primary associated objects
// of type to, read with the v4 batch endpoint 100 ids at a time, following
// each id's paging. From contacts to companies that is the contact's
// primary company (typeId 1); from companies to contacts, the contacts
// whose primary company it is (typeId 2). Ids without such associations
// are left out.
func (s *Source) primaryAssociations(ctx context.Context, from, to string, ids []string) (map[string][]string, error) {
	primaryType := typePrimaryContactToCompany
	if from == companies {
		primaryType = typePrimaryCompanyToContact
	}
	out := map[string][]string{}
	pending := make([]idInput, 0, len(ids))
	for _, id := range ids {
		pending = append(pending, idInput{ID: id})
	}
	for len(pending) > 0 {
		batch := pending[:min(len(pending), maxBatchInputs)]
		pending = pending[len(batch):]
		var resp struct {
			Results []associationResult `json:"results"`
		}
		path := "/crm/v4/associations/" + from + "/" + to + "/batch/read"
		if _, err := s.call(ctx, http.MethodPost, path, nil, map[string]any{"inputs": batch}, &resp); err != nil {
			return nil, err
		}
		for _, r := range resp.Results {
			for _, tg := range r.To {
				for _, at := range tg.AssociationTypes {
					if at.TypeID == primaryType || (at.Label != nil && *at.Label == labelPrimary) {
						out[string(r.From.ID)] = append(out[string(r.From.ID)], string(tg.ToObjectID))
						break
					}
				}
			}
			if r.Paging != nil {
				pending = append(pending, idInput{ID: string(r.From.ID), After: string(r.Paging.Next.After)})
			}
		}
	}
	return out, nil
}
