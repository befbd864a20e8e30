package nextcloud

import (
	"context"
	"fmt"
	"net/http"
)

// Talk polls (docs/poll.md of nextcloud/spreed), deleting a message
// (chat.md) and leaving a conversation (participant.md).

const talkPollBase = "/ocs/v2.php/apps/spreed/api/v1/poll/"

// Talk poll status and result modes (constants.md#poll-status, #poll-mode).
const (
	TalkPollOpen   = 0
	TalkPollClosed = 1

	TalkPollPublic = 0
	TalkPollHidden = 1
)

// TalkPoll is a poll as the poll API returns it.
type TalkPoll struct {
	ID               int64            `json:"id"`
	Question         string           `json:"question"`
	Options          []string         `json:"options"`
	Votes            PHPMap[int]      `json:"votes"` // "option-<id>" => count, when visible
	ActorType        string           `json:"actorType"`
	ActorID          string           `json:"actorId"`
	ActorDisplayName string           `json:"actorDisplayName"`
	Status           int              `json:"status"`
	ResultMode       int              `json:"resultMode"`
	MaxVotes         int              `json:"maxVotes"`
	VotedSelf        []int            `json:"votedSelf"`
	NumVoters        int              `json:"numVoters"`
	Details          []TalkPollDetail `json:"details"`
}

// TalkPollDetail is who voted for which option (public closed polls).
type TalkPollDetail struct {
	ActorType        string `json:"actorType"`
	ActorID          string `json:"actorId"`
	ActorDisplayName string `json:"actorDisplayName"`
	OptionID         int    `json:"optionId"`
}

// TalkNewPoll is a poll to create; ResultMode is TalkPollPublic or
// TalkPollHidden, MaxVotes 0 means unlimited.
type TalkNewPoll struct {
	Question   string   `json:"question"`
	Options    []string `json:"options"`
	ResultMode int      `json:"resultMode"`
	MaxVotes   int      `json:"maxVotes"`
}

func talkPollPath(token string, pollID int64) (string, error) {
	return talkItemPath(talkPollBase, token, "poll", pollID)
}

// CreatePoll posts a poll to a group or public conversation.
func (t *TalkClient) CreatePoll(ctx context.Context, token string, in TalkNewPoll) (*TalkPoll, error) {
	tok, err := talkToken(token)
	if err != nil {
		return nil, err
	}
	return fetchOne[TalkPoll](ctx, t.app, Request{Method: http.MethodPost, Path: talkPollBase + tok, Body: in, OCS: true}, fmt.Sprintf("create poll in Talk conversation %q", token))
}

// Poll fetches a poll with the results the user may see.
func (t *TalkClient) Poll(ctx context.Context, token string, pollID int64) (*TalkPoll, error) {
	return t.pollCall(ctx, http.MethodGet, token, pollID, nil, "get")
}

// VotePoll replaces the user's votes on a poll by optionIDs (indexes into
// the options; none withdraws the vote).
func (t *TalkClient) VotePoll(ctx context.Context, token string, pollID int64, optionIDs []int) (*TalkPoll, error) {
	if optionIDs == nil {
		optionIDs = []int{}
	}
	return t.pollCall(ctx, http.MethodPost, token, pollID, map[string][]int{"optionIds": optionIDs}, "vote on")
}

// ClosePoll ends a poll; only its author and moderators may.
func (t *TalkClient) ClosePoll(ctx context.Context, token string, pollID int64) (*TalkPoll, error) {
	return t.pollCall(ctx, http.MethodDelete, token, pollID, nil, "close")
}

func (t *TalkClient) pollCall(ctx context.Context, method, token string, pollID int64, body any, verb string) (*TalkPoll, error) {
	p, err := talkPollPath(token, pollID)
	if err != nil {
		return nil, err
	}
	return fetchOne[TalkPoll](ctx, t.app, Request{Method: method, Path: p, Body: body, OCS: true}, fmt.Sprintf("%s poll %d in Talk conversation %q", verb, pollID, token))
}

// DeleteMessage deletes a chat message. Talk answers with the system
// message "message_deleted" whose parent is the deleted message.
func (t *TalkClient) DeleteMessage(ctx context.Context, token string, messageID int64) (*TalkMessage, error) {
	p, err := talkItemPath(talkChatBase, token, "message", messageID)
	if err != nil {
		return nil, err
	}
	return fetchOne[TalkMessage](ctx, t.app, Request{Method: http.MethodDelete, Path: p, OCS: true}, fmt.Sprintf("delete message %d in Talk conversation %q", messageID, token))
}

// Leave removes the user from a conversation.
func (t *TalkClient) Leave(ctx context.Context, token string) error {
	tok, err := talkToken(token)
	if err != nil {
		return err
	}
	if _, err := t.app.Call(ctx, Request{Method: http.MethodDelete, Path: talkRoomBase + "/" + tok + "/participants/self", OCS: true}, nil); err != nil {
		return fmt.Errorf("leave Talk conversation %q: %w", token, err)
	}
	return nil
}
