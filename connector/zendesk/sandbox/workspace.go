package sandbox

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// workspacePrefix is the path of the agent workspace: browser pages
// outside the API, which need no credential and act as the account's
// admin agent, as if signed in to Zendesk.
const workspacePrefix = "/agent"

// App locations the workspace shows, in Zendesk Support.
const (
	locationTicketSidebar    = "ticket_sidebar"
	locationNewTicketSidebar = "new_ticket_sidebar"
)

// workspaceCSP is the pages' Content-Security-Policy: no inline script or
// style, scripts and styles from the sandbox only; app frames, and the
// forms that load signed ones, may go to any http(s) URL.
const workspaceCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-src 'self' http: https:; form-action 'self' http: https:; base-uri 'none'; object-src 'none'; frame-ancestors 'self'"

//go:embed workspace
var workspaceFiles embed.FS

var workspaceTemplates = template.Must(template.ParseFS(workspaceFiles, "workspace/*.html"))

// crossOrigin refuses the workspace's writes when a browser sends them
// from another site's page: the workspace has no credential to check.
var crossOrigin = http.NewCrossOriginProtection()

// ticketPage serves GET /agent/tickets/{id}: the ticket as an agent sees
// it, and beside it the ticket_sidebar app of each enabled installation.
func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request) error {
	pane, err := viewByPathID(s, r, ticketsOf, s.ticketPaneLocked)
	if err != nil {
		return err
	}
	page, err := s.workspacePage(r, locationTicketSidebar, pane.ID)
	if err != nil {
		return err
	}
	page.Title = "#" + strconv.FormatInt(pane.ID, 10) + " " + pane.Subject
	page.Ticket = &pane
	return renderPage(w, "ticket.html", page)
}

// ticketPane serves GET /agent/tickets/{id}/pane: the ticket's pane alone
// (the inside of #ticket-pane), which the page reloads after a macro.
func (s *Server) ticketPane(w http.ResponseWriter, r *http.Request) error {
	pane, err := viewByPathID(s, r, ticketsOf, s.ticketPaneLocked)
	if err != nil {
		return err
	}
	return renderPage(w, "pane", pane)
}

// newTicketPage serves GET /agent/tickets/new?requester=EMAIL: the form
// of a new ticket, with its requester's email, and beside it the
// new_ticket_sidebar app of each enabled installation. The form is not
// submitted: it is there for the apps.
func (s *Server) newTicketPage(w http.ResponseWriter, r *http.Request) error {
	email := strings.TrimSpace(r.URL.Query().Get("requester"))
	s.mu.Lock()
	requester, org := s.requesterLocked(email)
	s.mu.Unlock()
	page, err := s.workspacePage(r, locationNewTicketSidebar, 0)
	if err != nil {
		return err
	}
	page.Title = "New ticket"
	page.NewTicket = &newTicketView{RequesterEmail: email, Data: paneData{Ticket: zafTicket{
		Status: statusNew, Tags: []string{}, Requester: requester, Organization: org}}}
	return renderPage(w, "new_ticket.html", page)
}

// lookUpRequester serves GET /agent/requester?email=: the requester the
// new-ticket page's apps get for an email, and its organization, as
// {"requester": …, "organization": …}.
func (s *Server) lookUpRequester(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	requester, org := s.requesterLocked(strings.TrimSpace(r.URL.Query().Get("email")))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"requester": requester, "organization": org})
	return nil
}

// requesterLocked returns the requester of a new ticket by email, as ZAF
// gets it: the user with that email; {"email": email} for an unknown
// one; nil for none. The organization is the user's, or nil. s.mu must be
// held.
func (s *Server) requesterLocked(email string) (any, *zafOrganization) {
	if email == "" {
		return nil, nil
	}
	u := s.userByEmailLocked(email)
	if u == nil {
		return map[string]string{"email": email}, nil
	}
	return zafUserOf(u), s.zafOrganizationLocked(u.organizationID)
}

// applyMacroAsAgent serves POST /agent/tickets/{id}/macros/{macro_id}: an
// agent applies the macro in the workspace and submits the ticket. The
// changes are those GET /api/v2/tickets/{id}/macros/{macro_id}/apply
// answers, written as one update by the admin (triggers run), the
// comment public or internal as the macro says. It answers
// {"ticket": …}, or an error as the API does.
func (s *Server) applyMacroAsAgent(w http.ResponseWriter, r *http.Request) error {
	if err := crossOrigin.Check(r); err != nil {
		return &apiError{status: http.StatusForbidden, body: errorBody{Error: "Forbidden", Description: "The workspace takes writes from its own pages only"}}
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	macroID, err := strconv.ParseInt(r.PathValue("macro_id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, m := s.tickets[id], s.macros[macroID]
	switch {
	case t == nil || m == nil:
		return errNotFound
	case !m.active:
		return errInvalid("macro", "Macro: %s is inactive", m.title)
	}
	next, c := s.applyMacroLocked(m, t, s.adminID)
	updated, _, err := s.updateLocked(id, submission(t, next, c), s.adminID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket": s.ticketView(updated)})
	return nil
}

// submission is the update an agent submits after changing before into
// after in the workspace, with the comment c (nil for none): the fields
// that changed.
func submission(before, after *ticket, c *macroComment) *ticketInput {
	in := &ticketInput{}
	if after.subject != before.subject {
		in.Subject = &after.subject
	}
	if after.status != before.status {
		in.Status = &after.status
	}
	if after.priority != before.priority {
		in.Priority = optional[string]{set: true, v: after.priority}
	}
	if after.typ != before.typ {
		in.Type = optional[string]{set: true, v: after.typ}
	}
	if !slices.Equal(after.tags, before.tags) {
		tags := tagList(after.tags)
		in.Tags = &tags
	}
	if after.assigneeID != before.assigneeID {
		in.AssigneeID = optional[int64]{set: true, v: after.assigneeID}
	}
	if after.groupID != before.groupID {
		in.GroupID = optional[int64]{set: true, v: after.groupID}
	}
	for _, f := range after.customFields {
		if prev, _ := before.customFieldValue(f.ID); !sameValue(prev, f.Value) {
			raw, _ := json.Marshal(f.Value) // a string, bool, nil or []string
			in.CustomFields = append(in.CustomFields, customFieldInput{ID: f.ID, Value: raw})
		}
	}
	if c != nil {
		in.Comment = &commentInput{Body: c.Body, HTMLBody: c.HTMLBody, Public: &c.Public}
	}
	return in
}

// appAsset serves GET /agent/apps/{id}/assets/{path...}: a file of the
// app's package, where its package-hosted locations load from.
func (s *Server) appAsset(w http.ResponseWriter, r *http.Request) error {
	a, err := recordByPathID(s, r, appsOf)
	if err != nil {
		return err
	}
	name := "assets/" + r.PathValue("path")
	data, ok := a.pkg.Files[name]
	if !ok {
		return errNotFound
	}
	writeFile(w, name, data)
	return nil
}

// workspaceFile serves GET /agent/workspace.js and /agent/workspace.css.
func (s *Server) workspaceFile(w http.ResponseWriter, r *http.Request) error {
	name := "workspace/" + path.Base(r.URL.Path)
	data, err := workspaceFiles.ReadFile(name)
	if err != nil {
		return errNotFound
	}
	writeFile(w, name, data)
	return nil
}

// writeFile answers the file name with its content type, by extension.
func writeFile(w http.ResponseWriter, name string, data []byte) {
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = http.DetectContentType(data)
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(data)
}

// renderPage executes the workspace template name with data and answers
// it as HTML, with the workspace's Content-Security-Policy.
func renderPage(w http.ResponseWriter, name string, data any) error {
	var buf bytes.Buffer
	if err := workspaceTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", workspaceCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}

// pageView is what a workspace page template shows.
type pageView struct {
	Title string
	// Ticket is the ticket shown, NewTicket the new ticket's form.
	Ticket    *ticketPaneView
	NewTicket *newTicketView
	Apps      []sidebarApp
	// Data is the page's data for workspace.js (#workspace-data).
	Data workspaceData
}

// ticketPaneView is the ticket's pane: what the agent reads, and
// (Data, #ticket-data) what the apps get.
type ticketPaneView struct {
	ID           int64
	Subject      string
	Status       string
	Priority     string
	Type         string
	Tags         []string
	Requester    *zafUser
	Organization *zafOrganization
	Comments     []paneComment
	Data         paneData
}

// paneComment is a comment in the ticket's pane.
type paneComment struct {
	ID        int64
	Author    string
	Public    bool
	Body      string
	CreatedAt string
}

// newTicketView is the new ticket's form.
type newTicketView struct {
	RequesterEmail string
	Data           paneData
}

// paneData is the ticket as apps get it (#ticket-data).
type paneData struct {
	Ticket zafTicket `json:"ticket"`
}

// zafTicket is a ticket as ZAF's client.get('ticket') answers it, in part.
type zafTicket struct {
	ID          *int64   `json:"id"`
	Subject     string   `json:"subject"`
	Description string   `json:"description"`
	Status      string   `json:"status"`
	Priority    *string  `json:"priority"`
	Type        *string  `json:"type"`
	Tags        []string `json:"tags"`
	// Requester is a *zafUser, {"email": …} for a new ticket's unknown
	// requester, or nil.
	Requester    any              `json:"requester"`
	Organization *zafOrganization `json:"organization"`
}

// zafUser is a user as ZAF answers ticket.requester.
type zafUser struct {
	ID         int64   `json:"id"`
	Email      *string `json:"email"`
	Name       string  `json:"name"`
	ExternalID *string `json:"externalId"`
}

func zafUserOf(u *user) *zafUser {
	return &zafUser{ID: u.id, Email: nullString(u.email), Name: u.name, ExternalID: nullString(u.externalID)}
}

// zafOrganization is an organization as ZAF answers ticket.organization.
type zafOrganization struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	ExternalID *string `json:"externalId"`
}

// zafOrganizationLocked returns the organization id as ZAF answers it, or
// nil for none. s.mu must be held.
func (s *Server) zafOrganizationLocked(id int64) *zafOrganization {
	o := s.orgs[id]
	if o == nil {
		return nil
	}
	return &zafOrganization{ID: o.id, Name: o.name, ExternalID: nullString(o.externalID)}
}

// ticketPaneLocked returns t's pane. s.mu must be held.
func (s *Server) ticketPaneLocked(t *ticket) ticketPaneView {
	v := ticketPaneView{ID: t.id, Subject: t.subject, Status: t.status, Priority: t.priority, Type: t.typ,
		Tags: slices.Clone(t.tags), Organization: s.zafOrganizationLocked(t.organizationID)}
	if u := s.users[t.requesterID]; u != nil {
		v.Requester = zafUserOf(u)
	}
	for _, c := range t.comments {
		author := "user " + strconv.FormatInt(c.authorID, 10)
		if u := s.users[c.authorID]; u != nil {
			author = u.name
		}
		v.Comments = append(v.Comments, paneComment{ID: c.id, Author: author, Public: c.public, Body: c.body, CreatedAt: formatTime(c.createdAt)})
	}
	id := t.id
	v.Data.Ticket = zafTicket{ID: &id, Subject: t.subject, Description: t.description(), Status: t.status,
		Priority: nullString(t.priority), Type: nullString(t.typ), Tags: nonNil(slices.Clone(t.tags)), Organization: v.Organization}
	if v.Requester != nil {
		v.Data.Ticket.Requester = v.Requester
	}
	return v
}

// workspaceData is the page's data for workspace.js (#workspace-data):
// the context and metadata it registers each app with.
type workspaceData struct {
	Location       string        `json:"location"`
	TicketID       int64         `json:"ticketId,omitempty"`
	CurrentUser    zafAgent      `json:"currentUser"`
	CurrentAccount zafAccount    `json:"currentAccount"`
	Apps           []appRegistry `json:"apps"`
}

// zafAgent is the signed-in agent as ZAF answers currentUser.
type zafAgent struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

// zafAccount is the account as ZAF answers currentAccount.
type zafAccount struct {
	Subdomain string `json:"subdomain"`
}

// appRegistry is what workspace.js registers an app frame with.
type appRegistry struct {
	GUID string `json:"guid"`
	// Origin is the origin the app's messages come from; "" for an app
	// served from its package, on the workspace's own origin.
	Origin   string      `json:"origin"`
	Metadata zafMetadata `json:"metadata"`
}

// zafMetadata is an app's metadata as ZAF's client.metadata() answers it.
type zafMetadata struct {
	AppID          int64          `json:"appId"`
	InstallationID int64          `json:"installationId"`
	Name           string         `json:"name"`
	Settings       map[string]any `json:"settings"`
}

// sidebarApp is an app frame in the page's sidebar.
type sidebarApp struct {
	InstallationID int64
	AppID          int64
	Name           string
	GUID           string
	FrameName      string
	Location       string
	// URL is the frame's src, or with Token the action of the form that
	// posts the token to the frame.
	URL   string
	Token string
}

// workspacePage returns a page showing the apps of location (and
// ticketID, 0 for a new ticket).
func (s *Server) workspacePage(r *http.Request, location string, ticketID int64) (pageView, error) {
	origin := requestOrigin(r)
	s.mu.Lock()
	admin := s.users[s.adminID]
	page := pageView{Data: workspaceData{Location: location, TicketID: ticketID,
		CurrentUser:    zafAgent{ID: admin.id, Email: admin.email, Name: admin.name, Role: admin.role},
		CurrentAccount: zafAccount{Subdomain: s.cfg.Subdomain}, Apps: []appRegistry{}}}
	// keys are, by page.Apps' index, the keys of the apps whose frames
	// load by posting a token (nil for the others): tokens are signed
	// once s.mu is released.
	var keys []*rsa.PrivateKey
	for _, inst := range sortedByID(s.installations) {
		a := s.apps[inst.appID]
		loc, ok := a.pkg.Manifest.LocationFor(appProduct, location)
		if !inst.enabled || !ok {
			continue
		}
		app := sidebarApp{InstallationID: inst.id, AppID: a.id, Name: cmpString(inst.settings["name"], a.name), GUID: newGUID(),
			Location: location}
		app.FrameName = "app-frame-" + strconv.FormatInt(inst.id, 10)
		settings := publicSettings(a, settingsWithDefaults(a, inst.settings))
		registry := appRegistry{GUID: app.GUID, Metadata: zafMetadata{AppID: a.id, InstallationID: inst.id, Name: app.Name,
			Settings: settings}}
		external, err := url.Parse(expandSettings(loc.URL, settings))
		if err != nil {
			s.log.Warn("sandbox: app location not shown: its URL does not parse", "app_id", a.id, "url", loc.URL, "err", err)
			continue
		}
		query := url.Values{"origin": {origin}, "app_guid": {app.GUID}}
		var key *rsa.PrivateKey
		if external.IsAbs() {
			registry.Origin = external.Scheme + "://" + external.Host
			app.URL = withQuery(external, query)
			if a.pkg.Manifest.Signed(loc) {
				key = a.key
			}
		} else {
			packaged := *external
			packaged.Path = workspacePrefix + "/apps/" + strconv.FormatInt(a.id, 10) + "/" + strings.TrimPrefix(external.Path, "/")
			app.URL = withQuery(&packaged, query)
		}
		page.Apps = append(page.Apps, app)
		page.Data.Apps = append(page.Data.Apps, registry)
		keys = append(keys, key)
	}
	s.mu.Unlock()
	for i, key := range keys {
		if key == nil {
			continue
		}
		token, err := s.signAppToken(key, page.Apps[i].InstallationID, location, admin.id)
		if err != nil {
			return pageView{}, err
		}
		page.Apps[i].Token = token
	}
	return page, nil
}

// settingPlaceholder is a setting in a location's URL, which Zendesk
// fills in from the installation's settings.
var settingPlaceholder = regexp.MustCompile(`\{\{\s*setting\.([A-Za-z0-9_]+)\s*\}\}`)

// expandSettings fills in the settings a location's URL names; one
// without a value becomes "".
func expandSettings(u string, settings map[string]any) string {
	return settingPlaceholder.ReplaceAllStringFunc(u, func(m string) string {
		v := settings[settingPlaceholder.FindStringSubmatch(m)[1]]
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	})
}

// cmpString returns v when it is a non-empty string, else def.
func cmpString(v any, def string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return def
}

// withQuery returns u with the values of q set in its query.
func withQuery(u *url.URL, q url.Values) string {
	next := *u
	query := next.Query()
	for k, v := range q {
		query[k] = v
	}
	next.RawQuery = query.Encode()
	return next.String()
}

// requestOrigin returns the origin a browser sent r from, as the
// workspace's pages see themselves: the origin apps post their messages
// to.
func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// newGUID returns a random GUID (a version 4 UUID), as Zendesk gives each
// app frame.
func newGUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
