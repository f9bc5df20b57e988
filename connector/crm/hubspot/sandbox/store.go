package sandbox

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ObjectType names an object type, as paths write it.
type ObjectType string

// The emulated object types.
const (
	Contacts  ObjectType = "contacts"
	Companies ObjectType = "companies"
)

// singular is how HubSpot names one object of the type in association
// type names and messages.
func (t ObjectType) singular() string {
	if t == Companies {
		return "company"
	}
	return "contact"
}

// lastModifiedProperty is the type's last-modified property, which every
// write bumps.
func (t ObjectType) lastModifiedProperty() string {
	if t == Companies {
		return "hs_lastmodifieddate"
	}
	return "lastmodifieddate"
}

// readScope is the scope a token needs to read objects of the type.
func (t ObjectType) readScope() string {
	return "crm.objects." + string(t) + ".read"
}

// parseObjectType reads an object type from a path.
func parseObjectType(s string) (ObjectType, error) {
	switch t := ObjectType(s); t {
	case Contacts, Companies:
		return t, nil
	}
	return "", errInvalid("Unable to infer object type from: %s", s)
}

// First ids of each type: HubSpot ids exceed 2^31, and so do the
// sandbox's, to catch clients that truncate them.
var firstID = map[ObjectType]int64{
	Contacts:  57156923001,
	Companies: 21473412001,
}

// timeFormat is how HubSpot writes timestamps: UTC with milliseconds.
const timeFormat = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string {
	return t.UTC().Format(timeFormat)
}

// object is one contact or company.
type object struct {
	typ        ObjectType
	id         int64
	props      map[string]string // set properties only: "" is null
	createdAt  time.Time
	updatedAt  time.Time
	archived   bool
	archivedAt time.Time
	mergedInto int64 // the surviving object's id, once merged away

	// indexed is what search sees of the object, nil until it is indexed;
	// pending is the next version, visible from pending.at (Config.IndexLag).
	indexed, pending *indexEntry
}

// indexEntry is a version of an object as the search index holds it.
type indexEntry struct {
	props     map[string]string
	createdAt time.Time
	updatedAt time.Time
	at        time.Time // when this version becomes visible to search
}

// idString is the object's id as the API writes it.
func (o *object) idString() string {
	return strconv.FormatInt(o.id, 10)
}

// touch records a write at now: it bumps the last-modified property and
// updatedAt, and queues the new version for the search index.
func (o *object) touch(now time.Time, lag time.Duration) {
	o.updatedAt = now
	o.props[o.typ.lastModifiedProperty()] = formatTime(now)
	o.reindex(now, lag)
}

// reindex queues the object's current version for search, visible after
// lag.
func (o *object) reindex(now time.Time, lag time.Duration) {
	e := &indexEntry{props: maps.Clone(o.props), createdAt: o.createdAt, updatedAt: o.updatedAt, at: now.Add(lag)}
	if lag <= 0 {
		o.indexed, o.pending = e, nil
		return
	}
	o.promote(now)
	o.pending = e
}

// promote makes the pending version visible once its time has come.
func (o *object) promote(now time.Time) {
	if o.pending != nil && !now.Before(o.pending.at) {
		o.indexed, o.pending = o.pending, nil
	}
}

// searchable returns what search sees of the object at now, or nil when
// it sees nothing: archived objects never appear.
func (o *object) searchable(now time.Time) *indexEntry {
	o.promote(now)
	if o.archived {
		return nil
	}
	return o.indexed
}

// store is the account's objects and associations. Server.mu guards it.
type store struct {
	seq     map[ObjectType]int64
	objects map[ObjectType]map[int64]*object
	ids     map[ObjectType][]int64 // ascending: ids only grow
	props   map[ObjectType]*propertySet
	// companiesOf maps a contact to its companies, true for its primary
	// one; contactsOf maps a company to its contacts.
	companiesOf map[int64]map[int64]bool
	contactsOf  map[int64]map[int64]bool
}

func newStore(created time.Time) *store {
	st := &store{
		seq:         map[ObjectType]int64{Contacts: firstID[Contacts] - 1, Companies: firstID[Companies] - 1},
		objects:     map[ObjectType]map[int64]*object{Contacts: {}, Companies: {}},
		ids:         map[ObjectType][]int64{},
		props:       map[ObjectType]*propertySet{},
		companiesOf: map[int64]map[int64]bool{},
		contactsOf:  map[int64]map[int64]bool{},
	}
	for _, t := range []ObjectType{Contacts, Companies} {
		st.props[t] = newPropertySet(t, created)
	}
	return st
}

// get returns the object of type t with id, archived or not.
func (st *store) get(t ObjectType, id int64) *object {
	return st.objects[t][id]
}

// resolve returns the live object an id names: the object itself, or the
// one it was merged into. It returns nil for an unknown or archived id.
func (st *store) resolve(t ObjectType, id int64) *object {
	o := st.get(t, id)
	for o != nil && o.mergedInto != 0 {
		o = st.get(t, o.mergedInto)
	}
	if o == nil || o.archived {
		return nil
	}
	return o
}

// findBy returns the live object whose property prop has value, compared
// as HubSpot compares unique values: case-insensitively.
func (st *store) findBy(t ObjectType, prop, value string) *object {
	for _, id := range st.ids[t] {
		o := st.objects[t][id]
		if !o.archived && o.props[prop] != "" && strings.EqualFold(o.props[prop], value) {
			return o
		}
	}
	return nil
}

// create adds an object of type t with props at now.
func (st *store) create(t ObjectType, props Props, now time.Time, lag time.Duration) *object {
	st.seq[t]++
	o := &object{typ: t, id: st.seq[t], props: map[string]string{}, createdAt: now}
	st.setProps(o, props)
	if c, ok := parseTime(o.props["createdate"]); ok {
		o.createdAt = c.Truncate(time.Millisecond)
	}
	o.props["createdate"] = formatTime(o.createdAt)
	o.props["hs_object_id"] = o.idString()
	st.objects[t][o.id] = o
	st.ids[t] = append(st.ids[t], o.id)
	o.touch(now, lag)
	return o
}

// serverManaged are the properties the sandbox sets itself; writes to
// them are ignored.
var serverManaged = []string{"hs_object_id", "lastmodifieddate", "hs_lastmodifieddate", "hs_merged_object_ids", "associatedcompanyid"}

// setProps writes props to o, "" clearing a property, and registers
// properties the account does not know yet as custom text properties.
func (st *store) setProps(o *object, props Props) {
	for name, v := range props {
		if slices.Contains(serverManaged, name) {
			continue
		}
		st.props[o.typ].ensure(name)
		if v == "" {
			delete(o.props, name)
		} else {
			o.props[name] = v
		}
	}
}

// associate links a contact and a company. Making the company the
// contact's primary one demotes the previous primary company.
func (st *store) associate(contact, company *object, primary bool) {
	cos := st.companiesOf[contact.id]
	if cos == nil {
		cos = map[int64]bool{}
		st.companiesOf[contact.id] = cos
	}
	if primary {
		for id := range cos {
			cos[id] = false
		}
		contact.props["associatedcompanyid"] = company.idString()
	}
	cos[company.id] = primary || cos[company.id]
	cts := st.contactsOf[company.id]
	if cts == nil {
		cts = map[int64]bool{}
		st.contactsOf[company.id] = cts
	}
	cts[contact.id] = true
}

// target is one end of an association, seen from the other.
type target struct {
	obj     *object
	primary bool // the company is the contact's primary one
}

// targets lists the live objects of type to associated with o, by
// ascending id.
func (st *store) targets(o *object, to ObjectType) []target {
	var out []target
	switch {
	case o.typ == Contacts && to == Companies:
		for id, primary := range st.companiesOf[o.id] {
			if c := st.get(Companies, id); c != nil && !c.archived {
				out = append(out, target{c, primary})
			}
		}
	case o.typ == Companies && to == Contacts:
		for id := range st.contactsOf[o.id] {
			if c := st.get(Contacts, id); c != nil && !c.archived {
				out = append(out, target{c, st.companiesOf[id][o.id]})
			}
		}
	}
	slices.SortFunc(out, func(a, b target) int { return cmp.Compare(a.obj.id, b.obj.id) })
	return out
}

// merge merges loser into winner: the loser is archived, its associations
// move to the winner, and the winner lists the loser's id in
// hs_merged_object_ids.
func (st *store) merge(winner, loser *object, now time.Time, lag time.Duration) {
	loser.archived, loser.archivedAt, loser.mergedInto = true, now, winner.id
	ids := strings.Split(winner.props["hs_merged_object_ids"], ";")
	ids = slices.DeleteFunc(append(ids, loser.idString()), func(s string) bool { return s == "" })
	winner.props["hs_merged_object_ids"] = strings.Join(ids, ";")
	switch winner.typ {
	case Contacts:
		_, hasPrimary := winner.props["associatedcompanyid"]
		for id, primary := range st.companiesOf[loser.id] {
			st.associate(winner, st.get(Companies, id), primary && !hasPrimary)
		}
	case Companies:
		for id := range st.contactsOf[loser.id] {
			contact := st.get(Contacts, id)
			primary := st.companiesOf[id][loser.id]
			st.associate(contact, winner, primary)
			if primary {
				contact.touch(now, lag)
			}
		}
	}
	winner.touch(now, lag)
}
