package streaming

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/coopol/coopol/model"
	"github.com/coopol/coopol/social"
	"github.com/coopol/coopol/storage"
)

// retryDelays are the waits between attempts to load a row that is not
// there (yet): an event may outrun its transaction's commit. About
// 200 ms in all; after that the change is taken as rolled back.
var retryDelays = []time.Duration{10 * time.Millisecond, 30 * time.Millisecond, 60 * time.Millisecond, 100 * time.Millisecond}

// coopolPrefix marks Coopol's own notification types.
const coopolPrefix = "coopol."

func (s *Streaming) dispatchLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-s.events:
			if s.hub.empty() {
				continue
			}
			if !s.postgres {
				s.barrier(ctx)
			}
			evCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
			s.dispatch(evCtx, ev)
			cancel()
		}
	}
}

func (s *Streaming) dispatch(ctx context.Context, ev social.LiveEvent) {
	if s.api == nil {
		return // not mounted: nobody can be connected
	}
	var err error
	switch ev.Kind {
	case "status", "status.update":
		err = s.dispatchStatus(ctx, ev)
	case "delete":
		err = s.dispatchDelete(ctx, ev)
	case "notification":
		err = s.dispatchNotification(ctx, ev)
	default:
		s.log.Debug("ignored live event", "kind", ev.Kind)
	}
	if err != nil && ctx.Err() == nil {
		s.log.Warn("live event not delivered", "kind", ev.Kind, "id", ev.ID, "err", err)
	}
}

// loadRetrying calls load until it finds the row, waiting between tries.
func loadRetrying[T any](ctx context.Context, load func() (T, error)) (T, error) {
	v, err := load()
	for _, d := range retryDelays {
		if !errors.Is(err, storage.ErrNotFound) {
			break
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(d):
		}
		v, err = load()
	}
	return v, err
}

// viewCheck caches, for one event, whether each viewer may see it.
type viewCheck struct {
	s        *Streaming
	st       *model.Status
	original *model.Status // the boosted status, for a boost
	results  map[string]bool
}

// canView is social.CanView for the status and, for a boost, for the
// boosted status too: the one audience rule, asked for every viewer.
func (v *viewCheck) canView(ctx context.Context, viewer *model.Account) (bool, error) {
	if ok, seen := v.results[viewer.ID]; seen {
		return ok, nil
	}
	ok, err := v.s.social.CanView(ctx, viewer, v.st)
	if err == nil && ok && v.original != nil {
		ok, err = v.s.social.CanView(ctx, viewer, v.original)
	}
	if err != nil {
		return false, err
	}
	v.results[viewer.ID] = ok
	return ok, nil
}

func (s *Streaming) dispatchStatus(ctx context.Context, ev social.LiveEvent) error {
	st, err := loadRetrying(ctx, func() (*model.Status, error) { return s.store.StatusByID(ctx, ev.ID) })
	if errors.Is(err, storage.ErrNotFound) {
		return nil // rolled back, or already deleted
	}
	if err != nil {
		return err
	}
	check := &viewCheck{s: s, st: st, results: map[string]bool{}}
	if st.ReblogOfID != nil {
		if check.original, err = s.store.StatusByID(ctx, *st.ReblogOfID); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return nil
			}
			return err
		}
	}
	s.meta.put(st)
	event := "update"
	if ev.Kind == "status.update" {
		event = "status.update"
	}
	rendered := map[string]string{} // viewer id -> Status JSON ("" when not shown)
	render := func(viewer *model.Account) (string, error) {
		if p, ok := rendered[viewer.ID]; ok {
			return p, nil
		}
		out, ok, err := s.api.StatusJSON(ctx, viewer, st)
		if err != nil {
			return "", err
		}
		p := ""
		if ok {
			p = string(out)
		}
		rendered[viewer.ID] = p
		return p, nil
	}
	for _, c := range s.hub.list() {
		viewer := c.currentViewer()
		subs := c.subscriptions()
		if len(subs) == 0 {
			continue
		}
		visible, err := check.canView(ctx, viewer)
		if err != nil {
			return err
		}
		if !visible {
			continue
		}
		for _, sub := range subs {
			if sub.name == streamDirect {
				if err := s.sendConversation(ctx, c, viewer, sub, ev, st); err != nil {
					return err
				}
				continue
			}
			if !sub.carriesStatuses() {
				continue
			}
			ok, err := s.matches(ctx, viewer, sub, st)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			payload, err := render(viewer)
			if err != nil {
				return err
			}
			if payload == "" {
				continue
			}
			c.remember(st.ID)
			c.send(message{Stream: sub.names(), Event: event, Payload: payload})
		}
	}
	return nil
}

// sendConversation sends a new direct message on the "direct" stream, as
// Mastodon does: a "conversation" event with the Conversation entity.
func (s *Streaming) sendConversation(ctx context.Context, c *conn, viewer *model.Account, sub stream, ev social.LiveEvent, st *model.Status) error {
	if ev.Kind != "status" || st.Visibility != model.VisibilityDirect || st.ReblogOfID != nil {
		return nil
	}
	out, ok, err := s.api.ConversationJSON(ctx, viewer, st.ThreadID)
	if err != nil || !ok {
		return err
	}
	c.remember(st.ID)
	c.send(message{Stream: sub.names(), Event: "conversation", Payload: string(out)})
	return nil
}

// onlyStatus narrows a timeline query to one status, keeping the
// viewer's visibility filter (social.VisibleFilter, CanView's SQL twin).
func onlyStatus(visible func(q *bun.SelectQuery) *bun.SelectQuery, id string) storage.StatusFilter {
	return func(q *bun.SelectQuery) *bun.SelectQuery { return visible(q).Where("s.id = ?", id) }
}

// matches reports whether st belongs on sub for viewer: the REST
// timeline of the same name would list it (the timelines' own rules,
// including blocks and mutes, are asked about this one status).
func (s *Streaming) matches(ctx context.Context, viewer *model.Account, sub stream, st *model.Status) (bool, error) {
	filter := onlyStatus(s.social.VisibleFilter(viewer), st.ID)
	now := s.social.Now().UTC()
	one := storage.Page{Limit: 1}
	var entries []storage.Entry
	var err error
	switch sub.name {
	case streamUser:
		if entries, err = s.store.HomeTimeline(ctx, viewer.ID, filter, now, one); err != nil || len(entries) > 0 {
			return len(entries) > 0, err
		}
		return s.inMemberGroup(ctx, viewer, st, now)
	case streamPublic, streamPublicLocal, streamPublicRemote:
		opts := storage.PublicOptions{Local: sub.name == streamPublicLocal, Remote: sub.name == streamPublicRemote}
		entries, err = s.store.PublicTimeline(ctx, viewer.ID, filter, opts, now, one)
	case streamHashtag, streamHashtagLocal:
		opts := storage.PublicOptions{Tag: sub.norm, Local: sub.name == streamHashtagLocal}
		entries, err = s.store.PublicTimeline(ctx, viewer.ID, filter, opts, now, one)
	case streamList:
		entries, err = s.store.ListTimeline(ctx, viewer.ID, sub.list.ID, sub.list.RepliesPolicy, filter, now, one)
	default:
		return false, nil
	}
	return len(entries) > 0, err
}

// inMemberGroup: posts made in a group the viewer is a member of reach
// their user stream too, unless the viewer blocks or mutes the author.
// (CanView has already decided that the viewer may see the post.)
func (s *Streaming) inMemberGroup(ctx context.Context, viewer *model.Account, st *model.Status, now time.Time) (bool, error) {
	if st.GroupID == nil || st.ReblogOfID != nil {
		return false, nil
	}
	member, err := s.store.IsMember(ctx, *st.GroupID, viewer.ID)
	if err != nil || !member {
		return false, err
	}
	rels, err := s.store.Relationships(ctx, viewer.ID, []string{st.AccountID}, now)
	if err != nil {
		return false, err
	}
	return len(rels) == 1 && !rels[0].Blocking && !rels[0].Muting, nil
}

// dispatchDelete announces a deletion once it is committed: to the
// connections the status was sent to, and, when this process saw it and
// it was public or unlisted, on every status stream (its id was public).
// The id of a deleted members-only post or direct message never reaches
// anyone it was not sent to.
func (s *Streaming) dispatchDelete(ctx context.Context, ev social.LiveEvent) error {
	for i := 0; ; i++ {
		_, err := s.store.StatusByID(ctx, ev.ID)
		if errors.Is(err, storage.ErrNotFound) {
			break
		}
		if err != nil {
			return err
		}
		if i == len(retryDelays) {
			return nil // still there: the deletion was rolled back
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(retryDelays[i]):
		}
	}
	meta, known := s.meta.get(ev.ID)
	public := known && (meta.visibility == model.VisibilityPublic || meta.visibility == model.VisibilityUnlisted)
	for _, c := range s.hub.list() {
		if !public && !c.wasSent(ev.ID) {
			continue
		}
		for _, sub := range c.subscriptions() {
			if sub.carriesStatuses() || (sub.name == streamDirect && c.wasSent(ev.ID)) {
				c.send(message{Stream: sub.names(), Event: "delete", Payload: ev.ID})
			}
		}
	}
	return nil
}

// dispatchNotification sends a notification to its recipient's user and
// user:notification streams.
func (s *Streaming) dispatchNotification(ctx context.Context, ev social.LiveEvent) error {
	type target struct {
		c    *conn
		subs []stream
	}
	var targets []target
	for _, c := range s.hub.list() {
		if c.currentViewer().ID != ev.AccountID {
			continue
		}
		var subs []stream
		for _, sub := range c.subscriptions() {
			if sub.name == streamNotification || (sub.name == streamUser && c.readNotifications) {
				subs = append(subs, sub)
			}
		}
		if len(subs) > 0 {
			targets = append(targets, target{c, subs})
		}
	}
	if len(targets) == 0 {
		return nil
	}
	n, err := loadRetrying(ctx, func() (*model.Notification, error) { return s.store.Notification(ctx, ev.AccountID, ev.ID) })
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var st *model.Status
	if n.StatusID != nil {
		if st, err = s.store.StatusByID(ctx, *n.StatusID); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return nil
			}
			return err
		}
	}
	for _, t := range targets {
		if strings.HasPrefix(n.Type, coopolPrefix) && !t.c.coopol {
			continue
		}
		viewer := t.c.currentViewer()
		if st != nil {
			ok, err := s.social.CanView(ctx, viewer, st)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		out, ok, err := s.api.NotificationJSON(ctx, viewer, n)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		for _, sub := range t.subs {
			t.c.send(message{Stream: sub.names(), Event: "notification", Payload: string(out)})
		}
	}
	return nil
}
