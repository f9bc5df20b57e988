package zendesk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cohortdesk/cohort"
)

// jobPoller waits for Zendesk's background jobs (batch ticket updates, bulk
// user writes). One request a poll interval reads every outstanding job
// (job_statuses/show_many, 100 at a time), however many callers wait.
//
// When show_many fails (a 404 from an account or a proxy that lacks it,
// or server errors) showManyFailures times in a row, the poller reads each
// job alone (job_statuses/{id}) for a while, then tries show_many again;
// after a 404, for much longer. A job that cannot be read at all for the
// client's job timeout fails its waiter with errJobUnread: the caller then
// finds out from the data itself what the job did (see updateMany). While
// no job can be read, the batcher sends updates alone (unreadable).
type jobPoller struct {
	c        *Client
	interval time.Duration
	timeout  time.Duration // a job unread this long fails its waiter
	now      func() time.Time

	mu       sync.Mutex
	waiting  map[string]*jobWait
	failures int       // show_many reads failed in a row
	alone    time.Time // until then, read each job alone
	blind    bool      // the last poll could read no job at all
	wake     chan struct{}
	quit     chan struct{}
	wg       sync.WaitGroup
}

// jobWait is a caller waiting for a job, and when the job was last read
// (or the wait began).
type jobWait struct {
	done     chan jobOutcome
	lastRead time.Time
}

type jobOutcome struct {
	status jobStatus
	err    error
}

// How the poller falls back when show_many fails.
const (
	showManyFailures = 3                // failed reads in a row before reading jobs alone
	showManyRetry    = time.Minute      // then show_many is tried again after this
	showManyMissing  = 30 * time.Minute // or after this when it answered 404
)

// Errors of a wait for a job.
var (
	errPollerClosed = errors.New("client closed before the job finished")
	errJobUnread    = errors.New("the job's status could not be read")
)

func newJobPoller(c *Client, interval, timeout time.Duration) *jobPoller {
	p := &jobPoller{c: c, interval: interval, timeout: timeout, now: time.Now, waiting: map[string]*jobWait{},
		wake: make(chan struct{}, 1), quit: make(chan struct{})}
	p.wg.Add(1)
	go p.run()
	return p
}

func (p *jobPoller) close() {
	close(p.quit)
	p.wg.Wait()
}

// await reads the job status a bulk write answered with (body) and, unless
// the job is done already, waits for it. A job that failed with no results
// is an error; so is one that could not be read, which wraps errJobUnread.
func (p *jobPoller) await(ctx context.Context, op string, body []byte) (jobStatus, error) {
	job, err := startedJob(body)
	if err != nil {
		return job, cohort.E(op, cohort.KindUnavailable, err)
	}
	if job.Status != "completed" && job.Status != "failed" {
		started := job.ID
		if job, err = p.wait(ctx, started); err != nil {
			return job, cohort.E(op, cohort.KindUnavailable, fmt.Errorf("waiting for job %s: %w", started, err))
		}
	}
	if job.Status == "failed" && len(job.Results) == 0 {
		return job, cohort.Errorf(op, cohort.KindUnavailable, "job %s failed: %s", job.ID, job.Message)
	}
	return job, nil
}

// startedJob reads the {"job_status": …} a bulk write answers with.
func startedJob(body []byte) (jobStatus, error) {
	var started struct {
		JobStatus jobStatus `json:"job_status"`
	}
	if err := json.Unmarshal(body, &started); err != nil {
		return jobStatus{}, fmt.Errorf("unreadable job status: %v", err)
	}
	if started.JobStatus.ID == "" {
		return jobStatus{}, errors.New("the answer holds no job status")
	}
	return started.JobStatus, nil
}

// wait returns the job's status once it completed or failed, or
// errJobUnread once it could not be read for the job timeout.
func (p *jobPoller) wait(ctx context.Context, id string) (jobStatus, error) {
	w := &jobWait{done: make(chan jobOutcome, 1), lastRead: p.now()}
	p.mu.Lock()
	p.waiting[id] = w
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	var err error
	select {
	case out := <-w.done:
		return out.status, out.err
	case <-ctx.Done():
		err = ctx.Err()
	case <-p.quit:
		err = errPollerClosed
	}
	p.mu.Lock()
	delete(p.waiting, id)
	p.mu.Unlock()
	return jobStatus{}, err
}

func (p *jobPoller) run() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		n := len(p.waiting)
		p.mu.Unlock()
		if n == 0 {
			select {
			case <-p.wake:
			case <-p.quit:
				return
			}
		}
		select {
		case <-time.After(p.interval):
		case <-p.quit:
			return
		}
		p.poll()
	}
}

// poll reads the outstanding jobs, answers the finished ones, and fails
// those unread for the job timeout.
func (p *jobPoller) poll() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p.mu.Lock()
	ids := make([]string, 0, len(p.waiting))
	for id := range p.waiting {
		if len(ids) == 100 {
			break
		}
		ids = append(ids, id)
	}
	alone := p.now().Before(p.alone)
	p.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	var read []jobStatus
	if !alone {
		var err error
		if read, err = p.showMany(ctx, ids); err != nil {
			alone = p.showManyFailed(err)
		}
	}
	if alone {
		read = p.readAlone(ctx, ids)
	}
	p.mu.Lock()
	p.blind = alone && len(read) == 0
	p.mu.Unlock()
	p.answer(read)
}

// unreadable reports whether job statuses cannot be read at the moment:
// the batcher then sends updates alone, which need no job.
func (p *jobPoller) unreadable() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.blind
}

// showMany reads jobs ids in one request.
//
// Zendesk API docs: GET /api/v2/job_statuses/show_many
func (p *jobPoller) showMany(ctx context.Context, ids []string) ([]jobStatus, error) {
	var page struct {
		JobStatuses []jobStatus `json:"job_statuses"`
	}
	err := p.c.getJSON(ctx, "/job_statuses/show_many.json?ids="+url.QueryEscape(strings.Join(ids, ",")), &page)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.failures = 0
	p.mu.Unlock()
	return page.JobStatuses, nil
}

// showManyFailed counts a failed show_many and reports whether jobs are
// now read alone.
func (p *jobPoller) showManyFailed(err error) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures++
	missing := cohort.KindOf(err) == cohort.KindNotFound
	if !missing && p.failures < showManyFailures {
		p.c.logger.Debug("reading batch job statuses failed; will retry", "err", err)
		return false
	}
	retry := showManyRetry
	if missing {
		retry = showManyMissing
	}
	p.alone, p.failures = p.now().Add(retry), 0
	p.c.logger.Warn("reading job statuses together failed; reading each job alone for a while", "err", err, "for", retry)
	return true
}

// readAlone reads each of jobs ids in a request of its own; a job that
// cannot be read is left out.
//
// Zendesk API docs: GET /api/v2/job_statuses/{job_status_id}
func (p *jobPoller) readAlone(ctx context.Context, ids []string) []jobStatus {
	var read []jobStatus
	for _, id := range ids {
		var one struct {
			JobStatus jobStatus `json:"job_status"`
		}
		if err := p.c.getJSON(ctx, "/job_statuses/"+url.PathEscape(id)+".json", &one); err != nil {
			p.c.logger.Debug("reading a job status failed; will retry", "job", id, "err", err)
			continue
		}
		read = append(read, one.JobStatus)
	}
	return read
}

// answer hands the finished jobs of read to their waiters, notes when the
// others were read, and fails the waits of jobs unread for the timeout.
func (p *jobPoller) answer(read []jobStatus) {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range read {
		w, ok := p.waiting[st.ID]
		if !ok {
			continue
		}
		w.lastRead = now
		if st.Status == "completed" || st.Status == "failed" {
			w.done <- jobOutcome{status: st}
			delete(p.waiting, st.ID)
		}
	}
	for id, w := range p.waiting {
		if now.Sub(w.lastRead) >= p.timeout {
			p.c.logger.Warn("a background job could not be read; checking its work another way", "job", id, "unread_for", now.Sub(w.lastRead))
			w.done <- jobOutcome{err: errJobUnread}
			delete(p.waiting, id)
		}
	}
}
