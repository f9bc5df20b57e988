package sandbox

import (
	"cmp"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
)

// appProduct is the one product whose apps the sandbox installs and
// shows: Zendesk Support.
const appProduct = "support"

// jobFailed is the status of an app build that refused its package.
const jobFailed = "failed"

// appKeyBits is the size of the RSA key each app gets when it is created.
const appKeyBits = 2048

// appTokenLifetime is how long a signed-URL token lives (the reference
// sheet's apps §1.5: 5 minutes, UNCONFIRMED).
const appTokenLifetime = 5 * time.Minute

// app is an app built from an uploaded package. Like tickets, a stored
// app is never modified: a rebuild stores a new one, so that a package
// read under s.mu may be used after it is released.
type app struct {
	id               int64
	name             string
	shortDescription string
	pkg              *zafapp.Package
	zip              []byte // the package as uploaded, which State keeps; never written to
	key              *rsa.PrivateKey
	createdAt        time.Time
	updatedAt        time.Time
}

// installation is an app installed on the account. A stored installation
// is never modified either.
type installation struct {
	id    int64
	appID int64
	// settings are the admin's values by parameter name, and the
	// installation's "name".
	settings     map[string]any
	enabled      bool
	requirements []requirement
	createdAt    time.Time
	updatedAt    time.Time
}

// requirement is a record an installation created from the app's
// requirements.json, which uninstalling deletes.
type requirement struct {
	Identifier string `json:"identifier"`
	Type       string `json:"requirement_type"` // ticket_fields or user_fields
	ID         int64  `json:"requirement_id"`
}

// requirementKind returns the field kind of a requirement type, and
// whether the sandbox creates requirements of that type.
func requirementKind(typ string) (fieldKind, bool) {
	for _, k := range []fieldKind{ticketFieldKind, userFieldKind} {
		if k.plural == typ {
			return k, true
		}
	}
	return fieldKind{}, false
}

// appJob is the build of an app from an upload.
type appJob struct {
	id      string
	status  string // jobQueued, then jobCompleted or jobFailed
	message string
	appID   int64
	// answered tells that a poll has had the job's status: until one has,
	// a poll answers it working even when the build is done, as Zendesk's
	// builds take seconds and clients must poll.
	answered bool
}

// appBuildsLocked counts the builds under way. s.mu must be held.
func (s *Server) appBuildsLocked() int {
	n := 0
	for _, j := range s.appJobs {
		if j.status == jobQueued {
			n++
		}
	}
	return n
}

// looseID is an id given as a JSON number or as a string of digits, as
// zcli sends app_id.
type looseID int64

func (id *looseID) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	n, err := strconv.ParseInt(strings.Trim(string(b), `"`), 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("%s is not an id", b)
	}
	*id = looseID(n)
	return nil
}

// appJSON is an app as the Apps API answers it.
type appJSON struct {
	ID                int64              `json:"id"`
	Name              string             `json:"name"`
	ShortDescription  string             `json:"short_description"`
	AuthorName        string             `json:"author_name"`
	AuthorEmail       string             `json:"author_email"`
	AuthorURL         string             `json:"author_url"`
	DefaultLocale     string             `json:"default_locale"`
	FrameworkVersion  string             `json:"framework_version"`
	Version           string             `json:"version"`
	Visibility        string             `json:"visibility"`
	SingleInstall     bool               `json:"single_install"`
	Installable       bool               `json:"installable"`
	InstallationCount int                `json:"installation_count"`
	Products          []string           `json:"products"`
	Parameters        []appParameterJSON `json:"parameters"`
	CreatedAt         string             `json:"created_at"`
	UpdatedAt         string             `json:"updated_at"`
}

// appParameterJSON is a parameter of an app as the Apps API answers it.
type appParameterJSON struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Required     bool   `json:"required"`
	Secure       bool   `json:"secure"`
	DefaultValue any    `json:"default_value"`
	Position     int    `json:"position"`
}

func (s *Server) appView(a *app) appJSON {
	m := a.pkg.Manifest
	v := appJSON{
		ID:               a.id,
		Name:             a.name,
		ShortDescription: a.shortDescription,
		AuthorName:       m.Author.Name,
		AuthorEmail:      m.Author.Email,
		AuthorURL:        m.Author.URL,
		DefaultLocale:    m.DefaultLocale,
		FrameworkVersion: m.FrameworkVersion,
		Version:          m.Version,
		Visibility:       "public",
		SingleInstall:    m.SingleInstall,
		Installable:      true,
		Products:         slices.Sorted(maps.Keys(m.Location)),
		Parameters:       []appParameterJSON{},
		CreatedAt:        formatTime(a.createdAt),
		UpdatedAt:        formatTime(a.updatedAt),
	}
	if m.IsPrivate() {
		v.Visibility = "private"
	}
	if v.Products == nil {
		v.Products = []string{}
	}
	for _, inst := range s.installations {
		if inst.appID == a.id {
			v.InstallationCount++
		}
	}
	for i, p := range m.Parameters {
		v.Parameters = append(v.Parameters, appParameterJSON{Name: p.Name, Kind: cmp.Or(p.Type, "text"), Required: p.Required,
			Secure: p.Secure, DefaultValue: p.Default, Position: i})
	}
	return v
}

// installationJSON is an installation as the Apps API answers it.
// Settings leave out the values of secure parameters, which never leave
// Zendesk.
type installationJSON struct {
	ID              int64          `json:"id"`
	AppID           int64          `json:"app_id"`
	Product         string         `json:"product"`
	Settings        map[string]any `json:"settings"`
	SettingsObjects []settingJSON  `json:"settings_objects"`
	Enabled         bool           `json:"enabled"`
	CreatedAt       string         `json:"created_at"`
	UpdatedAt       string         `json:"updated_at"`
}

// settingJSON is one setting of an installation's settings_objects.
type settingJSON struct {
	Name  string `json:"name"`
	Value any    `json:"value"`
}

func (s *Server) installationView(inst *installation) installationJSON {
	settings := publicSettings(s.apps[inst.appID], inst.settings)
	v := installationJSON{ID: inst.id, AppID: inst.appID, Product: appProduct, Settings: settings, SettingsObjects: []settingJSON{},
		Enabled: inst.enabled, CreatedAt: formatTime(inst.createdAt), UpdatedAt: formatTime(inst.updatedAt)}
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		v.SettingsObjects = append(v.SettingsObjects, settingJSON{Name: name, Value: settings[name]})
	}
	return v
}

// publicSettings returns a copy of settings without the values of a's
// secure parameters.
func publicSettings(a *app, settings map[string]any) map[string]any {
	out := mergeFields(nil, settings)
	for _, p := range a.pkg.Manifest.Parameters {
		if p.Secure {
			delete(out, p.Name)
		}
	}
	return out
}

// settingsWithDefaults returns a copy of settings where each of a's
// parameters without a value has its default, if it has one.
func settingsWithDefaults(a *app, settings map[string]any) map[string]any {
	out := mergeFields(nil, settings)
	for _, p := range a.pkg.Manifest.Parameters {
		if isBlank(out[p.Name]) && p.Default != nil {
			out[p.Name] = p.Default
		}
	}
	return out
}

// isBlank tells a setting without a value: absent, null or "".
func isBlank(v any) bool {
	return v == nil || v == ""
}

// checkSettings refuses settings that leave a required parameter of a
// without a value or a default.
func checkSettings(a *app, settings map[string]any) error {
	for _, p := range a.pkg.Manifest.Parameters {
		if p.Required && isBlank(settings[p.Name]) && p.Default == nil {
			return errInvalid("settings", "Settings: %s is required", p.Name)
		}
	}
	return nil
}

// uploadApp emulates POST /api/v2/apps/uploads: the zip in the
// multipart field uploaded_data, kept for a build.
func (s *Server) uploadApp(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	file, _, err := r.FormFile("uploaded_data")
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return &apiError{status: http.StatusRequestEntityTooLarge, body: errorBody{Error: "RequestTooLarge", Description: "Request body too large"}}
	case err != nil:
		return errBadRequest("uploaded_data: send the app's zip as a multipart/form-data file (%v)", err)
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return errBadRequest("uploaded_data: cannot read the file: %v", err)
	}
	s.mu.Lock()
	id := s.nextID()
	s.uploads[id] = data
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]int64{"id": id})
	return nil
}

// appInput is the body of an app create (name, short_description,
// upload_id) or update (upload_id).
type appInput struct {
	Name             string  `json:"name"`
	ShortDescription string  `json:"short_description"`
	UploadID         looseID `json:"upload_id"`
}

// createApp emulates POST /api/v2/apps: a job that builds an app from an
// upload.
func (s *Server) createApp(w http.ResponseWriter, r *http.Request) error {
	var in appInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Name) == "" {
		return errInvalid("name", "Name: cannot be blank")
	}
	return s.startBuild(w, nil, in)
}

// updateApp emulates PUT /api/v2/apps/{id}: a job that rebuilds the app
// from a new upload. Its key and installations are kept, and so are the
// records its installations created.
func (s *Server) updateApp(w http.ResponseWriter, r *http.Request) error {
	var in appInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	a, err := recordByPathID(s, r, appsOf)
	if err != nil {
		return err
	}
	return s.startBuild(w, a, in)
}

// startBuild queues the build of in's upload as a new app (a nil) or as a
// new version of a, and answers the job's id.
func (s *Server) startBuild(w http.ResponseWriter, a *app, in appInput) error {
	s.mu.Lock()
	data, ok := s.uploads[int64(in.UploadID)]
	if !ok {
		s.mu.Unlock()
		return errInvalid("upload_id", "Upload: %d not found (upload the package with POST /api/v2/apps/uploads first)", in.UploadID)
	}
	j := &appJob{id: randomHex(16), status: jobQueued}
	s.appJobs[j.id] = j
	s.goLocked(func(context.Context) { s.buildApp(j, data, a, in) })
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, map[string]string{"job_id": j.id})
	return nil
}

// buildApp checks an uploaded package as Zendesk's validator does and,
// when it passes, stores it as a new app with a key of its own (prev nil)
// or as the new version of prev, completing j; otherwise j fails with
// the problems found.
func (s *Server) buildApp(j *appJob, data []byte, prev *app, in appInput) {
	pkg, err := zafapp.ReadZip(data)
	if err != nil {
		err = fmt.Errorf("the upload is not an app package: %w", err)
	} else if problems := zafapp.Errors(pkg.Check()); problems != nil {
		err = fmt.Errorf("the app package is not valid: %w", problems)
	}
	var key *rsa.PrivateKey
	if err == nil && prev == nil {
		if key, err = rsa.GenerateKey(rand.Reader, appKeyBits); err != nil {
			err = fmt.Errorf("cannot make the app's key: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.appJobs[j.id] != j {
		return // Restore replaced the account
	}
	defer s.notifyLocked()
	if err == nil && prev != nil && s.apps[prev.id] == nil {
		err = errors.New("the app was deleted during the build")
	}
	if err != nil {
		// One line: the validator's problems come one per line.
		j.status, j.message = jobFailed, strings.ReplaceAll(err.Error(), "\n", "; ")
		return
	}
	now := s.now()
	var a *app
	if prev == nil {
		a = &app{id: s.nextID(), name: in.Name, shortDescription: in.ShortDescription, key: key, createdAt: now}
	} else {
		next := *s.apps[prev.id]
		a = &next
	}
	a.pkg, a.zip, a.updatedAt = pkg, data, now
	s.apps[a.id] = a
	j.status, j.appID = jobCompleted, a.id
	j.message = "Completed at " + now.Format("2006-01-02 15:04:05 -0700")
}

// appJobJSON is the status of an app build as the Apps API answers it.
type appJobJSON struct {
	ID       string  `json:"id"`
	URL      string  `json:"url"`
	Status   string  `json:"status"`
	Message  *string `json:"message"`
	AppID    *int64  `json:"app_id"`
	Total    int     `json:"total"`
	Progress int     `json:"progress"`
}

// answerAppJobLocked returns j's status for a poll, and notes that a poll
// had it (see appJob.answered). s.mu must be held.
func (s *Server) answerAppJobLocked(j *appJob) appJobJSON {
	v := appJobJSON{ID: j.id, URL: s.apiURL("apps/job_statuses/%s.json", j.id), Status: j.status, Total: 1}
	switch {
	case j.status == jobQueued:
	case !j.answered:
		v.Status = jobWorking
	default:
		v.Message, v.AppID, v.Progress = nullString(j.message), nullID(j.appID), 1
	}
	j.answered = true
	return v
}

// showAppJobStatus emulates GET /api/v2/apps/job_statuses/{id}.
func (s *Server) showAppJobStatus(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	j, ok := s.appJobs[r.PathValue("id")]
	var v appJobJSON
	if ok {
		v = s.answerAppJobLocked(j)
	}
	s.mu.Unlock()
	if !ok {
		return errNotFound
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// viewsByID returns view of each record of m, in order of id: an empty
// slice, not nil, when m has none. The caller holds s.mu when view reads
// the server's state.
func viewsByID[V, J any](m map[int64]V, view func(V) J) []J {
	views := []J{}
	for _, v := range sortedByID(m) {
		views = append(views, view(v))
	}
	return views
}

// listOwnedApps emulates GET /api/v2/apps/owned: every app built on the
// account, by id.
func (s *Server) listOwnedApps(w http.ResponseWriter, _ *http.Request) error {
	s.mu.Lock()
	views := viewsByID(s.apps, s.appView)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"apps": views})
	return nil
}

// deleteApp emulates DELETE /api/v2/apps/{id}: the app goes, uninstalled
// from the account first.
func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apps[id] == nil {
		return errNotFound
	}
	for _, inst := range sortedByID(s.installations) {
		if inst.appID == id {
			s.uninstallLocked(inst)
		}
	}
	delete(s.apps, id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// showAppPublicKey emulates GET /api/v2/apps/{id}/public_key and
// GET /api/v2/apps/{id}/public_key.pem: the app's RSA public key, which
// verifies the tokens of its signed URLs, as PEM (PKIX).
func (s *Server) showAppPublicKey(w http.ResponseWriter, r *http.Request) error {
	if name := r.PathValue("public_key"); name != "public_key" && name != "public_key.pem" {
		return errNotFound
	}
	a, err := recordByPathID(s, r, appsOf)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(&a.key.PublicKey)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err = w.Write(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	return err
}

// installationInput is the body of an installation create or update.
type installationInput struct {
	AppID    looseID        `json:"app_id"`
	Settings map[string]any `json:"settings"`
	Enabled  *bool          `json:"enabled"`
}

// createInstallation emulates POST /api/v2/apps/installations: it
// installs an app, named settings.name (the app's name by default), and
// creates the ticket and user fields of its requirements.json.
func (s *Server) createInstallation(w http.ResponseWriter, r *http.Request) error {
	var in installationInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[int64(in.AppID)]
	if a == nil {
		return errInvalid("app_id", "App: %d not found", in.AppID)
	}
	if other := s.singleInstallationLocked(a); other != nil {
		return errInvalid("app_id", "App: %s can be installed once only (singleInstall), and installation %d has it", a.name, other.id)
	}
	settings := mergeFields(nil, in.Settings)
	if isBlank(settings["name"]) {
		settings["name"] = a.name
	}
	if err := checkSettings(a, settings); err != nil {
		return err
	}
	now := s.now()
	inst := &installation{id: s.nextID(), appID: a.id, settings: settings, enabled: in.Enabled == nil || *in.Enabled,
		createdAt: now, updatedAt: now}
	var err error
	if inst.requirements, err = s.createRequirementsLocked(a); err != nil {
		return err
	}
	s.installations[inst.id] = inst
	writeJSON(w, http.StatusCreated, s.installationView(inst))
	return nil
}

// singleInstallationLocked returns the installation that keeps a from
// being installed again, a being a single-install app (singleInstall in
// its manifest), or nil. s.mu must be held.
func (s *Server) singleInstallationLocked(a *app) *installation {
	if !a.pkg.Manifest.SingleInstall {
		return nil
	}
	for _, other := range s.installations {
		if other.appID == a.id {
			return other
		}
	}
	return nil
}

// createRequirementsLocked creates the ticket and user fields of a's
// requirements.json, in order of type and identifier, and returns them.
// Requirements of other types are not created. When one cannot be
// created, none is. s.mu must be held.
func (s *Server) createRequirementsLocked(a *app) ([]requirement, error) {
	all, err := a.pkg.Requirements()
	if err != nil {
		return nil, errInvalid("requirements", "Requirements: %v", err)
	}
	var made []requirement
	fail := func(typ, identifier string, err error) error {
		for _, m := range made {
			k, _ := requirementKind(m.Type)
			_ = s.deleteFieldLocked(k, m.ID) // just created: it is there
		}
		return errInvalid("requirements", "Requirement %s %q: %s", typ, identifier, errorText(err))
	}
	for _, typ := range slices.Sorted(maps.Keys(all)) {
		k, ok := requirementKind(typ)
		if !ok {
			s.log.Info("sandbox: app requirements not created: the sandbox creates ticket_fields and user_fields only",
				"app_id", a.id, "type", typ, "count", len(all[typ]))
			continue
		}
		for _, identifier := range slices.Sorted(maps.Keys(all[typ])) {
			var in fieldInput
			if err := json.Unmarshal(all[typ][identifier], &in); err != nil {
				return nil, fail(typ, identifier, err)
			}
			f, err := s.createFieldLocked(k, &in)
			if err != nil {
				return nil, fail(typ, identifier, err)
			}
			made = append(made, requirement{Identifier: identifier, Type: typ, ID: f.id})
		}
	}
	return made, nil
}

// uninstallLocked removes inst and deletes the records its requirements
// created, as Zendesk does; those already deleted are skipped. s.mu must
// be held.
func (s *Server) uninstallLocked(inst *installation) {
	for _, req := range inst.requirements {
		if k, ok := requirementKind(req.Type); ok {
			_ = s.deleteFieldLocked(k, req.ID) // an admin may have deleted it
		}
	}
	delete(s.installations, inst.id)
}

// listInstallations emulates GET /api/v2/apps/installations.
func (s *Server) listInstallations(w http.ResponseWriter, _ *http.Request) error {
	s.mu.Lock()
	views := viewsByID(s.installations, s.installationView)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"installations": views})
	return nil
}

// updateInstallation emulates PUT /api/v2/apps/installations/{id}:
// settings given are merged into the installation's, key by key; enabled
// turns it on or off.
func (s *Server) updateInstallation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in installationInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.installations[id]
	if inst == nil {
		return errNotFound
	}
	next := *inst
	next.settings = mergeFields(inst.settings, in.Settings)
	if in.Enabled != nil {
		next.enabled = *in.Enabled
	}
	if err := checkSettings(s.apps[inst.appID], next.settings); err != nil {
		return err
	}
	next.updatedAt = s.stampAfter(inst.updatedAt)
	s.installations[id] = &next
	writeJSON(w, http.StatusOK, s.installationView(&next))
	return nil
}

// deleteInstallation emulates DELETE /api/v2/apps/installations/{id}.
func (s *Server) deleteInstallation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inst := s.installations[id]
	if inst == nil {
		return errNotFound
	}
	s.uninstallLocked(inst)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listInstallationRequirements emulates
// GET /api/v2/apps/installations/{id}/requirements: the records the
// installation created.
func (s *Server) listInstallationRequirements(w http.ResponseWriter, r *http.Request) error {
	inst, err := recordByPathID(s, r, installationsOf)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"requirements": nonNil(slices.Clone(inst.requirements))})
	return nil
}

// SignAppToken returns the token Zendesk posts to a signed-URL location
// of the installation's app, as the user userID opens it at location
// ("ticket_sidebar"): a JWT signed RS256 with the app's key, which its
// public_key endpoint verifies. Its claims are iss, the host of the
// account's URL (Config.URL, as "127.0.0.1:8081" or
// "{subdomain}.zendesk.com"); aud,
// "https://{that host}/api/v2/apps/installations/{id}.json"; iat and nbf,
// the sandbox clock's now; exp, five minutes later; sub, the user's id;
// and context, {"product":"support","location":location}.
func (s *Server) SignAppToken(installationID int64, location string, userID int64) (string, error) {
	s.mu.Lock()
	inst := s.installations[installationID]
	var a *app
	if inst != nil {
		a = s.apps[inst.appID]
	}
	_, isUser := s.users[userID]
	s.mu.Unlock()
	switch {
	case inst == nil:
		return "", fmt.Errorf("signing an app token: the account has no installation %d", installationID)
	case !isUser:
		return "", fmt.Errorf("signing an app token: the account has no user %d", userID)
	}
	return s.signAppToken(a.key, installationID, location, userID)
}

// signAppToken is SignAppToken's token, signed with key, the key of the
// installation's app. It takes no lock.
func (s *Server) signAppToken(key *rsa.PrivateKey, installationID int64, location string, userID int64) (string, error) {
	u, err := url.Parse(*s.base.Load())
	if err != nil {
		return "", fmt.Errorf("signing an app token: the account's URL: %w", err)
	}
	now := s.cfg.Now().Unix()
	claims := appTokenClaims{
		Issuer:    u.Host,
		Audience:  fmt.Sprintf("https://%s%s/apps/installations/%d.json", u.Host, apiPrefix, installationID),
		IssuedAt:  now,
		NotBefore: now,
		Expires:   now + int64(appTokenLifetime/time.Second),
		Subject:   strconv.FormatInt(userID, 10),
		Context:   appTokenContext{Product: appProduct, Location: location},
	}
	return signJWT(key, claims)
}

// appTokenClaims are the claims of a signed-URL token.
type appTokenClaims struct {
	Issuer    string          `json:"iss"`
	Audience  string          `json:"aud"`
	IssuedAt  int64           `json:"iat"`
	NotBefore int64           `json:"nbf"`
	Expires   int64           `json:"exp"`
	Subject   string          `json:"sub"`
	Context   appTokenContext `json:"context"`
}

type appTokenContext struct {
	Product  string `json:"product"`
	Location string `json:"location"`
}

// signJWT returns claims as a compact JWT signed RS256 with key.
func signJWT(key *rsa.PrivateKey, claims any) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("signing an app token: %w", err)
	}
	return signed + "." + enc.EncodeToString(sig), nil
}
