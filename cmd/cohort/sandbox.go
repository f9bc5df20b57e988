package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
	hubspotsb "github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
	salesforcesb "github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// Seeds of cohort sandbox's account.
const (
	seedSample = "sample"
	seedEmpty  = "empty"
)

// CRM emulators cohort sandbox can start beside Zendesk.
const (
	crmHubSpot    = "hubspot"
	crmSalesforce = "salesforce"
)

// stateSaveEvery is how often cohort sandbox --state writes the account
// when it changed.
const stateSaveEvery = 5 * time.Second

func runSandbox(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "sandbox", "sandbox [--addr 127.0.0.1:8081] [--email E] [--token T] [--seed sample|empty|FILE.json] [--state FILE.json] [--crm hubspot,salesforce]",
		`Runs the Zendesk sandbox on its own, in the foreground, until Ctrl-C: an
emulated Zendesk account any Zendesk client can use (cohort, go-zendesk,
node-zendesk, curl), with no account and no network. It prints the base URL,
the credentials and the COHORT_* lines that point cohort at it.

--seed sample (the default) gives the account the sample customers as users
and organizations and 120 days of ticket history; --seed empty only its
admin; --seed FILE.json an account written by --state (or by hand, in the
same format). --state FILE.json keeps the account in FILE across restarts:
loaded at start when it exists (the seed is then not used), written every few
seconds while it changes and at exit. It holds the account's secrets (API
token, webhook signing secrets): keep it private.

--crm starts the HubSpot and/or Salesforce emulator too, seeded like the
account, so that cohort's CRM sync can be tried the same way. Their data lives
in memory only.`)
	addr := fs.String("addr", "127.0.0.1:8081", "address the Zendesk sandbox listens on")
	email := fs.String("email", "", "the admin agent's email, for API token authentication (default: the --state file's, or "+sandbox.DefaultEmail+")")
	token := fs.String("token", "", "the admin's API token (default: the --state file's, or a new random one)")
	seed := fs.String("seed", seedSample, "the account to start with: sample, empty, or a JSON file")
	statePath := fs.String("state", "", "a JSON file that keeps the account across restarts")
	crms := fs.String("crm", "", "CRM emulators to start too: hubspot, salesforce, or both (comma-separated)")
	hubspotAddr := fs.String("hubspot-addr", "127.0.0.1:8082", "address of the HubSpot emulator (with --crm hubspot)")
	salesforceAddr := fs.String("salesforce-addr", "127.0.0.1:8083", "address of the Salesforce emulator (with --crm salesforce)")
	var faults sandboxFlags
	faults.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, "sandbox takes no arguments, only flags")
	}
	if err := faults.validate(); err != nil {
		return usageError(fs, "%v", err)
	}
	wantCRMs, err := parseCRMs(*crms)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	logger := newLogger(cfg, c.stderr)
	acct, err := loadSandboxAccount(*statePath, *seed)
	if err != nil {
		return configError(err) // a file the command line names
	}
	sb := &sandboxRun{stdout: c.stdout, logger: logger, statePath: *statePath}
	return sb.run(ctx, sandboxSettings{addr: *addr, email: *email, token: *token, account: acct, faults: faults,
		crms: wantCRMs, hubspotAddr: *hubspotAddr, salesforceAddr: *salesforceAddr})
}

// parseCRMs reads --crm: a comma-separated list of hubspot and salesforce.
func parseCRMs(list string) ([]string, error) {
	var out []string
	for name := range strings.SplitSeq(list, ",") {
		switch name = strings.ToLower(strings.TrimSpace(name)); name {
		case "":
		case crmHubSpot, crmSalesforce:
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		default:
			return nil, fmt.Errorf("--crm %q: want hubspot, salesforce, or both (hubspot,salesforce)", name)
		}
	}
	return out, nil
}

// sandboxAccount is what the account starts as: a State (from --state or
// a seed file), or the sample, or empty.
type sandboxAccount struct {
	state  *sandbox.State // nil for the sample and empty seeds
	sample bool
	from   string // what the account came from, for the banner
}

// loadSandboxAccount reads the --state file when it exists, or else the
// seed. A file that is not a sandbox account is an error naming it.
func loadSandboxAccount(statePath, seed string) (sandboxAccount, error) {
	if statePath != "" {
		st, err := readState(statePath)
		switch {
		case err == nil:
			return sandboxAccount{state: st, from: "kept in " + statePath}, nil
		case !errors.Is(err, fs.ErrNotExist):
			return sandboxAccount{}, err
		}
	}
	switch seed {
	case seedSample:
		return sandboxAccount{sample: true, from: "the sample customers and 120 days of tickets"}, nil
	case seedEmpty:
		return sandboxAccount{from: "empty"}, nil
	}
	st, err := readState(seed)
	if err != nil {
		return sandboxAccount{}, err
	}
	return sandboxAccount{state: st, from: "seeded from " + seed}, nil
}

// readState reads a sandbox account file.
func readState(path string) (*sandbox.State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	st, err := sandbox.ParseState(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// sandboxSettings are cohort sandbox's flags, read.
type sandboxSettings struct {
	addr, email, token          string
	account                     sandboxAccount
	faults                      sandboxFlags
	crms                        []string
	hubspotAddr, salesforceAddr string
}

// sandboxRun is a running cohort sandbox.
type sandboxRun struct {
	stdout    io.Writer
	logger    *slog.Logger
	statePath string
	saved     []byte // the account as last written to statePath
}

func (r *sandboxRun) run(ctx context.Context, set sandboxSettings) error {
	token, email := set.token, set.email
	if st := set.account.state; st != nil {
		token, email = cmp.Or(token, st.APIToken), cmp.Or(email, st.AdminEmail)
	}
	token, email = cmp.Or(token, randomToken()), cmp.Or(email, sandbox.DefaultEmail)
	set.email = email
	oauth := randomToken()
	// The account is whole before the sandbox listens: no client sees it
	// half loaded.
	zd := sandbox.New(sandbox.Config{Email: email, APIToken: token, OAuthTokens: []string{oauth},
		RateLimit: set.faults.rateLimit, Logger: r.logger.With("component", "sandbox")})
	defer zd.Close()
	customers, err := r.fill(zd, set.account)
	if err != nil {
		return err
	}
	zd.SetFaults(set.faults.faults)
	if err := zd.Listen(set.addr); err != nil {
		return fmt.Errorf("--addr %s: %w", set.addr, err)
	}
	st := zd.State()
	fmt.Fprintf(r.stdout, "Zendesk sandbox: %s (the API is under %s/api/v2)\n", zd.URL(), zd.URL())
	fmt.Fprintf(r.stdout, "  account:  %d users, %d organizations, %d tickets (%s)\n", len(st.Users), len(st.Organizations), len(st.Tickets), set.account.from)
	fmt.Fprintf(r.stdout, "  API token: HTTP Basic, user %q, password %q\n", set.email+"/token", token)
	fmt.Fprintf(r.stdout, "  OAuth:     Authorization: Bearer %s\n", oauth)
	fmt.Fprintf(r.stdout, "\nPoint cohort at it:\n\n")
	fmt.Fprintf(r.stdout, "export COHORT_ZENDESK_URL=%s\nexport COHORT_ZENDESK_EMAIL=%s\nexport COHORT_ZENDESK_API_TOKEN=%s\n", zd.URL(), set.email, token)
	for _, crm := range set.crms {
		stop, err := r.startCRM(crm, set, customers)
		if err != nil {
			return err
		}
		defer stop()
	}
	if r.statePath != "" {
		if err := r.save(zd); err != nil {
			return err
		}
		fmt.Fprintf(r.stdout, "\nThe account is kept in %s.\n", r.statePath)
	}
	fmt.Fprintln(r.stdout, "\nPress Ctrl-C to stop.")
	return r.serve(ctx, zd)
}

// fill gives the account its starting content and returns the sample
// customers when it was seeded with them.
func (r *sandboxRun) fill(zd *sandbox.Server, acct sandboxAccount) ([]cohort.Customer, error) {
	switch {
	case acct.state != nil:
		return nil, zd.Restore(acct.state)
	case acct.sample:
		customers, err := sampleCustomers()
		if err != nil {
			return nil, err
		}
		if err := zd.Restore(sampleState(customers)); err != nil {
			return nil, fmt.Errorf("seed the sample account: %w", err)
		}
		return customers, importSampleHistory(zd, customers, demoHistoryDays, demoHistoryPerDay)
	}
	return nil, nil
}

// serve waits for ctx, writing the account to the state file every
// stateSaveEvery while it changes, and once more at the end.
func (r *sandboxRun) serve(ctx context.Context, zd *sandbox.Server) error {
	if r.statePath == "" {
		<-ctx.Done()
		return nil
	}
	tick := time.NewTicker(stateSaveEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			waitCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = zd.WaitJobs(waitCtx) // a job in flight ends in the account written
			// Stop serving first: nothing a client is told was done can
			// miss the file.
			if err := zd.Close(); err != nil {
				r.logger.Warn("sandbox: stopping", "err", err)
			}
			if err := r.save(zd); err != nil {
				return err
			}
			fmt.Fprintf(r.stdout, "Kept the account in %s.\n", r.statePath)
			return nil
		case <-tick.C:
			if err := r.save(zd); err != nil {
				r.logger.Error("sandbox: cannot keep the account", "file", r.statePath, "err", err)
			}
		}
	}
}

// save writes the account to the state file when it changed since the
// last write: to a temporary file beside it, renamed over it, so that the
// file is always a whole account.
func (r *sandboxRun) save(zd *sandbox.Server) error {
	data, err := json.MarshalIndent(zd.State(), "", "  ")
	if err != nil {
		return err
	}
	if bytes.Equal(data, r.saved) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(r.statePath), filepath.Base(r.statePath)+".*")
	if err != nil {
		return fmt.Errorf("keep the account in %s: %w", r.statePath, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("keep the account in %s: %w", r.statePath, err)
	}
	if err := tmp.Sync(); err != nil { // on disk before it takes the name
		tmp.Close()
		return fmt.Errorf("keep the account in %s: %w", r.statePath, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keep the account in %s: %w", r.statePath, err)
	}
	if err := os.Rename(tmp.Name(), r.statePath); err != nil {
		return fmt.Errorf("keep the account in %s: %w", r.statePath, err)
	}
	r.saved = data
	return nil
}

// startCRM starts a CRM emulator seeded with customers (none for an
// account not seeded with the sample) and prints how to point cohort at
// it. It returns what stops it.
func (r *sandboxRun) startCRM(crm string, set sandboxSettings, customers []cohort.Customer) (func(), error) {
	token := randomToken()
	switch crm {
	case crmHubSpot:
		hs, err := hubspotsb.Start(hubspotsb.Config{Token: token}, set.hubspotAddr)
		if err != nil {
			return nil, fmt.Errorf("--hubspot-addr %s: %w", set.hubspotAddr, err)
		}
		if err := seedHubSpot(hs, customers); err != nil {
			hs.Close()
			return nil, err
		}
		fmt.Fprintf(r.stdout, "\nHubSpot emulator: %s, %d contacts\n\nexport COHORT_HUBSPOT_URL=%s\nexport COHORT_HUBSPOT_TOKEN=%s\n",
			hs.URL(), len(customers), hs.URL(), token)
		return func() { hs.Close() }, nil
	default:
		sf, err := salesforcesb.Start(salesforcesb.Config{AccessToken: token}, set.salesforceAddr)
		if err != nil {
			return nil, fmt.Errorf("--salesforce-addr %s: %w", set.salesforceAddr, err)
		}
		if err := seedSalesforce(sf, customers); err != nil {
			sf.Close()
			return nil, err
		}
		fmt.Fprintf(r.stdout, "\nSalesforce emulator: %s, %d contacts (the access token lasts while it is used)\n\nexport COHORT_SALESFORCE_URL=%s\nexport COHORT_SALESFORCE_ACCESS_TOKEN=%s\n",
			sf.URL(), len(customers), sf.URL(), token)
		return func() { sf.Close() }, nil
	}
}
