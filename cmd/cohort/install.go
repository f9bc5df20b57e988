package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
)

func runInstall(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "install", "install --url https://cohort.example.com", `Creates, in the Zendesk account of COHORT_ZENDESK_*, a webhook named "cohort"
that posts to URL/webhooks/zendesk and an active trigger that notifies it for
every new ticket. Reuses them if they exist, so running it again (after a
failure, say) creates nothing twice. Prints the webhook's signing secret: set
COHORT_ZENDESK_WEBHOOK_SECRET to it for cohort serve.`)
	base := fs.String("url", "", "public base URL of cohort serve, e.g. https://cohort.example.com")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *base == "" || fs.NArg() > 0 {
		return usageError(fs, "")
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if err := cfg.requireZendesk(false); err != nil {
		return err
	}
	zc, err := newZendeskClient(ctx, cfg, nil, newLogger(cfg, c.stderr))
	if err != nil {
		return err
	}
	defer zc.Close()
	endpoint := strings.TrimRight(*base, "/") + "/webhooks/zendesk"
	inst, err := zc.Install(ctx, endpoint)
	if err != nil {
		if cohort.KindOf(err) == cohort.KindInvalid {
			return usageError(nil, "--url: %v", err)
		}
		return err
	}
	fmt.Fprintf(c.stdout, "webhook %s (%s) → %s\n", inst.WebhookID, createdOrFound(inst.WebhookCreated), endpoint)
	fmt.Fprintf(c.stdout, "trigger %d %q (%s)\n", inst.TriggerID, zendesk.TriggerTitle, createdOrFound(inst.TriggerCreated))
	fmt.Fprintf(c.stdout, "\nSet this for cohort serve:\nCOHORT_ZENDESK_WEBHOOK_SECRET=%s\n", inst.SigningSecret)
	return nil
}

func createdOrFound(created bool) string {
	if created {
		return "created"
	}
	return "already there"
}
