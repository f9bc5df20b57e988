package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cohortdesk/cohort"
)

// CustomerPusher takes in pushed customer records.
type CustomerPusher interface {
	Push(ctx context.Context, records []cohort.SourceRecord) (cohort.PushResult, error)
}

// Limits of one push.
const (
	MaxPushRecords = 1000
	MaxPushBytes   = 8 << 20
)

// pushCustomers is POST /api/v1/customers: a batch upsert of customers
// with the CSV contract's fields,
//
//	{"customers": [{"email": "ann@acme.example", "external_id": "crm-1",
//	  "plan": "enterprise", "arr": 120000, "products": ["payments-api"],
//	  "attrs": {"region": "eu-west"}}, {"email": "old@x.example", "deleted": true}]}
//
// It answers 200 with counts and each record's outcome; a record that
// breaks the contract is rejected with its field and reason, and the
// others land. Only a malformed body is a 400.
func (s *Server) pushCustomers(c *gin.Context) {
	body, err := s.readBody(c, MaxPushBytes)
	if err != nil {
		s.fail(c, err)
		return
	}
	records, err := parsePush(body)
	if err != nil {
		s.fail(c, problem(cohort.KindInvalid, "%v", err))
		return
	}
	res, err := s.cfg.Customers.Push(c.Request.Context(), records)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// parsePush reads a push body into records whose fields are the JSON
// keys: numbers in decimal, booleans as true/false, lists joined by ";",
// and the members of "attrs" as fields of their own.
func parsePush(body []byte) ([]cohort.SourceRecord, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc struct {
		Customers []map[string]any `json:"customers"`
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("body: want {\"customers\": [{…}, …]}: %v", err)
	}
	if doc.Customers == nil {
		return nil, errors.New(`body: want {"customers": [{…}, …]}`)
	}
	if len(doc.Customers) > MaxPushRecords {
		return nil, fmt.Errorf("customers: %d records; at most %d in one request", len(doc.Customers), MaxPushRecords)
	}
	records := make([]cohort.SourceRecord, len(doc.Customers))
	for i, obj := range doc.Customers {
		r := &records[i]
		r.Ref = "customers[" + strconv.Itoa(i) + "]"
		r.Fields = make(map[string]string, len(obj))
		for k, v := range obj {
			switch {
			case k == "deleted":
				b, ok := v.(bool)
				if !ok {
					r.Problem = "deleted: want true or false"
				}
				r.Deleted = b
			case k == "attrs":
				attrs, ok := v.(map[string]any)
				if !ok {
					r.Problem = "attrs: want an object of name: value"
					continue
				}
				for ak, av := range attrs {
					text, err := jsonText(av)
					if err != nil {
						r.Problem = "attrs." + ak + ": " + err.Error()
					}
					r.Fields[ak] = text
				}
			default:
				text, err := jsonText(v)
				if err != nil {
					r.Problem = k + ": " + err.Error()
				}
				r.Fields[k] = text
			}
		}
	}
	return records, nil
}

// jsonText renders a JSON value as a source field's text.
func jsonText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return "", errors.New("want a list of strings")
			}
			parts[i] = s
		}
		return strings.Join(parts, ";"), nil
	default:
		return "", errors.New("want a string, number, boolean or list of strings")
	}
}
