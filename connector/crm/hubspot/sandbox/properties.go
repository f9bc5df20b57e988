package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// Property types, as Property.Type takes them.
const (
	TypeString      = "string"
	TypeNumber      = "number"
	TypeDate        = "date"
	TypeDateTime    = "datetime"
	TypeEnumeration = "enumeration"
	TypeBool        = "bool"
)

// Property describes a property of an object type, as GET
// /crm/v3/properties/{objectType} lists it.
type Property struct {
	Name  string // internal name, lowercase snake_case
	Label string
	// Type is one of the Type* constants; it decides how search compares
	// values.
	Type string
	// FieldType is the form field: text, textarea, number, date, select,
	// checkbox (multi-select), booleancheckbox, calculation_equation.
	FieldType   string
	GroupName   string
	Description string
	Options     []Option
	// HasUniqueValue tells a property that can identify an object, usable
	// as idProperty.
	HasUniqueValue bool
	// HubSpotDefined tells a standard property from a custom one.
	HubSpotDefined bool
	Calculated     bool
	Hidden         bool
}

// Option is one choice of an enumeration property.
type Option struct {
	Label        string `json:"label"`
	Value        string `json:"value"`
	DisplayOrder int    `json:"displayOrder"`
	Hidden       bool   `json:"hidden"`
}

// propertySet is an object type's properties, standard then custom, in
// definition order.
type propertySet struct {
	typ     ObjectType
	order   []string
	byName  map[string]*propertyEntry
	created time.Time
}

type propertyEntry struct {
	Property
	createdAt, updatedAt time.Time
}

func newPropertySet(t ObjectType, created time.Time) *propertySet {
	ps := &propertySet{typ: t, byName: map[string]*propertyEntry{}, created: created}
	for _, p := range standardProperties[t] {
		p.HubSpotDefined = true
		ps.put(p, created)
	}
	return ps
}

func (ps *propertySet) put(p Property, at time.Time) {
	if e, ok := ps.byName[p.Name]; ok {
		e.Property, e.updatedAt = p, at
		return
	}
	ps.order = append(ps.order, p.Name)
	ps.byName[p.Name] = &propertyEntry{Property: p, createdAt: at, updatedAt: at}
}

// get returns the property named, if the account knows it.
func (ps *propertySet) get(name string) (Property, bool) {
	e, ok := ps.byName[name]
	if !ok {
		return Property{}, false
	}
	return e.Property, true
}

// ensure registers an unknown property as a custom text property.
func (ps *propertySet) ensure(name string) {
	if _, ok := ps.byName[name]; ok {
		return
	}
	ps.put(Property{Name: name, Label: name, Type: TypeString, FieldType: "text", GroupName: ps.typ.singular() + "information"}, ps.created)
}

// propertyName is what HubSpot accepts as an internal property name.
var propertyName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// DefineProperty adds or replaces a custom property of type t, so that
// search compares its values by p.Type (a property first met in Props is a
// text property). Standard properties cannot be redefined.
func (s *Server) DefineProperty(t ObjectType, p Property) error {
	if _, err := parseObjectType(string(t)); err != nil {
		return fmt.Errorf("sandbox: DefineProperty: unknown object type %q", t)
	}
	if !propertyName.MatchString(p.Name) {
		return fmt.Errorf("sandbox: DefineProperty: %q is not a property name (lowercase snake_case)", p.Name)
	}
	if !slices.Contains([]string{TypeString, TypeNumber, TypeDate, TypeDateTime, TypeEnumeration, TypeBool}, p.Type) {
		return fmt.Errorf("sandbox: DefineProperty %s: unknown type %q", p.Name, p.Type)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.store.props[t]
	if old, ok := ps.get(p.Name); ok && old.HubSpotDefined {
		return fmt.Errorf("sandbox: DefineProperty: %s is a standard %s property", p.Name, t.singular())
	}
	if p.Label == "" {
		p.Label = p.Name
	}
	if p.GroupName == "" {
		p.GroupName = t.singular() + "information"
	}
	p.HubSpotDefined = false
	ps.put(p, s.now())
	return nil
}

// propertyJSON is a property as the API writes it. hubspotDefined is
// absent on custom properties.
type propertyJSON struct {
	Name           string   `json:"name"`
	Label          string   `json:"label"`
	Type           string   `json:"type"`
	FieldType      string   `json:"fieldType"`
	GroupName      string   `json:"groupName"`
	Description    string   `json:"description"`
	Options        []Option `json:"options"`
	DisplayOrder   int      `json:"displayOrder"`
	Calculated     bool     `json:"calculated"`
	HasUniqueValue bool     `json:"hasUniqueValue"`
	Hidden         bool     `json:"hidden"`
	FormField      bool     `json:"formField"`
	HubSpotDefined *bool    `json:"hubspotDefined,omitempty"`
	Archived       bool     `json:"archived"`
	CreatedAt      string   `json:"createdAt"`
	UpdatedAt      string   `json:"updatedAt"`
}

// listProperties serves GET /crm/v3/properties/{type}[?archived=]: every
// property of the type; the sandbox archives none, so archived=true lists
// nothing.
func (s *Server) listProperties(w http.ResponseWriter, r *http.Request) error {
	t, err := parseObjectType(r.PathValue("type"))
	if err != nil {
		return err
	}
	if err := s.requireScopes("crm.schemas." + string(t) + ".read"); err != nil {
		return err
	}
	archived, err := boolParam(r, "archived")
	if err != nil {
		return err
	}
	out := []propertyJSON{}
	if archived {
		writeJSON(w, http.StatusOK, map[string]any{"results": out})
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ps := s.store.props[t]
	for i, name := range ps.order {
		e := ps.byName[name]
		pj := propertyJSON{
			Name: e.Name, Label: e.Label, Type: e.Type, FieldType: e.FieldType, GroupName: e.GroupName,
			Description: e.Description, Options: e.Options, DisplayOrder: i, Calculated: e.Calculated,
			HasUniqueValue: e.HasUniqueValue, Hidden: e.Hidden, FormField: !e.Calculated && !e.Hidden,
			CreatedAt: formatTime(e.createdAt), UpdatedAt: formatTime(e.updatedAt),
		}
		if pj.Options == nil {
			pj.Options = []Option{}
		}
		if e.HubSpotDefined {
			pj.HubSpotDefined = &e.HubSpotDefined
		}
		out = append(out, pj)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
	return nil
}

// boolParam reads an optional true/false query parameter.
func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errInvalid("%s must be true or false, not %q", name, v)
	}
	return b, nil
}

// standardProperties are the HubSpot-defined properties the sandbox knows,
// those of §1.6 of the reference sheet.
var standardProperties = map[ObjectType][]Property{
	Contacts: {
		{Name: "email", Label: "Email", Type: TypeString, FieldType: "text", GroupName: "contactinformation", HasUniqueValue: true},
		{Name: "firstname", Label: "First Name", Type: TypeString, FieldType: "text", GroupName: "contactinformation"},
		{Name: "lastname", Label: "Last Name", Type: TypeString, FieldType: "text", GroupName: "contactinformation"},
		{Name: "company", Label: "Company Name", Type: TypeString, FieldType: "text", GroupName: "contactinformation"},
		{Name: "phone", Label: "Phone Number", Type: TypeString, FieldType: "text", GroupName: "contactinformation"},
		{Name: "jobtitle", Label: "Job Title", Type: TypeString, FieldType: "text", GroupName: "contactinformation"},
		{Name: "website", Label: "Website URL", Type: TypeString, FieldType: "text", GroupName: "contactinformation"},
		{Name: "lifecyclestage", Label: "Lifecycle Stage", Type: TypeEnumeration, FieldType: "radio", GroupName: "contactinformation", Options: lifecycleStages},
		{Name: "createdate", Label: "Create Date", Type: TypeDateTime, FieldType: "date", GroupName: "contactinformation"},
		{Name: "lastmodifieddate", Label: "Last Modified Date", Type: TypeDateTime, FieldType: "date", GroupName: "contactinformation", Calculated: true},
		{Name: "hs_object_id", Label: "Record ID", Type: TypeNumber, FieldType: "number", GroupName: "contactinformation", HasUniqueValue: true, Calculated: true},
		{Name: "hs_merged_object_ids", Label: "Merged Record IDs", Type: TypeEnumeration, FieldType: "checkbox", GroupName: "contactinformation", Calculated: true},
		{Name: "associatedcompanyid", Label: "Primary Associated Company ID", Type: TypeNumber, FieldType: "number", GroupName: "contactinformation", Calculated: true},
	},
	Companies: {
		{Name: "name", Label: "Company name", Type: TypeString, FieldType: "text", GroupName: "companyinformation"},
		{Name: "domain", Label: "Company Domain Name", Type: TypeString, FieldType: "text", GroupName: "companyinformation", HasUniqueValue: true},
		{Name: "website", Label: "Website URL", Type: TypeString, FieldType: "text", GroupName: "companyinformation"},
		{Name: "phone", Label: "Phone Number", Type: TypeString, FieldType: "text", GroupName: "companyinformation"},
		{Name: "annualrevenue", Label: "Annual Revenue", Type: TypeNumber, FieldType: "number", GroupName: "companyinformation"},
		{Name: "industry", Label: "Industry", Type: TypeEnumeration, FieldType: "select", GroupName: "companyinformation"},
		{Name: "numberofemployees", Label: "Number of Employees", Type: TypeNumber, FieldType: "number", GroupName: "companyinformation"},
		{Name: "lifecyclestage", Label: "Lifecycle Stage", Type: TypeEnumeration, FieldType: "radio", GroupName: "companyinformation", Options: lifecycleStages},
		{Name: "city", Label: "City", Type: TypeString, FieldType: "text", GroupName: "companyinformation"},
		{Name: "country", Label: "Country/Region", Type: TypeString, FieldType: "text", GroupName: "companyinformation"},
		{Name: "createdate", Label: "Create Date", Type: TypeDateTime, FieldType: "date", GroupName: "companyinformation"},
		{Name: "hs_lastmodifieddate", Label: "Last Modified Date", Type: TypeDateTime, FieldType: "date", GroupName: "companyinformation", Calculated: true},
		{Name: "hs_object_id", Label: "Record ID", Type: TypeNumber, FieldType: "number", GroupName: "companyinformation", HasUniqueValue: true, Calculated: true},
		{Name: "hs_merged_object_ids", Label: "Merged Record IDs", Type: TypeEnumeration, FieldType: "checkbox", GroupName: "companyinformation", Calculated: true},
	},
}

var lifecycleStages = []Option{
	{Label: "Subscriber", Value: "subscriber", DisplayOrder: 0},
	{Label: "Lead", Value: "lead", DisplayOrder: 1},
	{Label: "Marketing Qualified Lead", Value: "marketingqualifiedlead", DisplayOrder: 2},
	{Label: "Sales Qualified Lead", Value: "salesqualifiedlead", DisplayOrder: 3},
	{Label: "Opportunity", Value: "opportunity", DisplayOrder: 4},
	{Label: "Customer", Value: "customer", DisplayOrder: 5},
	{Label: "Evangelist", Value: "evangelist", DisplayOrder: 6},
	{Label: "Other", Value: "other", DisplayOrder: 7},
}
