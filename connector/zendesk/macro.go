package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/httpretry"
)

// Macros reads every macro of the account: its id, whether it is active,
// its title, description and actions, and the key of cohort's marker in
// its description (see cohort.MarkMacroDescription). It reads them itself
// rather than through go-zendesk, whose MacroAction cannot hold the array
// values some actions have (the reference sheet's §3).
//
// Zendesk API docs: GET /api/v2/macros
func (c *Client) Macros(ctx context.Context) ([]cohort.HelpdeskMacro, error) {
	type apiMacro struct {
		ID          int64   `json:"id"`
		Title       string  `json:"title"`
		Description *string `json:"description"`
		Active      bool    `json:"active"`
		Actions     []struct {
			Field string `json:"field"`
			Value any    `json:"value"`
		} `json:"actions"`
	}
	var out []cohort.HelpdeskMacro
	for m, err := range eachListed[apiMacro](ctx, c, "/macros.json", "macros") {
		if err != nil {
			return nil, err
		}
		actions := make([]zd.MacroAction, len(m.Actions))
		for i, a := range m.Actions {
			actions[i] = zd.MacroAction{Field: a.Field, Value: actionText(a.Value)}
		}
		hm := cohort.HelpdeskMacro{ID: m.ID, Active: m.Active, Macro: cohort.Macro{Title: m.Title, Actions: fromMacroActions(actions)}}
		if m.Description != nil {
			hm.Description, hm.Key = cohort.UnmarkMacroDescription(*m.Description)
		}
		out = append(out, hm)
	}
	return out, nil
}

// actionText is an action's value as text: a string, the text of a
// [channel, text] pair, or else its JSON.
func actionText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		if len(v) == 2 {
			if s, ok := v[1].(string); ok {
				return s
			}
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// CreateMacro creates m, active or not, for every agent, and returns its id.
// Its description ends with cohort's marker for m.Key. A create whose
// response was lost is not sent again (see internal/httpretry): the caller finds the
// macro by its marker before creating it once more.
//
// Zendesk API docs: POST /api/v2/macros
func (c *Client) CreateMacro(ctx context.Context, m cohort.Macro, active bool) (int64, error) {
	created, err := c.api.CreateMacro(ctx, apiMacro(m, active))
	if err != nil {
		return 0, apiError("zendesk.CreateMacro "+m.Key, err)
	}
	return created.ID, nil
}

// UpdateMacro makes macro id match m, active or not: its actions are
// replaced whole.
//
// Zendesk API docs: PUT /api/v2/macros/{macro_id}
func (c *Client) UpdateMacro(ctx context.Context, id int64, m cohort.Macro, active bool) error {
	_, err := c.api.UpdateMacro(httpretry.Repeatable(ctx), id, apiMacro(m, active))
	return apiError("zendesk.UpdateMacro "+m.Key, err)
}

// RenderMacro returns the comment macro id writes on ticket ticketID, its
// placeholders rendered by Zendesk, without changing the ticket.
//
// Zendesk API docs: GET /api/v2/tickets/{ticket_id}/macros/{macro_id}/apply
func (c *Client) RenderMacro(ctx context.Context, ticketID, macroID int64) (string, error) {
	op := fmt.Sprintf("zendesk.RenderMacro %d on ticket %d", macroID, ticketID)
	type comment struct {
		Body string `json:"body"`
	}
	var res struct {
		Result struct {
			// The reference sheet (§3) leaves open whether the comment is
			// the ticket's sibling or inside it: read either.
			Comment *comment `json:"comment"`
			Ticket  struct {
				Comment *comment `json:"comment"`
			} `json:"ticket"`
		} `json:"result"`
	}
	if err := c.getJSON(ctx, fmt.Sprintf("/tickets/%d/macros/%d/apply.json", ticketID, macroID), &res); err != nil {
		return "", err
	}
	switch {
	case res.Result.Comment != nil:
		return res.Result.Comment.Body, nil
	case res.Result.Ticket.Comment != nil:
		return res.Result.Ticket.Comment.Body, nil
	}
	return "", cohort.Errorf(op, cohort.KindInvalid, "the macro writes no comment")
}

func apiMacro(m cohort.Macro, active bool) zd.Macro {
	return zd.Macro{Title: m.Title, Description: cohort.MarkMacroDescription(m.Description, m.Key), Active: active,
		Actions: macroActions(m.Actions)}
}

// macroActions turns cohort's macro actions into Zendesk's, in a fixed
// order (see the reference sheet's §3 and Zendesk's actions reference).
func macroActions(a cohort.MacroActions) []zd.MacroAction {
	var out []zd.MacroAction
	add := func(field, value string) {
		if value != "" {
			out = append(out, zd.MacroAction{Field: field, Value: value})
		}
	}
	if a.Comment != "" {
		add("comment_value", a.Comment)
		add("comment_mode_is_public", strconv.FormatBool(a.Public))
	}
	add("current_tags", strings.Join(a.AddTags, " "))
	add("priority", a.Priority.String())
	add("status", a.Status)
	add("type", a.Type)
	if a.GroupID != 0 {
		add("group_id", strconv.FormatInt(a.GroupID, 10))
	}
	return out
}

// fromMacroActions reads Zendesk's actions back; those cohort does not
// write go to Other.
func fromMacroActions(actions []zd.MacroAction) cohort.MacroActions {
	var a cohort.MacroActions
	for _, act := range actions {
		v := act.Value
		switch act.Field {
		case "comment_value":
			a.Comment = v
		case "comment_mode_is_public":
			a.Public = v == "true"
		case "current_tags":
			a.AddTags = strings.Fields(v)
		case "priority":
			p, err := cohort.ParsePriority(v)
			if err == nil {
				a.Priority = p
				continue
			}
			a.Other = append(a.Other, act.Field+"="+v)
		case "status":
			a.Status = v
		case "type":
			a.Type = v
		case "group_id":
			id, err := strconv.ParseInt(v, 10, 64)
			if err == nil {
				a.GroupID = id
				continue
			}
			a.Other = append(a.Other, act.Field+"="+v)
		default:
			a.Other = append(a.Other, act.Field+"="+v)
		}
	}
	slices.Sort(a.Other)
	return a
}

// DeactivateMacro makes macro id inactive, changing nothing else.
//
// Zendesk API docs: PUT /api/v2/macros/{macro_id}
func (c *Client) DeactivateMacro(ctx context.Context, id int64) error {
	_, err := c.api.Put(httpretry.Repeatable(ctx), "/macros/"+strconv.FormatInt(id, 10)+".json", map[string]any{"macro": map[string]any{"active": false}})
	return apiError("zendesk.DeactivateMacro "+strconv.FormatInt(id, 10), err)
}
