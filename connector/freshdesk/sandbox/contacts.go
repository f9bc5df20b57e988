package sandbox

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// contactView is a contact as the API answers it.
func contactView(c *Contact) map[string]any {
	return map[string]any{
		"id":                 c.ID,
		"name":               c.Name,
		"email":              nullIfEmpty(c.Email),
		"phone":              nullIfEmpty(c.Phone),
		"mobile":             nullIfEmpty(c.Mobile),
		"unique_external_id": nullIfEmpty(c.UniqueExternalID),
		"company_id":         idOrNull(c.CompanyID),
		"other_emails":       nonNil(c.OtherEmails),
		"tags":               nonNil(c.Tags),
		"job_title":          nullIfEmpty(c.JobTitle),
		"description":        nullIfEmpty(c.Description),
		"active":             false,
		"custom_fields":      orEmpty(c.CustomFields),
		"created_at":         fmtTime(c.CreatedAt),
		"updated_at":         fmtTime(c.UpdatedAt),
	}
}

func companyView(c *Company) map[string]any {
	return map[string]any{
		"id":            c.ID,
		"name":          c.Name,
		"description":   nullIfEmpty(c.Description),
		"note":          nullIfEmpty(c.Note),
		"domains":       nonNil(c.Domains),
		"health_score":  nullIfEmpty(c.HealthScore),
		"account_tier":  nullIfEmpty(c.AccountTier),
		"renewal_date":  nullIfEmpty(c.RenewalDate),
		"industry":      nullIfEmpty(c.Industry),
		"custom_fields": orEmpty(c.CustomFields),
		"created_at":    fmtTime(c.CreatedAt),
		"updated_at":    fmtTime(c.UpdatedAt),
	}
}

// addContactLocked numbers and stores a new contact. s.mu must be held.
func (s *Server) addContactLocked(c *Contact, now time.Time) *Contact {
	c.ID, c.CreatedAt, c.UpdatedAt = s.nextID(), now, now
	s.contacts[c.ID] = c
	return c
}

// contactByEmailLocked finds a contact by its email or one of its other
// emails, case-insensitively. s.mu must be held.
func (s *Server) contactByEmailLocked(email string) *Contact {
	for _, c := range s.contacts {
		if strings.EqualFold(c.Email, email) || slices.ContainsFunc(c.OtherEmails, func(o string) bool { return strings.EqualFold(o, email) }) {
			return c
		}
	}
	return nil
}

// parseContactLocked reads a contact body into c. Custom fields are kept
// as sent, keyed without the cf_ prefix (§10.4, UNCONFIRMED): the sandbox
// has no contact fields API to check them against.
func (s *Server) parseContactLocked(m map[string]any, c *Contact, create bool) error {
	b := &body{m: m}
	b.only("name", "email", "phone", "mobile", "unique_external_id", "company_id", "other_emails", "tags",
		"job_title", "description", "custom_fields")
	b.str("name", &c.Name)
	if b.str("email", &c.Email) {
		c.Email = strings.ToLower(c.Email)
		if other := s.contactByEmailLocked(c.Email); other != nil && other.ID != c.ID {
			b.v.add("email", codeDuplicateValue, "It should be a unique value")
		}
	}
	b.str("phone", &c.Phone)
	b.str("mobile", &c.Mobile)
	b.str("unique_external_id", &c.UniqueExternalID)
	b.str("job_title", &c.JobTitle)
	b.str("description", &c.Description)
	b.strings("other_emails", &c.OtherEmails)
	b.strings("tags", &c.Tags)
	var company int64
	if present, null := b.integer("company_id", &company); present {
		if _, ok := s.companies[company]; !null && !ok {
			b.v.add("company_id", codeInvalidValue, "There is no company matching the given company_id")
		}
		c.CompanyID = company
	}
	if custom, ok := b.object("custom_fields"); ok {
		c.CustomFields = mergeCustom(c.CustomFields, custom)
	}
	if create {
		if c.Name == "" {
			b.v.add("name", codeMissingField, "It should be a/an String")
		}
		if c.Email == "" && c.Phone == "" && c.Mobile == "" && c.UniqueExternalID == "" {
			b.v.add("email", codeMissingField, "Please fill at least 1 of email, mobile, phone, twitter_id, unique_external_id fields")
		}
	}
	return b.v.err()
}

// mergeCustom merges custom field values into dst; null removes a value.
func mergeCustom(dst, src map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, v := range src {
		dst[k] = plainJSON(v)
	}
	return dst
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request) error {
	m, err := decodeBody(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &Contact{}
	if err := s.parseContactLocked(m, c, true); err != nil {
		return err
	}
	s.addContactLocked(c, s.now())
	writeJSON(w, http.StatusCreated, contactView(c))
	return nil
}

func (s *Server) showContact(w http.ResponseWriter, r *http.Request) error {
	return showRecord(s, func() map[int64]*Contact { return s.contacts }, contactView)(w, r)
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) error {
	parse := func(m map[string]any, c *Contact) error { return s.parseContactLocked(m, c, false) }
	return updateRecord(s, func() map[int64]*Contact { return s.contacts }, parse, contactView)(w, r)
}

// sinceFilter reads the updated-since filter of the contacts and companies
// lists: §10.4 names it _updated_since for contacts; updated_since is
// accepted too, and the companies list's filter is UNCONFIRMED (the sheets
// give none).
func sinceFilter(r *http.Request) (time.Time, bool, error) {
	q := r.URL.Query()
	if q.Has("_updated_since") {
		return parseSince(q, "_updated_since")
	}
	return parseSince(q, "updated_since")
}

// listContacts serves GET /contacts with the filters email, mobile, phone,
// company_id and _updated_since (§10.4), oldest first.
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, perPage, err := paging(q)
	if err != nil {
		return err
	}
	since, hasSince, err := sinceFilter(r)
	if err != nil {
		return err
	}
	company, _ := strconv.ParseInt(q.Get("company_id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := func(c *Contact) bool {
		switch {
		case q.Get("email") != "" && !strings.EqualFold(c.Email, q.Get("email")):
		case q.Get("phone") != "" && c.Phone != q.Get("phone"):
		case q.Get("mobile") != "" && c.Mobile != q.Get("mobile"):
		case q.Has("company_id") && c.CompanyID != company:
		case hasSince && c.UpdatedAt.Before(since):
		default:
			return true
		}
		return false
	}
	writeRecordsLocked(s, w, r, page, perPage, s.contacts, func(c *Contact) int64 { return c.ID }, keep, contactView)
	return nil
}

func (s *Server) parseCompanyLocked(m map[string]any, c *Company, create bool) error {
	b := &body{m: m}
	b.only("name", "description", "note", "domains", "health_score", "account_tier", "renewal_date", "industry", "custom_fields")
	if b.str("name", &c.Name) {
		for _, o := range s.companies {
			if o.ID != c.ID && strings.EqualFold(o.Name, c.Name) {
				b.v.add("name", codeDuplicateValue, "It should be a unique value")
			}
		}
	}
	b.str("description", &c.Description)
	b.str("note", &c.Note)
	b.strings("domains", &c.Domains)
	b.str("health_score", &c.HealthScore)
	b.str("account_tier", &c.AccountTier)
	b.str("renewal_date", &c.RenewalDate)
	b.str("industry", &c.Industry)
	if custom, ok := b.object("custom_fields"); ok {
		c.CustomFields = mergeCustom(c.CustomFields, custom)
	}
	if create && c.Name == "" {
		b.v.add("name", codeMissingField, "It should be a/an String")
	}
	return b.v.err()
}

func (s *Server) createCompany(w http.ResponseWriter, r *http.Request) error {
	m, err := decodeBody(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &Company{}
	if err := s.parseCompanyLocked(m, c, true); err != nil {
		return err
	}
	now := s.now()
	c.ID, c.CreatedAt, c.UpdatedAt = s.nextID(), now, now
	s.companies[c.ID] = c
	writeJSON(w, http.StatusCreated, companyView(c))
	return nil
}

func (s *Server) showCompany(w http.ResponseWriter, r *http.Request) error {
	return showRecord(s, func() map[int64]*Company { return s.companies }, companyView)(w, r)
}

func (s *Server) updateCompany(w http.ResponseWriter, r *http.Request) error {
	parse := func(m map[string]any, c *Company) error { return s.parseCompanyLocked(m, c, false) }
	return updateRecord(s, func() map[int64]*Company { return s.companies }, parse, companyView)(w, r)
}

// listCompanies serves GET /companies, oldest first, with updated_since
// (UNCONFIRMED, see sinceFilter).
func (s *Server) listCompanies(w http.ResponseWriter, r *http.Request) error {
	page, perPage, err := paging(r.URL.Query())
	if err != nil {
		return err
	}
	since, hasSince, err := sinceFilter(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := func(c *Company) bool { return !hasSince || !c.UpdatedAt.Before(since) }
	writeRecordsLocked(s, w, r, page, perPage, s.companies, func(c *Company) int64 { return c.ID }, keep, companyView)
	return nil
}

// showMe serves GET /agents/me: the API key's owner.
func (s *Server) showMe(w http.ResponseWriter, _ *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.agents[s.agentID]
	writeJSON(w, http.StatusOK, map[string]any{
		"id": a.ID, "available": true, "occasional": false, "ticket_scope": 1,
		"contact":    map[string]any{"name": a.Name, "email": a.Email, "active": true},
		"created_at": fmtTime(a.CreatedAt), "updated_at": fmtTime(a.UpdatedAt),
	})
	return nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
