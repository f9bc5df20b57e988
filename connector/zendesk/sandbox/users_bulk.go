package sandbox

import "net/http"

// errBulkImportDisabled answers create_or_update_many on an account without
// bulk user imports (Config.BulkUserImportDisabled). Zendesk documents the
// 403, not its body: this is its classic Forbidden body (UNCONFIRMED).
var errBulkImportDisabled = &apiError{status: http.StatusForbidden, body: errorBody{
	Error:       "Forbidden",
	Description: "You do not have access to this page. Please contact the account owner of this help desk for further help.",
}}

// createOrUpdateManyUsers emulates POST /api/v2/users/create_or_update_many:
// up to 100 users, each updating the user with its email, or else its
// external_id, or creating one. It answers a job status; the job writes
// the users in the background, one result per user, in order, with its
// index in the request.
func (s *Server) createOrUpdateManyUsers(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.BulkUserImportDisabled {
		return errBulkImportDisabled
	}
	var body struct {
		Users []userInput `json:"users"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	switch {
	case len(body.Users) == 0:
		return errBadRequest("users is required")
	case len(body.Users) > maxBatch:
		return errBadRequest("at most %d users are allowed", maxBatch)
	}
	tasks := make([]jobTask, len(body.Users))
	for i := range body.Users {
		in := &body.Users[i]
		tasks[i] = func(*job) jobResult { return s.upsertJobUserLocked(i, in) }
	}
	s.mu.Lock()
	j, err := s.newJobLocked(jobTypeUsers, len(tasks))
	var view jobJSON
	if err == nil {
		view = s.queueJobLocked(j, tasks)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"job_status": view})
	return nil
}

// upsertJobUserLocked writes the user at index of a create_or_update_many
// job. s.mu must be held.
func (s *Server) upsertJobUserLocked(index int, in *userInput) jobResult {
	u, created, err := s.upsertUserLocked(in)
	// The shapes of Zendesk's OpenAPI document: a create answers its id
	// and index (CreateResourceResult), an update its id, action, status
	// and success (UpdateResourceResult); both also say whose they are.
	switch {
	case err != nil:
		res := failedResult(0, "create", err)
		res.Index, res.Email, res.ExternalID = &index, in.Email, in.ExternalID.v
		return res
	case created:
		return jobResult{ID: u.id, Index: &index, Status: "Created", Email: u.email, ExternalID: u.externalID}
	default:
		return jobResult{ID: u.id, Action: "update", Status: "Updated", Success: new(true), Email: u.email, ExternalID: u.externalID}
	}
}
