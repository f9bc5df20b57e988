package sandbox

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ImportedTicket is a ticket with a past, for ImportTicket. Times are
// truncated to the second.
type ImportedTicket struct {
	// Subject is the ticket's subject; Description its first comment,
	// written by the requester (the subject when empty).
	Subject, Description string
	// RequesterID names an existing requester; otherwise the requester is
	// found by RequesterEmail or created as an end-user named RequesterName.
	RequesterID                   int64
	RequesterEmail, RequesterName string
	// AssigneeID is an agent, or 0. Replies are written by the assignee, or
	// by the admin when there is none.
	AssigneeID int64
	Tags       []string
	// Status is the ticket's status: "solved" by default when SolvedAt is
	// set, "open" otherwise. solved and closed need SolvedAt.
	Status string
	// CreatedAt is required, and no time may be after the sandbox clock's
	// now.
	CreatedAt time.Time
	// FirstReplyAt is the first public agent reply, if any. Replies counts
	// the public agent replies (1 when FirstReplyAt is set and Replies 0);
	// the later ones are spread evenly up to SolvedAt.
	FirstReplyAt time.Time
	Replies      int
	// SolvedAt is when the ticket was last solved, if it was; it is also
	// its first resolution. Reopens counts how often it was reopened.
	SolvedAt time.Time
	Reopens  int
	// Rating is "good", "bad" or "" (not rated), given with RatingComment
	// at RatedAt (SolvedAt when zero). Only solved tickets are rated.
	Rating        string
	RatingComment string
	RatedAt       time.Time
}

// ImportTicket stores a ticket with the history it describes, as
// Zendesk's ticket import does: its metrics, incremental export entry and
// satisfaction rating are those the events would have produced, and no
// trigger runs. It returns the ticket's id.
func (s *Server) ImportTicket(in ImportedTicket) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.importLocked(in)
	if err != nil {
		return 0, fmt.Errorf("sandbox: import ticket: %w", err)
	}
	return t.id, nil
}

// importLocked validates and stores an imported ticket. s.mu must be held.
func (s *Server) importLocked(in ImportedTicket) (*ticket, error) {
	created, firstReply, solved := in.CreatedAt.UTC().Truncate(time.Second), in.FirstReplyAt.UTC().Truncate(time.Second), in.SolvedAt.UTC().Truncate(time.Second)
	rated := in.RatedAt.UTC().Truncate(time.Second)
	if rated.IsZero() {
		rated = solved
	}
	replies := in.Replies
	if replies == 0 && !firstReply.IsZero() {
		replies = 1
	}
	status := in.Status
	if status == "" {
		status = statusOpen
		if !solved.IsZero() {
			status = statusSolved
		}
	}
	now := s.now()
	switch {
	case created.IsZero():
		return nil, errors.New("CreatedAt is required")
	case !slices.Contains(ticketStatuses, status):
		return nil, fmt.Errorf("status %q is not a ticket status", status)
	case solvedStatus(status) != !solved.IsZero():
		return nil, fmt.Errorf("status %s with SolvedAt %v: solved and closed tickets, and they only, have a SolvedAt", status, in.SolvedAt)
	case replies < 0 || in.Reopens < 0 || (replies > 0) != !firstReply.IsZero():
		return nil, errors.New("FirstReplyAt is set when, and only when, there are Replies")
	case !firstReply.IsZero() && firstReply.Before(created), !solved.IsZero() && solved.Before(created),
		!firstReply.IsZero() && !solved.IsZero() && solved.Before(firstReply):
		return nil, errors.New("the times must follow CreatedAt ≤ FirstReplyAt ≤ SolvedAt")
	case later(created, later(firstReply, solved)).After(now), in.Rating != "" && rated.After(now):
		return nil, errors.New("a time is in the future")
	case in.Rating != "" && rated.Before(solved):
		return nil, errors.New("RatedAt is before SolvedAt")
	}
	if in.Rating != "" {
		if err := checkRating(status, in.Rating); err != nil {
			return nil, err
		}
	}
	requesterID := in.RequesterID
	if requesterID == 0 {
		u, err := s.findOrNewRequesterLocked(&requesterInput{Name: in.RequesterName, Email: in.RequesterEmail})
		if err != nil {
			return nil, err
		}
		if s.users[u.id] == nil {
			s.addUser(u)
		}
		requesterID = u.id
	} else if _, ok := s.users[requesterID]; !ok {
		return nil, fmt.Errorf("requester %d not found", requesterID)
	}
	author := s.adminID
	if in.AssigneeID != 0 {
		if !s.isAgentLocked(in.AssigneeID) {
			return nil, fmt.Errorf("assignee %d is not an agent", in.AssigneeID)
		}
		author = in.AssigneeID
	}

	description := in.Description
	if description == "" {
		description = in.Subject
	}
	t := &ticket{
		subject:     in.Subject,
		status:      status,
		requesterID: requesterID,
		submitterID: requesterID,
		assigneeID:  in.AssigneeID,
		tags:        normalizeTags(in.Tags),
		createdAt:   created,
	}
	if r := s.users[requesterID]; r != nil {
		t.organizationID = r.organizationID
	}
	t.comments = append(t.comments, s.importedComment(requesterID, description, created))
	for i := range replies {
		at := firstReply
		if !solved.IsZero() {
			at = firstReply.Add(solved.Sub(firstReply) * time.Duration(i) / time.Duration(replies)).Truncate(time.Second)
		}
		t.comments = append(t.comments, s.importedComment(author, fmt.Sprintf("Reply %d", i+1), at))
	}
	last := t.comments[len(t.comments)-1].createdAt
	t.updatedAt = later(last, solved)
	t.metrics = ticketMetrics{
		id:              s.nextID(),
		statusUpdatedAt: later(created, solved),
		latestCommentAt: last,
		firstReplyAt:    firstReply,
		firstSolvedAt:   solved,
		solvedAt:        solved,
		reopens:         in.Reopens,
		replies:         replies,
	}
	if in.AssigneeID != 0 {
		t.metrics.assignedAt, t.metrics.initiallyAssignedAt, t.metrics.assigneeUpdatedAt = created, created, created
		t.metrics.assigneeStations = 1
	}
	if in.Rating != "" {
		t.rating = satisfaction{id: s.nextID(), score: in.Rating, comment: in.RatingComment, createdAt: rated, updatedAt: rated}
		t.updatedAt = later(t.updatedAt, rated)
	}
	s.ticketSeq++
	t.id = s.ticketSeq
	s.storeTicketLocked(t)
	return t, nil
}

// importedComment is a public comment of an imported ticket.
func (s *Server) importedComment(author int64, body string, at time.Time) comment {
	return comment{id: s.nextID(), authorID: author, auditID: s.nextID(), body: body,
		htmlBody: htmlFromText(body), public: true, createdAt: at}
}
