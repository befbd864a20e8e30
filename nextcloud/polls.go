package nextcloud

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
)

// Polls app, API v1.0 (docs/API_v1.0.md of nextcloud/polls): plain JSON
// below /index.php/apps/polls/api/v1.0/, each answer an object keyed by
// what it holds ({"polls": [...]}, {"poll": {...}}, {"option": {...}});
// errors are {"message": "..."} with 403 or 404.

// PollsClient is the Polls app's API.
type PollsClient struct{ app App }

// Polls returns the Polls API of the user.
func (c *Client) Polls() *PollsClient { return &PollsClient{app: c.AppOf(PollsApp, nil)} }

const pollsBase = "/index.php/apps/polls/api/v1.0/"

// Poll types.
const (
	PollTypeText = "textPoll"
	PollTypeDate = "datePoll"
)

// PollUser is a poll's owner or a voter.
type PollUser struct {
	UserID      string `json:"userId"`
	DisplayName string `json:"displayName"`
}

// Poll is a poll with its configuration.
type Poll struct {
	ID            int64  `json:"id"`
	Type          string `json:"type"`
	Configuration struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Access      string `json:"access"`
		AllowMaybe  bool   `json:"allowMaybe"`
		Anonymous   bool   `json:"anonymous"`
		// Expire is a Unix time, 0 for none; a past one closes the poll.
		Expire      int64  `json:"expire"`
		ShowResults string `json:"showResults"`
	} `json:"configuration"`
	Owner  PollUser `json:"owner"`
	Status struct {
		Created         int64 `json:"created"`
		LastInteraction int64 `json:"lastInteraction"`
		Deleted         bool  `json:"deleted"`
		Expired         bool  `json:"expired"`
	} `json:"status"`
	Permissions struct {
		AddOptions   bool `json:"addOptions"`
		Edit         bool `json:"edit"`
		Vote         bool `json:"vote"`
		SeeResults   bool `json:"seeResults"`
		SeeUsernames bool `json:"seeUsernames"`
	} `json:"permissions"`
}

// PollOption is one answer a poll offers.
type PollOption struct {
	ID     int64  `json:"id"`
	PollID int64  `json:"pollId"`
	Text   string `json:"text"`
	// Timestamp and Duration (seconds) are set on date polls.
	Timestamp int64    `json:"timestamp"`
	Duration  int64    `json:"duration"`
	Order     int      `json:"order"`
	Confirmed int64    `json:"confirmed"`
	Deleted   int64    `json:"deleted"`
	Owner     PollUser `json:"owner"`
	Votes     struct {
		Yes         int    `json:"yes"`
		No          int    `json:"no"`
		Maybe       int    `json:"maybe"`
		Count       int    `json:"count"`
		CurrentUser string `json:"currentUser"`
	} `json:"votes"`
}

// PollVote is one user's answer to one option.
type PollVote struct {
	ID         int64    `json:"id"`
	PollID     int64    `json:"pollId"`
	OptionID   int64    `json:"optionId"`
	OptionText string   `json:"optionText"`
	Answer     string   `json:"answer"`
	User       PollUser `json:"user"`
}

func pollPath(id int64) string { return pollsBase + "poll/" + strconv.FormatInt(id, 10) }

// List returns the polls the user may see.
func (p *PollsClient) List(ctx context.Context) ([]Poll, error) {
	out, err := fetch[struct {
		Polls []Poll `json:"polls"`
	}](ctx, p.app, Request{Method: http.MethodGet, Path: pollsBase + "polls"}, "list polls")
	return out.Polls, err
}

type pollAnswer struct {
	Poll *Poll `json:"poll"`
}

func (p *PollsClient) poll(ctx context.Context, r Request, what string) (*Poll, error) {
	out, err := fetch[pollAnswer](ctx, p.app, r, what)
	if err != nil {
		return nil, err
	}
	if out.Poll == nil {
		return nil, fmt.Errorf("%s: the Polls app answered without a poll", what)
	}
	return out.Poll, nil
}

// Get returns one poll.
func (p *PollsClient) Get(ctx context.Context, id int64) (*Poll, error) {
	return p.poll(ctx, Request{Method: http.MethodGet, Path: pollPath(id)}, fmt.Sprintf("get poll %d", id))
}

// Create adds a poll of type PollTypeText or PollTypeDate.
func (p *PollsClient) Create(ctx context.Context, typ, title string) (*Poll, error) {
	return p.poll(ctx, Request{Method: http.MethodPost, Path: pollsBase + "poll", Body: map[string]string{"type": typ, "title": title}}, "create poll")
}

// Configure changes configuration fields of a poll (the keys of
// Poll.Configuration, e.g. "description").
func (p *PollsClient) Configure(ctx context.Context, id int64, config map[string]any) (*Poll, error) {
	return p.poll(ctx, Request{Method: http.MethodPut, Path: pollPath(id), Body: map[string]any{"poll": config}}, fmt.Sprintf("configure poll %d", id))
}

// Close ends the voting of a poll.
func (p *PollsClient) Close(ctx context.Context, id int64) (*Poll, error) {
	return p.poll(ctx, Request{Method: http.MethodPut, Path: pollPath(id) + "/close"}, fmt.Sprintf("close poll %d", id))
}

// Options lists a poll's options with their vote counts.
func (p *PollsClient) Options(ctx context.Context, pollID int64) ([]PollOption, error) {
	out, err := fetch[struct {
		Options []PollOption `json:"options"`
	}](ctx, p.app, Request{Method: http.MethodGet, Path: pollPath(pollID) + "/options"}, fmt.Sprintf("list options of poll %d", pollID))
	return out.Options, err
}

// NewPollOption is a text option (Text) or a date option (Timestamp in
// Unix seconds, Duration in seconds, 0 for a point in time or a day).
type NewPollOption struct {
	Text      string
	Timestamp int64
	Duration  int64
}

// AddOption adds an option to a poll.
func (p *PollsClient) AddOption(ctx context.Context, pollID int64, o NewPollOption) (*PollOption, error) {
	body := map[string]any{"pollOptionText": o.Text, "timestamp": o.Timestamp, "duration": o.Duration}
	out, err := fetch[struct {
		Option *PollOption `json:"option"`
	}](ctx, p.app, Request{Method: http.MethodPost, Path: pollPath(pollID) + "/option", Body: body}, fmt.Sprintf("add option to poll %d", pollID))
	if err != nil {
		return nil, err
	}
	if out.Option == nil {
		return nil, fmt.Errorf("add option to poll %d: the Polls app answered without an option", pollID)
	}
	return out.Option, nil
}

// Votes lists a poll's votes (as far as the user may see them).
func (p *PollsClient) Votes(ctx context.Context, pollID int64) ([]PollVote, error) {
	out, err := fetch[struct {
		Votes []PollVote `json:"votes"`
	}](ctx, p.app, Request{Method: http.MethodGet, Path: pollPath(pollID) + "/votes"}, fmt.Sprintf("list votes of poll %d", pollID))
	return out.Votes, err
}

// Vote sets the user's answer (yes, no or maybe) to an option.
func (p *PollsClient) Vote(ctx context.Context, optionID int64, answer string) (*PollVote, error) {
	body := map[string]any{"optionId": optionID, "setTo": answer}
	out, err := fetch[struct {
		Vote *PollVote `json:"vote"`
	}](ctx, p.app, Request{Method: http.MethodPost, Path: pollsBase + "vote", Body: body}, fmt.Sprintf("vote %s on option %d", answer, optionID))
	if err != nil {
		return nil, err
	}
	if out.Vote == nil {
		return nil, fmt.Errorf("vote on option %d: the Polls app answered without a vote", optionID)
	}
	return out.Vote, nil
}
