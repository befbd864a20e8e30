package mcp

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Polls (the Polls app, not Talk's polls): list, read with options and
// votes, create text and date polls, add options, vote, close.

// PollsToolset offers the Polls app.
func PollsToolset(env *Env) Toolset {
	return Toolset{
		Name:        "polls",
		Description: "Nextcloud Polls: text and date polls, options and votes",
		App:         nextcloud.PollsApp,
		Tools: []Tool{
			pollsList(env),
			pollsGet(env),
			pollsCreate(env),
			pollsAddOption(env),
			pollsVote(env),
			pollsClose(env),
		},
	}
}

var pollTypeNames = map[string]string{nextcloud.PollTypeText: "text", nextcloud.PollTypeDate: "date"}

type pollOut struct {
	ID          int64  `json:"id" jsonschema:"poll id for the other Polls tools"`
	Title       string `json:"title"`
	Type        string `json:"type" jsonschema:"text or date"`
	Description string `json:"description,omitempty"`
	Owner       string `json:"owner"`
	Access      string `json:"access,omitempty" jsonschema:"private (invited people) or open (every user)"`
	Created     string `json:"created,omitempty"`
	Expires     string `json:"expires,omitempty"`
	Closed      bool   `json:"closed"`
	MayVote     bool   `json:"may_vote"`
	MayEdit     bool   `json:"may_edit" jsonschema:"whether you may add options and close it"`
	AllowMaybe  bool   `json:"allow_maybe"`
}

func toPoll(p *nextcloud.Poll) pollOut {
	c := p.Configuration
	return pollOut{ID: p.ID, Title: c.Title, Type: cmp.Or(pollTypeNames[p.Type], p.Type), Description: c.Description,
		Owner: cmp.Or(p.Owner.DisplayName, p.Owner.UserID), Access: c.Access, Created: fmtEpoch(p.Status.Created),
		Expires: fmtEpoch(c.Expire), Closed: p.Status.Expired, MayVote: p.Permissions.Vote && !p.Status.Expired,
		MayEdit: p.Permissions.Edit, AllowMaybe: c.AllowMaybe}
}

func pollLine(p pollOut) string {
	state := "open"
	if p.Closed {
		state = "closed"
	}
	return fmt.Sprintf("- #%d %s (%s poll by %s, %s)", p.ID, p.Title, p.Type, p.Owner, state)
}

// pollsNotFound explains a 404 from Polls.
func pollsNotFound(err error, what string) error {
	return explainNotFound(err, what, "not found (list polls with nc_polls_list)")
}

type pollsListIn struct {
	Status string `json:"status,omitempty" jsonschema:"open, closed or all (default)"`
}

func (in *pollsListIn) Validate() error {
	return choiceArg("status", in.Status, "", "open", "closed", "all")
}

type pollsListOut struct {
	Polls []pollOut `json:"polls"`
}

func (o pollsListOut) Summary() string {
	return listSummary(o.Polls, "No polls.", fmt.Sprintf("%d polls:", len(o.Polls)), pollLine)
}

func pollsList(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_polls_list", Title: "List polls",
		Description: "List the polls of the Polls app the user owns or was invited to, open or closed.",
		Scope:       "polls:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in pollsListIn) (pollsListOut, error) {
		list, err := nc.Polls().List(ctx)
		if err != nil {
			return pollsListOut{}, err
		}
		out := pollsListOut{Polls: []pollOut{}}
		for i := range list {
			p := toPoll(&list[i])
			if list[i].Status.Deleted || (in.Status == "open" && p.Closed) || (in.Status == "closed" && !p.Closed) {
				continue
			}
			out.Polls = append(out.Polls, p)
		}
		return out, nil
	})
}

type pollIDIn struct {
	PollID int64 `json:"poll_id" jsonschema:"the poll, from nc_polls_list"`
}

func (in *pollIDIn) Validate() error {
	return idArg("poll_id", in.PollID, "nc_polls_list")
}

type pollOptionOut struct {
	ID    int64  `json:"id" jsonschema:"option id for nc_polls_vote"`
	Text  string `json:"text"`
	Start string `json:"start,omitempty" jsonschema:"date polls: when the option begins"`
	End   string `json:"end,omitempty" jsonschema:"date polls: when it ends, if it lasts"`
	Yes   int    `json:"yes"`
	No    int    `json:"no"`
	Maybe int    `json:"maybe"`
	// Mine is the user's own answer.
	Mine string `json:"my_answer,omitempty" jsonschema:"your answer: yes, no or maybe"`
}

type pollVoteOut struct {
	User     string `json:"user"`
	OptionID int64  `json:"option_id"`
	Option   string `json:"option"`
	Answer   string `json:"answer"`
}

type pollDetailOut struct {
	Poll    pollOut         `json:"poll"`
	Options []pollOptionOut `json:"options"`
	Votes   []pollVoteOut   `json:"votes" jsonschema:"each participant's answers, as far as the poll shows them"`
}

func (o pollDetailOut) Summary() string {
	var b strings.Builder
	b.WriteString(pollLine(o.Poll)[2:])
	if o.Poll.Description != "" {
		b.WriteString("\n" + o.Poll.Description)
	}
	b.WriteString("\n" + listSummary(o.Options, "No options yet.", "Options (yes/no/maybe):", func(op pollOptionOut) string {
		s := fmt.Sprintf("- #%d %s: %d/%d/%d", op.ID, op.Text, op.Yes, op.No, op.Maybe)
		if op.Mine != "" {
			s += " (you: " + op.Mine + ")"
		}
		return s
	}))
	return b.String()
}

func toPollOption(o *nextcloud.PollOption) pollOptionOut {
	out := pollOptionOut{ID: o.ID, Text: o.Text, Yes: o.Votes.Yes, No: o.Votes.No, Maybe: o.Votes.Maybe, Mine: o.Votes.CurrentUser}
	if o.Timestamp > 0 {
		out.Start = fmtEpoch(o.Timestamp)
		if o.Duration > 0 {
			out.End = fmtEpoch(o.Timestamp + o.Duration)
		}
	}
	return out
}

func pollsGet(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_polls_get", Title: "Get poll",
		Description: "Read a poll with its options, each option's yes/no/maybe counts and your answer, and the participants' votes.",
		Scope:       "polls:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in pollIDIn) (pollDetailOut, error) {
		p, err := nc.Polls().Get(ctx, in.PollID)
		if err != nil {
			return pollDetailOut{}, pollsNotFound(err, fmt.Sprintf("poll %d", in.PollID))
		}
		opts, err := nc.Polls().Options(ctx, in.PollID)
		if err != nil {
			return pollDetailOut{}, err
		}
		votes, err := nc.Polls().Votes(ctx, in.PollID)
		if err != nil {
			return pollDetailOut{}, err
		}
		opts = slices.DeleteFunc(opts, func(o nextcloud.PollOption) bool { return o.Deleted != 0 })
		return pollDetailOut{Poll: toPoll(p), Options: mapAll(opts, toPollOption), Votes: mapAll(votes, func(v *nextcloud.PollVote) pollVoteOut {
			return pollVoteOut{User: cmp.Or(v.User.DisplayName, v.User.UserID), OptionID: v.OptionID, Option: v.OptionText, Answer: v.Answer}
		})}, nil
	})
}

// pollOptionIn is one option to add: a text, or a start (and end) for
// date polls.
type pollOptionIn struct {
	Text  string `json:"text,omitempty" jsonschema:"text polls: the option's text"`
	Start string `json:"start,omitempty" jsonschema:"date polls: a date (2025-03-10, a whole day) or a time (2025-03-10T09:00:00+01:00)"`
	End   string `json:"end,omitempty" jsonschema:"date polls: when the option ends (default: the whole day for a date, a point in time for a time)"`
}

// toNew checks the option against the poll type and converts it; arg names
// the argument in errors.
func (o pollOptionIn) toNew(typ, arg string) (nextcloud.NewPollOption, error) {
	if typ == nextcloud.PollTypeText {
		if o.Start != "" || o.End != "" {
			return nextcloud.NewPollOption{}, Argf("%s: a text poll takes text, not start/end", arg)
		}
		if strings.TrimSpace(o.Text) == "" {
			return nextcloud.NewPollOption{}, Argf("%s: text is empty", arg)
		}
		return nextcloud.NewPollOption{Text: o.Text}, nil
	}
	if o.Text != "" {
		return nextcloud.NewPollOption{}, Argf("%s: a date poll takes start (and end), not text", arg)
	}
	start, day, err := nextcloud.ParseTimeInput(o.Start, time.UTC)
	if err != nil {
		return nextcloud.NewPollOption{}, Argf("%s: start: %v", arg, err)
	}
	n := nextcloud.NewPollOption{Timestamp: start.Unix()}
	if day {
		n.Duration = 86400
	}
	if o.End != "" {
		end, endDay, err := nextcloud.ParseTimeInput(o.End, time.UTC)
		if err != nil {
			return nextcloud.NewPollOption{}, Argf("%s: end: %v", arg, err)
		}
		if endDay {
			end = end.AddDate(0, 0, 1) // a whole last day
		}
		if !end.After(start) {
			return nextcloud.NewPollOption{}, Argf("%s: end %s is not after start %s", arg, o.End, o.Start)
		}
		n.Duration = int64(end.Sub(start) / time.Second)
	}
	return n, nil
}

type pollsCreateIn struct {
	Title       string         `json:"title" jsonschema:"the poll's question or title"`
	Type        string         `json:"type" jsonschema:"text (choose among answers) or date (find a date)"`
	Description string         `json:"description,omitempty" jsonschema:"more about the poll"`
	Options     []pollOptionIn `json:"options,omitempty" jsonschema:"options to add right away (text for text polls, start/end for date polls)"`
}

func (in *pollsCreateIn) apiType() string {
	return map[string]string{"text": nextcloud.PollTypeText, "date": nextcloud.PollTypeDate}[in.Type]
}

func (in *pollsCreateIn) Validate() error {
	if err := textArg("title", in.Title); err != nil {
		return err
	}
	if in.apiType() == "" {
		return fmt.Errorf("type must be text or date, not %q", in.Type)
	}
	for i, o := range in.Options {
		if _, err := o.toNew(in.apiType(), fmt.Sprintf("options[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

func pollsCreate(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_polls_create", Title: "Create poll",
		Description: "Create a text poll or a date poll (private: invite people in the Polls app), with a description and its first options.",
		Scope:       "polls:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in pollsCreateIn) (pollDetailOut, error) {
		p, err := nc.Polls().Create(ctx, in.apiType(), in.Title)
		if err != nil {
			return pollDetailOut{}, err
		}
		partial := func(err error, added int) error {
			warnPartial(ctx, "nc_polls_create", fmt.Sprintf("poll #%d was created with %d of %d options", p.ID, added, len(in.Options)))
			return fmt.Errorf("poll #%d was created, with %d of %d options, but then: %w", p.ID, added, len(in.Options), err)
		}
		if in.Description != "" {
			if p, err = nc.Polls().Configure(ctx, p.ID, map[string]any{"description": in.Description}); err != nil {
				return pollDetailOut{}, partial(err, 0)
			}
		}
		added, err := addEach(ctx, in.Options, "options", func(o pollOptionIn) (pollOptionOut, error) {
			n, _ := o.toNew(in.apiType(), "")
			opt, err := nc.Polls().AddOption(ctx, p.ID, n)
			if err != nil {
				return pollOptionOut{}, err
			}
			return toPollOption(opt), nil
		})
		if err != nil {
			return pollDetailOut{}, partial(err, len(added))
		}
		return pollDetailOut{Poll: toPoll(p), Options: added, Votes: []pollVoteOut{}}, nil
	})
}

type pollsAddOptionIn struct {
	PollID int64 `json:"poll_id" jsonschema:"the poll, from nc_polls_list"`
	pollOptionIn
}

func (in *pollsAddOptionIn) Validate() error {
	if err := idArg("poll_id", in.PollID, "nc_polls_list"); err != nil {
		return err
	}
	if in.Text == "" && in.Start == "" {
		return fmt.Errorf("give text (text polls) or start (date polls)")
	}
	return nil
}

type pollOptionResult struct {
	PollID int64         `json:"poll_id"`
	Option pollOptionOut `json:"option"`
}

func (o pollOptionResult) Summary() string {
	return fmt.Sprintf("Added option #%d %q to poll #%d.", o.Option.ID, o.Option.Text, o.PollID)
}

func pollsAddOption(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_polls_add_option", Title: "Add poll option",
		Description: "Add an option to a poll: a text to a text poll, or a date or time span (start, end) to a date poll.",
		Scope:       "polls:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in pollsAddOptionIn) (pollOptionResult, error) {
		p, err := nc.Polls().Get(ctx, in.PollID)
		if err != nil {
			return pollOptionResult{}, pollsNotFound(err, fmt.Sprintf("poll %d", in.PollID))
		}
		n, err := in.toNew(p.Type, "option")
		if err != nil {
			return pollOptionResult{}, err
		}
		o, err := nc.Polls().AddOption(ctx, in.PollID, n)
		if err != nil {
			return pollOptionResult{}, err
		}
		return pollOptionResult{PollID: in.PollID, Option: toPollOption(o)}, nil
	})
}

type pollsVoteIn struct {
	PollID   int64  `json:"poll_id" jsonschema:"the poll, from nc_polls_list"`
	OptionID int64  `json:"option_id" jsonschema:"the option, from nc_polls_get"`
	Answer   string `json:"answer" jsonschema:"yes, no, or maybe (where the poll allows it)"`
}

func (in *pollsVoteIn) Validate() error {
	return firstErr(idArg("poll_id", in.PollID, "nc_polls_list"), idArg("option_id", in.OptionID, "nc_polls_get"),
		choiceArg("answer", in.Answer, "yes", "no", "maybe"))
}

type pollVoteResult struct {
	PollID   int64  `json:"poll_id"`
	OptionID int64  `json:"option_id"`
	Option   string `json:"option"`
	Answer   string `json:"answer"`
}

func (o pollVoteResult) Summary() string {
	return fmt.Sprintf("Voted %s on %q (option #%d of poll #%d).", o.Answer, o.Option, o.OptionID, o.PollID)
}

func pollsVote(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_polls_vote", Title: "Vote in poll",
		Description: "Answer one option of a poll yes, no or maybe; voting again on the option changes your answer.",
		Scope:       "polls:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in pollsVoteIn) (pollVoteResult, error) {
		p, err := nc.Polls().Get(ctx, in.PollID)
		if err != nil {
			return pollVoteResult{}, pollsNotFound(err, fmt.Sprintf("poll %d", in.PollID))
		}
		if p.Status.Expired {
			return pollVoteResult{}, Argf("poll %d is closed; votes can no longer change", in.PollID)
		}
		if in.Answer == "maybe" && !p.Configuration.AllowMaybe {
			return pollVoteResult{}, Argf("answer: poll %d does not allow maybe; answer yes or no", in.PollID)
		}
		opts, err := nc.Polls().Options(ctx, in.PollID)
		if err != nil {
			return pollVoteResult{}, err
		}
		i := slices.IndexFunc(opts, func(o nextcloud.PollOption) bool { return o.ID == in.OptionID && o.Deleted == 0 })
		if i < 0 {
			return pollVoteResult{}, Argf("option_id: poll %d has no option %d; see its options with nc_polls_get", in.PollID, in.OptionID)
		}
		v, err := nc.Polls().Vote(ctx, in.OptionID, in.Answer)
		if err != nil {
			return pollVoteResult{}, err
		}
		return pollVoteResult{PollID: in.PollID, OptionID: in.OptionID, Option: opts[i].Text, Answer: v.Answer}, nil
	})
}

type pollResult struct {
	Poll pollOut `json:"poll"`
}

func (o pollResult) Summary() string { return pollLine(o.Poll)[2:] }

func pollsClose(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_polls_close", Title: "Close poll",
		Description: "Close a poll you own: nobody can vote any more; the results stay.",
		Scope:       "polls:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in pollIDIn) (pollResult, error) {
		p, err := nc.Polls().Close(ctx, in.PollID)
		if err != nil {
			return pollResult{}, pollsNotFound(err, fmt.Sprintf("poll %d", in.PollID))
		}
		return pollResult{Poll: toPoll(p)}, nil
	})
}
