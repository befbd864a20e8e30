package mcp

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Talk polls, deleting a message and leaving a conversation.

type talkPollOptionOut struct {
	ID    int    `json:"id" jsonschema:"the option id for nc_talk_vote_poll"`
	Text  string `json:"text"`
	Votes int    `json:"votes" jsonschema:"votes so far (0 while results_visible is false)"`
	Mine  bool   `json:"mine,omitempty" jsonschema:"whether you voted for it"`
}

type talkPollVoterOut struct {
	Name     string `json:"name"`
	ActorID  string `json:"actor_id"`
	OptionID int    `json:"option_id"`
}

type talkPollOut struct {
	Token          string              `json:"token"`
	ID             int64               `json:"poll_id" jsonschema:"the poll id other poll tools take"`
	Question       string              `json:"question"`
	Status         string              `json:"status" jsonschema:"open or closed"`
	Results        string              `json:"results" jsonschema:"public (everyone sees who voted what once they voted) or hidden (only totals, after closing)"`
	MaxVotes       int                 `json:"max_votes" jsonschema:"how many options one may vote for; 0 is any number"`
	Author         string              `json:"author"`
	Options        []talkPollOptionOut `json:"options"`
	ResultsVisible bool                `json:"results_visible" jsonschema:"whether the vote counts are shown to you (after you voted on a public poll, or once it is closed)"`
	Voters         int                 `json:"voters" jsonschema:"number of people who voted, when shown to you"`
	VotedFor       []int               `json:"voted_for" jsonschema:"the option ids you voted for"`
	Details        []talkPollVoterOut  `json:"details,omitempty" jsonschema:"who voted for what (closed public polls)"`
}

func toTalkPoll(token string, p *nextcloud.TalkPoll) talkPollOut {
	out := talkPollOut{Token: token, ID: p.ID, Question: p.Question, Status: "open", Results: "public", MaxVotes: p.MaxVotes,
		Author: p.ActorDisplayName, Voters: p.NumVoters, VotedFor: p.VotedSelf, Options: []talkPollOptionOut{},
		ResultsVisible: len(p.Votes) > 0 || p.Status == nextcloud.TalkPollClosed}
	if p.Status == nextcloud.TalkPollClosed {
		out.Status = "closed"
	}
	if p.ResultMode == nextcloud.TalkPollHidden {
		out.Results = "hidden"
	}
	if out.Author == "" {
		out.Author = p.ActorID
	}
	if out.VotedFor == nil {
		out.VotedFor = []int{}
	}
	for i, text := range p.Options {
		out.Options = append(out.Options, talkPollOptionOut{ID: i, Text: text, Votes: p.Votes["option-"+strconv.Itoa(i)], Mine: slices.Contains(p.VotedSelf, i)})
	}
	for _, d := range p.Details {
		name := d.ActorDisplayName
		if name == "" {
			name = d.ActorID
		}
		out.Details = append(out.Details, talkPollVoterOut{Name: name, ActorID: d.ActorID, OptionID: d.OptionID})
	}
	return out
}

func (o talkPollOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Poll %d in %s (%s, %s results) by %s: %s", o.ID, o.Token, o.Status, o.Results, o.Author, o.Question)
	for _, op := range o.Options {
		fmt.Fprintf(&b, "\n- [%d] %s", op.ID, op.Text)
		if o.ResultsVisible {
			fmt.Fprintf(&b, ": %d votes", op.Votes)
		}
		if op.Mine {
			b.WriteString(" (your vote)")
		}
	}
	if !o.ResultsVisible {
		b.WriteString("\nResults are not shown to you yet.")
	}
	return b.String()
}

type talkCreatePollIn struct {
	Token         string   `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations (a group or public conversation)"`
	Question      string   `json:"question" jsonschema:"the question to ask"`
	Options       []string `json:"options" jsonschema:"the answers to choose from, at least two"`
	HiddenResults bool     `json:"hidden_results,omitempty" jsonschema:"hide results and voters until the poll is closed, then show only totals"`
	MaxVotes      int      `json:"max_votes,omitempty" jsonschema:"how many options one may vote for; 0 or omitted is any number, 1 a single choice"`
}

func (in *talkCreatePollIn) Validate() error {
	if err := firstErr(validTalkToken(in.Token), textArg("question", in.Question)); err != nil {
		return err
	}
	if len(in.Options) < 2 {
		return fmt.Errorf("options needs at least two answers, got %d", len(in.Options))
	}
	for i, o := range in.Options {
		if err := textArg(fmt.Sprintf("options[%d]", i), o); err != nil {
			return err
		}
	}
	if in.MaxVotes < 0 || in.MaxVotes > len(in.Options) {
		return fmt.Errorf("max_votes must be between 0 (any number) and the number of options (%d), not %d", len(in.Options), in.MaxVotes)
	}
	return nil
}

func talkCreatePoll(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_create_poll", Title: "Create Talk poll",
		Description: "Post a poll to a group or public Talk conversation. The participants see it at once and can vote; close it with nc_talk_close_poll.",
		Scope:       "talk:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkCreatePollIn) (talkPollOut, error) {
		mode := nextcloud.TalkPollPublic
		if in.HiddenResults {
			mode = nextcloud.TalkPollHidden
		}
		p, err := nc.Talk().CreatePoll(ctx, in.Token, nextcloud.TalkNewPoll{Question: in.Question, Options: in.Options, ResultMode: mode, MaxVotes: in.MaxVotes})
		if err != nil {
			if statusOf(err) == 400 {
				return talkPollOut{}, fmt.Errorf("the poll was refused: polls are possible in group and public conversations only, and question and options must not be too long: %w", err)
			}
			if statusOf(err) == 403 {
				return talkPollOut{}, fmt.Errorf("the conversation is read-only or you may not post in it: %w", err)
			}
			return talkPollOut{}, talkConvNotFound(err, in.Token)
		}
		return toTalkPoll(in.Token, p), nil
	})
}

type talkPollIn struct {
	Token  string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	PollID int64  `json:"poll_id" jsonschema:"the poll id (from nc_talk_create_poll, or the poll's id in nc_talk_read_messages)"`
}

func (in *talkPollIn) Validate() error {
	return firstErr(validTalkToken(in.Token), idArg("poll_id", in.PollID, ""))
}

func talkPollNotFound(err error, in talkPollIn) error {
	return talkNotFound(err, fmt.Sprintf("poll %d in conversation %s", in.PollID, in.Token))
}

func talkGetPoll(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_get_poll", Title: "Get Talk poll",
		Description: "Show a Talk poll: question, options with their ids, your votes, and the results as far as they are shown to you.",
		Scope:       "talk:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkPollIn) (talkPollOut, error) {
		p, err := nc.Talk().Poll(ctx, in.Token, in.PollID)
		if err != nil {
			return talkPollOut{}, talkPollNotFound(err, in)
		}
		return toTalkPoll(in.Token, p), nil
	})
}

type talkVotePollIn struct {
	Token     string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	PollID    int64  `json:"poll_id" jsonschema:"the poll id, from nc_talk_get_poll"`
	OptionIDs []int  `json:"option_ids" jsonschema:"the ids of the options you vote for (from nc_talk_get_poll); they replace your earlier vote"`
}

func (in *talkVotePollIn) Validate() error {
	if err := (&talkPollIn{Token: in.Token, PollID: in.PollID}).Validate(); err != nil {
		return err
	}
	if len(in.OptionIDs) == 0 {
		return fmt.Errorf("option_ids is empty; give the id of at least one option from nc_talk_get_poll")
	}
	for _, id := range in.OptionIDs {
		if id < 0 {
			return fmt.Errorf("option_ids holds %d; option ids start at 0", id)
		}
	}
	return nil
}

func talkVotePoll(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_vote_poll", Title: "Vote on Talk poll",
		Description: "Vote on an open Talk poll as you; the options given replace your earlier vote.",
		Scope:       "talk:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkVotePollIn) (talkPollOut, error) {
		ref := talkPollIn{Token: in.Token, PollID: in.PollID}
		p, err := nc.Talk().VotePoll(ctx, in.Token, in.PollID, in.OptionIDs)
		if statusOf(err) == 400 {
			// Talk says only 400; the poll tells why.
			cur, gerr := nc.Talk().Poll(ctx, in.Token, in.PollID)
			switch {
			case gerr != nil:
			case cur.Status == nextcloud.TalkPollClosed:
				return talkPollOut{}, fmt.Errorf("poll %d is closed; votes are no longer taken: %w", in.PollID, err)
			case cur.MaxVotes > 0 && len(in.OptionIDs) > cur.MaxVotes:
				return talkPollOut{}, Argf("option_ids: poll %d allows at most %d choices, you gave %d", in.PollID, cur.MaxVotes, len(in.OptionIDs))
			default:
				for _, id := range in.OptionIDs {
					if id >= len(cur.Options) {
						return talkPollOut{}, Argf("option_ids: poll %d has options 0 to %d, not %d", in.PollID, len(cur.Options)-1, id)
					}
				}
			}
			return talkPollOut{}, fmt.Errorf("the vote was refused: %w", err)
		}
		if err != nil {
			return talkPollOut{}, talkPollNotFound(err, ref)
		}
		return toTalkPoll(in.Token, p), nil
	})
}

func talkClosePoll(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_close_poll", Title: "Close Talk poll",
		Description: "End a Talk poll so that no more votes are taken and the results are published (you must have created it or moderate the conversation). A closed poll cannot be reopened.",
		Scope:       "talk:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkPollIn) (talkPollOut, error) {
		p, err := nc.Talk().ClosePoll(ctx, in.Token, in.PollID)
		if err != nil {
			if statusOf(err) == 400 {
				return talkPollOut{}, fmt.Errorf("poll %d is closed already; nc_talk_get_poll shows its results: %w", in.PollID, err)
			}
			if statusOf(err) == 403 {
				return talkPollOut{}, fmt.Errorf("only the poll's author or a moderator may close poll %d: %w", in.PollID, err)
			}
			return talkPollOut{}, talkPollNotFound(err, in)
		}
		return toTalkPoll(in.Token, p), nil
	})
}

type talkDeleteMessageIn struct {
	Token     string `json:"token" jsonschema:"conversation token, from nc_talk_list_conversations"`
	MessageID int64  `json:"message_id" jsonschema:"id of the message to delete, from nc_talk_read_messages"`
}

func (in *talkDeleteMessageIn) Validate() error {
	return firstErr(validTalkToken(in.Token), talkMessageID(in.MessageID))
}

type talkDeletedOut struct {
	Token     string `json:"token"`
	MessageID int64  `json:"message_id"`
	Deleted   bool   `json:"deleted"`
}

func (o talkDeletedOut) Summary() string {
	return fmt.Sprintf("Deleted message #%d in %s; the participants see \"Message deleted\" in its place.", o.MessageID, o.Token)
}

func talkDeleteMessage(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_delete_message", Title: "Delete Talk message",
		Description: "Delete a chat message in a Talk conversation for everyone: your own, or anyone's if you moderate the conversation. Talk allows this for six hours after posting.",
		Scope:       "talk:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkDeleteMessageIn) (talkDeletedOut, error) {
		if _, err := nc.Talk().DeleteMessage(ctx, in.Token, in.MessageID); err != nil {
			switch statusOf(err) {
			case 400:
				return talkDeletedOut{}, fmt.Errorf("message #%d is older than six hours and can no longer be deleted: %w", in.MessageID, err)
			case 403:
				return talkDeletedOut{}, fmt.Errorf("message #%d is not yours and you do not moderate the conversation, or the conversation is read-only: %w", in.MessageID, err)
			case 405:
				return talkDeletedOut{}, fmt.Errorf("message #%d is not a chat message (system messages and deleted messages cannot be deleted): %w", in.MessageID, err)
			}
			return talkDeletedOut{}, talkNotFound(err, fmt.Sprintf("conversation %s or message #%d", in.Token, in.MessageID))
		}
		return talkDeletedOut{Token: in.Token, MessageID: in.MessageID, Deleted: true}, nil
	})
}

type talkLeftOut struct {
	Token string `json:"token"`
	Name  string `json:"name"`
	Left  bool   `json:"left"`
}

func (o talkLeftOut) Summary() string {
	return fmt.Sprintf("Left conversation %s (%s).", o.Name, o.Token)
}

func talkLeaveConversation(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_talk_leave_conversation", Title: "Leave Talk conversation",
		Description: "Leave a Talk conversation: you no longer see it or its messages unless someone adds you again. The last moderator of a group conversation cannot leave while others remain.",
		Scope:       "talk:write", Kind: Destroy,
	}, func(ctx context.Context, nc *nextcloud.Client, in talkTokenIn) (talkLeftOut, error) {
		c, err := nc.Talk().Conversation(ctx, in.Token)
		if err != nil {
			return talkLeftOut{}, talkConvNotFound(err, in.Token)
		}
		if err := nc.Talk().Leave(ctx, in.Token); err != nil {
			if statusOf(err) == 400 {
				return talkLeftOut{}, fmt.Errorf("you are the last moderator of %s; make another participant a moderator in Talk first: %w", c.DisplayName, err)
			}
			return talkLeftOut{}, talkConvNotFound(err, in.Token)
		}
		name := c.DisplayName
		if name == "" {
			name = c.Name
		}
		return talkLeftOut{Token: in.Token, Name: name, Left: true}, nil
	})
}
