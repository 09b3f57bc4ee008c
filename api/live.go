package api

import (
	"context"
	"encoding/json"

	"github.com/coopol/coopol/model"
)

// Entities rendered outside a request, for the streaming API
// (streaming/): the same JSON the REST endpoints answer, for one viewer.
// The caller has already checked that viewer may see the status
// (social.CanView); ok is false when nothing may be shown (a boost of a
// status the viewer may not see, a notification whose status is hidden,
// a conversation with no visible message).

// StatusJSON renders st as the Status entity seen by viewer.
func (h *Handlers) StatusJSON(ctx context.Context, viewer *model.Account, st *model.Status) (out []byte, ok bool, err error) {
	entity, ok, err := h.renderStatus(ctx, viewer, st)
	if err != nil || !ok {
		return nil, false, err
	}
	out, err = json.Marshal(entity)
	return out, err == nil, err
}

// NotificationJSON renders n (which belongs to viewer) as the
// Notification entity.
func (h *Handlers) NotificationJSON(ctx context.Context, viewer *model.Account, n *model.Notification) (out []byte, ok bool, err error) {
	list, err := h.renderNotifications(ctx, viewer, []model.Notification{*n})
	if err != nil || len(list) == 0 {
		return nil, false, err
	}
	out, err = json.Marshal(list[0])
	return out, err == nil, err
}

// ConversationJSON renders the direct-message thread threadID as the
// Conversation entity seen by viewer.
func (h *Handlers) ConversationJSON(ctx context.Context, viewer *model.Account, threadID string) (out []byte, ok bool, err error) {
	list, err := h.renderConversations(ctx, viewer, []string{threadID})
	if err != nil || len(list) == 0 {
		return nil, false, err
	}
	out, err = json.Marshal(list[0])
	return out, err == nil, err
}
