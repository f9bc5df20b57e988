package sandbox

import (
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// comment is a ticket comment; public false is an internal note.
type comment struct {
	id        int64
	authorID  int64
	auditID   int64
	body      string
	htmlBody  string
	public    bool
	createdAt time.Time
	// custom is the update's custom metadata, as the comment's metadata
	// shows it; nil for none.
	custom map[string]any
}

// commentInput is the "comment" of a ticket write.
type commentInput struct {
	Body     string   `json:"body"`
	HTMLBody string   `json:"html_body"`
	Public   *bool    `json:"public"`
	AuthorID int64    `json:"author_id"`
	Uploads  []string `json:"uploads"`
}

// newComment validates in and returns the comment it adds to t. Without
// "public" it takes the first comment's visibility, as Zendesk does.
func (s *Server) newComment(t *ticket, in *commentInput, actorID, auditID int64, at time.Time) (comment, error) {
	if len(in.Uploads) > 0 {
		return comment{}, errInvalid("comment", "Comment: uploads are not supported by the sandbox")
	}
	body, htmlBody := in.Body, in.HTMLBody
	switch {
	case strings.TrimSpace(body) == "" && strings.TrimSpace(htmlBody) == "":
		return comment{}, errInvalid("comment", "Comment: body cannot be blank")
	case htmlBody == "":
		htmlBody = htmlFromText(body)
	case body == "":
		body = textFromHTML(htmlBody)
	}
	author := actorID
	if in.AuthorID != 0 {
		if _, ok := s.users[in.AuthorID]; !ok {
			return comment{}, errInvalid("comment", "Comment: author %d not found", in.AuthorID)
		}
		author = in.AuthorID
	}
	public := len(t.comments) == 0 || t.comments[0].public
	if in.Public != nil {
		public = *in.Public
	}
	return comment{
		id:        s.nextID(),
		authorID:  author,
		auditID:   auditID,
		body:      body,
		htmlBody:  htmlBody,
		public:    public,
		createdAt: at,
	}, nil
}

// htmlFromText renders a plain-text body the way Zendesk wraps it.
func htmlFromText(s string) string {
	escaped := strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
	return `<div class="zd-comment" dir="auto"><p dir="auto">` + escaped + `</p></div>`
}

var (
	htmlBreak = regexp.MustCompile(`(?i)<br\s*/?>|</p>`)
	htmlTag   = regexp.MustCompile(`<[^>]*>`)
)

// textFromHTML is a plain-text approximation of an HTML body.
func textFromHTML(s string) string {
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, "")
	return strings.TrimSpace(html.UnescapeString(s))
}

// commentEventJSON is a comment as an audit event.
type commentEventJSON struct {
	ID          int64  `json:"id"`
	Type        string `json:"type"`
	AuthorID    int64  `json:"author_id"`
	Body        string `json:"body"`
	HTMLBody    string `json:"html_body"`
	PlainBody   string `json:"plain_body"`
	Public      bool   `json:"public"`
	Attachments []any  `json:"attachments"`
	AuditID     int64  `json:"audit_id"`
}

func commentEvent(c comment) commentEventJSON {
	return commentEventJSON{
		ID:          c.id,
		Type:        "Comment",
		AuthorID:    c.authorID,
		Body:        c.body,
		HTMLBody:    c.htmlBody,
		PlainBody:   c.body,
		Public:      c.public,
		Attachments: []any{},
		AuditID:     c.auditID,
	}
}

// commentJSON is a comment as the comments endpoint lists it (fixture
// GET/ticket_comments.json): the audit event's fields and a few more.
type commentJSON struct {
	commentEventJSON
	Via       viaJSON        `json:"via"`
	Metadata  map[string]any `json:"metadata"`
	CreatedAt string         `json:"created_at"`
}

func commentView(c comment) commentJSON {
	return commentJSON{
		commentEventJSON: commentEvent(c),
		Via:              viaAPI,
		Metadata:         auditMetadata(c.custom),
		CreatedAt:        formatTime(c.createdAt),
	}
}

// auditMetadata is the metadata of an audit, and of its comment: the
// write's custom metadata under "custom".
func auditMetadata(custom map[string]any) map[string]any {
	if custom == nil {
		return map[string]any{"system": struct{}{}, "custom": struct{}{}}
	}
	return map[string]any{"system": struct{}{}, "custom": custom}
}

// listComments emulates GET /api/v2/tickets/{id}/comments: oldest first
// (sort=-created_at or sort_order=desc for newest first), cursor pagination
// with page[size], else offset pagination.
func (s *Server) listComments(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	t, ok := s.tickets[id]
	var views []commentJSON
	if ok {
		views = make([]commentJSON, 0, len(t.comments))
		for _, c := range t.comments {
			views = append(views, commentView(c))
		}
	}
	s.mu.Unlock()
	if !ok {
		return errNotFound
	}
	q := r.URL.Query()
	newestFirst := q.Get("sort") == "-created_at" || q.Get("sort_order") == "desc"
	if newestFirst {
		slices.Reverse(views)
	}
	key := func(c commentJSON) string { return orderKey(c.ID) }
	if newestFirst {
		key = descending(key)
	}
	return writeList(w, r, "comments", views, key)
}
