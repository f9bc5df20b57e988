package sandbox

import (
	"net/http"
	"strings"
)

// Conversation sources in views: 0 a reply, 2 a note (UNCONFIRMED: the
// sheets do not give the values).
const (
	sourceReply = 0
	sourceNote  = 2
)

func conversationView(c *Conversation) map[string]any {
	source, category := sourceNote, 2
	if c.Reply {
		source, category = sourceReply, 3
	}
	return map[string]any{
		"id":          c.ID,
		"ticket_id":   c.TicketID,
		"body":        c.Body,
		"body_text":   htmlText(c.Body),
		"user_id":     c.UserID,
		"private":     c.Private,
		"incoming":    c.Incoming,
		"source":      source,
		"category":    category,
		"notified_to": nonNil(c.NotifiedTo),
		"from_email":  nullIfEmpty(c.FromEmail),
		"cc_emails":   nonNil(c.CCEmails),
		"bcc_emails":  nonNil(c.BCCEmails),
		"to_emails":   []string{},
		"attachments": []any{},
		"created_at":  fmtTime(c.CreatedAt),
		"updated_at":  fmtTime(c.UpdatedAt),
	}
}

// createNote serves POST /tickets/{id}/notes (§10.3): body required,
// private defaulting to true, incoming, notify_emails, user_id.
func (s *Server) createNote(w http.ResponseWriter, r *http.Request) error {
	return s.addConversation(w, r, false)
}

// createReply serves POST /tickets/{id}/reply (§10.3): body required,
// from_email, user_id, cc_emails, bcc_emails. A reply by an agent is a
// response: it sets the ticket's first_responded_at (once) and
// agent_responded_at.
func (s *Server) createReply(w http.ResponseWriter, r *http.Request) error {
	return s.addConversation(w, r, true)
}

func (s *Server) addConversation(w http.ResponseWriter, r *http.Request, reply bool) error {
	m, err := decodeBody(r)
	if err != nil {
		return err
	}
	b := &body{m: m}
	c := &Conversation{Reply: reply, Private: !reply}
	if reply {
		b.only("body", "from_email", "user_id", "cc_emails", "bcc_emails")
		b.str("from_email", &c.FromEmail)
		b.strings("cc_emails", &c.CCEmails)
		b.strings("bcc_emails", &c.BCCEmails)
	} else {
		b.only("body", "private", "incoming", "notify_emails", "user_id")
		b.boolean("private", &c.Private)
		b.boolean("incoming", &c.Incoming)
		b.strings("notify_emails", &c.NotifiedTo)
	}
	if !b.has("body") {
		b.v.add("body", codeMissingField, "It should be a/an String")
	} else if b.str("body", &c.Body) && strings.TrimSpace(c.Body) == "" {
		b.v.add("body", codeInvalidValue, "It should not be blank as this is a mandatory field")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.ticketByIDLocked(r)
	if err != nil || t.Deleted {
		return errNotFound
	}
	c.UserID = s.agentID
	if present, null := b.integer("user_id", &c.UserID); present && !null {
		_, agent := s.agents[c.UserID]
		_, contact := s.contacts[c.UserID]
		if !agent && !contact {
			b.v.add("user_id", codeInvalidValue, "There is no contact or agent matching the given user_id")
		}
	}
	if err := b.v.err(); err != nil {
		return err
	}
	now := s.now()
	c.ID, c.TicketID, c.CreatedAt, c.UpdatedAt = s.nextID(), t.ID, now, now
	s.convs[c.ID] = c
	t.ConversationIDs = append(t.ConversationIDs, c.ID)
	t.UpdatedAt = now
	if _, byAgent := s.agents[c.UserID]; byAgent && reply {
		if t.Stats.FirstRespondedAt.IsZero() {
			t.Stats.FirstRespondedAt = now
		}
		t.Stats.AgentRespondedAt = now
	} else if !byAgent && (reply || c.Incoming) {
		t.Stats.RequesterRespondedAt = now
	}
	writeJSON(w, http.StatusCreated, conversationView(c))
	return nil
}

// listConversations serves GET /tickets/{id}/conversations, oldest first,
// paged.
func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) error {
	page, perPage, err := paging(r.URL.Query())
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.ticketByIDLocked(r)
	if err != nil {
		return err
	}
	items := make([]any, len(t.ConversationIDs))
	for i, id := range t.ConversationIDs {
		items[i] = conversationView(s.convs[id])
	}
	writePage(w, r, s.baseURLLocked(), items, page, perPage)
	return nil
}
