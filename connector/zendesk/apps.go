package zendesk

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
	"github.com/cohortdesk/cohort/internal/httpretry"
)

// The Apps API (Zendesk API docs: https://developer.zendesk.com/api-reference/ticketing/apps/apps/):
// an app is built from an uploaded zip by a job that must be polled, then
// installed on the account. PlanInstall uses it when given an app package.

// AppPackage is a Zendesk app's zip, as `cohort install --app FILE` reads
// it: its manifest's name identifies the app on the account.
type AppPackage struct {
	File             string // where it was read from, for messages
	Name             string // manifest.json's name
	ShortDescription string // translations' app.short_description, else Name
	SHA256           string // of Zip, hex
	Zip              []byte
	// TicketFields and UserFields are the fields its requirements.json
	// makes when the app is installed: ticket fields by title, user
	// fields by key.
	TicketFields, UserFields []string
}

// ReadAppPackage reads the app zip data, read from file: its manifest,
// translations and requirements. A package Zendesk's upload would refuse
// is an error listing the problems.
func ReadAppPackage(file string, data []byte) (*AppPackage, error) {
	const op = "zendesk.ReadAppPackage"
	pkg, err := zafapp.ReadZip(data)
	if err == nil {
		err = zafapp.Errors(pkg.Check())
	}
	if err != nil {
		return nil, cohort.Errorf(op, cohort.KindInvalid, "%s is not an app package Zendesk would take: %w", file, err)
	}
	sum := sha256.Sum256(data)
	p := &AppPackage{File: file, Name: pkg.Manifest.Name, SHA256: hex.EncodeToString(sum[:]), Zip: data}
	var tr struct {
		App struct {
			ShortDescription string `json:"short_description"`
		} `json:"app"`
	}
	if t, ok := pkg.Files["translations/"+pkg.Manifest.DefaultLocale+".json"]; ok && json.Unmarshal(t, &tr) == nil {
		p.ShortDescription = tr.App.ShortDescription
	}
	if p.ShortDescription == "" {
		p.ShortDescription = p.Name
	}
	reqs, err := pkg.Requirements()
	if err != nil {
		return nil, cohort.Errorf(op, cohort.KindInvalid, "%s: %w", file, err)
	}
	for _, r := range reqs["ticket_fields"] {
		var f struct{ Title string }
		if json.Unmarshal(r, &f) == nil && f.Title != "" {
			p.TicketFields = append(p.TicketFields, f.Title)
		}
	}
	for _, r := range reqs["user_fields"] {
		var f struct{ Key string }
		if json.Unmarshal(r, &f) == nil && f.Key != "" {
			p.UserFields = append(p.UserFields, f.Key)
		}
	}
	return p, nil
}

// ownedApp is an app the account owns, as GET /api/v2/apps/owned lists it.
type ownedApp struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// appInstallation is an installed app, as GET /api/v2/apps/installations
// lists it.
type appInstallation struct {
	ID      int64 `json:"id"`
	AppID   int64 `json:"app_id"`
	Enabled bool  `json:"enabled"`
}

// ownedApps lists the apps the account owns.
//
// Zendesk API docs: GET /api/v2/apps/owned
func (c *Client) ownedApps(ctx context.Context) ([]ownedApp, error) {
	var page struct {
		Apps []ownedApp `json:"apps"`
	}
	err := c.getJSON(ctx, "/apps/owned.json", &page)
	return page.Apps, err
}

// appInstallations lists the account's app installations.
//
// Zendesk API docs: GET /api/v2/apps/installations
func (c *Client) appInstallations(ctx context.Context) ([]appInstallation, error) {
	var page struct {
		Installations []appInstallation `json:"installations"`
	}
	err := c.getJSON(ctx, "/apps/installations.json", &page)
	return page.Installations, err
}

// uploadApp uploads pkg's zip for a build and returns the upload's id.
// An upload builds nothing, so a lost answer may be sent again.
//
// Zendesk API docs: POST /api/v2/apps/uploads
func (c *Client) uploadApp(ctx context.Context, pkg *AppPackage) (int64, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("uploaded_data", pkg.baseName())
	if err == nil {
		_, err = part.Write(pkg.Zip)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return 0, err
	}
	var up struct {
		ID int64 `json:"id"`
	}
	if err := c.raw.do(httpretry.Repeatable(ctx), http.MethodPost, "/apps/uploads.json", mw.FormDataContentType(), body.Bytes(), &up); err != nil {
		return 0, err
	}
	if up.ID == 0 {
		return 0, errors.New("the answer to the upload has no id")
	}
	return up.ID, nil
}

// createApp uploads pkg and has Zendesk build a new app of it, waiting for
// the build (see waitAppJob); it returns the app's id.
//
// Zendesk API docs: POST /api/v2/apps/uploads, POST /api/v2/apps,
// GET /api/v2/apps/job_statuses/{job_id}
func (c *Client) createApp(ctx context.Context, pkg *AppPackage) (int64, error) {
	upload, err := c.uploadApp(ctx, pkg)
	if err != nil {
		return 0, err
	}
	var job struct {
		JobID string `json:"job_id"`
	}
	in := map[string]any{"name": pkg.Name, "short_description": pkg.ShortDescription, "upload_id": upload}
	if err := c.raw.doJSON(ctx, http.MethodPost, "/apps.json", in, &job); err != nil {
		return 0, err
	}
	return c.waitAppJob(ctx, job.JobID)
}

// updateApp uploads pkg and has Zendesk rebuild app id from it, waiting
// for the build (see waitAppJob).
//
// Zendesk API docs: POST /api/v2/apps/uploads, PUT /api/v2/apps/{app_id},
// GET /api/v2/apps/job_statuses/{job_id}
func (c *Client) updateApp(ctx context.Context, id int64, pkg *AppPackage) error {
	upload, err := c.uploadApp(ctx, pkg)
	if err != nil {
		return err
	}
	var job struct {
		JobID string `json:"job_id"`
	}
	if err := c.raw.doJSON(httpretry.Repeatable(ctx), http.MethodPut, "/apps/"+strconv.FormatInt(id, 10)+".json",
		map[string]any{"upload_id": upload}, &job); err != nil {
		return err
	}
	_, err = c.waitAppJob(ctx, job.JobID)
	return err
}

// The bounds of waitAppJob's polling: the first wait and the longest.
const (
	appJobFirstPoll = 100 * time.Millisecond
	appJobMaxPoll   = 5 * time.Second
)

// waitAppJob polls the app build jobID, waiting twice as long after each
// answer that it is not done (up to appJobMaxPoll), for at most the
// client's job timeout (Config.JobTimeout, 5 minutes by default). It
// returns the app's id once the build completed, and the job's message as
// an error when it failed.
//
// Zendesk API docs: GET /api/v2/apps/job_statuses/{job_id}
func (c *Client) waitAppJob(ctx context.Context, jobID string) (int64, error) {
	if jobID == "" {
		return 0, errors.New("the answer has no job_id to follow the build by")
	}
	timeout := c.jobs.timeout
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	pause := appJobFirstPoll
	for {
		var st struct {
			Status  string  `json:"status"`
			Message *string `json:"message"`
			AppID   int64   `json:"app_id"`
		}
		if err := c.getJSON(ctx, "/apps/job_statuses/"+jobID+".json", &st); err != nil {
			return 0, err
		}
		switch st.Status {
		case "completed":
			if st.AppID == 0 {
				return 0, fmt.Errorf("the build %s completed without an app id", jobID)
			}
			return st.AppID, nil
		case "failed", "killed":
			msg := "no reason given"
			if st.Message != nil && *st.Message != "" {
				msg = *st.Message
			}
			return 0, cohort.Errorf("zendesk.AppJob", cohort.KindInvalid, "Zendesk could not build the app: %s", msg)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-deadline.C:
			return 0, cohort.Errorf("zendesk.AppJob", cohort.KindUnavailable,
				"Zendesk had not built the app after %v (job %s, %s): run install again later", timeout, jobID, st.Status)
		case <-time.After(pause):
		}
		pause = min(2*pause, appJobMaxPoll)
	}
}

// installApp installs app appID on the account, named name. Zendesk makes
// the records of the app's requirements.json (fields, …) as it installs.
//
// Zendesk API docs: POST /api/v2/apps/installations
func (c *Client) installApp(ctx context.Context, appID int64, name string) (appInstallation, error) {
	var inst appInstallation
	body, err := c.api.Post(ctx, "/apps/installations.json",
		map[string]any{"app_id": appID, "settings": map[string]any{"name": name}})
	if err != nil {
		return inst, err
	}
	if err := json.Unmarshal(body, &inst); err != nil {
		return inst, fmt.Errorf("unreadable answer to the installation: %w", err)
	}
	if inst.ID == 0 {
		return inst, errors.New("the answer to the installation has no id")
	}
	return inst, nil
}

// appPublicKey returns app appID's public key, as PEM: it verifies the
// tokens Zendesk signs the app's requests with. An answer in JSON
// ({"public_key": PEM}) is taken too.
//
// Zendesk API docs: GET /api/v2/apps/{app_id}/public_key.pem
func (c *Client) appPublicKey(ctx context.Context, appID int64) ([]byte, error) {
	body, err := c.api.Get(ctx, "/apps/"+strconv.FormatInt(appID, 10)+"/public_key.pem")
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("-----BEGIN")) {
		var k struct {
			PublicKey string `json:"public_key"`
		}
		if json.Unmarshal(body, &k) != nil || k.PublicKey == "" {
			return nil, errors.New("the answer is not a PEM public key")
		}
		body = []byte(k.PublicKey)
	}
	return body, nil
}

// baseName is the package file's name without its folders.
func (p *AppPackage) baseName() string {
	name := p.File[strings.LastIndexAny(p.File, `/\`)+1:]
	if name == "" {
		return "app.zip"
	}
	return name
}

// rawAPI makes the requests go-zendesk cannot: a multipart upload, a
// PATCH, and those Zendesk answers with 202. They go through the client's
// HTTP stack: its throttle and its retry policy (internal/httpretry).
type rawAPI struct {
	http *http.Client
	base string // scheme://host/api/v2
	cred zd.Credential
}

// apiBase is the API's base URL for cfg, as go-zendesk has it.
func apiBase(cfg Config) string {
	if cfg.URL != "" {
		return strings.TrimRight(cfg.URL, "/") + "/api/v2"
	}
	return "https://" + cfg.Subdomain + ".zendesk.com/api/v2"
}

// doJSON sends in as JSON and decodes the answer into out.
func (r rawAPI) doJSON(ctx context.Context, method, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return r.do(ctx, method, path, "application/json", body, out)
}

// do sends body (of contentType) to path and decodes a 2xx answer's JSON
// into out, when out is not nil. Another answer is an error as go-zendesk
// makes it (zd.Error), for apiError and statusOf.
func (r rawAPI) do(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if r.cred.Bearer() {
		req.Header.Set("Authorization", "Bearer "+r.cred.Secret())
	} else {
		req.SetBasicAuth(r.cred.Email(), r.cred.Secret())
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return zd.NewError(data, resp)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("unreadable answer to %s %s: %w", method, path, err)
	}
	return nil
}

// statusOf returns the HTTP status of a Zendesk answer's error, or 0.
func statusOf(err error) int {
	var ze zd.Error
	if errors.As(err, &ze) {
		return ze.Status()
	}
	return 0
}
