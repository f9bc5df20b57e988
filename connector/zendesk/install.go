package zendesk

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/httpretry"
)

// TriggerBody is the JSON body of the webhook notification that cohort's
// trigger sends on ticket creation, with Zendesk placeholders. Paste it into
// a trigger's "Notify webhook" action to wire cohort by hand.
const TriggerBody = `{"event":"ticket.created","ticket":{` +
	`"id":"{{ticket.id}}",` +
	`"subject":"{{ticket.title}}",` +
	`"description":"{{ticket.description}}",` +
	`"priority":"{{ticket.priority}}",` +
	`"status":"{{ticket.status}}",` +
	`"tags":"{{ticket.tags}}",` +
	`"via":"{{ticket.via}}",` +
	`"created_at":"{{ticket.created_at_with_timestamp}}",` +
	`"updated_at":"{{ticket.updated_at_with_timestamp}}",` +
	`"requester":{"id":"{{ticket.requester.id}}","email":"{{ticket.requester.email}}",` +
	`"name":"{{ticket.requester.name}}","external_id":"{{ticket.requester.external_id}}"},` +
	`"organization":{"id":"{{ticket.organization.id}}","name":"{{ticket.organization.name}}",` +
	`"external_id":"{{ticket.organization.external_id}}"}}}`

// Names of what install makes in Zendesk. The app's name is its
// manifest's.
const (
	WebhookName  = "cohort"
	TriggerTitle = "cohort: enrich new tickets"
	// SegmentFieldTitle is the title of the ticket field cohort writes a
	// ticket's primary segment to (COHORT_ZENDESK_SEGMENT_TICKET_FIELD_ID)
	// and of the user field its syncer writes a customer's to.
	SegmentFieldTitle = "cohort segment"
	// SegmentUserFieldKey is that user field's key
	// (COHORT_ZENDESK_SEGMENT_FIELD).
	SegmentUserFieldKey = "cohort_segment"
	// InstallationName is the name of the app's installation.
	InstallationName = "cohort"
)

// The descriptions install gives what it creates. They mark an object as
// cohort's: one found by its name with its record gone (or never written,
// as by installs before records were kept, or when a create's answer was
// lost) is cohort's when it has cohort's description.
const (
	webhookDescription     = "Sends new tickets to cohort for segment enrichment"
	triggerDescription     = "Added by cohort install: sends each new ticket to cohort."
	ticketFieldDescription = "The ticket's primary segment, written by cohort. Added by cohort install."
	userFieldDescription   = "The customer's primary segment, written back by cohort's syncer. Added by cohort install."
)

// Webhook and trigger settings install wants.
const (
	webhookMethod       = http.MethodPost
	webhookFormat       = "json"
	webhookActive       = "active"
	mergePatchJSON      = "application/merge-patch+json"
	triggerSubscription = "conditional_ticket_events"
	fieldTypeText       = "text"
)

// ItemKind is a kind of object install makes.
type ItemKind string

// The kinds, in the order install makes them: the app and its
// installation first, whose requirements may make the fields.
const (
	ItemApp          ItemKind = "app"
	ItemInstallation ItemKind = "installation"
	ItemTicketField  ItemKind = "ticket_field"
	ItemUserField    ItemKind = "user_field"
	ItemWebhook      ItemKind = "webhook"
	ItemTrigger      ItemKind = "trigger"
)

// String returns the kind in words: "ticket field".
func (k ItemKind) String() string { return strings.ReplaceAll(string(k), "_", " ") }

// Item is cohort's record of an object install created or adopted (found
// there, made by someone else): uninstall deletes only those cohort
// created, and finds them by RemoteID.
type Item struct {
	Kind            ItemKind
	Name            string // cohort's name for it: its name, title or key
	RemoteID        string // Zendesk's id for it
	CreatedByCohort bool
	// Detail is what the next install compares: the app package's
	// "sha256:…", an installation's "app ID".
	Detail string
}

// Records keeps the Items of one Zendesk account.
type Records interface {
	InstalledItems(ctx context.Context) ([]Item, error)
	SaveInstalledItem(ctx context.Context, it Item) error
	ForgetInstalledItem(ctx context.Context, kind ItemKind, name string) error
}

// Action is what a plan does to one object.
type Action string

// The actions of install and uninstall plans.
const (
	Create       Action = "create"
	Update       Action = "update"
	AlreadyThere Action = "already there"
	Delete       Action = "delete"
	Keep         Action = "keep"
	AlreadyGone  Action = "already gone"
)

// Step is one object's line in a plan.
type Step struct {
	Kind   ItemKind
	Name   string
	Action Action
	Detail string // what an update changes, why an object is kept, …
	ID     string // Zendesk's id; "" for an object to create, until it is

	do     func(ctx context.Context, s *Step) error // the change; nil for none
	record *Item                                    // recorded once applied, with ID
	forget bool                                     // its record is removed once applied
}

// Plan is what install or uninstall would do, in the order it does it.
// PlanInstall and PlanUninstall make one, Apply carries it out.
type Plan struct {
	Steps []Step

	// SigningSecret is the webhook's signing secret, which Apply reads
	// after an install: set COHORT_ZENDESK_WEBHOOK_SECRET to it. It is a
	// secret: print it once, never log it.
	SigningSecret string
	// AppPublicKey is the installed app's public key (PEM), which Apply
	// reads after an install with an app: COHORT_ZENDESK_APP_PUBLIC_KEY.
	AppPublicKey []byte

	recorded     map[itemKey]Item
	install      bool
	installedApp bool // this apply installed the app: its requirements may have made fields
	appPkg       *AppPackage
}

type itemKey struct {
	kind ItemKind
	name string
}

// Pending counts the steps that change something in Zendesk.
func (p *Plan) Pending() int {
	n := 0
	for _, s := range p.Steps {
		if s.do != nil {
			n++
		}
	}
	return n
}

// ID returns the id of the first object of kind in the plan, "" if none
// (or one still to create). Later steps read the ids of earlier ones
// here: set when planned if the object is there, else when applied.
func (p *Plan) ID(kind ItemKind) string {
	for _, s := range p.Steps {
		if s.Kind == kind && s.Action != Delete && s.Action != AlreadyGone {
			return s.ID
		}
	}
	return ""
}

// appID returns the app's id in the plan, 0 if none (or one still to
// create).
func (p *Plan) appID() int64 {
	id, _ := strconv.ParseInt(p.ID(ItemApp), 10, 64)
	return id
}

// InstallSpec says what install makes.
type InstallSpec struct {
	// Endpoint is where the webhook posts: cohort's
	// https://…/webhooks/zendesk.
	Endpoint string
	// App, when not nil, is uploaded and installed first. Zendesk's build
	// of it is waited for up to the client's Config.JobTimeout.
	App *AppPackage
}

// PlanInstall plans making the account ready for cohort, reading the
// account and records (nil: none kept) but changing nothing:
//
//   - with spec.App, the app (created when the account owns none of its
//     name; updated when its zip differs from the one cohort last
//     uploaded) and its installation (created when the app has none);
//   - the ticket field "cohort segment" and the user field
//     "cohort_segment" (created when absent; found there, they are
//     adopted, not cohort's);
//   - the webhook "cohort" (created when absent; updated in place, id and
//     signing secret kept, when its endpoint, method, format or status
//     differ);
//   - the trigger "cohort: enrich new tickets" (created when absent;
//     updated in place when its conditions, its notify-webhook action's
//     webhook or body differ, or it is inactive).
//
// Objects are found by their record, then by their name. Planned again
// right after Apply, every step is AlreadyThere.
func (c *Client) PlanInstall(ctx context.Context, spec InstallSpec, records Records) (*Plan, error) {
	const op = "zendesk.PlanInstall"
	if u, err := url.Parse(spec.Endpoint); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, cohort.Errorf(op, cohort.KindInvalid, "endpoint %q is not an http(s) URL", spec.Endpoint)
	}
	p, err := newPlan(ctx, records)
	if err != nil {
		return nil, err
	}
	p.install, p.appPkg = true, spec.App
	if spec.App != nil {
		if err := c.planApp(ctx, p, spec.App); err != nil {
			return nil, err
		}
	}
	if err := c.planTicketField(ctx, p); err != nil {
		return nil, err
	}
	if err := c.planUserField(ctx, p); err != nil {
		return nil, err
	}
	if err := c.planWebhook(ctx, p, spec.Endpoint); err != nil {
		return nil, err
	}
	if err := c.planTrigger(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// newPlan returns an empty plan with records' items.
func newPlan(ctx context.Context, records Records) (*Plan, error) {
	p := &Plan{recorded: map[itemKey]Item{}}
	if records == nil {
		return p, nil
	}
	items, err := records.InstalledItems(ctx)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		p.recorded[itemKey{it.Kind, it.Name}] = it
	}
	return p, nil
}

// owned says whether the object id of kind and name found there is
// cohort's: by its record, else by cohort's marker on it.
func (p *Plan) owned(kind ItemKind, name, id string, marked bool) bool {
	if rec, ok := p.recorded[itemKey{kind, name}]; ok && rec.RemoteID == id {
		return rec.CreatedByCohort
	}
	return marked
}

// pick returns the index of the candidate whose id is recorded for kind
// and name, else 0; -1 when there are none.
func (p *Plan) pick(kind ItemKind, name string, ids []string) int {
	if len(ids) == 0 {
		return -1
	}
	if rec, ok := p.recorded[itemKey{kind, name}]; ok {
		if i := slices.Index(ids, rec.RemoteID); i >= 0 {
			return i
		}
	}
	return 0
}

// adopted says of an object found there, to be recorded as it, that it
// is not cohort's; "" when it is.
func adopted(it *Item) string {
	switch {
	case it.CreatedByCohort:
		return ""
	case it.Detail == madeByApp:
		return "adopted: " + madeByApp
	}
	return "adopted: not created by cohort"
}

// madeByApp is the detail of a field recorded as made by the app's
// requirements, which Zendesk removes with the app's installation.
const madeByApp = "made by the app's requirements"

// prior returns the record of the object id of kind and name, if it has
// one.
func (p *Plan) prior(kind ItemKind, name, id string) (Item, bool) {
	rec, ok := p.recorded[itemKey{kind, name}]
	return rec, ok && rec.RemoteID == id
}

// planApp plans the app and its installation.
func (c *Client) planApp(ctx context.Context, p *Plan, pkg *AppPackage) error {
	apps, err := c.ownedApps(ctx)
	if err != nil {
		return failed("read the apps the account owns", err)
	}
	var ids []string
	var found []ownedApp
	for _, a := range apps {
		if a.Name == pkg.Name {
			ids, found = append(ids, strconv.FormatInt(a.ID, 10)), append(found, a)
		}
	}
	sum := "sha256:" + pkg.SHA256
	s := Step{Kind: ItemApp, Name: pkg.Name, record: &Item{Kind: ItemApp, Name: pkg.Name, Detail: sum}}
	if i := p.pick(ItemApp, pkg.Name, ids); i < 0 {
		s.Action, s.Detail = Create, fmt.Sprintf("upload %s (%d KB, %s…)", pkg.baseName(), (len(pkg.Zip)+1023)/1024, sum[:15])
		s.record.CreatedByCohort = true
		s.do = func(ctx context.Context, s *Step) error {
			id, err := c.createApp(ctx, pkg)
			if err != nil {
				return failed(fmt.Sprintf("create the app %q from %s", pkg.Name, pkg.File), err)
			}
			s.ID = strconv.FormatInt(id, 10)
			return nil
		}
	} else {
		app := found[i]
		s.ID = ids[i]
		s.record.CreatedByCohort = p.owned(ItemApp, pkg.Name, s.ID, false)
		switch rec, recorded := p.prior(ItemApp, pkg.Name, s.ID); {
		case recorded && rec.Detail == sum:
			s.Action, s.Detail = AlreadyThere, adopted(s.record)
		default:
			s.Action, s.Detail = Update, "upload "+pkg.baseName()+": it differs from the package cohort uploaded last"
			if !recorded {
				s.Detail = "upload " + pkg.baseName() + ": cohort has no record of the package the app was built from"
			}
			s.do = func(ctx context.Context, s *Step) error {
				if err := c.updateApp(ctx, app.ID, pkg); err != nil {
					return failed(fmt.Sprintf("update the app %q (%s) from %s", pkg.Name, s.ID, pkg.File), err)
				}
				return nil
			}
		}
	}
	p.Steps = append(p.Steps, s)

	inst := Step{Kind: ItemInstallation, Name: pkg.Name, record: &Item{Kind: ItemInstallation, Name: pkg.Name}}
	var have []appInstallation
	if appID := p.appID(); appID != 0 {
		list, err := c.appInstallations(ctx)
		if err != nil {
			return failed("read the account's app installations", err)
		}
		for _, in := range list {
			if in.AppID == appID {
				have = append(have, in)
			}
		}
	}
	instIDs := make([]string, len(have))
	for i, in := range have {
		instIDs[i] = strconv.FormatInt(in.ID, 10)
	}
	if i := p.pick(ItemInstallation, pkg.Name, instIDs); i < 0 {
		inst.Action, inst.Detail = Create, fmt.Sprintf("named %q", InstallationName)
		inst.record.CreatedByCohort = true
		inst.do = func(ctx context.Context, s *Step) error {
			appID := p.appID()
			in, err := c.installApp(ctx, appID, InstallationName)
			if err != nil {
				return failed(fmt.Sprintf("install the app %q (%d)", pkg.Name, appID), err)
			}
			s.ID, s.record.Detail, p.installedApp = strconv.FormatInt(in.ID, 10), fmt.Sprintf("app %d", appID), true
			return nil
		}
	} else {
		inst.ID, inst.Action = instIDs[i], AlreadyThere
		owned := p.owned(ItemInstallation, pkg.Name, inst.ID, false)
		inst.record.CreatedByCohort, inst.record.Detail = owned, fmt.Sprintf("app %d", p.appID())
		inst.Detail = adopted(inst.record)
		if !have[i].Enabled {
			inst.Detail = strings.TrimPrefix(inst.Detail+"; disabled: an admin turned it off", "; ")
		}
	}
	p.Steps = append(p.Steps, inst)
	return nil
}

// makesField reports whether this plan installs the app, whose
// requirements make a field named name (a ticket field's title, a user
// field's key).
func (p *Plan) makesField(kind ItemKind, name string) bool {
	if p.appPkg == nil || !slices.ContainsFunc(p.Steps, func(s Step) bool { return s.Kind == ItemInstallation && s.Action == Create }) {
		return false
	}
	if kind == ItemTicketField {
		return slices.Contains(p.appPkg.TicketFields, name)
	}
	return slices.Contains(p.appPkg.UserFields, name)
}

// byRequirements says of a field that the app's installation made.
const byRequirements = "adopted: " + madeByApp + " as it was installed"

// planTicketField plans the ticket field "cohort segment" (a text field).
func (c *Client) planTicketField(ctx context.Context, p *Plan) error {
	find := func(ctx context.Context) (*zd.TicketField, error) {
		var found []zd.TicketField
		var ids []string
		for f, err := range eachListed[zd.TicketField](ctx, c, "/ticket_fields.json", "ticket_fields") {
			if err != nil {
				return nil, failed("read the ticket fields", err)
			}
			if f.Title == SegmentFieldTitle && f.Type == fieldTypeText {
				found, ids = append(found, f), append(ids, strconv.FormatInt(f.ID, 10))
			}
		}
		if i := p.pick(ItemTicketField, SegmentFieldTitle, ids); i >= 0 {
			return &found[i], nil
		}
		return nil, nil
	}
	f, err := find(ctx)
	if err != nil {
		return err
	}
	s := Step{Kind: ItemTicketField, Name: SegmentFieldTitle, record: &Item{Kind: ItemTicketField, Name: SegmentFieldTitle}}
	if f != nil {
		p.adoptField(&s, f.ID, f.Description == ticketFieldDescription)
		p.Steps = append(p.Steps, s)
		return nil
	}
	planFieldCreate(p, s, "a text field", find, func(f *zd.TicketField) int64 { return f.ID },
		func(ctx context.Context) (int64, error) {
			created, err := c.api.CreateTicketField(ctx, zd.TicketField{Type: fieldTypeText, Title: SegmentFieldTitle,
				Description: ticketFieldDescription, Active: true})
			if err != nil {
				return 0, failed(fmt.Sprintf("create the ticket field %q", SegmentFieldTitle), err)
			}
			return created.ID, nil
		})
	return nil
}

// adoptField makes s adopt the field id that the account has already:
// cohort's when marked (its description is cohort's) or its records say
// so, keeping what they noted of it.
func (p *Plan) adoptField(s *Step, id int64, marked bool) {
	s.ID, s.Action = strconv.FormatInt(id, 10), AlreadyThere
	s.record.CreatedByCohort = p.owned(s.Kind, s.Name, s.ID, marked)
	if rec, ok := p.prior(s.Kind, s.Name, s.ID); ok {
		s.record.Detail = rec.Detail
	}
	s.Detail = adopted(s.record)
}

// planFieldCreate adds s to p as making the field the account lacks, by
// create (which returns its id), described by detail. When the app was
// installed first, its requirements may have made the field: the step
// then finds it (find, idOf) and adopts it instead.
func planFieldCreate[F any](p *Plan, s Step, detail string, find func(context.Context) (*F, error), idOf func(*F) int64,
	create func(context.Context) (int64, error)) {
	s.Action, s.Detail = Create, detail
	if p.makesField(s.Kind, s.Name) {
		s.Detail = "unless the app's requirements make it as it is installed (then adopted)"
	}
	s.record.CreatedByCohort = true
	s.do = func(ctx context.Context, s *Step) error {
		if p.installedApp {
			f, err := find(ctx)
			if err != nil {
				return err
			}
			if f != nil {
				s.ID, s.Action, s.Detail = strconv.FormatInt(idOf(f), 10), AlreadyThere, byRequirements
				s.record.CreatedByCohort, s.record.Detail = false, madeByApp
				return nil
			}
		}
		id, err := create(ctx)
		if err != nil {
			return err
		}
		s.ID = strconv.FormatInt(id, 10)
		return nil
	}
	p.Steps = append(p.Steps, s)
}

// planUserField plans the user field "cohort_segment" (a text field).
func (c *Client) planUserField(ctx context.Context, p *Plan) error {
	find := func(ctx context.Context) (*zd.UserField, error) {
		for f, err := range eachListed[zd.UserField](ctx, c, "/user_fields.json", "user_fields") {
			if err != nil {
				return nil, failed("read the user fields", err)
			}
			if f.Key == SegmentUserFieldKey { // keys are unique
				return &f, nil
			}
		}
		return nil, nil
	}
	f, err := find(ctx)
	if err != nil {
		return err
	}
	s := Step{Kind: ItemUserField, Name: SegmentUserFieldKey, record: &Item{Kind: ItemUserField, Name: SegmentUserFieldKey}}
	if f != nil && p.makesField(ItemUserField, SegmentUserFieldKey) {
		// User field keys are unique: Zendesk refuses an installation
		// whose requirements make one the account has.
		return cohort.Errorf("zendesk.PlanInstall", cohort.KindInvalid, "the app's requirements.json makes the user field %q, "+
			"which the account has already (%d), so Zendesk would refuse to install the app: take user_fields out of the "+
			"requirements.json of %s (install makes the field anyway), or delete the field in Admin Center (the syncer "+
			"writes its values again), and run install again", SegmentUserFieldKey, f.ID, p.appPkg.File)
	}
	if f != nil {
		p.adoptField(&s, f.ID, f.Description == userFieldDescription)
		if f.Type != fieldTypeText {
			s.Detail = strings.TrimPrefix(s.Detail+fmt.Sprintf("; a %s field, not text: cohort writes segment names", f.Type), "; ")
		}
		p.Steps = append(p.Steps, s)
		return nil
	}
	planFieldCreate(p, s, fmt.Sprintf("a text field titled %q", SegmentFieldTitle), find, func(f *zd.UserField) int64 { return f.ID },
		func(ctx context.Context) (int64, error) {
			created, err := c.api.CreateUserField(ctx, zd.UserField{Key: SegmentUserFieldKey, Type: fieldTypeText,
				Title: SegmentFieldTitle, Description: userFieldDescription, Active: true})
			if err != nil {
				return 0, failed(fmt.Sprintf("create the user field %q", SegmentUserFieldKey), err)
			}
			return created.ID, nil
		})
	return nil
}

// planWebhook plans the webhook "cohort" posting to endpoint.
func (c *Client) planWebhook(ctx context.Context, p *Plan, endpoint string) error {
	hooks, err := c.webhooksNamed(ctx, WebhookName)
	if err != nil {
		return failed("read the webhooks", err)
	}
	ids := make([]string, len(hooks))
	for i, h := range hooks {
		ids[i] = h.ID
	}
	s := Step{Kind: ItemWebhook, Name: WebhookName, record: &Item{Kind: ItemWebhook, Name: WebhookName}}
	i := p.pick(ItemWebhook, WebhookName, ids)
	if i < 0 {
		s.Action, s.Detail = Create, "POST JSON to "+endpoint
		s.record.CreatedByCohort = true
		s.do = func(ctx context.Context, s *Step) error {
			hook, err := c.api.CreateWebhook(ctx, &zd.Webhook{Name: WebhookName, Description: webhookDescription,
				Endpoint: endpoint, HTTPMethod: webhookMethod, RequestFormat: webhookFormat, Status: webhookActive,
				Subscriptions: []string{triggerSubscription}})
			if err != nil {
				return failed(fmt.Sprintf("create the webhook %q", WebhookName), err)
			}
			s.ID = hook.ID
			return nil
		}
		p.Steps = append(p.Steps, s)
		return nil
	}
	h := hooks[i]
	if !slices.Contains(h.Subscriptions, triggerSubscription) {
		return cohort.Errorf("zendesk.PlanInstall", cohort.KindInvalid,
			"the webhook %q (%s) subscribes to events, not triggers, which cannot change: rename or delete it in Admin Center and run install again",
			WebhookName, h.ID)
	}
	s.ID = h.ID
	s.record.CreatedByCohort = p.owned(ItemWebhook, WebhookName, h.ID, h.Description == webhookDescription)
	var diffs []string
	diff := func(what, have, want string) {
		if have != want {
			diffs = append(diffs, fmt.Sprintf("%s: %q → %q", what, have, want))
		}
	}
	diff("endpoint", h.Endpoint, endpoint)
	diff("method", h.HTTPMethod, webhookMethod)
	diff("format", h.RequestFormat, webhookFormat)
	diff("status", h.Status, webhookActive)
	if len(diffs) == 0 {
		s.Action, s.Detail = AlreadyThere, strings.TrimPrefix(adopted(s.record)+"; → "+endpoint, "; ")
		p.Steps = append(p.Steps, s)
		return nil
	}
	s.Action, s.Detail = Update, strings.Join(diffs, ", ")+" (id and signing secret kept)"
	s.do = func(ctx context.Context, s *Step) error {
		// A JSON merge patch: the webhook's other properties (its
		// authentication, headers and secret) stay as they are.
		patch, err := json.Marshal(map[string]any{"webhook": map[string]any{"endpoint": endpoint,
			"http_method": webhookMethod, "request_format": webhookFormat, "status": webhookActive}})
		if err == nil {
			err = c.raw.do(httpretry.Repeatable(ctx), http.MethodPatch, "/webhooks/"+url.PathEscape(s.ID), mergePatchJSON, patch, nil)
		}
		if err != nil {
			return failed(fmt.Sprintf("update the webhook %q (%s)", WebhookName, s.ID), err)
		}
		return nil
	}
	p.Steps = append(p.Steps, s)
	return nil
}

// webhooksNamed lists the webhooks named name, oldest first.
//
// Zendesk API docs: GET /api/v2/webhooks (go-zendesk has no list call)
func (c *Client) webhooksNamed(ctx context.Context, name string) ([]zd.Webhook, error) {
	var out []zd.Webhook
	q := url.Values{"filter[name_contains]": {name}}
	for h, err := range eachListed[zd.Webhook](ctx, c, "/webhooks?"+q.Encode(), "webhooks") {
		if err != nil {
			return nil, err
		}
		if h.Name == name {
			out = append(out, h)
		}
	}
	return out, nil
}

// triggerConditions are the conditions of cohort's trigger: the ticket is
// created.
func triggerConditions() (all, anyOf []zd.TriggerCondition) {
	return []zd.TriggerCondition{{Field: "update_type", Operator: "is", Value: "Create"}}, []zd.TriggerCondition{}
}

// notifyAction is the action of cohort's trigger: notify webhook id with
// TriggerBody.
func notifyAction(id string) zd.TriggerAction {
	return zd.TriggerAction{Field: "notification_webhook", Value: []string{id, TriggerBody}}
}

// planTrigger plans the trigger "cohort: enrich new tickets", which
// notifies the webhook planned before it.
func (c *Client) planTrigger(ctx context.Context, p *Plan) error {
	triggers, err := c.triggersTitled(ctx, TriggerTitle)
	if err != nil {
		return failed("read the triggers", err)
	}
	ids := make([]string, len(triggers))
	for i, t := range triggers {
		ids[i] = strconv.FormatInt(t.ID, 10)
	}
	s := Step{Kind: ItemTrigger, Name: TriggerTitle, record: &Item{Kind: ItemTrigger, Name: TriggerTitle}}
	i := p.pick(ItemTrigger, TriggerTitle, ids)
	if i < 0 {
		s.Action, s.Detail = Create, "on ticket creation, notify the webhook "+strconv.Quote(WebhookName)
		s.record.CreatedByCohort = true
		s.do = func(ctx context.Context, s *Step) error {
			t := zd.Trigger{Title: TriggerTitle, Active: true, Description: triggerDescription,
				Actions: []zd.TriggerAction{notifyAction(p.ID(ItemWebhook))}}
			t.Conditions.All, t.Conditions.Any = triggerConditions()
			var err error
			if t.CategoryID, err = c.firstTriggerCategory(ctx); err != nil {
				return failed("read the trigger categories", err)
			}
			created, err := c.api.CreateTrigger(ctx, t)
			if err != nil {
				return failed(fmt.Sprintf("create the trigger %q", TriggerTitle), err)
			}
			s.ID = strconv.FormatInt(created.ID, 10)
			return nil
		}
		p.Steps = append(p.Steps, s)
		return nil
	}
	t := triggers[i]
	s.ID = ids[i]
	s.record.CreatedByCohort = p.owned(ItemTrigger, TriggerTitle, s.ID, t.Description == triggerDescription)
	diffs := triggerDiffs(t, p.ID(ItemWebhook))
	if len(diffs) == 0 {
		s.Action, s.Detail = AlreadyThere, adopted(s.record)
		p.Steps = append(p.Steps, s)
		return nil
	}
	s.Action, s.Detail = Update, strings.Join(diffs, ", ")+" (id kept)"
	s.do = func(ctx context.Context, s *Step) error {
		// Conditions and actions are replaced whole: keep the actions
		// an admin added, replace cohort's.
		actions := []zd.TriggerAction{notifyAction(p.ID(ItemWebhook))}
		replaced := false
		for _, a := range t.Actions {
			if a.Field == "notification_webhook" && !replaced {
				replaced = true
				continue
			}
			actions = append(actions, a)
		}
		all, anyOf := triggerConditions()
		body := map[string]any{"trigger": map[string]any{"active": true, "actions": actions,
			"conditions": map[string]any{"all": all, "any": anyOf}}}
		if _, err := c.api.Put(httpretry.Repeatable(ctx), "/triggers/"+s.ID+".json", body); err != nil {
			return failed(fmt.Sprintf("update the trigger %q (%s)", TriggerTitle, s.ID), err)
		}
		return nil
	}
	p.Steps = append(p.Steps, s)
	return nil
}

// triggerDiffs lists how t differs from cohort's trigger notifying
// webhook id ("" for a webhook still to create).
func triggerDiffs(t zd.Trigger, webhookID string) []string {
	var d []string
	if !t.Active {
		d = append(d, "inactive → active")
	}
	all, anyOf := triggerConditions()
	if !sameConditions(t.Conditions.All, all) || !sameConditions(t.Conditions.Any, anyOf) {
		d = append(d, "conditions → ticket is created")
	}
	i := slices.IndexFunc(t.Actions, func(a zd.TriggerAction) bool { return a.Field == "notification_webhook" })
	if i < 0 {
		return append(d, "no notify-webhook action → notify the webhook "+strconv.Quote(WebhookName))
	}
	var value []string
	if raw, err := json.Marshal(t.Actions[i].Value); err == nil {
		_ = json.Unmarshal(raw, &value)
	}
	switch {
	case len(value) != 2:
		d = append(d, "notify-webhook action → cohort's")
	default:
		if value[0] != webhookID {
			d = append(d, fmt.Sprintf("webhook: %s → %s", value[0], cmp.Or(webhookID, "the new "+strconv.Quote(WebhookName))))
		}
		if value[1] != TriggerBody {
			d = append(d, "body → cohort's (TriggerBody)")
		}
	}
	return d
}

// sameConditions reports whether have and want are the same conditions,
// in order; values compare as JSON.
func sameConditions(have, want []zd.TriggerCondition) bool {
	if len(have) != len(want) {
		return false
	}
	for i := range have {
		a, _ := json.Marshal(have[i])
		b, _ := json.Marshal(want[i])
		if !bytes.Equal(a, b) {
			return false
		}
	}
	return true
}

// triggersTitled lists the triggers titled title.
//
// Zendesk API docs: GET /api/v2/triggers
func (c *Client) triggersTitled(ctx context.Context, title string) ([]zd.Trigger, error) {
	var out []zd.Trigger
	for t, err := range eachListed[zd.Trigger](ctx, c, "/triggers.json", "triggers") {
		if err != nil {
			return nil, err
		}
		if t.Title == title {
			out = append(out, t)
		}
	}
	return out, nil
}

// firstTriggerCategory returns the first trigger category's id, or "" when
// the account has none or predates trigger categories (404).
//
// Zendesk API docs: GET /api/v2/trigger_categories
func (c *Client) firstTriggerCategory(ctx context.Context) (string, error) {
	body, err := c.api.Get(ctx, "/trigger_categories?sort=position")
	if err != nil {
		if statusOf(err) == http.StatusNotFound {
			return "", nil
		}
		return "", err
	}
	var page struct {
		TriggerCategories []struct {
			ID string `json:"id"`
		} `json:"trigger_categories"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return "", fmt.Errorf("unreadable list of trigger categories: %w", err)
	}
	if len(page.TriggerCategories) == 0 {
		return "", nil
	}
	return page.TriggerCategories[0].ID, nil
}

// Apply carries out plan p in order, recording in records (nil: none) what
// each step created, adopted or deleted as it goes, so that a run that
// fails part way leaves a record of what it did and the next plan picks
// up from there. After an install it reads the webhook's signing secret
// and, with an app, the app's public key into p. It returns how many
// steps changed something in Zendesk.
func (c *Client) Apply(ctx context.Context, p *Plan, records Records) (int, error) {
	done := 0
	for i := range p.Steps {
		s := &p.Steps[i]
		if s.do != nil {
			if err := s.do(ctx, s); err != nil {
				return done, err
			}
			if s.Action != AlreadyThere {
				done++
			}
		}
		if records == nil {
			continue
		}
		if s.record != nil {
			it := *s.record
			it.RemoteID = s.ID
			if p.recorded[itemKey{it.Kind, it.Name}] != it {
				if err := records.SaveInstalledItem(ctx, it); err != nil {
					return done, err
				}
				p.recorded[itemKey{it.Kind, it.Name}] = it
			}
		}
		if s.forget {
			if err := records.ForgetInstalledItem(ctx, s.Kind, s.Name); err != nil {
				return done, err
			}
			delete(p.recorded, itemKey{s.Kind, s.Name})
		}
	}
	if !p.install {
		return done, nil
	}
	if id := p.ID(ItemWebhook); id != "" {
		secret, err := c.api.GetWebhookSigningSecret(ctx, id)
		if err != nil {
			return done, failed(fmt.Sprintf("read the signing secret of the webhook %q (%s)", WebhookName, id), err)
		}
		p.SigningSecret = secret.Secret
	}
	if appID := p.appID(); appID != 0 {
		key, err := c.appPublicKey(ctx, appID)
		if err != nil {
			return done, failed(fmt.Sprintf("read the public key of the app %d", appID), err)
		}
		p.AppPublicKey = key
	}
	return done, nil
}

// failed says in plain words what could not be done, and why: a refused
// token as a token without an admin's rights, else Zendesk's answer.
func failed(doing string, err error) error {
	const op = "zendesk.Install"
	switch status := statusOf(err); {
	case status == http.StatusUnauthorized:
		return cohort.Errorf(op, cohort.KindUnauthorized,
			"the API token cannot %s: Zendesk did not accept it (check COHORT_ZENDESK_EMAIL and COHORT_ZENDESK_API_TOKEN; it needs an admin)", doing)
	case status == http.StatusForbidden, status == 0 && cohort.KindOf(err) == cohort.KindUnauthorized:
		return cohort.Errorf(op, cohort.KindUnauthorized, "the API token cannot %s (needs an admin)", doing)
	}
	var ce *cohort.Error
	if !errors.As(err, &ce) {
		err = apiError(op, err)
	}
	return cohort.E(op, cohort.KindOf(err), fmt.Errorf("%s in Zendesk: %w", doing, err))
}
