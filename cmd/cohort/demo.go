package main

import (
	"context"
	"crypto/rand"
	stdcsv "encoding/csv"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/macros"
	"github.com/cohortdesk/cohort/manifests"
	"github.com/cohortdesk/cohort/playbook"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer/metricsync"
	"github.com/cohortdesk/cohort/syncer/resegment"
)

// demoAgent is the sandbox's admin agent, whose API token the demo uses.
const demoAgent = "agent@cohort-demo.example"

func runDemo(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "demo", "demo [--tickets N] [--exit]", `Runs cohort end to end on this machine, with no account and no network: an
embedded SQLite store, the built-in Zendesk sandbox on loopback, and the webhook
receiver. It loads the sample customers and segments, installs cohort's webhook
and trigger in the sandbox, creates sample tickets there, and waits until the
sandbox's trigger has sent each to cohort and cohort has enriched it. Then it
prints a table and the URL of a page listing the same, and runs until Ctrl-C
(or, with --exit, exits: 0 if every ticket was enriched, 1 if not).
COHORT_SEGMENTS_FILE and COHORT_MACROS_DIR, if set, replace the sample
segments and macros.`)
	n := fs.Int("tickets", 12, "how many sample tickets to create")
	exit := fs.Bool("exit", false, "exit once every ticket is enriched (non-zero if any was not)")
	listen := fs.String("listen", "127.0.0.1:0", "address of cohort's receiver and admin page")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long to wait for the tickets to be enriched")
	var sb sandboxFlags
	sb.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 || *n > 10000 || fs.NArg() > 0 {
		return usageError(nil, "--tickets wants 1 to 10000, and no arguments")
	}
	if err := sb.validate(); err != nil {
		return usageError(nil, "%v", err)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if os.Getenv("COHORT_LOG_LEVEL") == "" {
		cfg.LogLevel = "warn" // keep the demo's output to its table
	}
	logger := newLogger(cfg, c.stderr)
	d := &demo{cfg: cfg, logger: logger, stdout: c.stdout, tickets: *n, timeout: *timeout, sandbox: sb}
	return d.run(ctx, *listen, *exit)
}

var errNotAllEnriched = errors.New("not every ticket was enriched")

type demo struct {
	cfg     Config
	logger  *slog.Logger
	stdout  io.Writer
	tickets int
	timeout time.Duration
	sandbox sandboxFlags
}

// sandboxFlags give the demo's sandbox teeth: a rate limit and faults.
type sandboxFlags struct {
	rateLimit int
	faults    sandbox.Faults
}

// register adds the flags to fs.
func (f *sandboxFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.rateLimit, "rate-limit", 0, "sandbox: the account's API requests a minute, enforced with 429s (0: not enforced)")
	fs.Float64Var(&f.faults.ErrorRate, "error-rate", 0, "sandbox: share of API requests answered 500/503 (0-1)")
	fs.DurationVar(&f.faults.Latency, "latency", 0, "sandbox: latency added to every API request")
	fs.Float64Var(&f.faults.DropRate, "drop-rate", 0, "sandbox: share of API requests whose connection is dropped (0-1)")
	fs.Float64Var(&f.faults.ConflictRate, "conflict-rate", 0, "sandbox: share of safe ticket updates refused as conflicts (0-1)")
	fs.Float64Var(&f.faults.LostResponseRate, "lost-response-rate", 0, "sandbox: share of API writes done whose answer is lost: 503 or a dropped connection (0-1)")
}

func (f sandboxFlags) validate() error {
	for name, v := range map[string]float64{"--error-rate": f.faults.ErrorRate, "--drop-rate": f.faults.DropRate,
		"--conflict-rate": f.faults.ConflictRate, "--lost-response-rate": f.faults.LostResponseRate} {
		if v < 0 || v > 1 {
			return fmt.Errorf("%s %v: want a share from 0 to 1", name, v)
		}
	}
	if f.rateLimit < 0 || f.faults.Latency < 0 {
		return errors.New("--rate-limit and --latency cannot be negative")
	}
	return nil
}

// created is a sample ticket the demo created, and its priority then.
type created struct {
	id       int64
	email    string
	priority cohort.Priority
}

func (d *demo) run(ctx context.Context, listen string, exitWhenDone bool) error {
	dir, err := os.MkdirTemp("", "cohort-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	book, err := d.playbook()
	if err != nil {
		return err
	}
	set, ms := book.Rules(), book.Macros()

	// The sandbox stands in for a Zendesk account.
	apiToken := randomToken()
	sb, err := sandbox.Start(sandbox.Config{Email: demoAgent, APIToken: apiToken, RateLimit: d.sandbox.rateLimit,
		Logger: d.logger.With("component", "sandbox")}, "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("start sandbox: %w", err)
	}
	defer sb.Close()
	d.cfg.ZendeskURL, d.cfg.ZendeskSubdomain = sb.URL(), ""
	d.cfg.ZendeskEmail, d.cfg.ZendeskAPIToken = demoAgent, apiToken
	d.cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "cohort.db")
	d.cfg.AdminToken = randomToken()

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", listen, err)
	}
	base := "http://" + ln.Addr().String()

	// The export's own budget is Zendesk's unless the sandbox enforces no
	// limits (no --rate-limit): then the history is read at once.
	exportLimit := zendesk.DefaultExportRateLimit
	if d.sandbox.rateLimit == 0 {
		exportLimit = 6000
	}
	zc, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: demoAgent, APIToken: apiToken,
		RateLimit: 6000, UpdateRateLimit: 6000, ExportRateLimit: exportLimit, BatchSize: 1, Logger: d.logger})
	if err != nil {
		ln.Close()
		return err
	}
	defer zc.Close()
	// What an admin does once: cohort app package, then cohort install.
	if err := d.install(ctx, zc, base); err != nil {
		ln.Close()
		return err
	}

	finished := make(chan cohort.Enrichment, d.tickets)
	a, err := newApp(ctx, d.cfg, d.logger, appOptions{book: book, onFinish: func(e cohort.Enrichment) { finished <- e }})
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()
	// What an admin does after editing a macro file: cohort macros sync.
	plan, _, err := macros.Sync(ctx, zc, a.db, ms)
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(d.stdout, "Put %d macros in the Zendesk sandbox (cohort macros sync).\n", plan.Pending())
	customers, err := d.loadCustomers(ctx, a, zc, set)
	if err != nil {
		ln.Close()
		return err
	}
	if err := importSampleHistory(sb, customers, demoHistoryDays, demoHistoryPerDay); err != nil {
		ln.Close()
		return err
	}

	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	stopped := make(chan error, 1)
	go func() { stopped <- a.run(runCtx, ln, nil) }()
	shutdown := func() error { stop(); return <-stopped }

	sb.SetFaults(d.sandbox.faults) // after the setup: faults hit the tickets' way through
	tickets, err := d.createTickets(ctx, zc)
	if err != nil {
		shutdown()
		return err
	}
	fmt.Fprintf(d.stdout, "Created %d tickets in the Zendesk sandbox; waiting for cohort to enrich them…\n\n", len(tickets))
	done := d.wait(ctx, finished, len(tickets))
	if err := d.printTable(ctx, a, zc, tickets); err != nil {
		shutdown()
		return err
	}
	fmt.Fprintf(d.stdout, "\n%d of %d tickets enriched. The same list: %s/?token=%s\n", done, len(tickets), base, d.cfg.AdminToken)
	if err := d.showMetrics(ctx, a, zc, base); err != nil {
		shutdown()
		return err
	}
	fmt.Fprintf(d.stdout, "\nAn agent's view, with cohort's app in the sidebar: %s/agent/tickets/%d\n", sb.URL(), tickets[0].id)
	st := sb.Stats()
	fmt.Fprintf(d.stdout, "Sandbox: %d API requests, %d answered 429, faults injected %v\n", st.Requests, st.RateLimited, st.Faults)
	if done < len(tickets) {
		shutdown()
		return fmt.Errorf("%w: %d of %d after %v", errNotAllEnriched, done, len(tickets), d.timeout)
	}
	if !exitWhenDone {
		fmt.Fprintln(d.stdout, "Press Ctrl-C to stop.")
		<-ctx.Done()
	}
	return shutdown()
}

// install does what an admin does once: it packages cohort's Zendesk app
// for base, and installs it in the sandbox with the fields, the webhook
// and the trigger, then configures the demo's cohort with what that made:
// the webhook's secret, the app's public key and installation, the
// segment field.
func (d *demo) install(ctx context.Context, zc *zendesk.Client, base string) error {
	app, err := zafapp.Read(manifests.ZendeskApp, "zendesk-app")
	if err == nil {
		app, err = app.WithURL(base)
	}
	var zip []byte
	if err == nil {
		zip, err = app.Zip()
	}
	if err != nil {
		return fmt.Errorf("package the Zendesk app: %w", err)
	}
	pkg, err := zendesk.ReadAppPackage("cohort-zendesk-app.zip", zip)
	if err != nil {
		return err
	}
	plan, err := zc.PlanInstall(ctx, zendesk.InstallSpec{Endpoint: base + "/webhooks/zendesk", App: pkg}, nil)
	if err != nil {
		return err
	}
	if _, err := zc.Apply(ctx, plan, nil); err != nil {
		return err
	}
	d.cfg.ZendeskWebhookSecret = plan.SigningSecret
	d.cfg.ZendeskAppPublicKey = string(plan.AppPublicKey)
	if d.cfg.ZendeskAppInstallationID, err = strconv.ParseInt(plan.ID(zendesk.ItemInstallation), 10, 64); err != nil {
		return fmt.Errorf("the app's installation id %q: %w", plan.ID(zendesk.ItemInstallation), err)
	}
	if d.cfg.ZendeskSegmentFieldID, err = strconv.ParseInt(plan.ID(zendesk.ItemTicketField), 10, 64); err != nil {
		return fmt.Errorf("the segment field's id %q: %w", plan.ID(zendesk.ItemTicketField), err)
	}
	return nil
}

// playbook returns COHORT_SEGMENTS_FILE's rules and COHORT_MACROS_DIR's
// macros when both are set, watched as serve watches them; else the
// sample segments and macros.
func (d *demo) playbook() (*playbook.Provider, error) {
	_, segs := os.LookupEnv("COHORT_SEGMENTS_FILE")
	_, macs := os.LookupEnv("COHORT_MACROS_DIR")
	if segs || macs {
		return newPlaybook(d.cfg, d.logger)
	}
	read := func(name string) (macros.File, error) {
		data, err := manifests.Files.ReadFile(name)
		return macros.File{Name: "manifests/" + name, Data: data}, err
	}
	segments, err := read("segments.yaml")
	if err != nil {
		return nil, err
	}
	set, err := rules.Parse(segments.Name, segments.Data)
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(manifests.Files, "macros/*.yaml")
	if err != nil {
		return nil, err
	}
	var files []macros.File
	for _, name := range names {
		f, err := read(name)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	ms, err := macros.Parse(files...)
	if err == nil {
		err = ms.Bind(set)
	}
	if err != nil {
		return nil, err
	}
	return playbook.Fixed(&playbook.Playbook{Rules: set, Macros: ms}), nil
}

// loadCustomers imports the sample CRM customers into the store, computes
// their segments, and creates each as a user in the sandbox, as a
// CRM-to-helpdesk sync would. It returns the customers.
func (d *demo) loadCustomers(ctx context.Context, a *app, zc *zendesk.Client, set *rules.Set) ([]cohort.Customer, error) {
	customers, err := sampleCustomers()
	if err != nil {
		return nil, err
	}
	if _, err := a.db.UpsertCustomers(ctx, store.CustomerSource{Name: "csv"}, customers); err != nil {
		return nil, fmt.Errorf("import sample customers: %w", err)
	}
	if _, err := resegment.All(ctx, a.db, set, time.Now()); err != nil {
		return nil, fmt.Errorf("segment sample customers: %w", err)
	}
	for _, c := range customers {
		if _, err := zc.API().CreateUser(ctx, zd.User{Name: c.Name, Email: c.Email, ExternalID: c.ExternalID, Role: "end-user"}); err != nil {
			return nil, fmt.Errorf("create sandbox user %s: %w", c.Email, err)
		}
	}
	return customers, nil
}

// Demo history: days of past tickets and how many a day.
const (
	demoHistoryDays   = 120
	demoHistoryPerDay = 25
)

// showMetrics reads the sandbox's ticket history as cohort sync metrics
// does, then prints last month's measures per segment and where the
// charts are.
func (d *demo) showMetrics(ctx context.Context, a *app, zc *zendesk.Client, base string) error {
	sum, err := metricsync.Sync(ctx, a.db, zendesk.TicketHistory{Client: zc}, metricsync.Options{BackfillDays: demoHistoryDays})
	if err != nil {
		return err
	}
	month := cohort.ByMonth.PeriodStart(time.Now()).AddDate(0, -1, 0)
	rows, err := metricsync.Measures(ctx, a.db, month, month, cohort.ByMonth, cohort.CalendarMinutes)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.stdout, "\nSupport per segment in %s, from %d tickets of history (cohort sync metrics):\n\n",
		month.Format("January 2006"), sum.Tickets)
	w := tabwriter.NewWriter(d.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SEGMENT\tTICKETS\tCSAT\tFIRST REPLY p50\tRESOLUTION p50\tFIRST CONTACT\tREOPENED")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.Segment, r.Tickets, percent(r.CSAT),
			duration(r.FirstReplyMinutesP50), duration(r.FullResolutionMinutesP50), percent(r.FCRRate), percent(r.ReopenRate))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(d.stdout, "\nEvery measure over time, per segment: %s/charts?token=%s\n", base, d.cfg.AdminToken)
	return nil
}

// percent renders a rate, "-" for none.
func percent(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", *v*100)
}

// duration renders minutes as hours and minutes, "-" for none.
func duration(v *float64) string {
	if v == nil {
		return "-"
	}
	m := int(math.Round(*v))
	if m < 60 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%02dm", m/60, m%60)
}

// createTickets creates the sample tickets in the sandbox, cycling through
// them when more are asked for.
func (d *demo) createTickets(ctx context.Context, zc *zendesk.Client) ([]created, error) {
	f, err := manifests.Files.Open("sample/tickets.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := stdcsv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, fmt.Errorf("sample tickets: %v", err)
	}
	samples := rows[1:]
	out := make([]created, 0, d.tickets)
	for i := range d.tickets {
		s := samples[i%len(samples)]
		email, name, subject, body, prio := s[0], s[1], s[2], s[3], s[4]
		if round := i / len(samples); round > 0 {
			subject = fmt.Sprintf("%s (%d)", subject, round+1)
		}
		p, err := cohort.ParsePriority(prio)
		if err != nil {
			return nil, fmt.Errorf("sample ticket %d: %w", i+1, err)
		}
		t, err := zc.API().CreateTicket(ctx, zd.Ticket{
			Subject: subject, Priority: p.String(),
			Comment:   &zd.TicketComment{Body: body},
			Requester: &zd.Requester{Name: name, Email: email},
		})
		if err != nil {
			return nil, fmt.Errorf("create sample ticket %d: %w", i+1, err)
		}
		out = append(out, created{id: t.ID, email: email, priority: p})
	}
	return out, nil
}

// wait collects finished enrichments until n arrived, the timeout passed or
// ctx ended, and returns how many were enriched.
func (d *demo) wait(ctx context.Context, finished <-chan cohort.Enrichment, n int) int {
	timer := time.NewTimer(d.timeout)
	defer timer.Stop()
	done := 0
	for seen := 0; seen < n; seen++ {
		select {
		case e := <-finished:
			if e.Status == cohort.EnrichmentDone {
				done++
			}
		case <-timer.C:
			return done
		case <-ctx.Done():
			return done
		}
	}
	return done
}

// printTable shows each ticket as the sandbox has it now, beside cohort's
// record of it.
func (d *demo) printTable(ctx context.Context, a *app, zc *zendesk.Client, tickets []created) error {
	w := tabwriter.NewWriter(d.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TICKET\tREQUESTER\tSEGMENTS\tPRIORITY\tMACROS\tSTATUS")
	for _, c := range tickets {
		t, err := zc.API().GetTicket(ctx, c.id)
		if err != nil {
			return fmt.Errorf("read ticket %d from the sandbox: %w", c.id, err)
		}
		after, _ := cohort.ParsePriority(t.Priority)
		rec, err := a.db.Enrichment(ctx, zendesk.Name, c.id)
		status, segs, applied := "not received", "-", "-"
		if err == nil {
			status = string(rec.Status)
			if len(rec.Macros) > 0 {
				applied = strings.Join(rec.Macros, ", ")
			}
			if len(rec.Segments) > 0 {
				segs = strings.Join(rec.Segments, ", ")
			}
			if len(rec.Escalations) > 0 {
				segs += " ↑ " + strings.Join(rec.Escalations, ", ")
			}
		}
		fmt.Fprintf(w, "#%d\t%s\t%s\t%s → %s\t%s\t%s\n", c.id, c.email, segs, c.priority.Label(), after.Label(), applied, status)
	}
	return w.Flush()
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
