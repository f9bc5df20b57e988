package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// Job is a bulk-update job (apps-freshdesk-ops.md §2.5): its fields follow
// gofresh, the per-ticket results in Data follow third-party poller code,
// and the status strings "in_progress" and "completed" are gofresh's —
// all UNCONFIRMED.
type Job struct {
	ID              string      `json:"id"`
	Name            string      `json:"name"`
	Status          string      `json:"status"`
	Progress        int         `json:"progress"`
	CreatedAt       time.Time   `json:"created_at"`
	UpdatedAt       time.Time   `json:"updated_at"`
	StatusUpdatedAt time.Time   `json:"status_updated_at"`
	Data            []JobResult `json:"data"`
}

// JobResult is one ticket's outcome in a job.
type JobResult struct {
	ID      int64 `json:"id"`
	Success bool  `json:"success"`
	Error   any   `json:"error"`
}

// Job statuses.
const (
	JobInProgress = "in_progress"
	JobCompleted  = "completed"
)

// maxBulkIDs is the most ticket ids of one bulk update (third-party,
// UNCONFIRMED, §2.5).
const maxBulkIDs = 100

func jobView(j *Job) map[string]any {
	return map[string]any{
		"id": j.ID, "name": j.Name, "status": j.Status, "progress": j.Progress,
		"created_at": fmtTime(j.CreatedAt), "updated_at": fmtTime(j.UpdatedAt),
		"status_updated_at": fmtTime(j.StatusUpdatedAt), "download_url": nil,
		"data": slices.Clone(j.Data),
	}
}

// bulkUpdate serves POST /tickets/bulk_update (§2.5: POST, not gofresh's
// PUT): {"bulk_action":{"ids":[…],"properties":{…}}}, the properties
// validated as a ticket update's (tags replace the list, UNCONFIRMED for
// bulk updates). It answers 202 {"job_id"} and runs the job after
// Config.JobDelay; a ticket that is missing or deleted fails on its own.
// The optional reply of third-party docs is not emulated.
func (s *Server) bulkUpdate(w http.ResponseWriter, r *http.Request) error {
	m, err := decodeBody(r)
	if err != nil {
		return err
	}
	b := &body{m: m}
	b.only("bulk_action")
	action, ok := b.object("bulk_action")
	if !ok && !b.has("bulk_action") {
		b.v.add("bulk_action", codeMissingField, "It should be a/an key/value pair")
	}
	if err := b.v.err(); err != nil {
		return err
	}
	ab := &body{m: action}
	ab.only("ids", "properties")
	var ids []int64
	if raw, ok := action["ids"].([]any); ok {
		for _, e := range raw {
			n, isNum := e.(json.Number)
			id, err := n.Int64()
			if !isNum || err != nil {
				ab.v.add("ids", codeDatatypeMismatch, "It should contain elements of type Positive Integer only")
				break
			}
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 || len(ids) > maxBulkIDs {
		ab.v.add("ids", codeInvalidValue, "It should have between 1 and %d elements", maxBulkIDs)
	}
	props, ok := ab.object("properties")
	if !ok {
		ab.v.add("properties", codeMissingField, "It should be a/an key/value pair")
	}
	if err := ab.v.err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.parseTicketLocked(props, false)
	if err != nil {
		return err
	}
	id := make([]byte, 16)
	rand.Read(id)
	now := s.now()
	j := &Job{ID: hex.EncodeToString(id), Name: "bulk_update", Status: JobInProgress, CreatedAt: now, UpdatedAt: now, StatusUpdatedAt: now, Data: []JobResult{}}
	s.jobs[j.ID] = j
	s.stats.jobCreated()
	delay := s.cfg.JobDelay
	s.goLocked(func(ctx context.Context) {
		if delay > 0 && !s.sleep(ctx, delay) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, id := range ids {
			res := JobResult{ID: id, Success: true}
			if t, ok := s.tickets[id]; !ok || t.Deleted {
				res.Success, res.Error = false, "Ticket not found"
			} else {
				s.updateTicketLocked(t, in)
			}
			j.Data = append(j.Data, res)
		}
		now := s.now()
		j.Status, j.Progress, j.UpdatedAt, j.StatusUpdatedAt = JobCompleted, 100, now, now
		s.notifyLocked()
	})
	writeJSON(w, http.StatusAccepted, map[string]string{"job_id": j.ID})
	return nil
}

// showJob serves GET /jobs/{id}.
func (s *Server) showJob(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[r.PathValue("id")]
	if !ok {
		return errNotFound
	}
	writeJSON(w, http.StatusOK, jobView(j))
	return nil
}

// WaitJobs blocks until no bulk-update job is in progress, or ctx is done.
func (s *Server) WaitJobs(ctx context.Context) error {
	return s.waitFor(ctx, func() bool {
		for _, j := range s.jobs {
			if j.Status == JobInProgress {
				return false
			}
		}
		return true
	})
}
