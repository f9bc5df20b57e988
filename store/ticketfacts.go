package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// TicketFact is one helpdesk ticket as the support metrics see it.
type TicketFact struct {
	Helpdesk    string
	TicketID    int64
	RequesterID int64
	CreatedAt   time.Time
	SolvedAt    time.Time // zero while unsolved
	Status      string
	// Minutes; nil until the event has happened.
	FirstReplyMinutes      *float64
	FirstReplyBusiness     *float64
	FullResolutionMinutes  *float64
	FullResolutionBusiness *float64
	AgentReplies           int
	Reopens                int
	Rating                 string // "good", "bad" or ""
	// Segments are the requester's segments when the ticket was created;
	// SegmentsFrom says where they come from: "enrichment" (cohort's
	// record of the ticket) or "membership" (the customer's segments when
	// the metrics were synced).
	Segments     []string
	SegmentsFrom string
}

// Where a ticket's segments come from.
const (
	SegmentsFromEnrichment = "enrichment"
	SegmentsFromMembership = "membership"
)

// UpsertTicketFacts writes facts, replacing earlier versions of the same
// tickets, and the checkpoint of source that covers them, in one
// transaction ("" leaves the checkpoint as it is). The stored segment days
// from the earliest day the facts were created on become stale (see
// StaleSegmentDays).
func (s *DB) UpsertTicketFacts(ctx context.Context, facts []TicketFact, source, checkpoint string) error {
	now := s.now().UTC()
	facts = lastVersions(facts)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		args := make([]any, 0, factsPerStatement*factColumns)
		for chunk := range slices.Chunk(facts, factsPerStatement) {
			args = args[:0]
			for _, f := range chunk {
				var solved sql.NullTime
				if !f.SolvedAt.IsZero() {
					solved = sql.NullTime{Time: f.SolvedAt.UTC(), Valid: true}
				}
				args = append(args, f.Helpdesk, f.TicketID, f.RequesterID, f.CreatedAt.UTC(), solved, f.Status,
					f.FirstReplyMinutes, f.FirstReplyBusiness, f.FullResolutionMinutes, f.FullResolutionBusiness,
					f.AgentReplies, f.Reopens, f.Rating, jsonStrings(f.Segments), f.SegmentsFrom, now)
			}
			if _, err := tx.ExecContext(ctx, s.q(upsertFactsSQL(len(chunk))), args...); err != nil {
				return fmt.Errorf("tickets %d to %d: %w", chunk[0].TicketID, chunk[len(chunk)-1].TicketID, err)
			}
		}
		if len(facts) > 0 {
			first := facts[0].CreatedAt
			for _, f := range facts[1:] {
				if f.CreatedAt.Before(first) {
					first = f.CreatedAt
				}
			}
			if err := s.markDaysDirty(ctx, tx, first); err != nil {
				return err
			}
		}
		if checkpoint == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO sync_checkpoints (source, checkpoint, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (source) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at`),
			source, checkpoint, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: ticket facts: %w", err)
	}
	return nil
}

// factColumns is how many values a ticket fact takes in upsertFactsSQL;
// factsPerStatement how many facts one statement writes, within both
// engines' limits on parameters.
const (
	factColumns       = 16
	factsPerStatement = 500
)

// upsertFactsSQL returns the statement that writes n ticket facts.
func upsertFactsSQL(n int) string {
	row := "(" + strings.Repeat("?, ", factColumns-1) + "?)"
	return `INSERT INTO ticket_facts (helpdesk, ticket_id, requester_id,
		created_at, solved_at, status, first_reply_minutes, first_reply_business, full_resolution_minutes,
		full_resolution_business, agent_replies, reopens, rating, segments, segments_from, updated_at)
		VALUES ` + strings.Repeat(row+", ", n-1) + row + `
		ON CONFLICT (helpdesk, ticket_id) DO UPDATE SET requester_id = excluded.requester_id,
		created_at = excluded.created_at, solved_at = excluded.solved_at, status = excluded.status,
		first_reply_minutes = excluded.first_reply_minutes, first_reply_business = excluded.first_reply_business,
		full_resolution_minutes = excluded.full_resolution_minutes,
		full_resolution_business = excluded.full_resolution_business, agent_replies = excluded.agent_replies,
		reopens = excluded.reopens, rating = excluded.rating, segments = excluded.segments,
		segments_from = excluded.segments_from, updated_at = excluded.updated_at`
}

// lastVersions returns facts with only the last version of each ticket: a
// statement may write a row once.
func lastVersions(facts []TicketFact) []TicketFact {
	type key struct {
		helpdesk string
		id       int64
	}
	last := make(map[key]int, len(facts))
	for i, f := range facts {
		last[key{f.Helpdesk, f.TicketID}] = i
	}
	if len(last) == len(facts) {
		return facts
	}
	out := make([]TicketFact, 0, len(last))
	for i, f := range facts {
		if last[key{f.Helpdesk, f.TicketID}] == i {
			out = append(out, f)
		}
	}
	return out
}

// EnrichedSegments returns, for those of ticketIDs that cohort enriched,
// the segments it found then.
func (s *DB) EnrichedSegments(ctx context.Context, helpdesk string, ticketIDs []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ticketIDs) == 0 {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT ticket_id, segments FROM enrichments
		WHERE helpdesk = ? AND status = 'done' AND `+s.inList("ticket_id")), helpdesk, s.idsArg(ticketIDs))
	if err != nil {
		return nil, fmt.Errorf("store: enriched segments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var raw []byte
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, fmt.Errorf("store: enriched segments: %w", err)
		}
		var segs []string
		if err := json.Unmarshal(raw, &segs); err != nil {
			return nil, fmt.Errorf("store: enriched segments of ticket %d: %w", id, err)
		}
		out[id] = segs
	}
	return out, rows.Err()
}

// EachTicketFact calls fn with every ticket created in [from, to), in
// created order. It reads in pages of ticketFactPage, closing each before
// fn sees it, so that memory does not grow with the number of tickets and
// fn may use the store.
func (s *DB) EachTicketFact(ctx context.Context, from, to time.Time, fn func(TicketFact) error) error {
	// Pages follow the index on (created_at, helpdesk, ticket_id): the
	// first from from on, each next after the last row of the one before.
	query := s.q(`SELECT ` + ticketFactColumns + ` FROM ticket_facts
		WHERE created_at >= ? AND created_at < ? ORDER BY created_at, helpdesk, ticket_id LIMIT ?`)
	args := []any{from.UTC(), to.UTC(), ticketFactPage}
	for {
		rows, err := s.db.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("store: ticket facts: %w", err)
		}
		page, err := scanTicketFacts(rows, ticketFactPage)
		if err != nil {
			return err
		}
		for _, f := range page {
			if err := fn(f); err != nil {
				return err
			}
		}
		if len(page) < ticketFactPage {
			return nil
		}
		last := page[len(page)-1]
		query = s.q(`SELECT ` + ticketFactColumns + ` FROM ticket_facts
			WHERE (created_at, helpdesk, ticket_id) > (?, ?, ?) AND created_at < ?
			ORDER BY created_at, helpdesk, ticket_id LIMIT ?`)
		args = []any{last.CreatedAt, last.Helpdesk, last.TicketID, to.UTC(), ticketFactPage}
	}
}

// ticketFactPage is how many ticket facts one read returns.
const ticketFactPage = 5000

// ticketFactColumns are the columns scanTicketFacts reads.
const ticketFactColumns = `helpdesk, ticket_id, requester_id, created_at, solved_at, status,
	first_reply_minutes, first_reply_business, full_resolution_minutes, full_resolution_business,
	agent_replies, reopens, rating, segments, segments_from`

// TicketFactsOpenAt returns the tickets created before t and not solved by
// then, in created order: those a recomputation of the days from t needs
// for the backlog.
func (s *DB) TicketFactsOpenAt(ctx context.Context, t time.Time) ([]TicketFact, error) {
	t = t.UTC()
	// Two ways to find them: walk the tickets created before t, or those
	// unsolved or solved since t. Early in the history the first are few,
	// later the second; a bounded count of each picks the shorter walk.
	var before, since int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT
		(SELECT COUNT(*) FROM (SELECT 1 FROM ticket_facts WHERE created_at < ? LIMIT ?) b),
		(SELECT COUNT(*) FROM (SELECT 1 FROM ticket_facts WHERE solved_at IS NULL OR solved_at >= ? LIMIT ?) s)`),
		t, openAtCountCap, t, openAtCountCap).Scan(&before, &since)
	if err != nil {
		return nil, fmt.Errorf("store: ticket facts open at %s: %w", t.Format(time.RFC3339), err)
	}
	query := `SELECT ` + ticketFactColumns + ` FROM ticket_facts WHERE created_at < ? AND (solved_at IS NULL OR solved_at >= ?)`
	args := []any{t, t}
	if since < before {
		query = `SELECT ` + ticketFactColumns + ` FROM ticket_facts WHERE solved_at IS NULL AND created_at < ?
			UNION ALL SELECT ` + ticketFactColumns + ` FROM ticket_facts WHERE solved_at >= ? AND created_at < ?`
		args = []any{t, t, t}
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: ticket facts open at %s: %w", t.Format(time.RFC3339), err)
	}
	open, err := scanTicketFacts(rows, 0)
	// Sorted here: an ORDER BY would lead SQLite to walk the created_at
	// index through every earlier ticket.
	slices.SortFunc(open, func(a, b TicketFact) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Helpdesk, b.Helpdesk), cmp.Compare(a.TicketID, b.TicketID))
	})
	return open, err
}

// openAtCountCap bounds the counts that choose how TicketFactsOpenAt
// searches.
const openAtCountCap = 100_000

// scanTicketFacts reads rows of ticketFactColumns and closes them.
func scanTicketFacts(rows *sql.Rows, capacity int) ([]TicketFact, error) {
	defer rows.Close()
	page := make([]TicketFact, 0, capacity)
	for rows.Next() {
		var f TicketFact
		var solved sql.NullTime
		var segs []byte
		if err := rows.Scan(&f.Helpdesk, &f.TicketID, &f.RequesterID, &f.CreatedAt, &solved, &f.Status,
			&f.FirstReplyMinutes, &f.FirstReplyBusiness, &f.FullResolutionMinutes, &f.FullResolutionBusiness,
			&f.AgentReplies, &f.Reopens, &f.Rating, &segs, &f.SegmentsFrom); err != nil {
			return nil, fmt.Errorf("store: ticket facts: %w", err)
		}
		f.CreatedAt = f.CreatedAt.UTC()
		if solved.Valid {
			f.SolvedAt = solved.Time.UTC()
		}
		if err := json.Unmarshal(segs, &f.Segments); err != nil {
			return nil, fmt.Errorf("store: ticket %d segments: %w", f.TicketID, err)
		}
		page = append(page, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: ticket facts: %w", err)
	}
	return page, nil
}
