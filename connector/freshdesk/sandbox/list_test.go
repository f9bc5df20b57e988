package sandbox_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestListTicketsPagination(t *testing.T) {
	srv, clk := start(t)
	for i := range 5 {
		createTicket(t, srv, obj{"email": "a@x.test", "subject": fmt.Sprint("t", i+1)})
		clk.Add(time.Second)
	}
	resp, data := call(t, srv, "GET", "/api/v2/tickets?per_page=2&order_type=asc", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, data)
	}
	link := resp.Header.Get("Link")
	next, ok := strings.CutSuffix(link, `>; rel="next"`)
	next = strings.TrimPrefix(next, "<")
	u, err := url.Parse(next)
	if !ok || err != nil || !strings.HasPrefix(next, srv.URL()+"/api/v2/tickets?") ||
		u.Query().Get("page") != "2" || u.Query().Get("per_page") != "2" || u.Query().Get("order_type") != "asc" {
		t.Fatalf("Link = %q", link)
	}
	var ids []string
	for page := 1; ; page++ {
		resp, data := call(t, srv, "GET", fmt.Sprintf("/api/v2/tickets?per_page=2&order_type=asc&page=%d", page), nil)
		list := decode[[]obj](t, data)
		for _, tk := range list {
			ids = append(ids, tk["subject"].(string))
			if _, ok := tk["description"]; ok {
				t.Errorf("the list shows description without include=description")
			}
		}
		if resp.Header.Get("Link") == "" {
			if page != 3 || len(list) != 1 {
				t.Errorf("last page %d has %d tickets", page, len(list))
			}
			break
		}
	}
	if got := strings.Join(ids, ","); got != "t1,t2,t3,t4,t5" {
		t.Errorf("ascending = %s", got)
	}
	// Default: newest first, 30 a page, no Link.
	resp, data = call(t, srv, "GET", "/api/v2/tickets", nil)
	if l := decode[[]obj](t, data); len(l) != 5 || l[0]["subject"] != "t5" || resp.Header.Get("Link") != "" {
		t.Errorf("default list: %d tickets, first %v, Link %q", len(l), l[0]["subject"], resp.Header.Get("Link"))
	}
	for _, q := range []string{"per_page=101", "page=0", "order_by=subject", "order_type=up", "updated_since=yesterday", "include=conversations"} {
		e := must[errorBody](t, srv, http.StatusBadRequest, "GET", "/api/v2/tickets?"+q, nil)
		if e.Description != "Validation failed" || len(e.Errors) != 1 || e.Errors[0].Code != "invalid_value" {
			t.Errorf("%s: %+v", q, e)
		}
	}
}

func TestListTicketsUpdatedSinceAndStats(t *testing.T) {
	srv, clk := start(t)
	old := createTicket(t, srv, obj{"email": "a@x.test", "subject": "old"})
	clk.Add(40 * 24 * time.Hour)
	recent := createTicket(t, srv, obj{"email": "a@x.test", "subject": "recent"})
	since := clk.Now().Add(-time.Second).Format(time.RFC3339)

	// Without updated_since only the last 30 days' tickets.
	if l := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/tickets", nil); len(l) != 1 || l[0]["id"] != float64(recent) {
		t.Errorf("default window = %v", l)
	}
	clk.Add(time.Minute)
	must[obj](t, srv, http.StatusOK, "PUT", fmt.Sprintf("/api/v2/tickets/%d", old), obj{"status": 4})
	must[obj](t, srv, http.StatusCreated, "POST", fmt.Sprintf("/api/v2/tickets/%d/reply", old), obj{"body": "<p>done</p>"})
	resp, data := call(t, srv, "GET", "/api/v2/tickets?include=stats,requester&order_by=updated_at&updated_since="+url.QueryEscape(since), nil)
	l := decode[[]obj](t, data)
	if resp.StatusCode != http.StatusOK || len(l) != 2 || l[0]["id"] != float64(old) {
		t.Fatalf("updated_since: %d %s", resp.StatusCode, data)
	}
	st := l[0]["stats"].(obj)
	if st["resolved_at"] != "2024-06-26T09:31:30Z" || st["first_responded_at"] != "2024-06-26T09:31:30Z" {
		t.Errorf("stats = %v", st)
	}
	if l[0]["requester"].(obj)["email"] != "a@x.test" {
		t.Errorf("requester = %v", l[0]["requester"])
	}
	// include=stats,requester on the list costs 1 + 2 per embed.
	if got := resp.Header.Get("X-Ratelimit-Used-CurrentRequest"); got != "5" {
		t.Errorf("X-Ratelimit-Used-CurrentRequest = %q", got)
	}
	if l := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/tickets?include=description", nil); l[0]["description"] == nil {
		t.Errorf("include=description: %v", l[0])
	}
}

func TestNotesRepliesConversations(t *testing.T) {
	srv, clk := start(t)
	id := createTicket(t, srv, obj{"email": "a@x.test", "subject": "s"})
	base := fmt.Sprintf("/api/v2/tickets/%d", id)
	clk.Add(time.Minute)
	note := must[obj](t, srv, http.StatusCreated, "POST", base+"/notes", obj{"body": "<p>cohort: <b>enterprise</b></p>"})
	if note["private"] != true || note["body_text"] != "cohort: enterprise" || note["ticket_id"] != float64(id) ||
		note["user_id"] != float64(srv.AgentID()) || note["incoming"] != false {
		t.Errorf("note = %v", note)
	}
	public := must[obj](t, srv, http.StatusCreated, "POST", base+"/notes", obj{"body": "fyi", "private": false})
	if public["private"] != false {
		t.Errorf("public note = %v", public)
	}
	st := must[obj](t, srv, http.StatusOK, "GET", base+"?include=stats", nil)
	if st["stats"].(obj)["first_responded_at"] != nil || st["updated_at"] != "2024-05-17T09:31:30Z" {
		t.Errorf("after notes: %v", st)
	}
	clk.Add(time.Minute)
	reply := must[obj](t, srv, http.StatusCreated, "POST", base+"/reply", obj{"body": "<p>Hello</p>", "cc_emails": []string{"c@x.test"}})
	if reply["private"] != false || reply["body"] != "<p>Hello</p>" {
		t.Errorf("reply = %v", reply)
	}
	tk := must[obj](t, srv, http.StatusOK, "GET", base+"?include=stats,conversations", nil)
	if tk["stats"].(obj)["first_responded_at"] != "2024-05-17T09:32:30Z" || len(tk["conversations"].([]any)) != 3 {
		t.Errorf("after reply: %v", tk)
	}
	convs := must[[]obj](t, srv, http.StatusOK, "GET", base+"/conversations", nil)
	if len(convs) != 3 || convs[0]["id"] != note["id"] || convs[2]["id"] != reply["id"] {
		t.Errorf("conversations = %v", convs)
	}
	e := must[errorBody](t, srv, http.StatusBadRequest, "POST", base+"/notes", obj{"private": "yes"})
	if !sameSet(e.fieldCodes(), []string{"body:missing_field", "private:datatype_mismatch"}) {
		t.Errorf("bad note: %v", e.fieldCodes())
	}
	if resp, _ := call(t, srv, "POST", "/api/v2/tickets/99/notes", obj{"body": "x"}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("note on a missing ticket: %d", resp.StatusCode)
	}
}
