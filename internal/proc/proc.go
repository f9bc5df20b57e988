// Package proc builds the cohort binary and runs `cohort serve` as a real
// process, for the tests and benchmarks that must kill, stop or multiply
// it. It is internal: no part of the product uses it.
package proc

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk"
)

var (
	buildMu  sync.Mutex
	buildDir string // "" before a build, and after Cleanup
	binary   string
	buildErr error
)

// Binary builds ./cmd/cohort once per process (again after Cleanup) and
// returns its path. Whoever calls it calls Cleanup when done: the build
// takes tens of megabytes of the temporary folder.
func Binary() (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildDir == "" {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		dir, err := os.MkdirTemp("", "cohort-bin-")
		if err != nil {
			return "", err
		}
		buildDir, binary, buildErr = dir, filepath.Join(dir, "cohort"), nil
		cmd := exec.Command("go", "build", "-o", binary, "./cmd/cohort")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/cohort: %v\n%s", err, out)
		}
	}
	return binary, buildErr
}

// Cleanup removes the binary Binary built, if any, and its folder. In a
// test package, call it from TestMain once the tests have run.
func Cleanup() error {
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildDir == "" {
		return nil
	}
	err := os.RemoveAll(buildDir)
	buildDir, binary, buildErr = "", "", nil
	return err
}

// Serve is one running `cohort serve`.
type Serve struct {
	Addr   string // host:port it listens on
	cmd    *exec.Cmd
	logs   *Buffer
	exited chan struct{} // closed once the process has exited and exit is set
	exit   error
}

// Start runs `cohort serve` with the environment env (on top of this
// process's) on the COHORT_LISTEN_ADDR env names, else on a free loopback
// port, and waits until /readyz answers 200.
func Start(env []string) (*Serve, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	var addr string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "COHORT_LISTEN_ADDR="); ok {
			addr = v
		}
	}
	if addr == "" {
		if addr, err = FreeAddr(); err != nil {
			return nil, err
		}
	}
	s := &Serve{Addr: addr, logs: &Buffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append(os.Environ(), append(env, "COHORT_LISTEN_ADDR="+addr)...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		s.exit = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Kill()
		return nil, fmt.Errorf("%w\n%s", err, s.Logs())
	}
	return s, nil
}

// waitReady waits for /readyz, or for the process to exit.
func (s *Serve) waitReady(timeout time.Duration) error {
	return WaitReady(s.Addr, timeout, func() error {
		if !s.Running() {
			return fmt.Errorf("cohort serve exited before it was ready: %v", s.exit)
		}
		return nil
	})
}

// WaitReady polls http://addr/readyz, as an orchestrator would, until it
// answers 200 or timeout passes. alive, if not nil, is asked before each
// poll whether to keep waiting.
func WaitReady(addr string, timeout time.Duration, alive func() error) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if alive != nil {
			if err := alive(); err != nil {
				return err
			}
		}
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready within %v", addr, timeout)
}

// Logs returns what the process wrote so far.
func (s *Serve) Logs() string { return s.logs.String() }

// Kill stops the process with SIGKILL and waits for it.
func (s *Serve) Kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	s.wait(time.Minute)
}

// Stop sends SIGTERM and waits up to timeout for the process to exit; it
// returns the exit error (nil for status 0).
func (s *Serve) Stop(timeout time.Duration) error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	if !s.wait(timeout) {
		_ = s.cmd.Process.Kill()
		s.wait(time.Minute)
		return fmt.Errorf("cohort serve did not stop within %v of SIGTERM", timeout)
	}
	return s.exit
}

// Running reports whether the process has not exited.
func (s *Serve) Running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

func (s *Serve) wait(timeout time.Duration) bool {
	select {
	case <-s.exited:
		return true
	case <-time.After(timeout):
		return false
	}
}

// FreeAddr returns a loopback address whose port was free just now.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Buffer is a bytes.Buffer safe for one writer and concurrent readers.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Deliver posts ticket id's webhook body to the cohort serve at addr,
// signed with secret and carrying invocation id "inv-ID" as Zendesk would
// send it, and reports whether it was answered 202.
func Deliver(client *http.Client, addr, secret string, id int64, body []byte) bool {
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/zendesk", bytes.NewReader(body))
	if err != nil {
		return false
	}
	ts := time.Now().UTC().Format(time.RFC3339)
	req.Header.Set(zendesk.HeaderSignatureTimestamp, ts)
	req.Header.Set(zendesk.HeaderSignature, zendesk.Sign(secret, ts, body))
	req.Header.Set(zendesk.HeaderInvocationID, fmt.Sprint("inv-", id))
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusAccepted
}
