package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cohortdesk/cohort/connector/zendesk"
)

func runInstall(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("install", "install --url https://cohort.example.com", `Creates, in the Zendesk account of COHORT_ZENDESK_*, a webhook named "cohort"
that posts to URL/webhooks/zendesk and an active trigger that notifies it for
every new ticket. Reuses them if they exist. Prints the webhook's signing
secret: set COHORT_ZENDESK_WEBHOOK_SECRET to it for cohort serve.`, stderr)
	base := fs.String("url", "", "public base URL of cohort serve, e.g. https://cohort.example.com")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *base == "" || fs.NArg() > 0 {
		fs.Usage()
		return exitUsage
	}
	cfg, err := loadConfig()
	if err == nil {
		err = cfg.requireZendesk(false)
	}
	if err != nil {
		fmt.Fprintln(stderr, "cohort install:", err)
		return exitUsage
	}
	zc, err := newZendeskClient(ctx, cfg, nil, newLogger(cfg, stderr))
	if err != nil {
		fmt.Fprintln(stderr, "cohort install:", err)
		return exitUsage
	}
	defer zc.Close()
	endpoint := strings.TrimRight(*base, "/") + "/webhooks/zendesk"
	inst, err := zc.Install(ctx, endpoint)
	if err != nil {
		fmt.Fprintln(stderr, "cohort install:", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "webhook %s (%s) → %s\n", inst.WebhookID, createdOrFound(inst.WebhookCreated), endpoint)
	fmt.Fprintf(stdout, "trigger %d %q (%s)\n", inst.TriggerID, zendesk.TriggerTitle, createdOrFound(inst.TriggerCreated))
	fmt.Fprintf(stdout, "\nSet this for cohort serve:\nCOHORT_ZENDESK_WEBHOOK_SECRET=%s\n", inst.SigningSecret)
	return exitOK
}

func createdOrFound(created bool) string {
	if created {
		return "created"
	}
	return "already there"
}
