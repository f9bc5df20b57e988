// Package playbook holds what cohort decides with, besides its data: the
// segment rules (COHORT_SEGMENTS_FILE) and the macros (COHORT_MACROS_DIR),
// read and checked together, since macros name segments.
//
// A Provider is the one copy of them a process has: the enricher, the push
// API, the syncer and the macro sync all ask it for the current playbook,
// so that after an edit they all follow the new files at once. It reloads
// them on demand (SIGHUP) and when they change, and keeps the last good
// playbook when the new files do not load, logging each problem with its
// file and line.
//
// It reads files and nothing else: no store, no network.
package playbook

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/macros"
)

// Playbook is a segment rule set and the macros bound to it.
type Playbook struct {
	Rules  *rules.Set
	Macros *macros.Set
}

// Files says where a playbook is read from.
type Files struct {
	SegmentsFile string
	MacrosDir    string
	// MacrosOptional makes a missing MacrosDir mean no macros, as for the
	// default folder; otherwise it is an error.
	MacrosOptional bool
}

// Load reads and checks the playbook of files. Problems in the files come
// as a yamlfile.ErrorList (file:line: problem) wrapped in an error naming
// the variable that points at the file.
func Load(files Files) (*Playbook, error) {
	c, err := read(files)
	if err != nil {
		return nil, err
	}
	return c.parse(files)
}

// contents are a playbook's files as read.
type contents struct {
	segments []byte
	macros   []macros.File // nil when the folder is missing and optional
	stamp    [sha256.Size]byte
}

// read reads the segments file and every *.yaml and *.yml file of the
// macros folder, and stamps what it read.
func read(files Files) (*contents, error) {
	c := &contents{}
	var err error
	if c.segments, err = os.ReadFile(files.SegmentsFile); err != nil {
		return nil, fmt.Errorf("COHORT_SEGMENTS_FILE: %w", err)
	}
	h := sha256.New()
	h.Write(c.segments)
	var names []string
	for _, pattern := range []string{"*.yaml", "*.yml"} {
		found, _ := filepath.Glob(filepath.Join(files.MacrosDir, pattern)) // a pattern without meta characters cannot fail
		names = append(names, found...)
	}
	if _, err := os.Stat(files.MacrosDir); err != nil {
		if !(errors.Is(err, fs.ErrNotExist) && files.MacrosOptional) {
			return nil, fmt.Errorf("COHORT_MACROS_DIR: %w", err)
		}
		names = nil
	} else {
		c.macros = []macros.File{}
	}
	slices.Sort(names)
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("COHORT_MACROS_DIR: %w", err)
		}
		c.macros = append(c.macros, macros.File{Name: name, Data: data})
		fmt.Fprintf(h, "\x00%s\x00%d\x00", name, len(data))
		h.Write(data)
	}
	h.Sum(c.stamp[:0])
	return c, nil
}

// parse compiles the rules, checks the macros and binds them to the rules.
func (c *contents) parse(files Files) (*Playbook, error) {
	set, err := rules.Parse(files.SegmentsFile, c.segments)
	if err != nil {
		return nil, fmt.Errorf("COHORT_SEGMENTS_FILE: %w", err)
	}
	ms := &macros.Set{Dir: files.MacrosDir}
	if c.macros != nil {
		if ms, err = macros.Parse(c.macros...); err == nil {
			ms.Dir = files.MacrosDir
			err = ms.Bind(set)
		}
		if err != nil {
			return nil, fmt.Errorf("COHORT_MACROS_DIR: %w", err)
		}
	}
	return &Playbook{Rules: set, Macros: ms}, nil
}

// Provider hands out a process's current playbook. It is safe for
// concurrent use.
type Provider struct {
	files  Files // zero for a fixed playbook
	logger *slog.Logger
	cur    atomic.Pointer[Playbook]

	mu    sync.Mutex        // one reload at a time
	stamp [sha256.Size]byte // of the files last tried, good or not

	onReload func(err error) // see OnReload
}

// NewProvider loads the playbook of files; its first load must succeed.
func NewProvider(files Files, logger *slog.Logger) (*Provider, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c, err := read(files)
	if err != nil {
		return nil, err
	}
	pb, err := c.parse(files)
	if err != nil {
		return nil, err
	}
	p := &Provider{files: files, logger: logger, stamp: c.stamp}
	p.cur.Store(pb)
	return p, nil
}

// Fixed returns a provider of pb that never reloads, for a playbook that
// comes from no files (the demo's, a test's).
func Fixed(pb *Playbook) *Provider {
	p := &Provider{logger: slog.New(slog.DiscardHandler)}
	p.cur.Store(pb)
	return p
}

// OnReload has Watch call fn after each reload it tries that changed the
// playbook (err nil) or failed (err says why; the last good playbook
// stays), for an operator's metrics. Call it before Watch.
func (p *Provider) OnReload(fn func(err error)) { p.onReload = fn }

// Current returns the current playbook. Hold on to it for one piece of
// work, so that the rules and macros used together match.
func (p *Provider) Current() *Playbook { return p.cur.Load() }

// Rules returns the current playbook's segment rules.
func (p *Provider) Rules() *rules.Set { return p.cur.Load().Rules }

// Macros returns the current playbook's macros.
func (p *Provider) Macros() *macros.Set { return p.cur.Load().Macros }

// Reload reads the files again and, if they load, makes them the current
// playbook. Unless force is set it does nothing when the files are as
// they were when last tried. It reports whether the playbook changed; on
// an error the last good playbook stays.
func (p *Provider) Reload(force bool) (bool, error) {
	if p.files == (Files{}) {
		return false, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := read(p.files)
	if err != nil {
		return false, err
	}
	if !force && c.stamp == p.stamp {
		return false, nil
	}
	p.stamp = c.stamp
	pb, err := c.parse(p.files)
	if err != nil {
		return false, err
	}
	p.cur.Store(pb)
	return true, nil
}

// Watch reloads the playbook when its files change, checking every
// interval, and at once on each value from signals (SIGHUP, say), until
// ctx is done. A reload that fails keeps the last good playbook and logs
// the problems with their files and lines, once per version of the files.
func (p *Provider) Watch(ctx context.Context, interval time.Duration, signals <-chan os.Signal) {
	if p.files == (Files{}) {
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var failing string // the problem last reported, while it lasts
	for {
		force := false
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-signals:
			force = true
		}
		changed, err := p.Reload(force)
		if err != nil && err.Error() == failing && !force {
			continue // a file that cannot be read, read again: reported already
		}
		failing = ""
		if err != nil {
			failing = err.Error()
		}
		if p.onReload != nil && (changed || err != nil) {
			p.onReload(err)
		}
		switch {
		case err != nil:
			p.logger.Error("playbook not reloaded: the files have problems; the last good rules and macros stay in use",
				"err", err)
		case changed:
			pb := p.Current()
			p.logger.Info("playbook reloaded", "segments_file", p.files.SegmentsFile, "segments", len(pb.Rules.Segments),
				"escalations", len(pb.Rules.Escalations), "macros", len(pb.Macros.Macros))
		}
	}
}

// WatchInterval is how often a serving process checks its playbook's files
// for changes.
const WatchInterval = 5 * time.Second
