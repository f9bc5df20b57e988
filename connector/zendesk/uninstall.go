package zendesk

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/httpretry"
)

// UninstallSpec says what uninstall keeps.
type UninstallSpec struct {
	// KeepFields keeps the ticket and user fields cohort created, and the
	// values tickets and users hold in them (and their records, so that a
	// later uninstall may still remove them).
	KeepFields bool
}

// uninstallOrder is the order uninstall removes objects in: the trigger
// before the webhook it notifies, the installation before its app, the
// fields last.
var uninstallOrder = []ItemKind{ItemTrigger, ItemWebhook, ItemInstallation, ItemApp, ItemTicketField, ItemUserField}

// PlanUninstall plans removing what install recorded in records, and only
// that, reading the account but changing nothing. An object is deleted
// when cohort created it and it still is what install made: its id still
// names an object of cohort's name, title or key (an installation: of
// the recorded app). One renamed since, or whose id now names something
// else, or one install adopted, is kept. Every record is then removed,
// but those of the fields kept by spec.KeepFields. Tickets, tags and
// users are never touched, nor is anything install did not record.
func (c *Client) PlanUninstall(ctx context.Context, spec UninstallSpec, records Records) (*Plan, error) {
	p, err := newPlan(ctx, records)
	if err != nil {
		return nil, err
	}
	var items []Item
	for _, it := range p.recorded {
		items = append(items, it)
	}
	slices.SortFunc(items, func(a, b Item) int {
		return cmp.Or(cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)), cmp.Compare(a.Name, b.Name))
	})
	for _, it := range items {
		s := Step{Kind: it.Kind, Name: it.Name, ID: it.RemoteID, forget: true}
		have, want, err := c.identify(ctx, it)
		switch {
		case cohort.KindOf(err) == cohort.KindNotFound:
			s.Action, s.Detail = AlreadyGone, "no longer in Zendesk: its record is removed"
		case err != nil:
			return nil, err
		case have != want:
			s.Action, s.Detail = Keep, fmt.Sprintf("its id now names %s, not %s: not cohort's any more, left as it is", have, want)
		case !it.CreatedByCohort && it.Detail == madeByApp:
			s.Action, s.Detail = Keep, madeByApp+": Zendesk removes it with the app's installation"
		case !it.CreatedByCohort:
			s.Action, s.Detail = Keep, "adopted, not created by cohort: left as it is"
		case spec.KeepFields && (it.Kind == ItemTicketField || it.Kind == ItemUserField):
			s.Action, s.Detail, s.forget = Keep, "--keep-fields: kept with the values it holds", false
		default:
			s.Action, s.Detail = Delete, deleteDetail[it.Kind]
			s.do = func(ctx context.Context, s *Step) error {
				err := c.deleteItem(httpretry.Repeatable(ctx), it)
				if statusOf(err) == http.StatusNotFound {
					s.Action, s.Detail = AlreadyGone, "gone from Zendesk before uninstall deleted it"
					return nil
				}
				if err != nil {
					return failed(fmt.Sprintf("delete the %s %q (%s)", it.Kind, it.Name, it.RemoteID), err)
				}
				return nil
			}
		}
		p.Steps = append(p.Steps, s)
	}
	return p, nil
}

// deleteDetail says what deleting each kind does besides.
var deleteDetail = map[ItemKind]string{
	ItemTrigger:      "first: nothing notifies the webhook any more",
	ItemInstallation: "the app leaves the agents' workspace; Zendesk removes what its requirements made",
	ItemApp:          "cohort created it",
	ItemTicketField:  "with the values tickets hold in it (--keep-fields keeps it)",
	ItemUserField:    "with the values users hold in it (--keep-fields keeps it)",
}

func kindRank(k ItemKind) int {
	if i := slices.Index(uninstallOrder, k); i >= 0 {
		return i
	}
	return len(uninstallOrder)
}

// identify reads the object it records and returns what it is now and
// what install made: each as a name, title or key in quotes (an
// installation: the app it installs). An object that is gone is an error
// of kind KindNotFound.
//
// Zendesk API docs: GET /api/v2/triggers/{id}, GET /api/v2/webhooks/{id},
// GET /api/v2/apps/installations/{id}, GET /api/v2/apps/{id},
// GET /api/v2/ticket_fields/{id}, GET /api/v2/user_fields/{id}
func (c *Client) identify(ctx context.Context, it Item) (have, want string, err error) {
	if !slices.Contains(uninstallOrder, it.Kind) {
		return "", "", cohort.Errorf("zendesk.Uninstall", cohort.KindInvalid, "a record of a %s, which this cohort does not know", it.Kind)
	}
	id, convErr := strconv.ParseInt(it.RemoteID, 10, 64)
	if it.Kind != ItemWebhook && (convErr != nil || id <= 0) { // webhook ids are not numbers
		return "", "", cohort.Errorf("zendesk.Uninstall", cohort.KindNotFound, "%q is not a Zendesk id", it.RemoteID)
	}
	want = strconv.Quote(it.Name)
	switch it.Kind {
	case ItemWebhook:
		h, e := c.api.GetWebhook(ctx, it.RemoteID)
		if err = e; err == nil {
			have = strconv.Quote(h.Name)
		}
	case ItemTrigger:
		t, e := c.api.GetTrigger(ctx, id)
		if err = e; err == nil {
			have = strconv.Quote(t.Title)
		}
	case ItemTicketField:
		f, e := c.api.GetTicketField(ctx, id)
		if err = e; err == nil {
			have = strconv.Quote(f.Title)
		}
	case ItemUserField:
		var f struct {
			UserField struct {
				Key string `json:"key"`
			} `json:"user_field"`
		}
		if err = c.getJSON(ctx, "/user_fields/"+it.RemoteID+".json", &f); err == nil {
			have = strconv.Quote(f.UserField.Key)
		}
	case ItemApp:
		var a ownedApp
		if err = c.getJSON(ctx, "/apps/"+it.RemoteID+".json", &a); err == nil {
			have = strconv.Quote(a.Name)
		}
	case ItemInstallation:
		want = "an installation of " + cmp.Or(it.Detail, "the app")
		var in appInstallation
		if err = c.getJSON(ctx, "/apps/installations/"+it.RemoteID+".json", &in); err == nil {
			have = fmt.Sprintf("an installation of app %d", in.AppID)
			if it.Detail == "" {
				have = want
			}
		}
	}
	if err != nil && cohort.KindOf(err) != cohort.KindNotFound {
		if statusOf(err) == http.StatusNotFound {
			return "", "", cohort.E("zendesk.Uninstall", cohort.KindNotFound, err)
		}
		return "", "", failed(fmt.Sprintf("read the %s %q (%s)", it.Kind, it.Name, it.RemoteID), err)
	}
	return have, want, err
}

// deleteItem deletes the object it records.
//
// Zendesk API docs: DELETE /api/v2/triggers/{id}, DELETE /api/v2/webhooks/{id},
// DELETE /api/v2/apps/installations/{id}, DELETE /api/v2/apps/{id},
// DELETE /api/v2/ticket_fields/{id}, DELETE /api/v2/user_fields/{id}
func (c *Client) deleteItem(ctx context.Context, it Item) error {
	id, _ := strconv.ParseInt(it.RemoteID, 10, 64) // identify checked it
	switch it.Kind {
	case ItemWebhook:
		return c.api.DeleteWebhook(ctx, it.RemoteID)
	case ItemTrigger:
		return c.api.DeleteTrigger(ctx, id)
	case ItemTicketField:
		return c.api.DeleteTicketField(ctx, id)
	case ItemUserField:
		return c.api.Delete(ctx, "/user_fields/"+it.RemoteID+".json")
	case ItemApp:
		return c.api.Delete(ctx, "/apps/"+it.RemoteID+".json")
	case ItemInstallation:
		return c.api.Delete(ctx, "/apps/installations/"+it.RemoteID+".json")
	}
	return fmt.Errorf("a %s cannot be deleted", it.Kind)
}
