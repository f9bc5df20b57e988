package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// maxActiveJobs is Zendesk's limit on queued or working jobs per account.
const maxActiveJobs = 30

// Job statuses. Ticket and user jobs never fail as a whole ("failed"): an
// item (a ticket, a user) that cannot be written fails its own result.
// App builds do (jobFailed, apps.go).
const (
	jobQueued    = "queued"
	jobWorking   = "working"
	jobCompleted = "completed"
)

// errTooManyJobs answers a job request over maxActiveJobs. Zendesk names
// the error TooManyJobs; the status is the sandbox's choice. It has no
// Retry-After: it is no rate limit, and clears when jobs complete.
var errTooManyJobs = &apiError{status: http.StatusTooManyRequests, body: errorBody{
	Error:       "TooManyJobs",
	Description: fmt.Sprintf("At most %d jobs can be queued or working at once", maxActiveJobs),
}}

// Job types, as job_type reports them. The users one is UNCONFIRMED.
const (
	jobTypeBulkUpdate = "bulk_update"
	jobTypeUsers      = "bulk_create_or_update_users"
)

// job is a background job; it changes under s.mu as it runs.
type job struct {
	id       string
	jobType  string
	queuedAt time.Time // real time, for Faults.JobDelay
	status   string
	total    int
	progress int
	results  []jobResult
	message  string
	// seen holds, for a ticket job, each ticket's updated_at when the job
	// was queued, moved on by the job's own writes: updates without a stamp
	// of their own are safe against anyone else's changes since then.
	seen map[int64]time.Time
}

// jobTask performs one item of a job and returns its result; s.mu is held.
type jobTask func(j *job) jobResult

// jobResult is the outcome of one item of a job. Index, Email and
// ExternalID are set for the users of create_or_update_many only.
type jobResult struct {
	Index      *int   `json:"index,omitempty"`
	ID         int64  `json:"id,omitempty"`
	Action     string `json:"action,omitempty"`
	Status     string `json:"status,omitempty"`
	Success    *bool  `json:"success,omitempty"`
	Error      string `json:"error,omitempty"`
	Details    string `json:"details,omitempty"`
	Email      string `json:"email,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
}

// failedResult is the result of an item that failed with err.
func failedResult(id int64, action string, err error) jobResult {
	code, details := "InternalError", err.Error()
	if b, ok := errorBodyOf(err); ok {
		code, details = b.Error, strings.Join(append([]string{b.Description}, b.detailTexts()...), ": ")
	}
	return jobResult{ID: id, Action: action, Success: new(false), Error: code, Details: details}
}

// jobJSON is a job status as Zendesk serializes it (OAS JobStatusObject).
type jobJSON struct {
	ID       string      `json:"id"`
	URL      string      `json:"url"`
	JobType  string      `json:"job_type"`
	Status   string      `json:"status"`
	Total    int         `json:"total"`
	Progress int         `json:"progress"`
	Message  *string     `json:"message"`
	Results  []jobResult `json:"results"`
}

func (s *Server) jobView(j *job) jobJSON {
	return jobJSON{
		ID:       j.id,
		URL:      s.apiURL("job_statuses/%s.json", j.id),
		JobType:  j.jobType,
		Status:   j.status,
		Total:    j.total,
		Progress: j.progress,
		Message:  nullString(j.message),
		Results:  slices.Clone(j.results),
	}
}

// activeJobsLocked counts the queued and working jobs. s.mu must be held.
func (s *Server) activeJobsLocked() int {
	n := 0
	for _, j := range s.jobs {
		if j.status == jobQueued || j.status == jobWorking {
			n++
		}
	}
	return n
}

// newJobLocked returns a queued job of total items, or errTooManyJobs.
// s.mu must be held.
func (s *Server) newJobLocked(jobType string, total int) (*job, error) {
	if s.activeJobsLocked() >= maxActiveJobs {
		return nil, errTooManyJobs
	}
	return &job{id: randomHex(16), jobType: jobType, queuedAt: time.Now(), status: jobQueued, total: total}, nil
}

// queueJobLocked stores j, starts running its tasks in the background and
// returns its status. s.mu must be held.
func (s *Server) queueJobLocked(j *job, tasks []jobTask) jobJSON {
	s.jobs[j.id] = j
	s.stats.jobCreated()
	s.goLocked(func(ctx context.Context) { s.runJob(ctx, j, tasks) })
	return s.jobView(j)
}

// jobItem is one ticket update of an update_many job. stale, when the
// request gave a stamp, tells from the ticket's updated_at whether it
// changed since the client read it; otherwise job.seen decides: bulk and
// batch updates are always safe.
type jobItem struct {
	id    int64
	in    *ticketInput
	stale func(updatedAt time.Time) bool
}

// updateManyTickets emulates PUT /api/v2/tickets/update_many: with ?ids=
// a bulk update applying {"ticket":{…}} to every ticket, without a batch
// update of {"tickets":[{"id":…},…]}. Both answer a job status and run in
// the background.
func (s *Server) updateManyTickets(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Ticket  *ticketInput  `json:"ticket"`
		Tickets []ticketInput `json:"tickets"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	items, err := jobItems(r, body.Ticket, body.Tickets)
	if err != nil {
		return err
	}
	s.mu.Lock()
	j, err := s.newJobLocked(jobTypeBulkUpdate, len(items))
	if err != nil {
		s.mu.Unlock()
		return err
	}
	j.seen = make(map[int64]time.Time)
	tasks := make([]jobTask, len(items))
	for i, it := range items {
		if t, ok := s.tickets[it.id]; ok {
			j.seen[it.id] = t.updatedAt
		}
		tasks[i] = func(j *job) jobResult { return s.runJobItemLocked(j, it) }
	}
	view := s.queueJobLocked(j, tasks)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"job_status": view})
	return nil
}

// jobItems validates an update_many request and lists its updates.
func jobItems(r *http.Request, bulk *ticketInput, batch []ticketInput) ([]jobItem, error) {
	if r.URL.Query().Has("ids") {
		ids, err := queryIDs(r, "ids")
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 || bulk == nil {
			return nil, errBadRequest("a bulk update needs ids and a ticket")
		}
		var stale func(time.Time) bool
		if bulk.SafeUpdate != nil && bulk.UpdatedStamp != nil {
			stamp := *bulk.UpdatedStamp
			stale = func(updatedAt time.Time) bool { return updatedAt.After(stamp) }
		}
		items := make([]jobItem, len(ids))
		for i, id := range ids {
			items[i] = jobItem{id: id, in: bulk, stale: stale}
		}
		return items, nil
	}
	if len(batch) == 0 {
		return nil, errBadRequest("a batch update needs tickets (or ?ids= for a bulk update)")
	}
	if len(batch) > maxBatch {
		return nil, errBadRequest("at most %d tickets are allowed", maxBatch)
	}
	items := make([]jobItem, len(batch))
	for i := range batch {
		in := &batch[i]
		if in.ID <= 0 {
			return nil, errInvalid("tickets", "Ticket %d in the batch has no id", i)
		}
		items[i] = jobItem{id: in.ID, in: in}
		if in.SafeUpdate != nil {
			if in.UpdatedStamp == nil {
				return nil, errInvalid("tickets", "Ticket %d: safe_update requires updated_stamp", in.ID)
			}
			stamp := *in.UpdatedStamp
			items[i].stale = func(updatedAt time.Time) bool { return !updatedAt.Equal(stamp) }
		}
	}
	return items, nil
}

// runJob waits out Faults.JobDelay, then performs a job's tasks one by one
// as the admin.
func (s *Server) runJob(ctx context.Context, j *job, tasks []jobTask) {
	if !s.waitJobDelay(ctx, j.queuedAt) {
		return
	}
	for _, task := range tasks {
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		j.status = jobWorking
		j.results = append(j.results, task(j))
		j.progress++
		if j.progress == j.total {
			j.status = jobCompleted
			j.message = "Completed at " + s.now().Format("2006-01-02 15:04:05 -0700")
		}
		s.notifyLocked()
		s.mu.Unlock()
	}
}

// waitJobDelay blocks until Faults.JobDelay has passed since queuedAt,
// following changes of the delay, and reports false if ctx ends first.
func (s *Server) waitJobDelay(ctx context.Context, queuedAt time.Time) bool {
	for {
		s.mu.Lock()
		changed := s.changed // taken before reading the delay: SetFaults notifies after setting it
		s.mu.Unlock()
		wait := time.Until(queuedAt.Add(s.jobDelay()))
		if wait <= 0 {
			return true
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return false
		case <-changed:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// runJobItemLocked performs one update of job j; Faults.ConflictRate may
// fail it as a conflict. s.mu must be held.
func (s *Server) runJobItemLocked(j *job, it jobItem) jobResult {
	fail := func(err error) jobResult { return failedResult(it.id, "update", err) }
	t, ok := s.tickets[it.id]
	if !ok {
		return fail(errNotFound)
	}
	stale := !t.updatedAt.Equal(j.seen[it.id])
	if it.stale != nil {
		stale = it.stale(t.updatedAt)
	}
	if stale || s.conflictFault() {
		return fail(errConflict)
	}
	t, _, err := s.updateLocked(it.id, it.in, s.adminID)
	if err != nil {
		return fail(err)
	}
	j.seen[it.id] = t.updatedAt
	return jobResult{ID: it.id, Action: "update", Status: "Updated", Success: new(true)}
}

// showJobStatus emulates GET /api/v2/job_statuses/{id}.
func (s *Server) showJobStatus(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	j, ok := s.jobs[r.PathValue("id")]
	var view jobJSON
	if ok {
		view = s.jobView(j)
	}
	s.mu.Unlock()
	if !ok {
		return errNotFound
	}
	writeJSON(w, http.StatusOK, map[string]any{"job_status": view})
	return nil
}

// showManyJobStatuses emulates GET /api/v2/job_statuses/show_many?ids=a,b,c
// (at most 100 ids, required). Unknown ids are left out; the others come in
// the order asked.
func (s *Server) showManyJobStatuses(w http.ResponseWriter, r *http.Request) error {
	ids := splitList(r.URL.Query().Get("ids"))
	if len(ids) == 0 {
		return errBadRequest("ids is required")
	}
	if len(ids) > maxBatch {
		return errBadRequest("ids: at most %d ids are allowed", maxBatch)
	}
	s.mu.Lock()
	views := viewsOf(ids, s.jobs, s.jobView)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"job_statuses": views})
	return nil
}
