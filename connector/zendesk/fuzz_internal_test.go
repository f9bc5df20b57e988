package zendesk

import "testing"

// FuzzJobResults reads any answer to a bulk write and matches its results
// to a batch of users: an answer without a job is an error; a job's
// results, however odd, name each user once at most.
func FuzzJobResults(f *testing.F) {
	f.Add([]byte(`{"job_status":{"id":"j1","status":"completed","results":[{"index":0,"id":9,"success":true,"email":"a@x.example"},` +
		`{"id":10,"success":false,"error":"UserError","details":"bad","external_id":"c-2"}]}}`))
	f.Add([]byte(`{"job_status":{"id":"j2","status":"failed","message":"boom","results":[{"index":-1},{"index":99},{"index":null}]}}`))
	f.Add([]byte(`{"job_status":{"id":""}}`))
	f.Add([]byte(`{"job_status":{"id":"j3","status":"queued","results":"oops"}}`))
	batch := []UserFields{{Email: "a@x.example"}, {ExternalID: "c-2"}, {Email: "c@x.example", ExternalID: "c-3"}}
	f.Fuzz(func(t *testing.T, body []byte) {
		job, err := startedJob(body)
		if err != nil {
			return
		}
		if job.ID == "" {
			t.Fatal("a job without an id")
		}
		seen := map[int]bool{}
		for _, failure := range upsertFailures(batch, job.Results) {
			if failure.Index < 0 || failure.Index >= len(batch) {
				t.Fatalf("failure of user %d of %d", failure.Index, len(batch))
			}
			if seen[failure.Index] {
				t.Fatalf("user %d reported twice", failure.Index)
			}
			seen[failure.Index] = true
		}
	})
}
