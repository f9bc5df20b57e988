package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

func runHealthcheck(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "healthcheck", "healthcheck [--url URL] [--timeout 3s]",
		`Asks a running cohort whether it is ready: GET /readyz on the address of
COHORT_LISTEN_ADDR on this machine (an address without a host, such as :8080,
means 127.0.0.1). Exit 0 when it answers 200; 1, saying what it tried and what
came back, when it answers anything else, does not answer in time, or nothing
listens there. It needs no Zendesk settings, and no shell or curl: it is the
container image's HEALTHCHECK. --url checks another listener, such as a
syncer's metrics listener: --url http://127.0.0.1:9090/readyz.`)
	target := fs.String("url", "", "the URL to check (default: http://COHORT_LISTEN_ADDR/readyz, on 127.0.0.1 when it names no host)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, "unexpected argument %q", fs.Arg(0))
	}
	if *timeout <= 0 {
		return usageError(fs, "--timeout %v: want a duration above 0, such as 3s", *timeout)
	}
	u := *target
	if u == "" {
		cfg, err := loadConfig()
		if err != nil {
			return err
		}
		if u, err = readyURL(cfg.ListenAddr); err != nil {
			return configError(err)
		}
	} else if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return usageError(fs, "--url %q: want an http:// or https:// URL such as http://127.0.0.1:9090/readyz", u)
	}
	return checkReady(ctx, c, u, *timeout)
}

// readyURL is the /readyz URL of a listener on addr (COHORT_LISTEN_ADDR)
// on this machine: a host-less or unspecified address means loopback.
func readyURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", fmt.Errorf("COHORT_LISTEN_ADDR %q: want HOST:PORT or :PORT, such as :8080", addr)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}

// checkReady GETs u and returns nil when it answers 200 within timeout.
func checkReady(ctx context.Context, c *cli, u string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%s: %v", u, err)
	}
	// Straight to the listener: no proxy from the environment, no pool.
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("not ready: %s", unreachable(u, timeout, err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s answered %s%s", u, resp.Status, bodyNote(body))
	}
	fmt.Fprintf(c.stdout, "ready: %s answered %s\n", u, resp.Status)
	return nil
}

// unreachable says in words why u gave no answer.
func unreachable(u string, timeout time.Duration, err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing listens at " + u + " (connection refused)"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("no answer from %s within %v", u, timeout)
	case errors.Is(err, context.Canceled):
		return "stopped before " + u + " answered"
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot reach %s: host %s not found", u, dnsErr.Name)
	}
	// The innermost cause, without the request and dial wrappers.
	for {
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	return fmt.Sprintf("cannot reach %s: %v", u, err)
}

// bodyNote is the start of an answer's body, on one line, to quote.
func bodyNote(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if s == "" {
		return ""
	}
	return ": " + s
}
