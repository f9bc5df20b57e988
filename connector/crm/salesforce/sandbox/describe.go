package sandbox

import (
	"net/http"
	"strings"
	"unicode"
)

// describeResponse is the part of GET sobjects/{object}/describe the
// sandbox answers.
type describeResponse struct {
	Name      string          `json:"name"`
	Label     string          `json:"label"`
	KeyPrefix string          `json:"keyPrefix"`
	Custom    bool            `json:"custom"`
	Queryable bool            `json:"queryable"`
	Fields    []describeField `json:"fields"`
}

type describeField struct {
	Name             string    `json:"name"`
	Label            string    `json:"label"`
	Type             FieldType `json:"type"`
	Custom           bool      `json:"custom"`
	Nillable         bool      `json:"nillable"`
	Updateable       bool      `json:"updateable"`
	ReferenceTo      []string  `json:"referenceTo"`
	RelationshipName *string   `json:"relationshipName"`
}

// describe serves GET sobjects/{object}/describe: the object's fields with
// their types, custom:true for the "__c" ones.
func (s *Server) describe(w http.ResponseWriter, r *http.Request) error {
	obj := s.objects[strings.ToLower(r.PathValue("object"))]
	if obj == nil {
		return errNotFound
	}
	resp := describeResponse{Name: obj.name, Label: obj.name, KeyPrefix: obj.keyPrefix, Queryable: true}
	for _, f := range obj.fields {
		d := describeField{
			Name:        f.name,
			Label:       label(f.name),
			Type:        f.typ,
			Custom:      f.custom,
			Nillable:    !f.required && f.typ != TypeBoolean && f.name != "Id",
			Updateable:  !f.readOnly && f.name != "CreatedDate",
			ReferenceTo: []string{},
		}
		if f.refersTo != "" {
			d.ReferenceTo = []string{f.refersTo}
		}
		for _, rel := range obj.relations {
			if rel.field == f {
				d.RelationshipName = &rel.name
			}
		}
		resp.Fields = append(resp.Fields, d)
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// label makes a field's label from its name: "Signup_Date__c" → "Signup
// Date", "AnnualRevenue" → "Annual Revenue".
func label(name string) string {
	name = strings.ReplaceAll(strings.TrimSuffix(name, "__c"), "_", " ")
	var b strings.Builder
	prev := ' '
	for _, c := range name {
		if unicode.IsUpper(c) && unicode.IsLower(prev) {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
		prev = c
	}
	return b.String()
}
