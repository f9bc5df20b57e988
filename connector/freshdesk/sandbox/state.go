package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// State is an emulated account as a JSON document: what Server.State
// returns and Server.Restore loads, so that an account outlives its
// process (`cohort sandbox --helpdesk freshdesk --state`). Records keep
// their ids; new ones are numbered after LastID and LastTicketID. Not
// kept: webhook deliveries in flight, jobs, faults, rate-limit windows
// and Stats. The agent is New's, the same in every process.
type State struct {
	// Version is the document's format, StateVersion.
	Version             int                  `json:"version"`
	LastID              int64                `json:"last_id"`
	LastTicketID        int64                `json:"last_ticket_id"`
	Contacts            []Contact            `json:"contacts"`
	Companies           []Company            `json:"companies"`
	Tickets             []Ticket             `json:"tickets"`
	Conversations       []Conversation       `json:"conversations"`
	TicketFields        []TicketField        `json:"ticket_fields"`
	CannedFolders       []CannedFolder       `json:"canned_response_folders"`
	CannedResponses     []CannedResponse     `json:"canned_responses"`
	AutomationRules     []AutomationRule     `json:"automation_rules"`
	SatisfactionRatings []SatisfactionRating `json:"satisfaction_ratings"`
}

// StateVersion is the format of State documents this package writes and
// reads.
const StateVersion = 1

// ParseState reads a State document.
func ParseState(data []byte) (*State, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var st State
	if err := dec.Decode(&st); err != nil {
		return nil, errorf("state: %w", err)
	}
	if st.Version != StateVersion {
		return nil, errorf("state: version %d, want %d", st.Version, StateVersion)
	}
	return &st, nil
}

// State returns the account as a document Restore loads again; it shares
// nothing with the server.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Version: StateVersion, LastID: s.seq, LastTicketID: s.ticketSeq}
	st.Contacts = values(s.contacts, func(c *Contact) int64 { return c.ID })
	st.Companies = values(s.companies, func(c *Company) int64 { return c.ID })
	st.Tickets = values(s.tickets, func(t *Ticket) int64 { return t.ID })
	st.Conversations = values(s.convs, func(c *Conversation) int64 { return c.ID })
	for _, f := range s.fields {
		st.TicketFields = append(st.TicketFields, *f)
	}
	st.CannedFolders = values(s.folders, func(f *CannedFolder) int64 { return f.ID })
	st.CannedResponses = values(s.canned, func(c *CannedResponse) int64 { return c.ID })
	st.AutomationRules = values(s.rules, func(r *AutomationRule) int64 { return r.ID })
	st.SatisfactionRatings = values(s.ratings, func(r *SatisfactionRating) int64 { return r.ID })
	return deepCopy(st)
}

// values returns copies of m's records by id.
func values[V any](m map[int64]*V, id func(*V) int64) []V {
	out := []V{}
	for _, v := range sortedByID(m, id) {
		out = append(out, *v)
	}
	return out
}

func deepCopy[T any](v T) T {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err) // records are plain data
	}
	var out T
	if err := json.Unmarshal(data, &out); err != nil {
		panic(err)
	}
	return out
}

// Restore replaces the account's records with st's, after checking that
// ids are unique and within LastID and LastTicketID, and that references
// (requester, company, conversation ticket, canned response folder,
// rating ticket) resolve. On error the account is unchanged.
func (s *Server) Restore(st *State) error {
	if st.Version != StateVersion {
		return errorf("state: version %d, want %d", st.Version, StateVersion)
	}
	st2 := deepCopy(*st)
	st = &st2
	seen := map[int64]string{}
	claim := func(id int64, what string, last int64) error {
		if id <= 0 || id > last {
			return errorf("state: %s id %d out of range 1..%d", what, id, last)
		}
		if other, dup := seen[id]; dup && what != "ticket" {
			return errorf("state: %s id %d is also a %s", what, id, other)
		}
		if what != "ticket" {
			seen[id] = what
		}
		return nil
	}
	index := func(ids []int64) map[int64]bool {
		m := map[int64]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	var problems []error
	check := func(err error) {
		if err != nil {
			problems = append(problems, err)
		}
	}
	contacts := index(ids(st.Contacts, func(c Contact) int64 { return c.ID }))
	companies := index(ids(st.Companies, func(c Company) int64 { return c.ID }))
	ticketIDs := map[int64]bool{}
	folders := index(ids(st.CannedFolders, func(f CannedFolder) int64 { return f.ID }))
	for _, c := range st.Contacts {
		check(claim(c.ID, "contact", st.LastID))
		if c.CompanyID != 0 && !companies[c.CompanyID] {
			check(errorf("state: contact %d: no company %d", c.ID, c.CompanyID))
		}
	}
	for _, c := range st.Companies {
		check(claim(c.ID, "company", st.LastID))
	}
	for _, t := range st.Tickets {
		check(claim(t.ID, "ticket", st.LastTicketID))
		if ticketIDs[t.ID] {
			check(errorf("state: ticket id %d twice", t.ID))
		}
		ticketIDs[t.ID] = true
		if !contacts[t.RequesterID] {
			check(errorf("state: ticket %d: no requester %d", t.ID, t.RequesterID))
		}
		if t.CompanyID != 0 && !companies[t.CompanyID] {
			check(errorf("state: ticket %d: no company %d", t.ID, t.CompanyID))
		}
	}
	convs := map[int64]int64{}
	for _, c := range st.Conversations {
		check(claim(c.ID, "conversation", st.LastID))
		if !ticketIDs[c.TicketID] {
			check(errorf("state: conversation %d: no ticket %d", c.ID, c.TicketID))
		}
		convs[c.ID] = c.TicketID
	}
	for _, t := range st.Tickets {
		for _, id := range t.ConversationIDs {
			if convs[id] != t.ID {
				check(errorf("state: ticket %d: conversation %d is not its", t.ID, id))
			}
		}
	}
	for _, f := range st.TicketFields {
		check(claim(f.ID, "ticket field", st.LastID))
	}
	for _, f := range st.CannedFolders {
		check(claim(f.ID, "canned response folder", st.LastID))
	}
	for _, c := range st.CannedResponses {
		check(claim(c.ID, "canned response", st.LastID))
		if !folders[c.FolderID] {
			check(errorf("state: canned response %d: no folder %d", c.ID, c.FolderID))
		}
	}
	for _, r := range st.AutomationRules {
		check(claim(r.ID, "automation rule", st.LastID))
	}
	for _, r := range st.SatisfactionRatings {
		check(claim(r.ID, "satisfaction rating", st.LastID))
		if !ticketIDs[r.TicketID] {
			check(errorf("state: satisfaction rating %d: no ticket %d", r.ID, r.TicketID))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w (and %d more)", problems[0], len(problems)-1)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq, s.ticketSeq = max(st.LastID, s.agentID), st.LastTicketID
	s.contacts = byID(st.Contacts, func(c *Contact) int64 { return c.ID })
	s.companies = byID(st.Companies, func(c *Company) int64 { return c.ID })
	s.tickets = byID(st.Tickets, func(t *Ticket) int64 { return t.ID })
	s.convs = byID(st.Conversations, func(c *Conversation) int64 { return c.ID })
	s.folders = byID(st.CannedFolders, func(f *CannedFolder) int64 { return f.ID })
	s.canned = byID(st.CannedResponses, func(c *CannedResponse) int64 { return c.ID })
	s.rules = byID(st.AutomationRules, func(r *AutomationRule) int64 { return r.ID })
	s.ratings = byID(st.SatisfactionRatings, func(r *SatisfactionRating) int64 { return r.ID })
	s.fields = nil
	for i := range st.TicketFields {
		s.fields = append(s.fields, &st.TicketFields[i])
	}
	if !slices.ContainsFunc(s.fields, func(f *TicketField) bool { return f.Default }) {
		s.addDefaultFieldsLocked(s.now())
	}
	return nil
}

func ids[V any](vs []V, id func(V) int64) []int64 {
	out := make([]int64, len(vs))
	for i, v := range vs {
		out[i] = id(v)
	}
	return out
}

func byID[V any](vs []V, id func(*V) int64) map[int64]*V {
	m := make(map[int64]*V, len(vs))
	for i := range vs {
		m[id(&vs[i])] = &vs[i]
	}
	return m
}
