package sandbox

import (
	"maps"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// User roles.
const (
	roleEndUser = "end-user"
	roleAgent   = "agent"
	roleAdmin   = "admin"
)

var userRoles = []string{roleEndUser, roleAgent, roleAdmin}

// user is a stored user. Like tickets, stored users are replaced, not
// modified: through addUser or storeUserLocked, which number the write for
// the incremental export.
type user struct {
	id             int64
	name           string
	email          string // lowercase
	externalID     string
	phone          string
	role           string
	organizationID int64
	tags           []string
	userFields     map[string]any
	details        string
	notes          string
	alias          string
	verified       bool
	// deleted marks a deleted user: shown with active:false, found by id
	// only (not by search, email or external id).
	deleted   bool
	createdAt time.Time
	updatedAt time.Time
	// change numbers the write that stored this version of the user: the
	// incremental user export's cursor follows it.
	change int64
}

// userJSON is a user as Zendesk serializes it (fixture GET/user.json).
// Fields typed any are not emulated and always null.
type userJSON struct {
	ID                   int64          `json:"id"`
	URL                  string         `json:"url"`
	Name                 string         `json:"name"`
	Email                *string        `json:"email"`
	CreatedAt            string         `json:"created_at"`
	UpdatedAt            string         `json:"updated_at"`
	TimeZone             string         `json:"time_zone"`
	IANATimeZone         string         `json:"iana_time_zone"`
	Phone                *string        `json:"phone"`
	SharedPhoneNumber    any            `json:"shared_phone_number"`
	Photo                any            `json:"photo"`
	LocaleID             int            `json:"locale_id"`
	Locale               string         `json:"locale"`
	OrganizationID       *int64         `json:"organization_id"`
	Role                 string         `json:"role"`
	Verified             bool           `json:"verified"`
	ExternalID           *string        `json:"external_id"`
	Tags                 []string       `json:"tags"`
	Alias                *string        `json:"alias"`
	Active               bool           `json:"active"`
	Shared               bool           `json:"shared"`
	SharedAgent          bool           `json:"shared_agent"`
	LastLoginAt          any            `json:"last_login_at"`
	TwoFactorAuthEnabled bool           `json:"two_factor_auth_enabled"`
	Signature            any            `json:"signature"`
	Details              *string        `json:"details"`
	Notes                *string        `json:"notes"`
	RoleType             any            `json:"role_type"`
	CustomRoleID         any            `json:"custom_role_id"`
	Moderator            bool           `json:"moderator"`
	TicketRestriction    *string        `json:"ticket_restriction"`
	OnlyPrivateComments  bool           `json:"only_private_comments"`
	RestrictedAgent      bool           `json:"restricted_agent"`
	Suspended            bool           `json:"suspended"`
	ChatOnly             bool           `json:"chat_only"`
	DefaultGroupID       any            `json:"default_group_id"`
	ReportCSV            bool           `json:"report_csv"`
	UserFields           map[string]any `json:"user_fields"`
}

// Every sandbox user speaks English in UTC.
const (
	userLocale       = "en-US"
	userLocaleID     = 1
	userLanguage     = "English"
	userTimeZone     = "UTC"
	userIANATimeZone = "Etc/UTC"
)

func (s *Server) userView(u *user) userJSON {
	v := userJSON{
		ID:             u.id,
		URL:            s.apiURL("users/%d.json", u.id),
		Name:           u.name,
		Email:          nullString(u.email),
		CreatedAt:      formatTime(u.createdAt),
		UpdatedAt:      formatTime(u.updatedAt),
		TimeZone:       userTimeZone,
		IANATimeZone:   userIANATimeZone,
		Phone:          nullString(u.phone),
		LocaleID:       userLocaleID,
		Locale:         userLocale,
		OrganizationID: nullID(u.organizationID),
		Role:           u.role,
		Verified:       u.verified,
		ExternalID:     nullString(u.externalID),
		Tags:           slices.Clone(u.tags),
		Alias:          nullString(u.alias),
		Active:         !u.deleted,
		Details:        nullString(u.details),
		Notes:          nullString(u.notes),
		Moderator:      u.role == roleAdmin,
		UserFields:     maps.Clone(u.userFields),
	}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if v.UserFields == nil {
		v.UserFields = map[string]any{}
	}
	if u.role == roleEndUser {
		restriction := "requested"
		v.TicketRestriction = &restriction
		v.RestrictedAgent = true
	}
	return v
}

// addUser stores a new user. s.mu must be held.
func (s *Server) addUser(u *user) {
	s.userOrder = append(s.userOrder, u.id)
	s.storeUserLocked(u)
}

// storeUserLocked stores u, a new version of a user, numbering the write.
// s.mu must be held.
func (s *Server) storeUserLocked(u *user) {
	s.changeSeq++
	u.change = s.changeSeq
	s.users[u.id] = u
}

// userByEmailLocked finds the user, not deleted, with email.
func (s *Server) userByEmailLocked(email string) *user {
	email = normalizeEmail(email)
	for _, id := range s.userOrder {
		if u := s.users[id]; !u.deleted && u.email != "" && u.email == email {
			return u
		}
	}
	return nil
}

// userByExternalIDLocked finds the user, not deleted, with externalID.
func (s *Server) userByExternalIDLocked(externalID string) *user {
	for _, id := range s.userOrder {
		if u := s.users[id]; !u.deleted && u.externalID != "" && strings.EqualFold(u.externalID, externalID) {
			return u
		}
	}
	return nil
}

func normalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

func validEmail(email string) bool {
	addr, err := mail.ParseAddress(email)
	return err == nil && addr.Address == strings.TrimSpace(email)
}

func emailLocalPart(email string) string {
	local, _, _ := strings.Cut(email, "@")
	return local
}

// userInput holds the writable user properties of a request body.
type userInput struct {
	Name           string           `json:"name"`
	Email          string           `json:"email"`
	ExternalID     optional[string] `json:"external_id"`
	Phone          optional[string] `json:"phone"`
	Role           string           `json:"role"`
	OrganizationID optional[int64]  `json:"organization_id"`
	Tags           *tagList         `json:"tags"`
	UserFields     map[string]any   `json:"user_fields"`
	Details        optional[string] `json:"details"`
	Notes          optional[string] `json:"notes"`
	Alias          optional[string] `json:"alias"`
	Verified       *bool            `json:"verified"`
}

// applyUserInput applies in to u, a copy the caller stores or drops. An
// empty name or role leaves u's alone (go-zendesk always sends "name"); the
// primary email is only set on users that have none, as on Zendesk, where
// another email on update becomes a secondary identity.
func (s *Server) applyUserInput(u *user, in *userInput) error {
	if in.Name != "" {
		u.name = in.Name
	}
	if u.name == "" {
		return errInvalid("name", "Name: is too short (minimum one character)")
	}
	if in.Email != "" && u.email == "" {
		if !validEmail(in.Email) {
			return errInvalid("email", "Email: %s is not properly formatted", in.Email)
		}
		if other := s.userByEmailLocked(in.Email); other != nil && other.id != u.id {
			return errInvalid("email", "Email: %s is already being used by another user", in.Email)
		}
		u.email = normalizeEmail(in.Email)
	}
	if in.ExternalID.set {
		if other := s.userByExternalIDLocked(in.ExternalID.v); in.ExternalID.v != "" && other != nil && other.id != u.id {
			return errInvalid("external_id", "External ID: %s has already been taken", in.ExternalID.v)
		}
		u.externalID = in.ExternalID.v
	}
	if in.Role != "" {
		if !slices.Contains(userRoles, in.Role) {
			return errInvalid("role", "Role: %q is not a valid role", in.Role)
		}
		u.role = in.Role
	}
	if in.OrganizationID.set {
		u.organizationID = 0
		if id := in.OrganizationID.v; id != 0 {
			if _, ok := s.orgs[id]; !ok {
				return errInvalid("organization_id", "Organization: %d not found", id)
			}
			u.organizationID = id
		}
	}
	if in.Tags != nil {
		u.tags = slices.Clone(*in.Tags)
	}
	if len(in.UserFields) > 0 {
		u.userFields = mergeFields(u.userFields, in.UserFields)
	}
	if in.Phone.set {
		u.phone = in.Phone.v
	}
	if in.Details.set {
		u.details = in.Details.v
	}
	if in.Notes.set {
		u.notes = in.Notes.v
	}
	if in.Alias.set {
		u.alias = in.Alias.v
	}
	if in.Verified != nil {
		u.verified = *in.Verified
	}
	return nil
}

// createUserLocked stores a new user made from in. s.mu must be held.
func (s *Server) createUserLocked(in *userInput) (*user, error) {
	now := s.now()
	u := &user{role: roleEndUser, createdAt: now, updatedAt: now}
	if err := s.applyUserInput(u, in); err != nil {
		return nil, err
	}
	u.id = s.nextID()
	s.addUser(u)
	return u, nil
}

func decodeUser(r *http.Request) (*userInput, error) {
	var body struct {
		User *userInput `json:"user"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.User == nil {
		return nil, errBadRequest("user is required")
	}
	return body.User, nil
}

// showUser emulates GET /api/v2/users/{id}.
func (s *Server) showUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.writeUser(w, id)
}

// showMe emulates GET /api/v2/users/me: every credential acts as the admin.
func (s *Server) showMe(w http.ResponseWriter, _ *http.Request) error {
	return s.writeUser(w, s.adminID)
}

func (s *Server) writeUser(w http.ResponseWriter, id int64) error {
	s.mu.Lock()
	u, ok := s.users[id]
	var view userJSON
	if ok {
		view = s.userView(u)
	}
	s.mu.Unlock()
	if !ok {
		return errNotFound
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": view})
	return nil
}

// showManyUsers emulates GET /api/v2/users/show_many?ids=… or
// ?external_ids=….
func (s *Server) showManyUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var ids []int64
	var externalIDs []string
	switch {
	case q.Get("ids") != "":
		var err error
		if ids, err = queryIDs(r, "ids"); err != nil {
			return err
		}
	case q.Get("external_ids") != "":
		externalIDs = splitList(q.Get("external_ids"))
		if len(externalIDs) > maxBatch {
			return errBadRequest("external_ids: at most %d ids are allowed", maxBatch)
		}
	default:
		return errBadRequest("ids or external_ids is required")
	}
	s.mu.Lock()
	views := viewsOf(ids, s.users, s.userView)
	for _, externalID := range externalIDs {
		if u := s.userByExternalIDLocked(externalID); u != nil {
			views = append(views, s.userView(u))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Users []userJSON `json:"users"`
		offsetPage
	}{views, offsetPage{Count: len(views)}})
	return nil
}

// searchUsers emulates GET /api/v2/users/search?query=… or ?external_id=…:
// the users matching every term of the query in Zendesk's search syntax
// (see matchUser), offset pagination.
func (s *Server) searchUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	query, externalID := strings.TrimSpace(q.Get("query")), q.Get("external_id")
	if query == "" && externalID == "" {
		return errBadRequest("query or external_id is required")
	}
	terms := parseSearch(query)
	if externalID != "" {
		terms = append(terms, searchTerm{key: "external_id", op: ":", value: externalID})
	}
	views := []userJSON{}
	s.mu.Lock()
	for _, id := range s.userOrder {
		if u := s.users[id]; !u.deleted && s.matchUser(u, terms) {
			views = append(views, s.userView(u))
		}
	}
	s.mu.Unlock()
	page, env, err := paginateOffset(r, views)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Users []userJSON `json:"users"`
		offsetPage
	}{page, env})
	return nil
}

// createUser emulates POST /api/v2/users.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeUser(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	u, err := s.createUserLocked(in)
	var view userJSON
	if err == nil {
		view = s.userView(u)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	w.Header().Set("Location", view.URL)
	writeJSON(w, http.StatusCreated, map[string]any{"user": view})
	return nil
}

// createOrUpdateUser emulates POST /api/v2/users/create_or_update: it
// updates the user with the body's email or external_id (200) or creates
// one (201).
func (s *Server) createOrUpdateUser(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeUser(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	u, created, err := s.upsertUserLocked(in)
	var view userJSON
	if err == nil {
		view = s.userView(u)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", view.URL)
	writeJSON(w, status, map[string]any{"user": view})
	return nil
}

// upsertUserLocked updates the user with in's email, or else its
// external_id, or creates one, reporting which. s.mu must be held.
func (s *Server) upsertUserLocked(in *userInput) (u *user, created bool, err error) {
	var existing *user
	if in.Email != "" {
		existing = s.userByEmailLocked(in.Email)
	}
	if existing == nil && in.ExternalID.v != "" {
		existing = s.userByExternalIDLocked(in.ExternalID.v)
	}
	if existing == nil {
		u, err = s.createUserLocked(in)
		return u, true, err
	}
	next := *existing
	if err := s.applyUserInput(&next, in); err != nil {
		return nil, false, err
	}
	next.updatedAt = s.now()
	s.storeUserLocked(&next)
	return &next, false, nil
}
