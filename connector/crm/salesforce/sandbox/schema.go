package sandbox

import (
	"strings"
)

// The emulated objects.
const (
	ObjectAccount = "Account"
	ObjectContact = "Contact"
)

// FieldType is a Salesforce field type, as describe reports it.
type FieldType string

// The field types the sandbox knows. Text-like types hold strings, double,
// currency and percent hold float64, int holds int64, date and datetime
// hold time.Time.
const (
	TypeID            FieldType = "id"
	TypeReference     FieldType = "reference"
	TypeString        FieldType = "string"
	TypeTextArea      FieldType = "textarea"
	TypeEmail         FieldType = "email"
	TypePhone         FieldType = "phone"
	TypeURL           FieldType = "url"
	TypePicklist      FieldType = "picklist"
	TypeMultiPicklist FieldType = "multipicklist"
	TypeBoolean       FieldType = "boolean"
	TypeDouble        FieldType = "double"
	TypeCurrency      FieldType = "currency"
	TypePercent       FieldType = "percent"
	TypeInt           FieldType = "int"
	TypeDate          FieldType = "date"
	TypeDateTime      FieldType = "datetime"
)

// valueKind is how a field's values are stored, compared and encoded.
type valueKind int

const (
	kindString valueKind = iota
	kindNumber
	kindInt
	kindBool
	kindDate
	kindDateTime
)

func (t FieldType) kind() (valueKind, bool) {
	switch t {
	case TypeID, TypeReference, TypeString, TypeTextArea, TypeEmail, TypePhone, TypeURL, TypePicklist, TypeMultiPicklist:
		return kindString, true
	case TypeDouble, TypeCurrency, TypePercent:
		return kindNumber, true
	case TypeInt:
		return kindInt, true
	case TypeBoolean:
		return kindBool, true
	case TypeDate:
		return kindDate, true
	case TypeDateTime:
		return kindDateTime, true
	}
	return 0, false
}

// Field is a custom field of an emulated object (Config.CustomFields).
type Field struct {
	Object string    // ObjectAccount or ObjectContact
	Name   string    // ends in "__c"
	Type   FieldType // any type above but id and reference
}

// DefaultCustomFields are the custom fields of an org whose Config leaves
// CustomFields nil: those the connector's default mapping reads.
var DefaultCustomFields = []Field{
	{ObjectAccount, "Plan__c", TypePicklist},
	{ObjectAccount, "ARR__c", TypeCurrency},
	{ObjectAccount, "LTV__c", TypeCurrency},
	{ObjectAccount, "Products__c", TypeMultiPicklist},
	{ObjectContact, "Plan__c", TypePicklist},
	{ObjectContact, "Signup_Date__c", TypeDate},
	{ObjectContact, "Tech_Level__c", TypePicklist},
}

// fieldDef is one field of an sobject.
type fieldDef struct {
	name     string
	typ      FieldType
	kind     valueKind
	custom   bool
	readOnly bool   // set by the sandbox only
	required bool   // needed on insert, never null
	refersTo string // for references: the object referred to
}

// relationship is a lookup from a child object to its parent, such as
// Contact.Account through Contact.AccountId.
type relationship struct {
	name   string    // "Account"
	field  *fieldDef // AccountId
	parent *sobject
}

// sobject is the schema of an emulated object.
type sobject struct {
	name      string
	keyPrefix string // first three characters of its ids
	fields    []*fieldDef
	byName    map[string]*fieldDef     // lowercased name → field
	relations map[string]*relationship // lowercased relationship name → relationship
}

func (o *sobject) add(f *fieldDef) {
	o.fields = append(o.fields, f)
	o.byName[strings.ToLower(f.name)] = f
}

// field finds a field by name, case-insensitively as SOQL does.
func (o *sobject) field(name string) *fieldDef {
	return o.byName[strings.ToLower(name)]
}

// newSchema builds the emulated objects with their standard fields and the
// given custom fields, which New has checked.
func newSchema(custom []Field) map[string]*sobject {
	std := func(name string, typ FieldType, opts ...func(*fieldDef)) *fieldDef {
		k, _ := typ.kind()
		f := &fieldDef{name: name, typ: typ, kind: k}
		for _, o := range opts {
			o(f)
		}
		return f
	}
	readOnly := func(f *fieldDef) { f.readOnly = true }
	required := func(f *fieldDef) { f.required = true }
	refersTo := func(obj string) func(*fieldDef) { return func(f *fieldDef) { f.refersTo = obj } }

	account := &sobject{name: ObjectAccount, keyPrefix: "001", byName: map[string]*fieldDef{}, relations: map[string]*relationship{}}
	contact := &sobject{name: ObjectContact, keyPrefix: "003", byName: map[string]*fieldDef{}, relations: map[string]*relationship{}}
	for _, f := range []*fieldDef{
		std("Id", TypeID, readOnly),
		std("IsDeleted", TypeBoolean, readOnly),
		std("MasterRecordId", TypeReference, readOnly, refersTo(ObjectAccount)),
		std("Name", TypeString, required),
		std("Type", TypePicklist),
		std("Industry", TypePicklist),
		std("Website", TypeURL),
		std("Phone", TypePhone),
		std("AnnualRevenue", TypeCurrency),
		std("NumberOfEmployees", TypeInt),
		std("Description", TypeTextArea),
		std("CreatedDate", TypeDateTime),
		std("LastModifiedDate", TypeDateTime, readOnly),
		std("SystemModstamp", TypeDateTime, readOnly),
	} {
		account.add(f)
	}
	accountID := std("AccountId", TypeReference, refersTo(ObjectAccount))
	for _, f := range []*fieldDef{
		std("Id", TypeID, readOnly),
		std("IsDeleted", TypeBoolean, readOnly),
		std("MasterRecordId", TypeReference, readOnly, refersTo(ObjectContact)),
		accountID,
		std("FirstName", TypeString),
		std("LastName", TypeString, required),
		std("Name", TypeString, readOnly), // compound: FirstName LastName
		std("Email", TypeEmail),
		std("Phone", TypePhone),
		std("Title", TypeString),
		std("Birthdate", TypeDate),
		std("CreatedDate", TypeDateTime),
		std("LastModifiedDate", TypeDateTime, readOnly),
		std("SystemModstamp", TypeDateTime, readOnly),
	} {
		contact.add(f)
	}
	contact.relations["account"] = &relationship{name: "Account", field: accountID, parent: account}
	objects := map[string]*sobject{"account": account, "contact": contact}
	for _, c := range custom {
		k, _ := c.Type.kind()
		objects[strings.ToLower(c.Object)].add(&fieldDef{name: c.Name, typ: c.Type, kind: k, custom: true})
	}
	return objects
}
