package sandbox

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// maxBatchInputs is the most inputs of POST /crm/v3/objects/{type}/batch/read.
const maxBatchInputs = 100

// batchReadRequest is the body of POST /crm/v3/objects/{type}/batch/read.
type batchReadRequest struct {
	Inputs []struct {
		ID flexString `json:"id"`
	} `json:"inputs"`
	Properties            []string `json:"properties"`
	PropertiesWithHistory []string `json:"propertiesWithHistory"`
	IDProperty            string   `json:"idProperty"`
}

// batchResponse is BatchResponseSimplePublicObject, with numErrors and
// errors when some inputs failed (status 207).
type batchResponse[T any] struct {
	Status      string       `json:"status"`
	Results     []T          `json:"results"`
	NumErrors   int          `json:"numErrors,omitempty"`
	Errors      []batchError `json:"errors,omitempty"`
	StartedAt   string       `json:"startedAt"`
	CompletedAt string       `json:"completedAt"`
}

// batchError is a StandardError of a batch response.
type batchError struct {
	Status      string              `json:"status"`
	Category    string              `json:"category"`
	SubCategory string              `json:"subCategory,omitempty"`
	Message     string              `json:"message"`
	Context     map[string][]string `json:"context"`
	Links       map[string]string   `json:"links"`
	Errors      []errorDetail       `json:"errors"`
}

// write answers the batch: 200 when every input succeeded, 207 otherwise.
func (b *batchResponse[T]) write(w http.ResponseWriter, started, completed time.Time) {
	b.Status = "COMPLETE"
	b.StartedAt, b.CompletedAt = formatTime(started), formatTime(completed)
	status := http.StatusOK
	if b.NumErrors = len(b.Errors); b.NumErrors > 0 {
		status = http.StatusMultiStatus
	}
	if b.Results == nil {
		b.Results = []T{}
	}
	writeJSON(w, status, b)
}

// newBatchError builds a StandardError about ids.
func newBatchError(category, subCategory, message, key string, ids []string) batchError {
	return batchError{
		Status:      "error",
		Category:    category,
		SubCategory: subCategory,
		Message:     message,
		Context:     map[string][]string{key: ids},
		Links:       map[string]string{},
		Errors:      []errorDetail{},
	}
}

// batchRead serves POST /crm/v3/objects/{type}/batch/read[?archived=]: up
// to 100 objects by id (or by the unique idProperty), in input order,
// repeated ids once. Ids that name no object (with archived=true: no
// archived object) are reported in one OBJECT_NOT_FOUND error, with 207.
func (s *Server) batchRead(w http.ResponseWriter, r *http.Request) error {
	t, err := parseObjectType(r.PathValue("type"))
	if err != nil {
		return err
	}
	if err := s.requireScopes(t.readScope()); err != nil {
		return err
	}
	archived, err := boolParam(r, "archived")
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var req batchReadRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if len(req.Inputs) > maxBatchInputs {
		return errInvalid("inputs: %d inputs; the limit is %d", len(req.Inputs), maxBatchInputs)
	}
	started := s.now()
	var resp batchResponse[apiObject]
	var missing []string
	seen, rendered := map[string]bool{}, map[int64]bool{}
	s.mu.Lock()
	for _, in := range req.Inputs {
		id := string(in.ID)
		if seen[id] {
			continue
		}
		seen[id] = true
		o, err := s.find(t, id, req.IDProperty, archived)
		var ae *apiError
		switch {
		case errors.As(err, &ae) && ae.status == http.StatusNotFound:
			missing = append(missing, id)
		case err != nil:
			s.mu.Unlock()
			return err
		case !rendered[o.id]: // two ids may name one object after a merge
			rendered[o.id] = true
			resp.Results = append(resp.Results, s.store.render(o, req.Properties, nil))
		}
	}
	s.mu.Unlock()
	if len(missing) > 0 {
		kind := strings.ToUpper(t.singular())
		resp.Errors = append(resp.Errors, newBatchError(CategoryNotFound, "", "Could not get some "+kind+
			" objects, they may be deleted or not exist. Check that ids are valid.", "ids", missing))
	}
	resp.write(w, started, s.now())
	return nil
}
