package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"
)

// CannedFolder is a canned-response folder (§10.5, apps-freshdesk-ops.md
// §2.6).
type CannedFolder struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Personal  bool      `json:"personal"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CannedResponse is a canned response: title, HTML content, its folder.
type CannedResponse struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	FolderID  int64     `json:"folder_id"`
	Content   string    `json:"content_html"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (s *Server) folderViewLocked(f *CannedFolder) map[string]any {
	n := 0
	for _, c := range s.canned {
		if c.FolderID == f.ID {
			n++
		}
	}
	return map[string]any{
		"id": f.ID, "name": f.Name, "personal": f.Personal, "responses_count": n,
		"created_at": fmtTime(f.CreatedAt), "updated_at": fmtTime(f.UpdatedAt),
	}
}

func cannedView(c *CannedResponse) map[string]any {
	return map[string]any{
		"id": c.ID, "title": c.Title, "folder_id": c.FolderID,
		"content": htmlText(c.Content), "content_html": c.Content, "attachments": []any{},
		"created_at": fmtTime(c.CreatedAt), "updated_at": fmtTime(c.UpdatedAt),
	}
}

// listFolders serves GET /canned_response_folders: every folder, a JSON
// array, unpaged (UNCONFIRMED).
func (s *Server) listFolders(w http.ResponseWriter, _ *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []any{}
	for _, f := range sortedByID(s.folders, func(f *CannedFolder) int64 { return f.ID }) {
		items = append(items, s.folderViewLocked(f))
	}
	writeJSON(w, http.StatusOK, items)
	return nil
}

func (s *Server) folderLocked(r *http.Request) (*CannedFolder, error) {
	return byIDLocked(r, s.folders)
}

// showFolder serves GET /canned_response_folders/{id}: the folder with
// its responses under canned_responses (UNCONFIRMED shape).
func (s *Server) showFolder(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.folderLocked(r)
	if err != nil {
		return err
	}
	v := s.folderViewLocked(f)
	v["canned_responses"] = s.folderResponsesLocked(f.ID)
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) folderResponsesLocked(folderID int64) []any {
	items := []any{}
	for _, c := range sortedByID(s.canned, func(c *CannedResponse) int64 { return c.ID }) {
		if c.FolderID == folderID {
			items = append(items, cannedView(c))
		}
	}
	return items
}

func (s *Server) listFolderResponses(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.folderLocked(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.folderResponsesLocked(f.ID))
	return nil
}

func (s *Server) parseFolderLocked(r *http.Request, f *CannedFolder) error {
	m, err := decodeBody(r)
	if err != nil {
		return err
	}
	b := &body{m: m}
	b.only("name")
	if !b.str("name", &f.Name) || strings.TrimSpace(f.Name) == "" {
		b.v.add("name", codeMissingField, "It should be a/an String")
	}
	for _, o := range s.folders {
		if o.ID != f.ID && strings.EqualFold(o.Name, f.Name) {
			b.v.add("name", codeDuplicateValue, "It should be a unique value")
		}
	}
	return b.v.err()
}

// createFolder serves POST /canned_response_folder (singular, §2.6).
func (s *Server) createFolder(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := &CannedFolder{}
	if err := s.parseFolderLocked(r, f); err != nil {
		return err
	}
	now := s.now()
	f.ID, f.CreatedAt, f.UpdatedAt = s.nextID(), now, now
	s.folders[f.ID] = f
	writeJSON(w, http.StatusCreated, s.folderViewLocked(f))
	return nil
}

// updateFolder serves PUT /canned_response_folder/{id} (§2.6).
func (s *Server) updateFolder(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.folderLocked(r)
	if err != nil {
		return err
	}
	next := *f
	if err := s.parseFolderLocked(r, &next); err != nil {
		return err
	}
	next.UpdatedAt = s.now()
	*f = next
	writeJSON(w, http.StatusOK, s.folderViewLocked(f))
	return nil
}

func (s *Server) parseCannedLocked(r *http.Request, c *CannedResponse, create bool) error {
	m, err := decodeBody(r)
	if err != nil {
		return err
	}
	b := &body{m: m}
	b.only("title", "content_html", "folder_id", "visibility", "group_ids")
	b.str("title", &c.Title)
	b.str("content_html", &c.Content)
	if present, _ := b.integer("folder_id", &c.FolderID); present {
		if _, ok := s.folders[c.FolderID]; !ok {
			b.v.add("folder_id", codeInvalidValue, "There is no folder matching the given folder_id")
		}
	}
	if create {
		for key, v := range map[string]string{"title": c.Title, "content_html": c.Content} {
			if strings.TrimSpace(v) == "" {
				b.v.add(key, codeMissingField, "It should be a/an String")
			}
		}
		if c.FolderID == 0 {
			b.v.add("folder_id", codeMissingField, "It should be a/an Positive Integer")
		}
	}
	slices.SortFunc(b.v, func(a, b fieldError) int { return cmp.Compare(a.Field, b.Field) })
	return b.v.err()
}

// createCanned serves POST /canned_responses: title, content_html and
// folder_id required.
func (s *Server) createCanned(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &CannedResponse{}
	if err := s.parseCannedLocked(r, c, true); err != nil {
		return err
	}
	now := s.now()
	c.ID, c.CreatedAt, c.UpdatedAt = s.nextID(), now, now
	s.canned[c.ID] = c
	writeJSON(w, http.StatusCreated, cannedView(c))
	return nil
}

func (s *Server) cannedLocked(r *http.Request) (*CannedResponse, error) {
	return byIDLocked(r, s.canned)
}

func (s *Server) showCanned(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.cannedLocked(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cannedView(c))
	return nil
}

// updateCanned serves PUT /canned_responses/{id}. The sheets list no
// DELETE for canned responses (§2.6): retiring one means moving or
// rewriting it, and DELETE answers 404 here.
func (s *Server) updateCanned(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.cannedLocked(r)
	if err != nil {
		return err
	}
	next := *c
	if err := s.parseCannedLocked(r, &next, false); err != nil {
		return err
	}
	next.UpdatedAt = s.now()
	*c = next
	writeJSON(w, http.StatusOK, cannedView(c))
	return nil
}

// sortedByID returns m's values by id.
func sortedByID[V any](m map[int64]V, id func(V) int64) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b V) int { return cmp.Compare(id(a), id(b)) })
	return out
}
