package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
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

// Names of what Install creates in Zendesk.
const (
	WebhookName  = "cohort"
	TriggerTitle = "cohort: enrich new tickets"
)

// Installation is what Install found or created.
type Installation struct {
	WebhookID      string
	TriggerID      int64
	SigningSecret  string // set COHORT_ZENDESK_WEBHOOK_SECRET to this
	WebhookCreated bool
	TriggerCreated bool
}

// Install makes Zendesk send every new ticket to endpoint (cohort's
// https://…/webhooks/zendesk): a webhook named "cohort" for triggers, and an
// active trigger on ticket creation that notifies it with TriggerBody. It
// reuses a webhook of that name and endpoint and a trigger of that title, so
// running it twice creates nothing new. It returns the webhook's signing
// secret.
//
// Zendesk API docs: GET/POST /api/v2/webhooks, GET /api/v2/webhooks/{id}/signing_secret,
// GET /api/v2/trigger_categories, GET/POST /api/v2/triggers
func (c *Client) Install(ctx context.Context, endpoint string) (Installation, error) {
	const op = "zendesk.Install"
	if u, err := url.Parse(endpoint); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return Installation{}, cohort.Errorf(op, cohort.KindInvalid, "endpoint %q is not an http(s) URL", endpoint)
	}
	var inst Installation
	hook, err := c.findWebhook(ctx, endpoint)
	if err != nil {
		return inst, apiError(op, err)
	}
	if hook == nil {
		hook, err = c.api.CreateWebhook(ctx, &zd.Webhook{
			Name: WebhookName, Description: "Sends new tickets to cohort for segment enrichment",
			Endpoint: endpoint, HTTPMethod: "POST", RequestFormat: "json", Status: "active",
			Subscriptions: []string{"conditional_ticket_events"},
		})
		if err != nil {
			return inst, apiError(op+": create webhook", err)
		}
		inst.WebhookCreated = true
	}
	inst.WebhookID = hook.ID
	secret, err := c.api.GetWebhookSigningSecret(ctx, hook.ID)
	if err != nil {
		return inst, apiError(op+": signing secret", err)
	}
	inst.SigningSecret = secret.Secret

	trigger, err := c.findTrigger(ctx)
	if err != nil {
		return inst, apiError(op, err)
	}
	if trigger == nil {
		t := zd.Trigger{Title: TriggerTitle, Active: true,
			Description: "Added by cohort install: sends each new ticket to cohort.",
			Actions:     []zd.TriggerAction{{Field: "notification_webhook", Value: []string{hook.ID, TriggerBody}}},
		}
		t.Conditions.All = []zd.TriggerCondition{{Field: "update_type", Operator: "is", Value: "Create"}}
		t.Conditions.Any = []zd.TriggerCondition{}
		if t.CategoryID, err = c.firstTriggerCategory(ctx); err != nil {
			return inst, apiError(op, err)
		}
		created, err := c.api.CreateTrigger(ctx, t)
		if err != nil {
			return inst, apiError(op+": create trigger", err)
		}
		trigger, inst.TriggerCreated = &created, true
	}
	inst.TriggerID = trigger.ID
	return inst, nil
}

// findWebhook returns the webhook named WebhookName that posts to endpoint.
//
// Zendesk API docs: GET /api/v2/webhooks (go-zendesk has no list call)
func (c *Client) findWebhook(ctx context.Context, endpoint string) (*zd.Webhook, error) {
	body, err := c.api.Get(ctx, "/webhooks?filter%5Bname_contains%5D="+url.QueryEscape(WebhookName)+"&page%5Bsize%5D=100")
	if err != nil {
		return nil, err
	}
	var page struct {
		Webhooks []zd.Webhook `json:"webhooks"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	for i, h := range page.Webhooks {
		if h.Name == WebhookName && h.Endpoint == endpoint {
			return &page.Webhooks[i], nil
		}
	}
	return nil, nil
}

// findTrigger returns the trigger titled TriggerTitle, if any.
func (c *Client) findTrigger(ctx context.Context) (*zd.Trigger, error) {
	opts := &zd.TriggerListOptions{PageOptions: zd.PageOptions{PerPage: 100, Page: 1}}
	for {
		triggers, page, err := c.api.GetTriggers(ctx, opts)
		if err != nil {
			return nil, err
		}
		for i, t := range triggers {
			if t.Title == TriggerTitle {
				return &triggers[i], nil
			}
		}
		if !page.HasNext() || len(triggers) == 0 {
			return nil, nil
		}
		opts.Page++
	}
}

// firstTriggerCategory returns the first trigger category's id, or "" when
// the account has none or predates trigger categories (404).
func (c *Client) firstTriggerCategory(ctx context.Context) (string, error) {
	body, err := c.api.Get(ctx, "/trigger_categories?sort=position")
	if err != nil {
		if ze, ok := err.(zd.Error); ok && ze.Status() == 404 {
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
		return "", fmt.Errorf("list trigger categories: %w", err)
	}
	if len(page.TriggerCategories) == 0 {
		return "", nil
	}
	return page.TriggerCategories[0].ID, nil
}
