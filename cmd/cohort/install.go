package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/macros"
	"github.com/cohortdesk/cohort/store"
)

// appPublicKeyFile is where install writes the app's public key: beside
// the app's zip.
const appPublicKeyFile = "cohort-app-public-key.pem"

func runInstall(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "install", "install --url URL [--app FILE.zip] [--dry-run]", `Makes the Zendesk account of COHORT_ZENDESK_* ready for cohort, and records
what it made in the database (COHORT_DATABASE_URL), in this order:

  app, installation  with --app, the Zendesk app's zip (cohort app package
                     makes it): uploaded when the account owns no app of its
                     name, or when it differs from the zip cohort uploaded
                     last; then installed, unless it is
  ticket field       "cohort segment" (text): cohort writes each ticket's
                     primary segment there
  user field         "cohort_segment" (text): the syncer writes each
                     customer's primary segment there
  webhook            "cohort": POSTs JSON to URL/webhooks/zendesk
  trigger            "cohort: enrich new tickets": notifies the webhook of
                     every new ticket
  macros             the macro files of COHORT_MACROS_DIR, as macros sync

What is there already is reused: a field the app's requirements made, or
one an admin made, is adopted (uninstall leaves it). A webhook whose
endpoint, method or format differs, and a trigger whose conditions, webhook
or body differ, are updated in place, keeping their ids. It prints the plan
(create, update, already there) first; with --dry-run it stops there and
changes nothing. Run again, it finds everything already there.

Then it prints what to set for cohort serve: COHORT_ZENDESK_WEBHOOK_SECRET
(the webhook's signing secret), COHORT_ZENDESK_SEGMENT_TICKET_FIELD_ID,
COHORT_ZENDESK_SEGMENT_FIELD and, with --app,
COHORT_ZENDESK_APP_INSTALLATION_ID and COHORT_ZENDESK_APP_PUBLIC_KEY (the
app's public key, written to `+appPublicKeyFile+` beside the zip).`)
	base := fs.String("url", "", "public base URL of cohort serve, e.g. https://cohort.example.com")
	appFile := fs.String("app", "", "the Zendesk app's zip, uploaded and installed first")
	dryRun := fs.Bool("dry-run", false, "print the plan, change nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *base == "" || fs.NArg() > 0 {
		return usageError(fs, "")
	}
	if u, err := url.Parse(*base); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return usageError(nil, "--url %q: want cohort serve's public base URL, such as https://cohort.example.com", *base)
	}
	var pkg *zendesk.AppPackage
	if *appFile != "" {
		data, err := os.ReadFile(*appFile)
		if err != nil {
			return usageError(nil, "--app: %v", err)
		}
		if pkg, err = zendesk.ReadAppPackage(*appFile, data); err != nil {
			return usageError(nil, "--app: %v", err)
		}
	}
	s, zc, closeAll, err := c.setupZendesk(ctx, needZendesk|needPlaybook|needStore)
	if err != nil {
		return err
	}
	defer closeAll()

	ms, err := planMacroSync(ctx, s, zc, s.book.Macros())
	if err != nil {
		return err
	}
	defer ms.release()
	endpoint := strings.TrimRight(*base, "/") + "/webhooks/zendesk"
	records := installRecords{s.db}
	plan, err := zc.PlanInstall(ctx, zendesk.InstallSpec{Endpoint: endpoint, App: pkg}, records)
	if err != nil {
		return err
	}

	rows := append(stepRows(plan, false), macroRows(ms.plan, false)...)
	writePlan(c.stdout, "cohort install: plan", rows)
	if *dryRun {
		fmt.Fprintln(c.stdout, "dry run: nothing changed")
		return nil
	}
	pending, done, err := applyWithMacros(ctx, zc, plan, records, ms)
	if pending > 0 {
		writePlan(c.stdout, "cohort install: done", append(stepRows(plan, true), macroRows(ms.plan, true)...))
	}
	if err != nil {
		fmt.Fprintf(c.stdout, "%d changes made before an error\n", done)
		return err
	}
	if pending > 0 {
		fmt.Fprintf(c.stdout, "%d changes made\n", done)
	}
	return printInstalled(c.stdout, plan, pkg)
}

// applyWithMacros applies plan and then, unless that failed, the macro
// sync ms. It returns how many changes the two had pending and how many
// were made.
func applyWithMacros(ctx context.Context, zc *zendesk.Client, plan *zendesk.Plan, records zendesk.Records, ms *macroSync) (pending, done int, err error) {
	pending = plan.Pending() + ms.plan.Pending()
	done, err = zc.Apply(ctx, plan, records)
	if err == nil {
		var n int
		n, err = ms.apply(ctx)
		done += n
	}
	return pending, done, err
}

// printInstalled prints what cohort serve needs of what install made: the
// signing secret last, once.
func printInstalled(w io.Writer, plan *zendesk.Plan, pkg *zendesk.AppPackage) error {
	var set []string
	if id := plan.ID(zendesk.ItemTicketField); id != "" {
		set = append(set, "COHORT_ZENDESK_SEGMENT_TICKET_FIELD_ID="+id)
	}
	if plan.ID(zendesk.ItemUserField) != "" {
		set = append(set, "COHORT_ZENDESK_SEGMENT_FIELD="+zendesk.SegmentUserFieldKey)
	}
	if pkg != nil {
		keyFile, err := filepath.Abs(filepath.Join(filepath.Dir(pkg.File), appPublicKeyFile))
		if err == nil {
			err = os.WriteFile(keyFile, plan.AppPublicKey, 0o644)
		}
		if err != nil {
			return fmt.Errorf("write the app's public key: %w", err)
		}
		fmt.Fprintf(w, "\nThe app %q is app %s, installed as installation %s. Its public key, which cohort serve\n"+
			"verifies the sidebar's requests with, is in %s.\n", pkg.Name, plan.ID(zendesk.ItemApp), plan.ID(zendesk.ItemInstallation), keyFile)
		set = append(set, "COHORT_ZENDESK_APP_INSTALLATION_ID="+plan.ID(zendesk.ItemInstallation), "COHORT_ZENDESK_APP_PUBLIC_KEY="+keyFile)
	}
	fmt.Fprintln(w, "\nSet these for cohort serve:")
	for _, line := range set {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "COHORT_ZENDESK_WEBHOOK_SECRET=%s\n", plan.SigningSecret)
	return nil
}

// installRecords keeps install's records of the Zendesk account in the
// store.
type installRecords struct{ db *store.DB }

var _ zendesk.Records = installRecords{}

func (r installRecords) InstalledItems(ctx context.Context) ([]zendesk.Item, error) {
	rows, err := r.db.InstalledItems(ctx, zendesk.Name)
	if err != nil {
		return nil, err
	}
	items := make([]zendesk.Item, len(rows))
	for i, row := range rows {
		items[i] = zendesk.Item{Kind: zendesk.ItemKind(row.Kind), Name: row.Name, RemoteID: row.RemoteID,
			CreatedByCohort: row.CreatedByCohort, Detail: row.Detail}
	}
	return items, nil
}

func (r installRecords) SaveInstalledItem(ctx context.Context, it zendesk.Item) error {
	return r.db.SaveInstalledItem(ctx, store.InstalledItem{Helpdesk: zendesk.Name, Kind: string(it.Kind), Name: it.Name,
		RemoteID: it.RemoteID, CreatedByCohort: it.CreatedByCohort, Detail: it.Detail})
}

func (r installRecords) ForgetInstalledItem(ctx context.Context, kind zendesk.ItemKind, name string) error {
	return r.db.DeleteInstalledItem(ctx, zendesk.Name, string(kind), name)
}

// planRow is one line of an install or uninstall plan as printed.
type planRow struct {
	what, name, action, id, detail string
}

// pastTense says an action in the past tense, for the lines printed after a
// plan was applied.
var pastTense = map[string]string{string(zendesk.Create): "created", string(zendesk.Update): "updated",
	string(zendesk.Delete): "deleted", string(macros.Deactivate): "deactivated"}

// stepRows are p's steps as printed; applied: as they were carried out.
func stepRows(p *zendesk.Plan, applied bool) []planRow {
	rows := make([]planRow, len(p.Steps))
	for i, s := range p.Steps {
		rows[i] = planRow{what: s.Kind.String(), name: s.Name, action: string(s.Action), id: s.ID, detail: s.Detail}
		if applied && pastTense[rows[i].action] != "" {
			rows[i].action = pastTense[rows[i].action]
		}
	}
	return rows
}

// macroRows are a macro sync's changes as printed, in the words of
// install's plans: a macro unchanged is already there. applied: as they
// were carried out.
func macroRows(p macros.Plan, applied bool) []planRow {
	var rows []planRow
	for _, c := range p.Changes {
		r := planRow{what: "macro " + c.Key, name: c.Title, action: string(c.Action), detail: strings.Join(c.Diffs, "; ")}
		if c.MacroID != 0 {
			r.id = strconv.FormatInt(c.MacroID, 10)
		}
		switch c.Action {
		case macros.Unchanged:
			r.action = string(zendesk.AlreadyThere)
		case macros.Deactivate:
			r.detail = strings.TrimPrefix(r.detail+"; kept in Zendesk, inactive, as macros sync retires a macro", "; ")
		}
		if applied && pastTense[r.action] != "" {
			r.action = pastTense[r.action]
		}
		rows = append(rows, r)
	}
	return rows
}

// writePlan prints rows as a table under title, with a count of each
// action.
func writePlan(w io.Writer, title string, rows []planRow) {
	fmt.Fprintf(w, "%s\n", title)
	if len(rows) == 0 {
		fmt.Fprintln(w, "  nothing")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  WHAT\tNAME\tACTION\tID\tDETAIL")
	counts := map[string]int{}
	var order []string
	for _, r := range rows {
		id := r.id
		if id == "" {
			id = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", r.what, r.name, r.action, id, r.detail)
		if counts[r.action] == 0 {
			order = append(order, r.action)
		}
		counts[r.action]++
	}
	tw.Flush()
	var summary []string
	for _, a := range order {
		summary = append(summary, fmt.Sprintf("%d %s", counts[a], a))
	}
	fmt.Fprintf(w, "  (%s)\n", strings.Join(summary, ", "))
}
