package playbook_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/playbook"
)

const (
	segmentsV1 = "segments:\n  - name: enterprise\n    when: customer.plan == \"enterprise\"\n"
	segmentsV2 = "segments:\n  - name: vip\n    when: customer.arr > 100000\n" +
		"  - name: enterprise\n    when: customer.plan == \"enterprise\"\n"
	broken = "segments:\n  - name: vip\n    when: customer.tier == \"gold\"\n"
	macroA = "- key: welcome\n  title: Welcome\n  segments: [enterprise]\n  actions: {status: open}\n"
	macroB = "- key: vip_path\n  title: VIP\n  segments: [vip]\n  actions: {priority: urgent}\n"
)

// files writes a segments file and a macros folder and returns where.
func files(t *testing.T, segments string, macroFiles map[string]string) playbook.Files {
	t.Helper()
	dir := t.TempDir()
	f := playbook.Files{SegmentsFile: filepath.Join(dir, "segments.yaml"), MacrosDir: filepath.Join(dir, "macros")}
	write(t, f.SegmentsFile, segments)
	if err := os.Mkdir(f.MacrosDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, content := range macroFiles {
		write(t, filepath.Join(f.MacrosDir, name), content)
	}
	return f
}

// write replaces path's content at once, as an editor saving a file
// does, so that the watcher never reads it half written (empty).
func write(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a log sink safe for the watcher's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds or two seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLoadNamesTheVariableAndTheLine(t *testing.T) {
	f := files(t, broken, nil)
	_, err := playbook.Load(f)
	if err == nil || !strings.Contains(err.Error(), "COHORT_SEGMENTS_FILE: "+f.SegmentsFile+":3: segment \"vip\": when: customer has no field tier") {
		t.Errorf("err = %v", err)
	}
	f = files(t, segmentsV1, map[string]string{"m.yaml": macroB})
	if _, err := playbook.Load(f); err == nil || !strings.Contains(err.Error(), "COHORT_MACROS_DIR: ") || !strings.Contains(err.Error(), "vip") {
		t.Errorf("a macro of a segment the rules lack: err = %v", err)
	}
	f.MacrosDir = filepath.Join(t.TempDir(), "none")
	if _, err := playbook.Load(f); err == nil || !strings.Contains(err.Error(), "COHORT_MACROS_DIR") {
		t.Errorf("a missing macros folder: err = %v", err)
	}
	f.MacrosOptional = true
	if pb, err := playbook.Load(f); err != nil || len(pb.Macros.Macros) != 0 {
		t.Errorf("a missing optional macros folder: %+v, %v", pb, err)
	}
}

// TestWatchFollowsEdits: the provider picks up an edit of the segments
// file and of the macros together; a broken edit keeps the last good
// playbook and is logged with its line once; SIGHUP reloads at once.
func TestWatchFollowsEdits(t *testing.T) {
	f := files(t, segmentsV1, map[string]string{"a.yaml": macroA})
	logs := &syncBuffer{}
	p, err := playbook.NewProvider(f, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Rules().Segments[0].Name != "enterprise" || len(p.Macros().Macros) != 1 {
		t.Fatalf("first load: %+v", p.Current())
	}
	var mu sync.Mutex
	var reloads, failures int // as OnReload reports them
	p.OnReload(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failures++
		} else {
			reloads++
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	hup := make(chan os.Signal, 1)
	done := make(chan struct{})
	go func() { p.Watch(ctx, 10*time.Millisecond, hup); close(done) }()
	defer func() { cancel(); <-done }()

	// The rules, then a macro of their new segment (each state valid).
	write(t, f.SegmentsFile, segmentsV2)
	write(t, filepath.Join(f.MacrosDir, "b.yaml"), macroB)
	waitFor(t, "the edit", func() bool {
		pb := p.Current()
		return pb.Rules.Segments[0].Name == "vip" && len(pb.Macros.Macros) == 2
	})

	write(t, f.SegmentsFile, broken)
	waitFor(t, "the broken file's error", func() bool { return strings.Contains(logs.String(), f.SegmentsFile+":3:") })
	time.Sleep(50 * time.Millisecond) // more checks of the same broken file
	if p.Rules().Segments[0].Name != "vip" {
		t.Errorf("a broken file replaced the rules: %+v", p.Rules().Segments)
	}
	if n := strings.Count(logs.String(), "playbook not reloaded"); n != 1 {
		t.Errorf("the broken file was reported %d times, want once:\n%s", n, logs.String())
	}
	hup <- os.Interrupt // any signal value: a forced reload reports it again
	waitFor(t, "the forced reload", func() bool { return strings.Count(logs.String(), "playbook not reloaded") == 2 })
	mu.Lock()
	defer mu.Unlock()
	if reloads < 1 || failures != 2 {
		t.Errorf("OnReload heard %d reloads and %d failures, want at least 1 and exactly 2", reloads, failures)
	}
}

// TestMissingFileReportedOnce: a segments file that cannot be read (gone
// during a deploy, say) is reported once, not at every check, and its
// return is a reload.
func TestMissingFileReportedOnce(t *testing.T) {
	f := files(t, segmentsV1, nil)
	logs := &syncBuffer{}
	p, err := playbook.NewProvider(f, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var heard []error
	p.OnReload(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, err)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Watch(ctx, 5*time.Millisecond, nil); close(done) }()
	defer func() { cancel(); <-done }()

	if err := os.Remove(f.SegmentsFile); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the missing file's error", func() bool { return strings.Contains(logs.String(), "playbook not reloaded") })
	time.Sleep(50 * time.Millisecond) // ten more checks of the missing file
	write(t, f.SegmentsFile, segmentsV2)
	waitFor(t, "the file's return", func() bool { return p.Rules().Segments[0].Name == "vip" })
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logs.String(), "playbook not reloaded"); n != 1 || len(heard) != 2 || heard[0] == nil || heard[1] != nil {
		t.Errorf("logged %d times, OnReload heard %v; want one failure, then one reload", n, heard)
	}
}

func TestFixedNeverReloads(t *testing.T) {
	f := files(t, segmentsV1, nil)
	pb, err := playbook.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	p := playbook.Fixed(pb)
	write(t, f.SegmentsFile, segmentsV2)
	if changed, err := p.Reload(true); changed || err != nil || p.Current() != pb {
		t.Errorf("Reload = %v, %v", changed, err)
	}
}
